package negotiation

import "github.com/tlsconform/tlsconform/suite/checks"

// goDeviations: crypto/tls reads only supported_versions when the
// ClientHello carries it and never looks at legacy_version
// (handshake_server.go, readClientHello), at TLS 1.3 and TLS 1.2 alike.
var goDeviations = []checks.Deviation{
	{Pattern: `^version-negotiation/tls1[23]/.*/legacy-version-0300-refused$`,
		Why: "RFC 8446 Appendix D.5: \"Any endpoint receiving a Hello message with ClientHello.legacy_version ... set to 0x0300 MUST abort the handshake with a protocol_version alert\"; crypto/tls negotiates from supported_versions regardless"},
}
