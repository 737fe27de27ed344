package negotiation

import (
	"testing"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// TestNoSharedOffer: a warning about the alert of a client_version check
// stands when the offer held a suite the target completes handshakes
// with; without one, handshake_failure or insufficient_security may
// answer the key exchange, and only the stop (the MUST) is judged.
func TestNoSharedOffer(t *testing.T) {
	c := checks.Context{Version: wire.VersionTLS10, KX: checks.KXECDHEECDSA}
	warned := func(d wire.AlertDescription) checks.Verdict {
		cv := &peers.Conversation{Outcome: peers.Outcome{Kind: peers.OutcomeAlert, Alert: wire.Alert{Level: wire.AlertLevelFatal, Description: d}}}
		return checks.Verdict{Status: reports.Warn, Reason: "the alert", Conversations: []*peers.Conversation{cv}}
	}
	for _, tc := range []struct {
		alert  wire.AlertDescription
		shared bool
		want   reports.Status
	}{
		{wire.AlertHandshakeFailure, false, reports.Pass},
		{wire.AlertInsufficientSecurity, false, reports.Pass},
		{wire.AlertHandshakeFailure, true, reports.Warn},
		{wire.AlertIllegalParameter, false, reports.Warn},
	} {
		if got := noSharedOffer(warned(tc.alert), tc.shared, c); got.Status != tc.want {
			t.Errorf("%s, shared %v: %s, want %s (%s)", tc.alert, tc.shared, got.Status, tc.want, got.Reason)
		}
	}
	fail := warned(wire.AlertHandshakeFailure)
	fail.Status = reports.Fail
	if got := noSharedOffer(fail, false, c); got.Status != reports.Fail {
		t.Errorf("a failure became %s", got.Status)
	}
}
