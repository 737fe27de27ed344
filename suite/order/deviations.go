package order

import "github.com/tlsconform/tlsconform/suite/checks"

// goDeviations: crypto/tls drops every ChangeCipherSpec 0x01 of a
// TLS 1.3 connection (conn.go, readRecordOrCCS), protected or not, before
// or after the Finished.
var goDeviations = []checks.Deviation{
	{Pattern: `^message-order/tls13/ecdhe/ccs-encrypted$`,
		Why: "RFC 8446 §5: a protected change_cipher_spec record MUST abort the handshake with unexpected_message; crypto/tls decrypts it and drops it as it drops the compatibility CCS"},
	{Pattern: `^message-order/tls13/ecdhe/ccs-after-finished$`,
		Why: "RFC 8446 §5: a change_cipher_spec record after the peer's Finished MUST be treated as an unexpected record type (unexpected_message); crypto/tls drops it (its BoGo config disables SendPostHandshakeChangeCipherSpec-TLS13)"},
}
