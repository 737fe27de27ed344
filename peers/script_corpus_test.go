package peers_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// replayHello is a TLS 1.3 ClientHello as a real client would send it,
// with suites and one x25519 share (or none).
func replayHello(t *testing.T, suites []wire.CipherSuite, share bool) []byte {
	t.Helper()
	ks := wire.KeyShareClientExt()
	if share {
		pub := make([]byte, 32) // the x25519 base point: a valid public value
		pub[0] = 9
		ks = wire.KeyShareClientExt(wire.KeyShareEntry{Group: wire.GroupX25519, KeyExchange: pub})
	}
	ch := &wire.ClientHello{
		Version: wire.VersionTLS12, Random: make([]byte, 32), SessionID: bytes.Repeat([]byte{1}, 32),
		CipherSuites: suites, CompressionMethods: []uint8{0},
		Extensions: []wire.Extension{
			wire.ServerNameExt("localhost"),
			wire.SupportedVersionsClientExt(wire.Version(wire.GREASE(3)), wire.VersionTLS13),
			wire.SupportedGroupsExt(wire.GroupX25519),
			wire.SignatureAlgorithmsExt(wire.ECDSAWithP256AndSHA256, wire.PSSWithSHA256),
			ks,
		},
	}
	raw, err := ch.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestReplayFirstAnswer(t *testing.T) {
	addr := startGoServer(t, nil)
	for _, tc := range []struct {
		name   string
		hello  []byte
		kind   peers.OutcomeKind
		wentOn string
		alert  wire.AlertDescription
	}{
		{"server hello", replayHello(t, []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256}, true), peers.OutcomeCompleted, "ServerHello", 0},
		{"hello retry request", replayHello(t, []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256}, false), peers.OutcomeCompleted, "HelloRetryRequest", 0},
		{"no common suite", replayHello(t, []wire.CipherSuite{0x0a0a}, true), peers.OutcomeAlert, "", wire.AlertHandshakeFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Records of 100 bytes: the replay splits at the fragment size.
			cfg := &peers.ClientConfig{MaxFragment: 100}
			script := peers.Script{peers.SendClientHelloBytes(tc.hello, wire.VersionTLS10), peers.ReadFirstAnswer()}
			cv := peers.RunScript(context.Background(), peers.TCP(addr), cfg, script)
			o := cv.Outcome
			if o.Kind != tc.kind || o.WentOn != tc.wentOn || (tc.kind == peers.OutcomeAlert && o.Alert.Description != tc.alert) {
				t.Fatalf("outcome %v at %s", o, o.Step)
			}
			if o.WentOn != "" && cv.ServerHello() == nil {
				t.Error("the ServerHello was not kept")
			}
			sent := 0
			for _, e := range cv.Events() {
				if e.Dir == peers.Sent {
					sent++
				}
			}
			if want := (len(tc.hello) + 99) / 100; sent != want {
				t.Errorf("sent %d records, want %d", sent, want)
			}
			if !bytes.Equal(cv.TranscriptBytes()[:len(tc.hello)], tc.hello) {
				t.Error("the transcript does not start with the hello as sent")
			}
		})
	}
}
