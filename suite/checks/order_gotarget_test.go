package checks_test

// goKnownFailuresOrder: crypto/tls drops every ChangeCipherSpec 0x01 of a
// TLS 1.3 connection (conn.go, readRecordOrCCS), protected or not, before
// or after the Finished.
var goKnownFailuresOrder = []knownFailure{
	{`^message-order/tls13/ecdhe/ccs-encrypted$`,
		"RFC 8446 §5: a protected change_cipher_spec record MUST abort the handshake with unexpected_message; crypto/tls decrypts it and drops it as it drops the compatibility CCS"},
	{`^message-order/tls13/ecdhe/ccs-after-finished$`,
		"RFC 8446 §5: a change_cipher_spec record after the peer's Finished MUST be treated as an unexpected record type (unexpected_message); crypto/tls drops it (its BoGo config disables SendPostHandshakeChangeCipherSpec-TLS13)"},
}
