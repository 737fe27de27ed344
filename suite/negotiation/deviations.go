package negotiation

import "github.com/tlsconform/tlsconform/suite/checks"

// goDeviations: crypto/tls reads only supported_versions when the
// ClientHello carries it and never looks at legacy_version
// (handshake_server.go, readClientHello), at TLS 1.3 and TLS 1.2 alike.
var goDeviations = []checks.Deviation{
	{Pattern: `^version-negotiation/tls1[23]/.*/legacy-version-0[23]00-refused$`,
		Why: "RFC 8446 Appendix D.5: a ClientHello.legacy_version of 0x0300 or less MUST abort the handshake with protocol_version; crypto/tls negotiates from supported_versions regardless"},
}
