//go:build gofuzz

// The go-fuzz and libFuzzer entry points (go-fuzz-build builds this
// package with the tag gofuzz; with -libfuzzer, gofuzz_libfuzzer too).
// Each decodes its knobs from the head of the input (see input.go) and
// runs the same harness as the native target of the same name; a failed
// invariant panics, which both engines report as a crash.
//
// Outside `go test` crypto's randomness cannot be fixed (Go 1.26 ignores
// custom readers unless GODEBUG=cryptocustomrand=1, and then not
// reproducibly), so crypto/tls's key shares and signatures and the RSA
// certificate differ from run to run: replay a finding through the native
// target (go test ./fuzz -run FuzzX/NAME), which fixes them.

package fuzz

import (
	"sync"

	// The instrumented build imports go-fuzz-dep; importing it here too
	// keeps its module in go.mod through go mod tidy.
	_ "github.com/dvyukov/go-fuzz/go-fuzz-dep"
)

// gofuzzEnv is made once per process, as the native targets' is: the
// engines call the entry points with no other place to keep it.
var gofuzzEnv = sync.OnceValue(func() *Env {
	ts, err := CorpusTemplates()
	if err != nil {
		panic(err)
	}
	e, err := NewEnv(Options{Templates: ts})
	if err != nil {
		panic(err)
	}
	return e
})

// FuzzClientHello is the go-fuzz / libFuzzer form of the native target.
func FuzzClientHello(data []byte) int {
	return gofuzzEnv().ClientHello(DecodeHelloInput(data)).mustCheck()
}

// FuzzClientKeyExchange is the go-fuzz / libFuzzer form of the native target.
func FuzzClientKeyExchange(data []byte) int {
	return gofuzzEnv().ClientKeyExchange(DecodeCKEInput(data)).mustCheck()
}

// FuzzRecord is the go-fuzz / libFuzzer form of the native target.
func FuzzRecord(data []byte) int {
	return gofuzzEnv().Record(DecodeRecordInput(data)).mustCheck()
}

// FuzzServerFlight is the go-fuzz / libFuzzer form of the native target.
func FuzzServerFlight(data []byte) int {
	return ServerFlight(DecodeFlightInput(data)).mustCheck()
}
