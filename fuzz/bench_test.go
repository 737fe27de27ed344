package fuzz_test

import (
	"testing"

	"github.com/tlsconform/tlsconform/fuzz"
)

// The cost of one execution of each target, without the fuzzer's
// instrumentation (go test ./fuzz -run '^$' -bench .).

func BenchmarkClientHello(b *testing.B) {
	e, err := sharedEnv()
	if err != nil {
		b.Fatal(err)
	}
	in := fuzz.HelloInput{Mode: 3, Seed: 7, Data: []byte{1, 2, 3}}
	for b.Loop() {
		e.ClientHello(in)
	}
}

func BenchmarkClientHelloControl(b *testing.B) {
	e, err := sharedEnv()
	if err != nil {
		b.Fatal(err)
	}
	r := e.ClientHello(fuzz.HelloInput{Mode: 2})
	in := fuzz.HelloInput{Mode: 2, Data: r.Original}
	for b.Loop() {
		e.ClientHello(in)
	}
}

func BenchmarkClientKeyExchange(b *testing.B) {
	e, err := sharedEnv()
	if err != nil {
		b.Fatal(err)
	}
	in := fuzz.CKEInput{Mode: 1, Data: []byte{0, 1, 2}}
	for b.Loop() {
		e.ClientKeyExchange(in)
	}
}

func BenchmarkServerFlight(b *testing.B) {
	e, err := sharedEnv()
	if err != nil {
		b.Fatal(err)
	}
	data, _ := e.RecordServerFlight(0)
	in := fuzz.FlightInput{Data: data}
	for b.Loop() {
		fuzz.ServerFlight(in)
	}
}
