package checks_test

import (
	"errors"
	"testing"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// TestRejectReadsTheOutcome: what Reject makes of each way a conversation
// ends after the change: a reset, a record no key opens and silence even
// after a push prove nothing (inconclusive, never a pass); a close without
// an alert is a warning; silence without a push, or going on, fails.
func TestRejectReadsTheOutcome(t *testing.T) {
	script := peers.DefaultScript(wire.VersionTLS12).Through(peers.StepFinished).Then(peers.ExpectRejection(true))
	at := peers.StepExpectRejection
	fatal := func(d wire.AlertDescription) wire.Alert {
		return wire.Alert{Level: wire.AlertLevelFatal, Description: d}
	}
	for _, tc := range []struct {
		name string
		o    peers.Outcome
		want reports.Status
	}{
		{"the alert named", peers.Outcome{Kind: peers.OutcomeAlert, Alert: fatal(wire.AlertDecryptError)}, reports.Pass},
		{"another alert", peers.Outcome{Kind: peers.OutcomeAlert, Alert: fatal(wire.AlertHandshakeFailure)}, reports.Warn},
		{"a close", peers.Outcome{Kind: peers.OutcomeClosed}, reports.Warn},
		{"a close after a push", peers.Outcome{Kind: peers.OutcomeClosed, Pushed: peers.PushHalfClose}, reports.Inconclusive},
		{"a reset", peers.Outcome{Kind: peers.OutcomeReset}, reports.Inconclusive},
		{"undecryptable", peers.Outcome{Kind: peers.OutcomeError, Undecryptable: true, Err: errors.New("x")}, reports.Inconclusive},
		{"silence after a push", peers.Outcome{Kind: peers.OutcomeTimeout, Pushed: peers.PushHalfClose}, reports.Inconclusive},
		{"silence", peers.Outcome{Kind: peers.OutcomeTimeout}, reports.Fail},
		{"went on", peers.Outcome{Kind: peers.OutcomeCompleted, WentOn: "Finished"}, reports.Fail},
		{"our verdict", peers.Outcome{Kind: peers.OutcomeError, Err: errors.New("garbage")}, reports.Fail},
	} {
		tc.o.Step = at
		cv := &peers.Conversation{Outcome: tc.o}
		v := checks.Reject(cv, script, peers.StepFinished, wire.AlertDecryptError)
		if v.Status != tc.want {
			t.Errorf("%s: %s, want %s (%s)", tc.name, v.Status, tc.want, v.Reason)
		}
		if tc.want == reports.Inconclusive && v.Reason == "" {
			t.Errorf("%s: inconclusive without a reason", tc.name)
		}
	}
}
