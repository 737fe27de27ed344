package negotiation

import (
	"fmt"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// The SSL 2.0 records of the compatible-hello checks (RFC 5246 Appendix
// E.2, RFC 6176).

// v2CipherSpec is a TLS cipher suite in the 3-byte form of an SSL 2.0
// CLIENT-HELLO: {0x00, hi, lo} (RFC 5246 Appendix E.2).
func v2CipherSpec(s wire.CipherSuite) [3]byte { return [3]byte{0, byte(s >> 8), byte(s)} }

// sslv2CKRC4128WithMD5 is SSL_CK_RC4_128_WITH_MD5, an SSL 2.0 cipher spec
// that compatible ClientHellos carried (RFC 6101 Appendix E).
var sslv2CKRC4128WithMD5 = [3]byte{0x01, 0x00, 0x80}

// sslv2ClientHello is an SSL 2.0 CLIENT-HELLO as one record with the 2-byte
// header (RFC 5246 Appendix E.2): msg_length with the high bit set,
// msg_type 1, version, the three lengths, cipher specs, an empty session
// ID, and challenge (16 to 32 bytes; a TLS server right-aligns it into the
// client random). A TLS client that sends it for compatibility puts its
// highest TLS version in version; a pure SSL 2.0 client puts {0x00, 0x02}.
func sslv2ClientHello(version wire.Version, specs [][3]byte, challenge []byte) ([]byte, error) {
	body := []byte{1, byte(version >> 8), byte(version)}
	n := 3 * len(specs)
	body = append(body, byte(n>>8), byte(n), 0, 0, byte(len(challenge)>>8), byte(len(challenge)))
	for _, s := range specs {
		body = append(body, s[:]...)
	}
	body = append(body, challenge...)
	if len(body) > 0x7fff {
		return nil, fmt.Errorf("negotiation: SSL 2.0 CLIENT-HELLO of %d bytes does not fit a 2-byte header", len(body))
	}
	return append([]byte{0x80 | byte(len(body)>>8), byte(len(body))}, body...), nil
}

// isSSLv2ServerHello reports whether b starts with an SSL 2.0
// SERVER-HELLO record (msg_type 4 after a 2-byte header).
func isSSLv2ServerHello(b []byte) bool { return len(b) >= 3 && b[0]&0x80 != 0 && b[2] == 4 }
