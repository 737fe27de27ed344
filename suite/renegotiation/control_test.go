package renegotiation

import (
	"errors"
	"testing"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// TestControlReadsTheOutcome: the control renegotiation passes only when
// it completes; a refusal before any push is a skip (a server need not
// renegotiate), and what only answers our push, a reset or silence
// proves nothing: inconclusive, which makes the changed checks skip
// rather than judge a target not shown to renegotiate.
func TestControlReadsTheOutcome(t *testing.T) {
	script := controlScript(nil, wire.VersionTLS12)
	fatal := func(d wire.AlertDescription) wire.Alert {
		return wire.Alert{Level: wire.AlertLevelFatal, Description: d}
	}
	at := peers.StepRenegServerHello
	for _, tc := range []struct {
		name   string
		o      peers.Outcome
		secure bool
		want   reports.Status
	}{
		{"completed", peers.Outcome{Kind: peers.OutcomeCompleted}, true, reports.Pass},
		{"no_renegotiation", peers.Outcome{Kind: peers.OutcomeAlert, Step: at, Alert: fatal(wire.AlertNoRenegotiation)}, true, reports.Skip},
		{"a fatal alert", peers.Outcome{Kind: peers.OutcomeAlert, Step: at, Alert: fatal(wire.AlertHandshakeFailure)}, true, reports.Skip},
		{"a close", peers.Outcome{Kind: peers.OutcomeClosed, Step: at}, true, reports.Skip},
		{"an alert after our push", peers.Outcome{Kind: peers.OutcomeAlert, Step: at, Alert: fatal(wire.AlertHandshakeFailure), Pushed: peers.PushHalfClose}, true, reports.Inconclusive},
		{"a close after our push", peers.Outcome{Kind: peers.OutcomeClosed, Step: at, Pushed: peers.PushHalfClose}, true, reports.Inconclusive},
		{"a reset", peers.Outcome{Kind: peers.OutcomeReset, Step: at}, true, reports.Inconclusive},
		{"silence", peers.Outcome{Kind: peers.OutcomeTimeout, Step: at}, true, reports.Inconclusive},
		{"a wrong ServerHello", peers.Outcome{Kind: peers.OutcomeError, Step: at, Err: errors.New("renegotiation_info missing")}, true, reports.Fail},
		{"no secure renegotiation", peers.Outcome{Kind: peers.OutcomeAlert, Step: at, Alert: fatal(wire.AlertNoRenegotiation)}, false, reports.Skip},
		{"unreachable", peers.Outcome{Kind: peers.OutcomeRefused, Step: peers.StepDial}, false, reports.Fail},
	} {
		got, why := judgeControlOutcome(tc.o, script, tc.secure, "observed")
		if got != tc.want {
			t.Errorf("%s: %s, want %s (%s)", tc.name, got, tc.want, why)
		}
		if got != reports.Pass && why == "" {
			t.Errorf("%s: %s without a reason", tc.name, got)
		}
	}
}
