package renegotiation

import (
	"context"
	"fmt"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Secure renegotiation (row 62). Each check makes a full TLS 1.0-1.2
// handshake that negotiates secure renegotiation (the client's
// ClientHello carries an empty renegotiation_info, RFC 5746 §3.4), then
// renegotiates under the new keys. The control renegotiates as RFC 5746
// §3.5 says; the checks send a renegotiated_connection that is not the
// client_verify_data, neither renegotiation_info nor the SCSV, or the
// SCSV beside the right renegotiation_info, and
// run only against a target the control showed renegotiating: one that
// refuses all renegotiation breaks no rule here (RFC 5246 §7.2.2's
// no_renegotiation), and its refusal proves nothing.

const areaRenegotiation = "renegotiation"

// The receiver-duty sentences the checks rest on, quoted. "Abort the
// handshake" is RFC 5746 §3.3's shorthand for "send a fatal
// handshake_failure alert and terminate the connection".
var (
	ruleVerifyData = checks.Rule{Cite: "RFC 5746 §3.7", Text: "The server MUST verify that the value of the \"renegotiated_connection\" field is equal to the saved client_verify_data value; if it is not, the server MUST abort the handshake."}
	ruleExtension  = checks.Rule{Cite: "RFC 5746 §3.7", Text: "The server MUST verify that the \"renegotiation_info\" extension is present; if it is not, the server MUST abort the handshake."}
	ruleAnswer     = checks.Rule{Cite: "RFC 5746 §3.7", Text: "The server MUST include a \"renegotiation_info\" extension containing the saved client_verify_data and server_verify_data in the ServerHello."}
	ruleSCSV       = checks.Rule{Cite: "RFC 5746 §3.7", Text: "When a ClientHello is received, the server MUST verify that it does not contain the TLS_EMPTY_RENEGOTIATION_INFO_SCSV SCSV.  If the SCSV is present, the server MUST abort the handshake."}
)

// contexts are the TLS 1.0-1.2 contexts: renegotiation does not depend
// on the key exchange, so one a version (ECDHE-RSA, as the hello and
// resumption families).
func contexts() []checks.Context {
	return []checks.Context{
		{Version: wire.VersionTLS10, KX: checks.KXECDHERSA},
		{Version: wire.VersionTLS11, KX: checks.KXECDHERSA},
		{Version: wire.VersionTLS12, KX: checks.KXECDHERSA},
	}
}

func renegotiationChecks() []checks.Check {
	var out []checks.Check
	for _, c := range contexts() {
		out = append(out, secureRenegotiation(c), wrongVerifyData(c), noExtension(c), scsvInRenegotiation(c))
	}
	return out
}

// first is the full handshake the renegotiation follows, without the
// application-data round trip (data the target sends back and the client
// leaves unread would come where the renegotiation's answer is due).
func first(v wire.Version) peers.Script {
	return peers.DefaultScript(v).Remove(peers.StepApplicationData)
}

// controlScript is the handshake and a correct secure renegotiation,
// then the application-data round trip where the target answers one.
func controlScript(env *checks.Env, v wire.Version) peers.Script {
	s := first(v).Then(peers.RenegotiationSteps(peers.Renegotiation{})...)
	if env == nil || env.Profile == nil || env.Profile.AppData {
		s = s.Then(peers.ExchangeApplicationData())
	}
	return s
}

// changedScript is the handshake, the renegotiating ClientHello r, and
// what the target answers.
func changedScript(v wire.Version, r peers.Renegotiation) peers.Script {
	return first(v).Then(peers.Renegotiate(r), peers.ExpectRejection(false))
}

// secureRenegotiation: the control. A target that renegotiates answers
// with renegotiation_info carrying both verify_data (RFC 5746 §3.7, which
// the client checks, §3.5); one that refuses passes over to a skip.
func secureRenegotiation(c checks.Context) checks.Check {
	id := fmt.Sprintf("%s/%s/secure-renegotiation", areaRenegotiation, c.Slug())
	return checks.Check{
		Source: checks.DefinedAt(),
		ID:     id, Area: areaRenegotiation, Row: 62, RFC: "RFC 5746 §3.5, §3.7", Level: checks.MUST, Rule: ruleAnswer, Ctx: c,
		Title:  "renegotiates securely, its ServerHello carrying client_verify_data and server_verify_data, or refuses renegotiation",
		Script: controlScript(nil, c.Version), Change: peers.StepRenegotiate,
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict {
			cv := env.Converse(ctx, c, id, controlScript(env, c.Version))
			v := checks.Verdict{
				Expected:      "the renegotiation completes, or the target refuses it (no_renegotiation, or a close)",
				Observed:      checks.Observed(cv),
				Conversations: []*peers.Conversation{cv},
			}
			v.Status, v.Reason = judgeControl(cv, controlScript(env, c.Version))
			return v
		},
	}
}

// judgeControl is the status of the control conversation, and why.
func judgeControl(cv *peers.Conversation, script peers.Script) (reports.Status, string) {
	return judgeControlOutcome(cv.Outcome, script, cv.SecureRenegotiation(), checks.Observed(cv))
}

// judgeControlOutcome is judgeControl for a conversation that ended as o,
// observed as observed, whose first handshake negotiated secure
// renegotiation when secure.
func judgeControlOutcome(o peers.Outcome, script peers.Script, secure bool, observed string) (reports.Status, string) {
	switch {
	case o.Unreachable():
		return reports.Fail, "target unreachable"
	case o.EndedBefore(script, peers.StepRenegotiate):
		return reports.Skip, "the handshake before the renegotiation did not complete (" + observed + ")"
	case !secure:
		return reports.Skip, "the target did not negotiate secure renegotiation: its ServerHello carries no renegotiation_info (RFC 5746 §3.6)"
	case o.Kind == peers.OutcomeCompleted && o.WentOn == "":
		return reports.Pass, ""
	case o.Step == peers.StepRenegServerHello:
		switch {
		// An alert or a close that only answers our push is no refusal:
		// it falls to checks.Inconclusive below.
		case o.Kind == peers.OutcomeAlert && o.Pushed == "" && o.Alert.Description == wire.AlertNoRenegotiation,
			o.Kind == peers.OutcomeAlert && o.Pushed == "" && o.Alert.Level == wire.AlertLevelFatal,
			o.Kind == peers.OutcomeClosed && o.Pushed == "":
			why := "the target refuses renegotiation (" + observed + "): a server need not renegotiate"
			if o.Kind != peers.OutcomeAlert || o.Alert.Description != wire.AlertNoRenegotiation {
				why += " (RFC 5246 §7.2.2 says it \"should respond with\" no_renegotiation)"
			}
			return reports.Skip, why
		case o.Kind == peers.OutcomeError && !o.Undecryptable:
			return reports.Fail, fmt.Sprintf("the target's ServerHello to the renegotiating ClientHello is wrong: %v", o.Err)
		}
	}
	if why := checks.Inconclusive(o); why != "" {
		return reports.Inconclusive, why
	}
	if o.Kind == peers.OutcomeTimeout {
		return reports.Inconclusive, "the target said nothing more before the deadline: silence proves neither a renegotiation nor a refusal"
	}
	return reports.Warn, "the renegotiation did not complete (" + observed + "), though no RFC 5746 rule is shown broken"
}

// wrongVerifyData: renegotiated_connection with the last byte of the
// client_verify_data changed.
func wrongVerifyData(c checks.Context) checks.Check {
	r := peers.Renegotiation{VerifyData: func(vd []byte) []byte {
		vd[len(vd)-1] ^= 0x01
		return vd
	}}
	return changed(c, "wrong-verify-data", ruleVerifyData, r,
		"rejects a renegotiation whose renegotiated_connection is not the client_verify_data, with handshake_failure",
		"its renegotiated_connection is not the client_verify_data")
}

// noExtension: a renegotiating ClientHello without renegotiation_info
// and without the SCSV, on a connection with secure renegotiation.
func noExtension(c checks.Context) checks.Check {
	return changed(c, "no-extension", ruleExtension, peers.Renegotiation{Legacy: true},
		"rejects a renegotiation without renegotiation_info (nor the SCSV) on a connection that negotiated secure renegotiation, with handshake_failure",
		"it carries neither renegotiation_info nor the SCSV")
}

// scsvInRenegotiation: a renegotiating ClientHello that carries the
// right renegotiation_info and also TLS_EMPTY_RENEGOTIATION_INFO_SCSV,
// which RFC 5746 §3.5 forbids the client to send there and §3.7 makes
// the server abort on, whatever else the ClientHello says.
func scsvInRenegotiation(c checks.Context) checks.Check {
	return changed(c, "scsv-in-renegotiation", ruleSCSV, peers.Renegotiation{SCSV: true},
		"rejects a renegotiating ClientHello that carries TLS_EMPTY_RENEGOTIATION_INFO_SCSV (beside the right renegotiation_info), with handshake_failure",
		"it carries TLS_EMPTY_RENEGOTIATION_INFO_SCSV")
}

// changed is a check that the target refuses the renegotiating
// ClientHello r, once the control showed it renegotiates.
func changed(c checks.Context, name string, rule checks.Rule, r peers.Renegotiation, title, what string) checks.Check {
	id := fmt.Sprintf("%s/%s/%s", areaRenegotiation, c.Slug(), name)
	script := changedScript(c.Version, r)
	return checks.Check{
		Source: checks.DefinedAt(),
		ID:     id, Area: areaRenegotiation, Row: 62, RFC: "RFC 5746 §3.7", Level: checks.MUST, Rule: rule, Ctx: c,
		Title: title, Script: script, Change: peers.StepRenegotiate,
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict {
			expected := "the renegotiation stops at the ClientHello, with handshake_failure"
			cs := controlScript(env, c.Version)
			ctl := env.Converse(ctx, c, id+"/control", cs)
			switch st, why := judgeControl(ctl, cs); {
			case ctl.Outcome.Unreachable():
				return checks.Verdict{Status: reports.Fail, Reason: "target unreachable", Expected: expected, Conversations: []*peers.Conversation{ctl}}
			case st != reports.Pass:
				if why == "" {
					why = checks.Observed(ctl)
				}
				return checks.Verdict{Status: reports.Skip, Expected: expected, Conversations: []*peers.Conversation{ctl},
					Reason: "the control renegotiation did not complete, so the target is not shown to renegotiate: " + why}
			}
			cv := env.Converse(ctx, c, id, script)
			v := checks.Reject(cv, script, peers.StepRenegotiate, wire.AlertHandshakeFailure)
			v.Expected = expected
			v.Conversations = []*peers.Conversation{ctl, cv}
			if o := cv.Outcome; v.Status == reports.Fail && o.Kind == peers.OutcomeCompleted && o.WentOn != "" {
				v.Reason = fmt.Sprintf("the target answered the renegotiating ClientHello with %s, going on with the renegotiation, although %s", o.WentOn, what)
			}
			v.Observed += fmt.Sprintf("; the control renegotiation completed (%s)", checks.Observed(ctl))
			return v
		},
	}
}
