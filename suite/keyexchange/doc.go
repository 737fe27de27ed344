// Package keyexchange is the ClientKeyExchange family (RFC 5246 §7.4.7,
// §7.4.7.1; RFC 8422 §5.7, §5.11; RFC 7748 §6.1): one check per
// client_key_exchange/ mutator of package mutators in each TLS 1.0-1.2
// context of its key exchange (RSA padding and version variants, length
// lies, invalid ECDHE points), and the ROBOT padding-oracle check for RSA
// key transport: every bad pre-master secret must draw the same answer as
// a good one followed by a wrong Finished.
//
// Start with Family (family.go), then checks.go. misbehave.go holds the
// reference server's broken key exchanges (RSA without the Bleichenbacher
// countermeasure, unvalidated points) for the self-test; selftest.go what
// each must make the checks do, derived from the mutators' expectation
// classes; deviations.go crypto/tls's known MUST failures here. A new
// ClientKeyExchange check goes in this package; a new malformation goes
// into package mutators.
//
// keyexchange imports the engine (peers and its sub-packages), mutators, reports and
// suite/checks. It must not import package suite (the runner), another
// family, targets, fuzz, Ginkgo or Gomega.
package keyexchange
