// Package suite runs the conformance catalogue against a target: it
// probes what the target supports, skips what cannot apply (with the
// reason), runs each context's baseline handshake first and fails what
// depends on a failed baseline, notices a target that died and fails
// the rest without talking to it, and keeps every result in the report
// model of package reports (report.json, summary.md, the key log).
//
// Start here: Run judges a list of checks (the whole catalogue of
// suite/checks by default) against a target and returns the report;
// Start, Runner.Check and Runner.Close do the same one check at a time,
// which is how the Ginkgo specs in this folder use it (one It per check,
// `make conformance`). OpenTarget opens what a user names (builtin,
// openssl, gnutls, HOST:PORT, reference[:MISBEHAVIOUR]); Reference starts
// the suite's own server.
//
//	tgt, err := suite.OpenTarget(ctx, "127.0.0.1:4433", 2*time.Second)
//	...
//	defer tgt.Close()
//	rep, err := suite.Run(ctx, tgt, suite.Options{Seed: 1, ReportDir: "out"}, nil)
//	if err != nil { ... }                  // the target could not be tested at all
//	if reports.Failed(rep, false) { ... }  // a MUST check failed
//
// Ginkgo and Gomega are used by the specs (the _test.go files) and
// nowhere else; this package itself imports neither.
package suite
