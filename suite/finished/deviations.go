package finished

import "github.com/tlsconform/tlsconform/suite/checks"

// goDeviations: crypto/tls meets every MUST of the Finished checks. It
// answers a bad TLS 1.2 Finished with handshake_failure where RFC 5246
// §7.4.9 names decrypt_error: a SHOULD-level deviation, a warning.
var goDeviations = []checks.Deviation{}
