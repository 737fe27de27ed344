// Package fuzz holds the fuzz harnesses of tlsconform: a ClientHello, a
// ClientKeyExchange or the record layer of the reference client's flight is
// changed (by a mutator from the registry, or by raw fuzzer bytes spliced
// into it) and the conversation runs against the in-process Go crypto/tls
// server over an in-memory connection; and arbitrary bytes are fed to the
// reference client as what a server sent.
//
// The harnesses live in ordinary files so that the native Go fuzz targets
// (fuzz_test.go), the go-fuzz and libFuzzer entry points (gofuzz.go, build
// tag gofuzz) and the campaign runner share them. Every execution is
// bounded: each read and write has a deadline, and a conversation in which
// both ends wait to read (or both to write) is cut at once instead of
// waiting for the deadline. Randomness and time are fixed by the input, so
// an input replays the same conversation.
//
// A panic anywhere is a crash the fuzzer reports; Result.Check states the
// invariants the harness asserts beyond that.
//
// Start with fuzz_test.go (the native targets), then hello.go, cke.go,
// record.go and flight.go (one input type and harness each) and exec.go
// (Result and its invariants). The network campaign is in fuzz/campaign.
//
// fuzz imports peers and its sub-packages, mutators, corpus and targets.
// It must not import suite (the runner or its families), cmd, Ginkgo or
// Gomega.
package fuzz
