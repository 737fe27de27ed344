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
// before the change was sent fails. What proves nothing either way is
// inconclusive (see Inconclusive): a reset, a record no key opens, and
// silence that lasted even after the client pushed the target to decide.
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
	if why := Inconclusive(o); why != "" {
		v.Status, v.Reason = reports.Inconclusive, why
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
	case peers.OutcomeClosed:
		v.Status = reports.Warn
		v.Reason = "the handshake stopped, but the target closed without an alert"
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

// Inconclusive says why an outcome proves nothing about the target
// either way, or "" when it is evidence:
//   - a reset: the target ended the connection, but a reset can destroy
//     the alert it wrote just before (it closed with unread input), so
//     what it said is unknown;
//   - a record that opened under no key the conversation had: perhaps an
//     alert, perhaps not;
//   - silence that lasted even after the client pushed the target to
//     decide (peers.Outcome.Pushed): it may still be waiting for bytes a
//     message promised; and a plain close that came only after the push,
//     which answers the client's own close.
//
// A judge calls it where the missing alert, or the missing answer, could
// have decided the verdict (fail closed: never a pass).
func Inconclusive(o peers.Outcome) string {
	switch {
	case o.Kind == peers.OutcomeReset:
		return "the target reset the connection: a reset can destroy an alert written just before it, so what the target said is unknown"
	case o.Kind == peers.OutcomeError && o.Undecryptable:
		return "the target answered with a record that no key of the conversation opens: it may be an alert, or not"
	case o.Kind == peers.OutcomeAlert && o.Pushed != "":
		return "the target alerted only after the client " + o.Pushed + ": the alert may answer the end of the stream, not the change"
	case o.Kind == peers.OutcomeClosed && o.Pushed != "":
		return "the target closed only after the client " + o.Pushed + ": a close in answer to the client's own is no refusal"
	case o.Kind == peers.OutcomeTimeout && o.Pushed != "":
		return "the target said nothing before the deadline, nor after the client " + o.Pushed + ": it may be waiting for bytes it was promised, so silence proves neither acceptance nor rejection"
	}
	return ""
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

// Should is ch at SHOULD level, resting on rule: what ch checks is a
// duty that no RFC sentence puts on the target in key words, so a
// failure of its Run is a warning, with why after the reason (strict
// mode counts it as a failure again). A target that could not be
// reached still fails: a warning is never bought by silence.
func Should(ch Check, rule Rule, why string) Check {
	ch.Level, ch.Rule = SHOULD, rule
	run := ch.Run
	ch.Run = func(ctx context.Context, env *Env) Verdict {
		v := run(ctx, env)
		if v.Status != reports.Fail || slices.ContainsFunc(v.Conversations, func(cv *peers.Conversation) bool { return cv.Outcome.Unreachable() }) {
			return v
		}
		v.Status = reports.Warn
		if v.Reason == "" {
			v.Reason = why
		} else {
			v.Reason += "; " + why
		}
		return v
	}
	return ch
}

// BaselineTitle names the baseline checks' area, as the specs' Describe
// text.
const BaselineTitle = "Baseline (RFC 5246 §7.3, RFC 8446 §2): a valid handshake"

// Baseline is the baseline check of context c (the one All lists first
// for c), without building the whole catalogue.
func Baseline(c Context) Check { return baseline(c) }

// ClientBaseline is the positive control of a context for a client under
// test: against the well-behaved reference server serving that context,
// the client completes the handshake and sends application data.
func ClientBaseline(c Context) Check {
	id := "client-baseline/" + c.Slug() + "/handshake-completes"
	rfc := "RFC 5246 §7.3"
	if c.Version == wire.VersionTLS13 {
		rfc = "RFC 8446 §2"
	}
	return Check{
		Source: definedHere(), ID: id, Area: "client-baseline", Row: 14, RFC: rfc, Level: MUST, Ctx: c, Baseline: true,
		Title: "completes a valid handshake with the reference server and sends application data",
		Run: func(ctx context.Context, env *Env) Verdict {
			return ClientCompletes(env.Serve(ctx, c, id))
		},
	}
}

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
		Source: definedHere(), ID: id, Area: "baseline", Row: 14, RFC: rfc, Level: MUST, Ctx: c, Baseline: true, Script: peers.DefaultScript(c.Version),
		Title: "completes a valid handshake with its flight in RFC order and a Finished that verifies",
		Run: func(ctx context.Context, env *Env) Verdict {
			return Complete(env.Converse(ctx, c, id, peers.DefaultScript(c.Version)))
		},
	}
}
