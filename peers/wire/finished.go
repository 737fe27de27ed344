package wire

// Finished: the body is verify_data, no length prefix (RFC 8446 §4.4.4,
// RFC 5246 §7.4.9). Any length is read and written.
type Finished struct {
	VerifyData []byte
}

func (m *Finished) Type() HandshakeType { return TypeFinished }

func (m *Finished) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *Finished) marshalTo(b *builder) {
	b.handshake(TypeFinished, "finished", func() { b.raw("verify_data", m.VerifyData) })
}

// UnmarshalFinished parses a Finished, header included.
func UnmarshalFinished(data []byte) (*Finished, error) {
	r, err := openHandshake(data, TypeFinished)
	if err != nil {
		return nil, err
	}
	return &Finished{VerifyData: r.rest()}, nil
}
