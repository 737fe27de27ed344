package hello

import "github.com/tlsconform/tlsconform/suite/checks"

// goDeviations: crypto/tls reads legacy_session_id with any length
// up to 255 (handshake_messages.go, clientHelloMsg.unmarshal, a plain
// readUint8LengthPrefixed) and echoes it, where the syntax allows 32.
var goDeviations = []checks.Deviation{
	{Pattern: `^client-hello/tls1[0-3]/[^/]+/session_id/(33|255)-bytes$`,
		Why: "RFC 5246 §7.4.1.2 and RFC 8446 §4.1.2 define session_id<0..32>, and RFC 8446 §6 says a message with an out-of-range length MUST be answered with decode_error; crypto/tls accepts a session ID of up to 255 bytes and goes on"},
	{Pattern: `^client-hello/tls13/ecdhe/extensions/missing/key_share$`,
		Why: "RFC 8446 §9.2: a ClientHello with supported_groups \"MUST also contain a key_share extension\", and \"Servers receiving a ClientHello which does not conform to these requirements MUST abort the handshake with a missing_extension alert\"; crypto/tls treats an absent key_share like an empty one and answers with a HelloRetryRequest (handshake_server_tls13.go, processClientHello)"},
}
