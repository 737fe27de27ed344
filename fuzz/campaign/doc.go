// Package campaign is the network fuzz campaign: it sends mutated
// conversations to a live target (any HOST:PORT, the built-in crypto/tls
// server, OpenSSL or GnuTLS started here, or a process it starts itself
// from a command line), watches for crashes, hangs, acceptance of what
// must be rejected and, with a second target, disagreements, and saves
// each finding, deduplicated and minimized, with the exact bytes sent and
// a one-command replay.
//
// Every conversation is a Case: a kind (ClientHello, ClientKeyExchange,
// record framing, message order, Finished), a version, the names of the
// changes it makes and a seed. A Case is a pure function of the campaign
// seed, the worker and the iteration (and of what the target was found to
// support), and a saved Case replays the same bytes from the client.
//
// Start with Run and Config (campaign.go), then Case (case.go), the kinds
// of conversation and their expectations (catalog.go), the oracles
// (converse.go, finding.go) and Replay (replay.go). misbehave.go holds the
// reference server's planted crash and hang that the campaign's own test
// must find.
//
// campaign imports peers and its sub-packages, targets, mutators, corpus,
// internal/extproc, the shared check vocabulary (suite/checks) and the
// families whose changes it draws: a malformation's expectation and level
// come from its mutator (package mutators), as for the conformance
// checks, and the message-order and Finished variants are the ones
// suite/order and suite/finished describe (checks.Variant). It must not
// import the runner of package suite, cmd, Ginkgo or Gomega.
package campaign
