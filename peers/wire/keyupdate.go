package wire

// KeyUpdateRequest values (RFC 8446 §4.6.3).
const (
	KeyUpdateNotRequested uint8 = 0
	KeyUpdateRequested    uint8 = 1
)

// KeyUpdate (RFC 8446 §4.6.3): one request_update byte.
type KeyUpdate struct {
	RequestUpdate uint8
}

func (m *KeyUpdate) Type() HandshakeType { return TypeKeyUpdate }

func (m *KeyUpdate) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *KeyUpdate) marshalTo(b *builder) {
	b.handshake(TypeKeyUpdate, "key_update", func() { b.u8("request_update", m.RequestUpdate) })
}

// UnmarshalKeyUpdate parses a KeyUpdate, header included.
func UnmarshalKeyUpdate(data []byte) (*KeyUpdate, error) {
	r, err := openHandshake(data, TypeKeyUpdate)
	if err != nil {
		return nil, err
	}
	m := &KeyUpdate{RequestUpdate: r.u8("request_update")}
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}
