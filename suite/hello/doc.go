// Package hello is the ClientHello family (RFC 5246 §7.4.1.2; RFC 8446
// §4.1.2, §4.2, §9.2; RFC 6066; RFC 5746; RFC 8701): one check per
// client_hello/ mutator of package mutators and per context (truncation
// at every field boundary, lies in every length field, trailing data,
// duplicate, missing, reordered and unknown extensions, GREASE, malformed
// extension bodies, odd field values), each judged by the mutator's
// expectation (must reject, must tolerate, may reject) at the level it
// sets for the version; plus the second ClientHello after a
// HelloRetryRequest.
//
// Start with Family (family.go), then checks.go. misbehave.go holds the
// reference server's lenient ClientHello parsers for the self-test;
// selftest.go what each must make the checks do (much of it derived from
// the mutators' expectation classes); deviations.go crypto/tls's known
// MUST failures here. A new ClientHello check goes in this package; a new
// ClientHello malformation goes into package mutators, with its
// expectation and level, and becomes a check here without new code.
//
// hello imports the engine (peers and its sub-packages), mutators, reports and
// suite/checks. It must not import package suite (the runner), another
// family, targets, fuzz, Ginkgo or Gomega.
package hello
