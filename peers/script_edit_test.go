package peers_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/loopback"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// closingServer accepts connections until the test ends and closes each
// at once: enough for RunScript to dial and run its setup.
func closingServer(t *testing.T) string { return loopback.ServeEach(t, func(net.Conn) {}) }

// editPanic runs script with one edit registered as name and returns what
// RunScript panicked with ("" when it did not).
func editPanic(addr string, script peers.Script, name string) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	setup := func(cv *peers.Conversation) { cv.Edit(name, func(raw []byte) []byte { return raw }) }
	peers.RunScript(context.Background(), peers.TCP(addr), &peers.ClientConfig{Timeout: 2 * time.Second}, script, setup)
	return ""
}

// TestEditUnknownStepPanics: an edit that no step of the script applies (a
// typo in a check) fails loudly, naming the step, instead of sending the
// unchanged bytes.
func TestEditUnknownStepPanics(t *testing.T) {
	addr := closingServer(t)
	s13, s12 := peers.DefaultScript(wire.VersionTLS13), peers.DefaultScript(wire.VersionTLS12)
	for _, c := range []struct {
		name   string
		script peers.Script
		edit   string
	}{
		{"typo", s13, "Finshed"},
		{"removed step", s12.Remove(peers.StepClientKeyExchange), peers.StepClientKeyExchange},
		{"step after Through", s12.Through(peers.StepClientHello), peers.StepFinished},
		{"certificate without a step sending it", s12.Through(peers.StepServerFlight), peers.StepCertificate},
		{"certificate verify without a step sending it", s12.Through(peers.StepServerFlight), peers.StepCertificateVerify},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg := editPanic(addr, c.script, c.edit)
			if msg == "" {
				t.Fatalf("Edit(%q) on a script without it did not panic", c.edit)
			}
			if !strings.Contains(msg, fmt.Sprintf("%q", c.edit)) {
				t.Errorf("panic %q does not name the step %q", msg, c.edit)
			}
		})
	}
}

// TestEditKnownSteps: every name a step applies an edit under is
// accepted, including those that are not the step's own name.
func TestEditKnownSteps(t *testing.T) {
	addr := closingServer(t)
	s13, s12 := peers.DefaultScript(wire.VersionTLS13), peers.DefaultScript(wire.VersionTLS12)
	again := peers.SendChangeCipherSpec().Renamed("ChangeCipherSpecAgain")
	for _, c := range []struct {
		name   string
		script peers.Script
		edit   string
	}{
		{"ClientHello", s13, peers.StepClientHello},
		{"ClientKeyExchange", s12, peers.StepClientKeyExchange},
		{"ChangeCipherSpec", s12, peers.StepChangeCipherSpec},
		{"Finished", s12, peers.StepFinished},
		{"Certificate with the TLS 1.3 Finished", s13, peers.StepCertificate},
		{"Certificate with SendRequestedCertificate", s12.Through(peers.StepServerFlight).Then(peers.SendRequestedCertificate()), peers.StepCertificate},
		{"Certificate with a corrupted Finished", s13.Replace(peers.StepFinished, peers.CorruptRecord(peers.SendFinished(), func([]byte) {})), peers.StepCertificate},
		{"CertificateVerify with the TLS 1.2 ClientKeyExchange", s12, peers.StepCertificateVerify},
		{"CertificateVerify with the TLS 1.3 Finished", s13, peers.StepCertificateVerify},
		{"CertificateVerify with SendRequestedCertificate", s13.Through(peers.StepServerFlight).Then(peers.SendRequestedCertificate()), peers.StepCertificateVerify},
		{"CertificateVerify with a changed ClientKeyExchange", s12.Replace(peers.StepClientKeyExchange, peers.SendClientKeyExchangeChanged(nil)), peers.StepCertificateVerify},
		{"ClientHello after a HelloRetryRequest", peers.Script{peers.ExpectServerHello()}, peers.StepClientHello},
		{"the old name of a renamed step", s13.Remove(peers.StepChangeCipherSpec).Then(again), peers.StepChangeCipherSpec},
		{"the new name of a renamed step", s13.Then(again), "ChangeCipherSpecAgain"},
		{"a SendMessage step", s13.Then(peers.SendMessage("Extra", func(*peers.Conversation) (wire.Message, error) { return &wire.Finished{}, nil })), "Extra"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if msg := editPanic(addr, c.script, c.edit); msg != "" {
				t.Errorf("Edit(%q): %s", c.edit, msg)
			}
		})
	}
}
