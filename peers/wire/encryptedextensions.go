package wire

// EncryptedExtensions (RFC 8446 §4.3.1): one extensions block, always
// present (nil and empty both write a zero-length block).
type EncryptedExtensions struct {
	Extensions []Extension
}

func (m *EncryptedExtensions) Type() HandshakeType { return TypeEncryptedExtensions }

func (m *EncryptedExtensions) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *EncryptedExtensions) marshalTo(b *builder) {
	b.handshake(TypeEncryptedExtensions, "encrypted_extensions", func() {
		writeExtensions(b, m.Extensions, siteEncryptedExtensions)
	})
}

// UnmarshalEncryptedExtensions parses an EncryptedExtensions, header
// included.
func UnmarshalEncryptedExtensions(data []byte) (*EncryptedExtensions, error) {
	r, err := openHandshake(data, TypeEncryptedExtensions)
	if err != nil {
		return nil, err
	}
	m := &EncryptedExtensions{Extensions: parseExtensions(r)}
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}
