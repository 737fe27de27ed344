package hello

import (
	"testing"

	"github.com/tlsconform/tlsconform/internal/fixture"
	"github.com/tlsconform/tlsconform/peers"
)

// TestLenientParseReadsUpToTrailingBytes: hello/accept-trailing-bytes
// parses a ClientHello whose length covers two bytes after its last field,
// which the reference server's own parse refuses.
func TestLenientParseReadsUpToTrailingBytes(t *testing.T) {
	long, err := fixture.ClientHelloTrailing(0xde, 0xad)
	if err != nil {
		t.Fatal(err)
	}
	plan := peers.DefaultServerPlan()
	if _, err := plan.ParseClientHello(nil, long); err == nil {
		t.Fatal("the default plan parses a ClientHello with trailing bytes")
	}
	var m peers.Misbehaviour
	for _, x := range Misbehaviours() {
		if x.Name == "hello/accept-trailing-bytes" {
			m = x
		}
	}
	if m.Apply == nil {
		t.Fatal("no misbehaviour hello/accept-trailing-bytes")
	}
	m.Apply(&plan)
	got, err := plan.ParseClientHello(nil, long)
	if err != nil || len(got.Extensions) != 1 {
		t.Errorf("lenient parse: %v, %v", got, err)
	}
}
