package resumption

import "github.com/tlsconform/tlsconform/suite/checks"

// goDeviations: none. crypto/tls (handshake_server.go, checkForResumption)
// resumes a TLS 1.0-1.2 ticket only at its own version and with its own
// suite still offered, never a session without extended_master_secret
// for a ClientHello with it, and aborts a session with it offered without
// it (RFC 7627 §5.3); it keeps no session ID cache, so the session ID
// checks skip. In TLS 1.3 (handshake_server_tls13.go) it skips a PSK
// whose hash is not the chosen suite's and answers a wrong binder with
// decrypt_error.
var goDeviations []checks.Deviation
