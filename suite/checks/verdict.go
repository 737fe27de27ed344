package checks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// AlertNames renders "decode_error or illegal_parameter".
func AlertNames(want []wire.AlertDescription) string {
	names := make([]string, len(want))
	for i, d := range want {
		names[i] = d.String()
	}
	return strings.Join(names, " or ")
}

// Observed describes how a conversation ended, for a person.
func Observed(cv *peers.Conversation) string {
	o := cv.Outcome
	s := o.String()
	if o.Step != "" && o.Step != peers.StepEnd {
		s += " (at " + o.Step + ")"
	}
	return s
}

// Reject judges a conversation in which the target must not go on after
// the change made at step: an alert in want passes; another alert, or a
// close without one, is a SHOULD-level deviation (the handshake stopped,
// which is the MUST); going on, silence past the deadline, or an answer
// before the change was sent fails.
func Reject(cv *peers.Conversation, script peers.Script, step string, want ...wire.AlertDescription) Verdict {
	v := Verdict{
		Expected:      "the handshake stops, with " + AlertNames(want),
		Observed:      Observed(cv),
		Conversations: []*peers.Conversation{cv},
	}
	o := cv.Outcome
	if o.Unreachable() {
		v.Status, v.Reason = reports.Fail, "target unreachable"
		return v
	}
	if o.EndedBefore(script, step) {
		v.Status = reports.Fail
		v.Reason = fmt.Sprintf("the conversation ended at %s, before the change at %s was sent: the check could not be made", o.Step, step)
		return v
	}
	switch o.Kind {
	case peers.OutcomeAlert:
		if slices.Contains(want, o.Alert.Description) && o.Alert.Level == wire.AlertLevelFatal {
			v.Status = reports.Pass
			return v
		}
		v.Status = reports.Warn
		v.Reason = fmt.Sprintf("the handshake stopped, but with %s where the RFC names %s", o.Alert.Description, AlertNames(want))
	case peers.OutcomeClosed, peers.OutcomeReset:
		v.Status = reports.Warn
		v.Reason = "the handshake stopped, but the target closed without an alert"
	case peers.OutcomeError:
		if o.Undecryptable {
			v.Status = reports.Warn
			v.Reason = "the handshake stopped, but the target answered with a record the client could not decrypt (an alert under unexpected keys?)"
			break
		}
		v.Status = reports.Fail
		v.Reason = "the target answered with something the client could not accept"
	case peers.OutcomeTimeout:
		v.Status = reports.Fail
		v.Reason = "the target neither rejected nor went on before the deadline"
	case peers.OutcomeCompleted:
		v.Status = reports.Fail
		v.Reason = "the target accepted what it must reject"
	default: // our own verdict on what the target sent back
		v.Status = reports.Fail
		v.Reason = "the target answered with something the client could not accept"
	}
	return v
}

// Complete judges a conversation that must complete.
func Complete(cv *peers.Conversation) Verdict {
	v := Verdict{Expected: "the handshake and an application-data round trip complete", Observed: Observed(cv), Conversations: []*peers.Conversation{cv}}
	switch {
	case cv.Outcome.Kind == peers.OutcomeCompleted && cv.Outcome.WentOn == "":
		v.Status = reports.Pass
	case cv.Outcome.Unreachable():
		v.Status, v.Reason = reports.Fail, "target unreachable"
	default:
		v.Status = reports.Fail
	}
	return v
}

// BaselineTitle names the baseline checks' area, as the specs' Describe
// text.
const BaselineTitle = "Baseline (RFC 5246 §7.3, RFC 8446 §2): a valid handshake"

// Baseline is the baseline check of context c (the one All lists first
// for c), without building the whole catalogue.
func Baseline(c Context) Check { return baseline(c) }

// baseline is the positive control of a context: a valid handshake and an
// application-data round trip complete (the server's flight comes in RFC
// order, RFC 5246 §7.3 and RFC 8446 §2, and its Finished verifies, RFC 5246
// §7.4.9 and RFC 8446 §4.4.4, which the client checks on the way).
func baseline(c Context) Check {
	id := "baseline/" + c.Slug() + "/handshake-completes"
	rfc := "RFC 5246 §7.3"
	if c.Version == wire.VersionTLS13 {
		rfc = "RFC 8446 §2"
	}
	return Check{
		ID: id, Area: "baseline", Row: 14, RFC: rfc, Level: MUST, Ctx: c, Baseline: true, Script: peers.DefaultScript(c.Version),
		Title: "completes a valid handshake with its flight in RFC order and a Finished that verifies",
		Run: func(ctx context.Context, env *Env) Verdict {
			return Complete(env.Converse(ctx, c, id, peers.DefaultScript(c.Version)))
		},
	}
}
