// Package campaign is the network fuzz campaign: it sends mutated
// conversations to a live target (any HOST:PORT, the built-in crypto/tls
// server, OpenSSL or GnuTLS started here, or a process it starts itself
// from a command line), watches for crashes, hangs, acceptance of what
// must be rejected and, with a second target, disagreements, and saves
// each finding, deduplicated and minimized, with the exact bytes sent and
// a one-command replay.
//
// Every conversation is a Case: a kind (ClientHello, ClientKeyExchange,
// record framing, message order, Finished, the ClientHello after a
// HelloRetryRequest, the ClientHello of a resumption, a sequence of
// those flights), a version, the names of the changes it makes and a
// seed. A Case is a pure function of the campaign
// seed, the worker and the iteration (and of what the target was found to
// support), and a saved Case replays the same bytes from the client.
//
// A finding is a bug, not a conversation: a crash or hang is keyed by
// the failure site the target's own output names (site.go: a Go panic
// and its first frames outside the runtime, a sanitizer's SUMMARY and
// top frames, a signal and the faulting frame), an acceptance by the
// rule broken and the target's answer, at any version and on any
// template; every conversation that reaches a finding is one of its
// inputs, and the smallest is its reproducer (finding.go, store.go). A
// minimized acceptance is judged again with the gate's rules and the
// reference receiver before it is saved (judge.go); one the gate's
// expected-deviations file names is counted, not saved (expect.go, which
// maps findings to check ids). The target's output is followed line by
// line into REPORT_DIR/target.log and a bounded ring, from which each
// finding's stderr.txt is cut (outlog.go).
//
// Every run ends with REPORT_DIR/summary.md and report.html, interrupted
// or not, and a merge writes them too (summary.go; package reports draws
// them). A campaign splits into shards that partition its inputs
// (shard.go), and Merge joins the shards' REPORT_DIRs with the same
// deduplication (merge.go).
//
// Start with Run and Config (campaign.go), then Case (case.go), the kinds
// of conversation and their expectations (catalog.go), the oracles
// (converse.go), what happens when one fires (triage.go) and Replay
// (replay.go); the conversations past a valid ClientHello are in deep.go
// and sequence.go. misbehave.go and planted.go hold the reference
// server's planted crashes, panic and hangs that the campaign's own tests
// must find.
//
// campaign imports peers and its sub-packages, targets, mutators, corpus,
// internal/extproc, the shared check vocabulary (suite/checks) and the
// families whose changes it draws: a malformation's expectation and level
// come from its mutator (package mutators), as for the conformance
// checks, and the message-order and Finished variants are the ones
// suite/order and suite/finished describe (checks.Variant); the
// ClientHello, key-exchange and record families give the check ids a
// finding maps to; package reports draws the summary. It must not import the runner of package suite, cmd,
// Ginkgo or Gomega (its tests may: they read the gate's crypto/tls
// expectations as the command does).
package campaign
