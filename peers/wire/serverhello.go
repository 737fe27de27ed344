package wire

import "bytes"

// ServerHello, RFC 8446 §4.1.3 and RFC 5246 §7.4.1.3. A HelloRetryRequest is
// a ServerHello whose Random is HelloRetryRequestRandom.
type ServerHello struct {
	Version           Version // legacy_version
	Random            []byte  // written as is, no length prefix; read as 32 bytes
	SessionID         []byte  // legacy_session_id_echo
	CipherSuite       CipherSuite
	CompressionMethod uint8
	Extensions        []Extension // nil: block omitted; non-nil empty: zero-length block
}

func (m *ServerHello) Type() HandshakeType { return TypeServerHello }

// IsHelloRetryRequest reports whether Random is the HelloRetryRequest value
// (RFC 8446 §4.1.3).
func (m *ServerHello) IsHelloRetryRequest() bool {
	return bytes.Equal(m.Random, HelloRetryRequestRandom[:])
}

func (m *ServerHello) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *ServerHello) marshalTo(b *builder) {
	site := siteServerHello
	if m.IsHelloRetryRequest() {
		site = siteHelloRetryRequest
	}
	b.handshake(TypeServerHello, "server_hello", func() {
		b.u16("version", uint16(m.Version))
		b.raw("random", m.Random)
		b.vecBytes("session_id", 1, m.SessionID)
		b.u16("cipher_suite", uint16(m.CipherSuite))
		b.u8("compression_method", m.CompressionMethod)
		if m.Extensions != nil {
			writeExtensions(b, m.Extensions, site)
		}
	})
}

// UnmarshalServerHello parses a ServerHello (or HelloRetryRequest), header
// included.
func UnmarshalServerHello(data []byte) (*ServerHello, error) {
	r, err := openHandshake(data, TypeServerHello)
	if err != nil {
		return nil, err
	}
	m := &ServerHello{}
	m.Version = Version(r.u16("version"))
	m.Random = r.raw("random", randomLen)
	m.SessionID = r.vec("session_id", 1)
	m.CipherSuite = CipherSuite(r.u16("cipher_suite"))
	m.CompressionMethod = r.u8("compression_method")
	// Optional block, as in ClientHello (RFC 5246 §7.4.1.3).
	if r.ok() && !r.empty() {
		m.Extensions = parseExtensions(r)
		if m.Extensions == nil {
			m.Extensions = []Extension{}
		}
		r.done("")
	}
	if err := r.error(); err != nil {
		return nil, err
	}
	return m, nil
}
