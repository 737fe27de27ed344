package wire

import "slices"

// ClientHello, RFC 8446 §4.1.2 and RFC 5246 §7.4.1.2.
//
// Random is written as is, without a length prefix, so a Random that is not
// 32 bytes shifts every field after it: the tester's choice. Unmarshal
// always reads 32 bytes.
type ClientHello struct {
	Version            Version // legacy_version
	Random             []byte
	SessionID          []byte
	CipherSuites       []CipherSuite
	CompressionMethods []uint8
	// Extensions nil omits the extensions block entirely (a TLS 1.0-style
	// hello); non-nil and empty writes a zero-length block. Unmarshal sets
	// nil exactly when the block is absent.
	Extensions []Extension
}

func (m *ClientHello) Type() HandshakeType { return TypeClientHello }

func (m *ClientHello) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *ClientHello) marshalTo(b *builder) {
	b.handshake(TypeClientHello, "client_hello", func() {
		b.u16("version", uint16(m.Version))
		b.raw("random", m.Random)
		b.vecBytes("session_id", 1, m.SessionID)
		writeU16s(b, "cipher_suites", 2, m.CipherSuites)
		b.vecBytes("compression_methods", 1, m.CompressionMethods)
		if m.Extensions != nil {
			writeExtensions(b, m.Extensions, siteClientHello)
		}
	})
}

// randomLen is the size of ClientHello.random and ServerHello.random.
const randomLen = 32

// UnmarshalClientHello parses a ClientHello, header included.
func UnmarshalClientHello(data []byte) (*ClientHello, error) {
	r, err := openHandshake(data, TypeClientHello)
	if err != nil {
		return nil, err
	}
	m := &ClientHello{}
	m.Version = Version(r.u16("version"))
	m.Random = r.raw("random", randomLen)
	m.SessionID = r.vec("session_id", 1)
	m.CipherSuites = u16List[CipherSuite](r, "cipher_suites", 2)
	m.CompressionMethods = u8List(r, "compression_methods", 1)
	// The extensions block is optional (RFC 5246 §7.4.1.2: "the presence
	// of extensions can be detected by determining whether there are bytes
	// following the compression_methods").
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

// Clone returns a deep copy: changing the copy never changes m.
func (m *ClientHello) Clone() *ClientHello {
	c := *m
	c.Random = slices.Clone(m.Random)
	c.SessionID = slices.Clone(m.SessionID)
	c.CipherSuites = slices.Clone(m.CipherSuites)
	c.CompressionMethods = slices.Clone(m.CompressionMethods)
	if m.Extensions != nil {
		c.Extensions = make([]Extension, len(m.Extensions))
		for i, e := range m.Extensions {
			c.Extensions[i] = Extension{Type: e.Type, Body: slices.Clone(e.Body)}
		}
	}
	return &c
}
