package wire

// CertificateStatus (RFC 6066 §8): status_type, then for ocsp(1) the
// OCSPResponse<1..2^24-1>. Every status type is read with that form.
type CertificateStatus struct {
	StatusType uint8
	Response   []byte
}

func (m *CertificateStatus) Type() HandshakeType { return TypeCertificateStatus }

func (m *CertificateStatus) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *CertificateStatus) marshalTo(b *builder) {
	b.handshake(TypeCertificateStatus, "certificate_status", func() {
		b.u8("status_type", m.StatusType)
		b.vecBytes("response", 3, m.Response)
	})
}

// UnmarshalCertificateStatus parses a CertificateStatus, header included.
func UnmarshalCertificateStatus(data []byte) (*CertificateStatus, error) {
	r, err := openHandshake(data, TypeCertificateStatus)
	if err != nil {
		return nil, err
	}
	m := &CertificateStatus{}
	m.StatusType = r.u8("status_type")
	m.Response = r.vec("response", 3)
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}
