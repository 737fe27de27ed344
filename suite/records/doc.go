// Package records is the record-layer family (RFC 5246 §6.2; RFC 8446
// §5, §5.1, §5.4): the client's first flight framed by every record/
// mutator of package mutators (fragmented, padded past 2^14, with records
// of other types or versions around it), and protected records once the
// keys are in place (a MAC or tag that does not verify, records over the
// size limits, unknown content types, zero-length records, floods).
//
// Start with Family (family.go), then checks.go. misbehave.go holds the
// reference server's broken record layers for the self-test; selftest.go
// what each must make the checks do; deviations.go crypto/tls's known
// deviations here. A new record-layer check goes in this package; a new
// framing goes into package mutators.
//
// records imports the engine (peers and its sub-packages), mutators, reports and
// suite/checks. It must not import package suite (the runner), another
// family, targets, fuzz, Ginkgo or Gomega.
package records
