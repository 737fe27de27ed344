// Package checks is the vocabulary every check family shares: what a
// check is and how it is judged, so that the families under suite/ and
// the runner in package suite speak of them the same way.
//
//   - Check is one conformance check in one Context (a version and a key
//     exchange): a stable id, the RFC section, the Level (MUST fails,
//     SHOULD warns), the requirement as a sentence, and Run, which holds
//     the conversation and returns a Verdict.
//   - Env is what a check gets of the run: how to reach the target, its
//     Profile (what it was found to support), the timeout, the seed, the
//     key log.
//   - The judges turn a conversation into a Verdict: Reject (the target
//     must end the handshake in answer to the changed step, with the alert
//     the RFC names, else a warning) and Complete (the handshake and an
//     application-data round trip complete); Baseline is the positive
//     control of a context.
//   - Family is everything one family owns (its checks, the reference
//     server's misbehaviours that the self-test runs them against, each
//     misbehaviour's SelfTest expectations, crypto/tls's known Deviation
//     list).
//
// Start with Check and Verdict (checks.go), then Reject and Complete
// (verdict.go) and Family (family.go). A new check does not go here but
// into its family's package; what two families share goes here.
//
// checks imports the engine (peers and its sub-packages), mutators and
// reports. It must not import package suite (the runner), any family
// package, targets, fuzz, Ginkgo or Gomega.
package checks
