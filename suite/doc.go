// Package suite is the conformance runner: it runs the check catalogue
// against a target. It probes what the target supports, skips what cannot
// apply (with the reason), runs each context's baseline handshake first
// and fails what depends on a failed baseline, notices a target that died
// and fails the rest without talking to it, turns warnings into failures
// in strict mode, writes the key log, and keeps every result in the report
// model of package reports (report.json, summary.md).
//
// From a go test of your own (gotest.go): Test runs the catalogue as
// subtests against a Target (Addr, Config for your own *tls.Config,
// Named), with the deviations you accept in an expectations file
// (expect.go; crypto/tls's ship in crypto-tls.expect.json and are the
// built-in target's default). The Ginkgo entry point is suite/specs.
//
// Start here (run.go): Run judges a list of checks (the whole Catalogue
// when the list is nil) against a target and returns the report; Start,
// Runner.Check and Runner.Close do the same one check at a time. Catalogue
// and Families (families.go) list the checks of every family, in the
// order the runner takes them; OpenTarget (target.go) opens what a user
// names (builtin, openssl, gnutls, HOST:PORT, reference[:MISBEHAVIOUR])
// and Reference starts the suite's own server; Probe (probe.go) learns the
// target's profile.
//
//	tgt, err := suite.OpenTarget(ctx, "127.0.0.1:4433", 2*time.Second)
//	...
//	defer tgt.Close()
//	rep, err := suite.Run(ctx, tgt, suite.Options{Seed: 1, ReportDir: "out"}, nil)
//	if err != nil { ... }                  // the target could not be tested at all
//	if reports.Failed(rep, false) { ... }  // a MUST check failed
//
// The checks themselves live in one package per family under this folder
// (order, negotiation, finished, hello, keyexchange, records, replay), on
// the vocabulary of suite/checks; a new check goes into its family, not
// here. The runner has several fronts: the Ginkgo specs of this folder
// (the _test.go files: one It per check, `make conformance`) are a thin
// rendering of it, and so are `tlsconform conformance`, the self-tests
// and a user's own `go test`.
//
// suite imports the engine (peers), targets, reports and its families. It
// must not import fuzz or cmd, and Ginkgo and Gomega stay in its _test.go
// files and in suite/specs: this package itself imports neither.
package suite
