package hello

import "github.com/tlsconform/tlsconform/suite/checks"

// goDeviations: crypto/tls reads legacy_session_id with any length
// up to 255 (handshake_messages.go, clientHelloMsg.unmarshal, a plain
// readUint8LengthPrefixed) and echoes it, where the syntax allows 32.
var goDeviations = []checks.Deviation{
	{Pattern: `^client-hello/tls1[0-3]/[^/]+/session_id/(33|255)-bytes$`,
		Why: "RFC 5246 §7.4.1.2 and RFC 8446 §4.1.2 define session_id<0..32>, and RFC 8446 §6 says a message with an out-of-range length MUST be answered with decode_error; crypto/tls accepts a session ID of up to 255 bytes and goes on"},
}
