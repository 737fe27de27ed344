package wire

// CertificateVerify (RFC 8446 §4.4.3; RFC 5246 §7.4.8 with the
// digitally-signed struct of §4.7). HasAlgorithm false is the TLS 1.0/1.1
// form, a bare signature<0..2^16-1>.
type CertificateVerify struct {
	HasAlgorithm bool
	Algorithm    SignatureScheme
	Signature    []byte
}

func (m *CertificateVerify) Type() HandshakeType { return TypeCertificateVerify }

func (m *CertificateVerify) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *CertificateVerify) marshalTo(b *builder) {
	b.handshake(TypeCertificateVerify, "certificate_verify", func() {
		if m.HasAlgorithm {
			b.u16("algorithm", uint16(m.Algorithm))
		}
		b.vecBytes("signature", 2, m.Signature)
	})
}

// UnmarshalCertificateVerify parses a CertificateVerify, header included;
// the algorithm is read when ctx.Version >= TLS 1.2 (so pass the version:
// a zero Context reads the TLS 1.0 form).
func UnmarshalCertificateVerify(data []byte, ctx Context) (*CertificateVerify, error) {
	r, err := openHandshake(data, TypeCertificateVerify)
	if err != nil {
		return nil, err
	}
	m := &CertificateVerify{}
	if ctx.Version >= VersionTLS12 {
		m.HasAlgorithm = true
		m.Algorithm = SignatureScheme(r.u16("algorithm"))
	}
	m.Signature = r.vec("signature", 2)
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}
