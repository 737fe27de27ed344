package wire

// EndOfEarlyData has an empty body (RFC 8446 §4.5).
type EndOfEarlyData struct{}

func (m *EndOfEarlyData) Type() HandshakeType { return TypeEndOfEarlyData }

func (m *EndOfEarlyData) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *EndOfEarlyData) marshalTo(b *builder) {
	b.handshake(TypeEndOfEarlyData, "end_of_early_data", func() {})
}

// UnmarshalEndOfEarlyData parses an EndOfEarlyData; a non-empty body is
// ErrTrailing.
func UnmarshalEndOfEarlyData(data []byte) (*EndOfEarlyData, error) {
	if err := emptyMessage(data, TypeEndOfEarlyData); err != nil {
		return nil, err
	}
	return &EndOfEarlyData{}, nil
}
