package peers_test

import (
	"context"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// renegScript is the full handshake, then a renegotiation r: the whole
// handshake and an application-data round trip when complete, else the
// renegotiating ClientHello and the target's answer.
func renegScript(v wire.Version, r peers.Renegotiation, complete bool) peers.Script {
	s := peers.DefaultScript(v).Remove(peers.StepApplicationData)
	if complete {
		return s.Then(peers.RenegotiationSteps(r)...).Then(peers.ExchangeApplicationData())
	}
	return s.Then(peers.Renegotiate(r), peers.ExpectRejection(false))
}

// TestRenegotiation: the reference server renegotiates securely (RFC 5746
// §3.7) and refuses a wrong renegotiated_connection, or none, with
// handshake_failure; crypto/tls refuses renegotiation.
func TestRenegotiation(t *testing.T) {
	p := mustPKI(t)
	ref := startRefServer(t, peers.ServerConfig{Versions: []wire.Version{wire.VersionTLS10, wire.VersionTLS12}, Timeout: 5 * time.Second})
	goSrv := startGoServer(t, nil)
	wrong := peers.Renegotiation{VerifyData: func(vd []byte) []byte { vd[len(vd)-1] ^= 1; return vd }}
	for _, cb := range []combo{
		{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.GroupX25519},
		{wire.VersionTLS10, wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, wire.GroupX25519},
	} {
		t.Run(cb.String(), func(t *testing.T) {
			run := func(addr string, r peers.Renegotiation, complete bool) *peers.Conversation {
				return peers.RunScript(context.Background(), peers.TCP(addr), cb.clientConfig(p), renegScript(cb.version, r, complete))
			}
			cv := run(ref, peers.Renegotiation{}, true)
			if o := cv.Outcome; o.Kind != peers.OutcomeCompleted || o.WentOn != "" {
				t.Fatalf("secure renegotiation: %v at %s", o, o.Step)
			}
			if !cv.SecureRenegotiation() || !cv.Renegotiating() {
				t.Errorf("secure renegotiation not noted")
			}
			for name, r := range map[string]peers.Renegotiation{"wrong verify data": wrong, "legacy": {Legacy: true}} {
				o := run(ref, r, false).Outcome
				if o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertHandshakeFailure || o.Alert.Level != wire.AlertLevelFatal {
					t.Errorf("%s: %v at %s, want a fatal handshake_failure", name, o, o.Step)
				}
			}
			o := run(goSrv, peers.Renegotiation{}, true).Outcome
			// crypto/tls takes only a HelloRequest after a TLS 1.0-1.2
			// handshake (conn.go, handleRenegotiation): unexpected_message.
			if o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertUnexpectedMessage || o.Step != peers.StepRenegServerHello {
				t.Errorf("crypto/tls: %v at %s, want unexpected_message at %s", o, o.Step, peers.StepRenegServerHello)
			}
		})
	}
}

// TestRenegotiationBounded: the reference server renegotiates
// MaxRenegotiations times on one connection, then refuses with
// handshake_failure: a client that asks without end costs a bounded
// amount.
func TestRenegotiationBounded(t *testing.T) {
	p := mustPKI(t)
	ref := startRefServer(t, peers.ServerConfig{Versions: []wire.Version{wire.VersionTLS12}, Timeout: 5 * time.Second})
	cb := combo{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.GroupX25519}
	s := peers.DefaultScript(wire.VersionTLS12).Remove(peers.StepApplicationData)
	for range peers.MaxRenegotiations {
		s = s.Then(peers.RenegotiationSteps(peers.Renegotiation{})...)
	}
	s = s.Then(peers.Renegotiate(peers.Renegotiation{}), peers.ExpectRejection(false))
	o := peers.RunScript(context.Background(), peers.TCP(ref), cb.clientConfig(p), s).Outcome
	// At the last step: every renegotiation before it completed.
	if o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertHandshakeFailure || o.Step != peers.StepExpectRejection {
		t.Errorf("renegotiation %d: %v at %s, want handshake_failure at %s", peers.MaxRenegotiations+1, o, o.Step, peers.StepExpectRejection)
	}
}
