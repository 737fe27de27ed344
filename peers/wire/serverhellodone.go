package wire

// ServerHelloDone has an empty body (RFC 5246 §7.4.5).
type ServerHelloDone struct{}

func (m *ServerHelloDone) Type() HandshakeType { return TypeServerHelloDone }

func (m *ServerHelloDone) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *ServerHelloDone) marshalTo(b *builder) {
	b.handshake(TypeServerHelloDone, "server_hello_done", func() {})
}

// UnmarshalServerHelloDone parses a ServerHelloDone; a non-empty body is
// ErrTrailing.
func UnmarshalServerHelloDone(data []byte) (*ServerHelloDone, error) {
	if err := emptyMessage(data, TypeServerHelloDone); err != nil {
		return nil, err
	}
	return &ServerHelloDone{}, nil
}
