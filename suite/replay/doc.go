// Package replay is the corpus family: every real ClientHello of package
// corpus replayed byte for byte. The target must answer each with a
// ServerHello or HelloRetryRequest that selects only what the client
// offered, never a GREASE or unknown value (RFC 8446 §4.1.2, RFC 8701 §3),
// unless it shares no version, suite or group with that client (then the
// check is skipped). Some captures also sit at a size edge of a
// ClientHello (256-511 bytes, more than 128 suites, over 2^14 and so
// split across records).
//
// Start with Family (family.go), then checks.go; the family has no
// misbehaviours, self-test expectations or known deviations of its own.
// A new check on captured client traffic goes in this package; a new
// capture goes into corpus/ (make corpus).
//
// replay imports the engine (peers and its sub-packages), corpus, reports and
// suite/checks. It must not import package suite (the runner), another
// family, targets, fuzz, Ginkgo or Gomega.
package replay
