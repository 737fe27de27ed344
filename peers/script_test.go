package peers_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/record"
	"github.com/tlsconform/tlsconform/peers/wire"
)

func TestDefaultScriptCompletes(t *testing.T) {
	p := mustPKI(t)
	addr := startGoServer(t, nil)
	for _, cb := range []combo{
		{wire.VersionTLS13, wire.TLS_AES_128_GCM_SHA256, wire.GroupX25519},
		{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.GroupX25519},
		{wire.VersionTLS12, wire.TLS_RSA_WITH_AES_128_CBC_SHA, 0},
		{wire.VersionTLS10, wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, wire.GroupSecp256r1},
	} {
		t.Run(cb.String(), func(t *testing.T) {
			cv := peers.RunScript(context.Background(), peers.TCP(addr), cb.clientConfig(p), peers.DefaultScript(cb.version))
			if cv.Outcome.Kind != peers.OutcomeCompleted || cv.Outcome.WentOn != "" {
				t.Fatalf("outcome %v at %s", cv.Outcome, cv.Outcome.Step)
			}
			if len(cv.Events()) < 4 {
				t.Errorf("transcript has %d events", len(cv.Events()))
			}
		})
	}
}

// TestScriptFlippedFinished: a Finished with one bit flipped draws the
// server's alert, recorded as a typed outcome.
func TestScriptFlippedFinished(t *testing.T) {
	p := mustPKI(t)
	addr := startGoServer(t, nil)
	for _, cb := range []combo{
		{wire.VersionTLS13, wire.TLS_AES_128_GCM_SHA256, wire.GroupX25519},
		{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.GroupX25519},
	} {
		t.Run(cb.String(), func(t *testing.T) {
			script := peers.DefaultScript(cb.version).Through(peers.StepFinished).Then(peers.ExpectRejection(true))
			flip := func(cv *peers.Conversation) {
				cv.Edit(peers.StepFinished, func(raw []byte) []byte { raw[4] ^= 1; return raw })
			}
			cv := peers.RunScript(context.Background(), peers.TCP(addr), cb.clientConfig(p), script, flip)
			o := cv.Outcome
			if o.Kind != peers.OutcomeAlert || o.Alert.Level != wire.AlertLevelFatal {
				t.Fatalf("outcome %v at %s, want a fatal alert", o, o.Step)
			}
			// crypto/tls answers a bad TLS 1.2 Finished with
			// handshake_failure, a bad TLS 1.3 one with decrypt_error.
			want := wire.AlertDecryptError
			if cb.version == wire.VersionTLS12 {
				want = wire.AlertHandshakeFailure
			}
			if o.Alert.Description != want {
				t.Errorf("alert %s, want %s", o.Alert.Description, want)
			}
		})
	}
}

func TestScriptDeadTarget(t *testing.T) {
	cv := peers.RunScript(context.Background(), peers.TCP("127.0.0.1:1"), &peers.ClientConfig{Timeout: time.Second}, peers.DefaultScript(wire.VersionTLS13))
	if cv.Outcome.Kind != peers.OutcomeRefused || cv.Outcome.Step != peers.StepDial {
		t.Fatalf("outcome %v at %s, want refused at dial", cv.Outcome, cv.Outcome.Step)
	}
}

func TestScriptEditing(t *testing.T) {
	s := peers.DefaultScript(wire.VersionTLS12)
	extra := peers.Step{Name: "extra"}
	if got := s.InsertBefore(peers.StepClientKeyExchange, extra).Index("extra"); got != 3 {
		t.Errorf("InsertBefore put the step at %d", got)
	}
	if got := s.InsertAfter(peers.StepClientKeyExchange, extra).Index("extra"); got != 4 {
		t.Errorf("InsertAfter put the step at %d", got)
	}
	if s.Remove(peers.StepClientKeyExchange).Index(peers.StepClientKeyExchange) != -1 {
		t.Error("Remove left the step")
	}
	if len(s.Through(peers.StepFinished)) != 6 || len(s.Before(peers.StepFinished)) != 5 {
		t.Error("Through/Before lengths")
	}
	if len(s) != 8 || s[3].Name != peers.StepClientKeyExchange {
		t.Error("editing changed the original script")
	}
}

// TestExpectRejectionUndecryptable: a record that does not open (here a
// plaintext record over 2^14 bytes, which the null protection refuses as
// record_overflow) is an undecryptable answer, found through the typed
// record error, not a failure of ours.
func TestExpectRejectionUndecryptable(t *testing.T) {
	addr := hostileServer(t, func(c net.Conn) {
		_, _ = c.Write(wire.AppendRecord(nil, wire.ContentHandshake, wire.VersionTLS12, make([]byte, 1<<14+1)))
	})
	script := peers.DefaultScript(wire.VersionTLS13).Through(peers.StepClientHello).Then(peers.ExpectRejection(false))
	cv := peers.RunScript(context.Background(), peers.TCP(addr), &peers.ClientConfig{Timeout: 5 * time.Second}, script)
	o := cv.Outcome
	if o.Kind != peers.OutcomeError || !o.Undecryptable || o.Step != peers.StepExpectRejection {
		t.Fatalf("outcome %v (kind %s, undecryptable %t) at %s, want an undecryptable record at %s", o, o.Kind, o.Undecryptable, o.Step, peers.StepExpectRejection)
	}
	var re *record.Error
	if !errors.As(o.Err, &re) || re.Kind != record.RecordOverflow {
		t.Errorf("error %v, want a record.Error of kind record_overflow", o.Err)
	}
}
