// The server sets MinVersion TLS 1.0, which is what lets crypto/tls serve
// TLS 1.0 and 1.1; the directive keeps that so should the default change.
//
//go:debug tls10server=1

package fuzz_test

import (
	"runtime"
	"testing"
	"testing/cryptotest"
	"time"

	"github.com/tlsconform/tlsconform/fuzz"
)

// Each execution fixes crypto's randomness (testing/cryptotest), so that
// crypto/tls's key shares and signatures, and the certificates made on the
// first execution, are a function of the input: a finding replays.
const (
	certRandom = 1
	execRandom = 2
)

// env returns the process's Env with crypto's randomness fixed for this
// execution.
func env(t *testing.T) *fuzz.Env {
	t.Helper()
	cryptotest.SetGlobalRandom(t, certRandom)
	e, err := sharedEnv()
	if err != nil {
		t.Fatal(err)
	}
	cryptotest.SetGlobalRandom(t, execRandom)
	return e
}

// hangAfter is when an execution counts as hung: far past the handful of
// deadlines an execution can meet, and the native fuzzer has no timeout of
// its own.
const hangAfter = 10 * fuzz.DefaultTimeout

// check runs one execution, fails on a hang (with every goroutine's stack,
// so the input is saved and the wait is visible) and checks the result.
func check(t *testing.T, exec func() fuzz.Result) {
	t.Helper()
	done := make(chan fuzz.Result, 1)
	go func() { done <- exec() }()
	hang := time.NewTimer(hangAfter)
	defer hang.Stop()
	var r fuzz.Result
	select {
	case r = <-done:
	case <-hang.C:
		buf := make([]byte, 1<<20)
		t.Fatalf("the execution still runs after %v:\n%s", hangAfter, buf[:runtime.Stack(buf, true)])
	}
	if err := r.Check(); err != nil {
		t.Fatalf("%v\napplied: %s\noutcome: %s at %s (server: %v, stalled: %v)", err, r.Applied, r.Outcome, r.Outcome.Step, r.Server, r.Stalled)
	}
}

// FuzzClientHello changes the reference client's first ClientHello (a
// registry mutator, or the fuzzer's bytes as its body, one field, one
// extension) and runs the conversation against crypto/tls.
func FuzzClientHello(f *testing.F) {
	f.Fuzz(func(t *testing.T, offer, template, mode uint8, mutator uint16, seed uint64, data []byte) {
		in := fuzz.HelloInput{Offer: offer, Template: template, Mode: mode, Mutator: mutator, Seed: seed, Data: data}
		e := env(t)
		check(t, func() fuzz.Result { return e.ClientHello(in) })
	})
}

// FuzzClientKeyExchange changes the ClientKeyExchange of a TLS 1.0-1.2
// conversation (RSA or ECDHE).
func FuzzClientKeyExchange(f *testing.F) {
	f.Fuzz(func(t *testing.T, version, exchange, mode uint8, mutator uint16, seed uint64, data []byte) {
		in := fuzz.CKEInput{Version: version, Exchange: exchange, Mode: mode, Mutator: mutator, Seed: seed, Data: data}
		e := env(t)
		check(t, func() fuzz.Result { return e.ClientKeyExchange(in) })
	})
}

// FuzzRecord changes one of the client's flights below the record layer,
// or injects a record under the current keys.
func FuzzRecord(f *testing.F) {
	f.Fuzz(func(t *testing.T, offer, flight, mode uint8, mutator uint16, seed uint64, data []byte) {
		in := fuzz.RecordInput{Offer: offer, Flight: flight, Mode: mode, Mutator: mutator, Seed: seed, Data: data}
		e := env(t)
		check(t, func() fuzz.Result { return e.Record(in) })
	})
}

// FuzzServerFlight feeds the fuzzer's bytes to the reference client as
// what the server sent.
func FuzzServerFlight(f *testing.F) {
	f.Fuzz(func(t *testing.T, offer, mode uint8, data []byte) {
		check(t, func() fuzz.Result { return fuzz.ServerFlight(fuzz.FlightInput{Offer: offer, Mode: mode, Data: data}) })
	})
}
