package wire

// HelloRequest has an empty body (RFC 5246 §7.4.1.1).
type HelloRequest struct{}

func (m *HelloRequest) Type() HandshakeType { return TypeHelloRequest }

func (m *HelloRequest) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *HelloRequest) marshalTo(b *builder) {
	b.handshake(TypeHelloRequest, "hello_request", func() {})
}

// UnmarshalHelloRequest parses a HelloRequest; a non-empty body is
// ErrTrailing.
func UnmarshalHelloRequest(data []byte) (*HelloRequest, error) {
	if err := emptyMessage(data, TypeHelloRequest); err != nil {
		return nil, err
	}
	return &HelloRequest{}, nil
}
