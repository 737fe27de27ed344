package wire

// CertificateRequest12 is the TLS 1.0-1.2 CertificateRequest
// (RFC 5246 §7.4.4, RFC 4346 §7.4.4 without the algorithms).
type CertificateRequest12 struct {
	CertificateTypes []uint8 // certificate_types<1..2^8-1>
	// HasSignatureAlgorithms selects the TLS 1.2 form; parsing sets it when
	// ctx.Version >= TLS 1.2.
	HasSignatureAlgorithms bool
	SignatureAlgorithms    []SignatureScheme // supported_signature_algorithms<2..2^16-2>
	Authorities            [][]byte          // certificate_authorities: DistinguishedName<1..2^16-1> each
}

func (m *CertificateRequest12) Type() HandshakeType { return TypeCertificateRequest }

func (m *CertificateRequest12) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *CertificateRequest12) marshalTo(b *builder) {
	b.handshake(TypeCertificateRequest, "certificate_request", func() {
		b.vecBytes("certificate_types", 1, m.CertificateTypes)
		if m.HasSignatureAlgorithms {
			writeU16s(b, "supported_signature_algorithms", 2, m.SignatureAlgorithms)
		}
		b.vec("certificate_authorities", 2, func() {
			for i, dn := range m.Authorities {
				b.vecBytes(idx("certificate_authorities", i), 2, dn)
			}
		})
	})
}

// UnmarshalCertificateRequest12 parses the TLS 1.0-1.2 form, header
// included; ctx.Version >= TLS 1.2 reads the signature algorithms.
func UnmarshalCertificateRequest12(data []byte, ctx Context) (*CertificateRequest12, error) {
	r, err := openHandshake(data, TypeCertificateRequest)
	if err != nil {
		return nil, err
	}
	m := &CertificateRequest12{}
	m.CertificateTypes = u8List(r, "certificate_types", 1)
	if ctx.Version >= VersionTLS12 {
		m.HasSignatureAlgorithms = true
		m.SignatureAlgorithms = u16List[SignatureScheme](r, "supported_signature_algorithms", 2)
	}
	l := r.sub("certificate_authorities", 2)
	for i := 0; l.ok() && !l.empty(); i++ {
		m.Authorities = append(m.Authorities, l.vec(idx("certificate_authorities", i), 2))
	}
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}

// CertificateRequest13 is the TLS 1.3 CertificateRequest (RFC 8446 §4.3.2).
type CertificateRequest13 struct {
	Context    []byte // certificate_request_context<0..2^8-1>
	Extensions []Extension
}

func (m *CertificateRequest13) Type() HandshakeType { return TypeCertificateRequest }

func (m *CertificateRequest13) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *CertificateRequest13) marshalTo(b *builder) {
	b.handshake(TypeCertificateRequest, "certificate_request", func() {
		b.vecBytes("certificate_request_context", 1, m.Context)
		writeExtensions(b, m.Extensions, siteCertificateRequest)
	})
}

// UnmarshalCertificateRequest13 parses the TLS 1.3 form, header included.
func UnmarshalCertificateRequest13(data []byte) (*CertificateRequest13, error) {
	r, err := openHandshake(data, TypeCertificateRequest)
	if err != nil {
		return nil, err
	}
	m := &CertificateRequest13{}
	m.Context = r.vec("certificate_request_context", 1)
	m.Extensions = parseExtensions(r)
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}
