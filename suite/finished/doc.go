// Package finished is the Finished family (RFC 5246 §7.4.9; RFC 8446
// §4.4.4, §6.2; RFC 7627 §4): the server's Finished verifies, and a client
// Finished that is wrong, all zeros, truncated, empty, followed by
// trailing bytes, sent in the clear under TLS 1.3, computed over the wrong
// transcript or without the extended master secret is refused; a session
// whose handshake ended in a fatal alert is not resumed (RFC 5246 §7.2.2).
//
// Start with Family (family.go), then checks.go. misbehave.go holds the
// reference server's broken Finished verifications for the self-test;
// selftest.go what each must make the checks do; deviations.go crypto/tls's
// known deviations here. A new check of Finished verification goes in
// this package.
//
// finished imports the engine (peers and its sub-packages), reports and
// suite/checks. It must not import package suite (the runner), another
// family, targets, fuzz, Ginkgo or Gomega.
package finished
