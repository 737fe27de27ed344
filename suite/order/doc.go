// Package order is the message-order family: the handshake's state
// machine (RFC 5246 §7.1, §7.3, §7.4.9; RFC 8446 §4, §5, §5.1). Its checks
// send a message where the RFC allows none (a ChangeCipherSpec before the
// key exchange, application data before the Finished, a handshake message
// of another type in each slot), send one twice, leave one out, or split
// one across a key change, and require unexpected_message; they also
// check that the server's own flight comes in RFC order after a
// HelloRetryRequest and on resumption.
//
// Start with Family (family.go), then checks.go. steps.go holds the steps
// only this family sends (a message out of place, sample messages of every
// type, a message begun in the record before a key change); misbehave.go
// the reference server's broken state machines for the self-test;
// selftest.go what each must make the checks do; deviations.go
// crypto/tls's known MUST failures here. A new check of message order goes
// in this package.
//
// order imports the engine (peers and its sub-packages), reports and
// suite/checks. It must not import package suite (the runner), another
// family, targets, fuzz, Ginkgo or Gomega.
package order
