package renegotiation

import "github.com/tlsconform/tlsconform/suite/checks"

// goDeviations: none. crypto/tls never renegotiates as a server: a
// ClientHello after a TLS 1.0-1.2 handshake is not the HelloRequest
// handleRenegotiation (conn.go) takes, and it answers with a fatal
// unexpected_message. The control then skips (a server need not
// renegotiate), and so do the checks that need a renegotiating server.
var goDeviations []checks.Deviation
