package wire

// Certificate12 is the TLS 1.0-1.2 Certificate message (RFC 5246 §7.4.2):
// certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>.
type Certificate12 struct {
	Certificates [][]byte
}

func (m *Certificate12) Type() HandshakeType { return TypeCertificate }

func (m *Certificate12) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *Certificate12) marshalTo(b *builder) {
	b.handshake(TypeCertificate, "certificate", func() {
		b.vec("certificate_list", 3, func() {
			for i, c := range m.Certificates {
				b.vecBytes(idx("certificate_list", i), 3, c)
			}
		})
	})
}

// UnmarshalCertificate12 parses the TLS 1.0-1.2 form, header included.
func UnmarshalCertificate12(data []byte) (*Certificate12, error) {
	r, err := openHandshake(data, TypeCertificate)
	if err != nil {
		return nil, err
	}
	m := &Certificate12{}
	l := r.sub("certificate_list", 3)
	for i := 0; l.ok() && !l.empty(); i++ {
		m.Certificates = append(m.Certificates, l.vec(idx("certificate_list", i), 3))
	}
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}

// CertificateEntry is one entry of a TLS 1.3 certificate_list: cert_data
// (X.509 DER, or a raw public key) and its extensions.
type CertificateEntry struct {
	Data       []byte
	Extensions []Extension // nil and empty both write a zero-length block
}

// Certificate13 is the TLS 1.3 Certificate message (RFC 8446 §4.4.2).
type Certificate13 struct {
	Context []byte // certificate_request_context<0..2^8-1>
	Entries []CertificateEntry
}

func (m *Certificate13) Type() HandshakeType { return TypeCertificate }

func (m *Certificate13) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *Certificate13) marshalTo(b *builder) {
	b.handshake(TypeCertificate, "certificate", func() {
		b.vecBytes("certificate_request_context", 1, m.Context)
		b.vec("certificate_list", 3, func() {
			for i, e := range m.Entries {
				b.scope(idx("certificate_list", i), func() {
					b.vecBytes("cert_data", 3, e.Data)
					writeExtensions(b, e.Extensions, siteCertificateEntry)
				})
			}
		})
	})
}

// UnmarshalCertificate13 parses the TLS 1.3 form, header included.
func UnmarshalCertificate13(data []byte) (*Certificate13, error) {
	r, err := openHandshake(data, TypeCertificate)
	if err != nil {
		return nil, err
	}
	m := &Certificate13{}
	m.Context = r.vec("certificate_request_context", 1)
	l := r.sub("certificate_list", 3)
	for i := 0; l.ok() && !l.empty(); i++ {
		f := idx("certificate_list", i)
		d := l.vec(f+".cert_data", 3)
		exts := parseExtensionsNamed(l, f+".extensions")
		m.Entries = append(m.Entries, CertificateEntry{Data: d, Extensions: exts})
	}
	r.done("")
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}
