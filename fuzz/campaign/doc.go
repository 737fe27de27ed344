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
// campaign imports peers, targets, mutators, corpus and
// internal/extproc; never Ginkgo, Gomega or suite/checks (whose patterns
// it follows: see suite/checks/hello.go, keyexchange.go, records.go,
// order.go and finished.go).
package campaign
