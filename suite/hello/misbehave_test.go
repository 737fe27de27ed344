package hello

import (
	"testing"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// TestLenientParseReadsUpToTrailingBytes: hello/accept-trailing-bytes
// parses a ClientHello whose length covers two bytes after its last field,
// which the reference server's own parse refuses.
func TestLenientParseReadsUpToTrailingBytes(t *testing.T) {
	ch := &wire.ClientHello{Version: wire.VersionTLS12, Random: make([]byte, 32),
		CipherSuites: []wire.CipherSuite{wire.TLS_RSA_WITH_AES_128_GCM_SHA256}, CompressionMethods: []uint8{0},
		Extensions: []wire.Extension{wire.ExtendedMasterSecretExt()}}
	raw, err := ch.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	n := len(raw) - 4 + 2
	long := append([]byte{raw[0], byte(n >> 16), byte(n >> 8), byte(n)}, raw[4:]...)
	long = append(long, 0xde, 0xad)
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
