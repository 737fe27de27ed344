package hello

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/tlsconform/tlsconform/suite/checks"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// ClientHello malformations (RFC 5246 §7.4.1.2; RFC 8446 §4.1.2, §4.2):
// rows 35-46 of the check catalogue, generated from the
// mutator registry (mutators.Select("client_hello/")): one check per
// mutator and context. The conversation is the default one with the
// ClientHello changed (a typed change goes through SendClientHello, so the
// client judges the ServerHello against what it really offered; a byte
// change rewrites what the ClientHello step sends), then:
//
//   - must-reject: the target's next word must end the handshake (Reject
//     at the ClientHello; the alert the mutator names is SHOULD-level);
//   - must-tolerate: the handshake and a round trip complete;
//   - may-reject (a "MAY abort" rule): either of the two.
//
// Contexts: one key exchange a version, ECDHE-RSA for TLS 1.0-1.2 (its
// ClientHello carries, and its server reads, supported_groups,
// ec_point_formats and signature_algorithms, which RSA key transport may
// leave unread) and TLS 1.3. Every family runs at TLS 1.2 and 1.3 (the
// per-field ones, a truncation at every field boundary and four lies in
// every length field, make about 100 checks a version). TLS 1.0 and 1.1
// ClientHellos have the TLS 1.2 layout and go through the same parser in
// every stack we know, so there only the families of the fields outside
// the extensions and of the extensions particular to those versions run
// (helloBefore12). About 370 checks in all.

const areaHello = "client-hello"

// helloContexts are the contexts the family runs in.
func helloContexts() []checks.Context {
	return []checks.Context{
		{Version: wire.VersionTLS10, KX: checks.KXECDHERSA},
		{Version: wire.VersionTLS11, KX: checks.KXECDHERSA},
		{Version: wire.VersionTLS12, KX: checks.KXECDHERSA},
		{Version: wire.VersionTLS13, KX: checks.KXTLS13},
	}
}

// helloBefore12 are the families that also run at TLS 1.0 and 1.1: the
// fields outside the extensions, and the extensions only those versions
// share with TLS 1.2. The other families exercise the same extension
// parsing at TLS 1.2.
var helloBefore12 = []string{"session_id/", "cipher_suites/", "compression_methods/", "extended_master_secret/",
	"renegotiation_info/", "size/", "trailing/", "type/"}

// helloInContext says whether mutator m runs in context c.
func helloInContext(c checks.Context, m mutators.Mutator) bool {
	if !m.AppliesTo(c.Version) {
		return false
	}
	if c.Version >= wire.VersionTLS12 {
		return true
	}
	name := strings.TrimPrefix(m.Name, "client_hello/")
	for _, p := range helloBefore12 {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func helloChecks() []checks.Check {
	var out []checks.Check
	all := mutators.Select("client_hello/")
	for _, c := range helloContexts() {
		sample := mutators.SampleHello(c.Version)
		cuts := map[string]bool{}
		for _, m := range all {
			if !helloInContext(c, m) {
				continue
			}
			b, ok, err := mutators.MutateHello(m, sample, 1)
			if err != nil || !ok {
				continue // not for this context's ClientHello
			}
			// Two field classes may end at the same offset here (the only
			// group of a one-group list and the list): one check a cut.
			if strings.HasPrefix(m.Name, "client_hello/truncate/") {
				if cuts[string(b)] {
					continue
				}
				cuts[string(b)] = true
			}
			out = append(out, helloCheck(c, m))
		}
		if c.Version == wire.VersionTLS13 {
			out = append(out, helloRetryWithoutShare(c))
		}
	}
	return out
}

// helloTitle is the requirement: "rejects a ClientHello with ..., with
// decode_error".
func helloTitle(m mutators.Mutator) string {
	switch {
	case m.Name == helloNoSupportedVersions:
		return "negotiates TLS 1.2, never TLS 1.3, for a ClientHello with " + m.Doc
	case m.Expect.Class == mutators.MustReject:
		return fmt.Sprintf("rejects a ClientHello with %s, with %s", m.Doc, checks.AlertNames(m.Expect.Alerts))
	case m.Expect.Class == mutators.MayReject:
		return fmt.Sprintf("either completes the handshake or aborts with %s on a ClientHello with %s", checks.AlertNames(m.Expect.Alerts), m.Doc)
	}
	return "tolerates a ClientHello with " + m.Doc
}

// Mutators judged in their own way.
const (
	// legacy_version beside supported_versions: the server must pick its
	// version from the extension (RFC 8446 §4.2.1), may abort on 0x0304
	// or later, and refusing another legacy_version than 0x0303 (which
	// breaks the client's own MUST) is at most a warning.
	helloLegacyVersion = "client_hello/legacy_version/"
	// The ClientHello is a TLS 1.2 one: the check reads the ServerHello.
	helloNoSupportedVersions = "client_hello/extensions/missing/supported_versions"
)

func helloCheck(c checks.Context, m mutators.Mutator) checks.Check {
	id := areaHello + "/" + c.Slug() + "/" + strings.TrimPrefix(m.Name, "client_hello/")
	level := checks.MUST
	if m.Expect.Level(c.Version) == mutators.LevelShould || m.Expect.Class == mutators.MayReject {
		// A MAY gives the receiver a choice: at most a warning.
		level = checks.SHOULD
	}
	return checks.Check{
		Source: checks.DefinedAt(),
		ID:     id, Area: areaHello, Mutator: m.Name, Row: m.Expect.Row, RFC: m.Expect.RFC, Level: level,
		Title: helloTitle(m), Ctx: c,
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict {
			v := runHelloCheck(ctx, env, c, id, m)
			switch {
			case level != checks.SHOULD || v.Status != reports.Fail || len(v.Conversations) == 0 || v.Conversations[len(v.Conversations)-1].Outcome.Unreachable():
			case m.Expect.Class == mutators.MayReject && v.Conversations[len(v.Conversations)-1].Outcome.Kind == peers.OutcomeError && !v.Conversations[len(v.Conversations)-1].Outcome.Undecryptable:
				// Our client refused what the target sent after going on
				// (a version, suite or group it was not offered): the
				// target's own MUST, not this check's MAY.
			case m.Expect.Class == mutators.MayReject:
				// The RFC lets the target refuse or go on; a handshake that
				// then broke proves no rule of this check broken.
				v.Status = reports.Warn
			case v.Conversations[len(v.Conversations)-1].Outcome.Kind == peers.OutcomeCompleted:
				v.Status = reports.Warn
				v.Reason = "the target went on after a malformed extension body: " + m.Expect.ShouldWhy(c.Version)
			}
			return v
		},
	}
}

// mutatedHello is the default script of v with m applied to the
// ClientHello, and the setup a byte mutator needs. applied reports, after
// the conversation, whether m applied to the ClientHello the client built.
func mutatedHello(v wire.Version, m mutators.Mutator, seed uint64) (script peers.Script, setup peers.Setup, applied func() bool) {
	ok := true
	applied = func() bool { return ok }
	script = peers.DefaultScript(v)
	if m.Hello != nil {
		rnd := mutators.Rand(seed, m.Name)
		script = script.Replace(peers.StepClientHello, peers.SendClientHello(func(ch *wire.ClientHello) { ok = m.Hello(ch, rnd) }))
		return script, func(*peers.Conversation) {}, applied
	}
	setup = func(cv *peers.Conversation) {
		first := true
		cv.Edit(peers.StepClientHello, func(raw []byte) []byte {
			if !first {
				return raw // a second ClientHello (after a HelloRetryRequest) goes as built
			}
			first = false
			_, lay, err := wire.ParseLayout(raw, wire.Context{})
			if err != nil {
				ok = false
				return raw
			}
			out, done := m.Bytes(raw, lay, mutators.Rand(seed, m.Name))
			if !done {
				ok = false
				return raw
			}
			return out
		})
	}
	return script, setup, applied
}

func runHelloCheck(ctx context.Context, env *checks.Env, c checks.Context, id string, m mutators.Mutator) checks.Verdict {
	if m.Group != 0 {
		return keyShareValue(ctx, env, c, id, m)
	}
	script, setup, applied := mutatedHello(c.Version, m, uint64(env.Seed))
	var v checks.Verdict
	switch {
	case m.Name == helloNoSupportedVersions:
		script = script.Through(peers.StepClientHello).Then(peers.ReadServerHello())
		v = helloNegotiates12(env.Converse(ctx, c, id, script, setup), env)
	case strings.HasPrefix(m.Name, helloLegacyVersion):
		v = helloLegacyVersionJudge(env.Converse(ctx, c, id, script, setup))
	case m.Expect.Class == mutators.MustReject:
		script = script.Through(peers.StepClientHello).Then(peers.ExpectRejection(false))
		v = checks.RejectsHello(env.Converse(ctx, c, id, script, setup), script, m.Expect.Alerts...)
	case m.Expect.Class == mutators.MayReject:
		v = mayReject(env.Converse(ctx, c, id, script, setup), script, m.Expect.Alerts)
	default:
		v = checks.CompletesWith(env.Converse(ctx, c, id, script, setup),
			"the handshake and an application-data round trip complete",
			fmt.Sprintf("a server MUST go on after a ClientHello with %s (%s)", m.Doc, m.Expect.RFC))
	}
	if !applied() {
		return checks.Verdict{Status: reports.Skip, Reason: fmt.Sprintf("%s does not apply to the client's ClientHello", m.Name),
			Conversations: v.Conversations}
	}
	return v
}

// mayReject judges a change the target may refuse or pass over: a
// completed handshake passes, and so does a rejection of the ClientHello
// with one of want; another alert or a close there is a SHOULD-level
// deviation; going on and then failing is a MUST failure.
func mayReject(cv *peers.Conversation, script peers.Script, want []wire.AlertDescription) checks.Verdict {
	expected := "the handshake completes, or stops at the ClientHello with " + checks.AlertNames(want)
	var v checks.Verdict
	switch o := cv.Outcome; {
	case cv.ServerHello() == nil && (o.Kind == peers.OutcomeAlert || o.Kind == peers.OutcomeClosed || o.Kind == peers.OutcomeReset):
		v = checks.RejectsHello(cv, script, want...)
	default:
		v = checks.CompletesWith(cv, "", "the target went on after the ClientHello but the handshake did not complete")
	}
	v.Expected = expected
	return v
}

// helloNegotiates12 judges the answer to a TLS 1.3 ClientHello stripped of
// supported_versions, with TLS 1.2 suites added: a server that supports
// TLS 1.2 MUST negotiate it (or below), never TLS 1.3 (RFC 8446 §4.2.1).
func helloNegotiates12(cv *peers.Conversation, env *checks.Env) checks.Verdict {
	v := checks.Verdict{Expected: "a TLS 1.2 ServerHello with a suite the client offered", Observed: checks.ObservedHello(cv),
		Conversations: []*peers.Conversation{cv}}
	o := cv.Outcome
	sh := cv.ServerHello()
	switch {
	case cv.Outcome.Unreachable():
		v.Status, v.Reason = reports.Fail, "target unreachable"
	case sh != nil:
		if why := checks.JudgeServerHello(cv.Hello(), sh, true); why != "" {
			v.Status, v.Reason = reports.Fail, why
		} else if got := checks.NegotiatedOf(sh); got != wire.VersionTLS12 {
			v.Status, v.Reason = reports.Fail, fmt.Sprintf("the target negotiated %s without supported_versions (RFC 8446 §4.2.1: TLS 1.2 or prior)", got)
		} else {
			v.Status = reports.Pass
		}
	case !env.Supports(wire.VersionTLS12) && o.Kind == peers.OutcomeAlert &&
		(o.Alert.Description == wire.AlertProtocolVersion || o.Alert.Description == wire.AlertHandshakeFailure):
		v.Status = reports.Pass // nothing below TLS 1.3 to negotiate
	case !env.Supports(wire.VersionTLS12) && checks.Inconclusive(o) != "":
		// The alert that would pass may be the one lost.
		v.Status, v.Reason = reports.Inconclusive, checks.Inconclusive(o)
	case o.Kind == peers.OutcomeAlert || o.Kind == peers.OutcomeClosed || o.Kind == peers.OutcomeReset:
		v.Status = reports.Warn
		v.Reason = "the target refused a TLS 1.2 ClientHello offering TLS 1.2 suites it may lack; it did not negotiate TLS 1.3 (the MUST)"
	default:
		v.Status, v.Reason = reports.Fail, "the target neither answered nor refused"
	}
	return v
}

// helloRetryWithoutShare takes the missing key_share check (the same row
// of the catalogue) one step further: asked for a key share by a
// HelloRetryRequest (the first ClientHello offers none), the client sends
// its second ClientHello without it (RFC 8446 §4.1.2, §4.2.8).
func helloRetryWithoutShare(c checks.Context) checks.Check {
	id := areaHello + "/" + c.Slug() + "/hrr/second-hello-without-requested-share"
	return checks.Check{
		Source: checks.DefinedAt(),
		ID:     id, Area: areaHello, Row: 44, RFC: "RFC 8446 §4.1.2, §4.2.8", Level: checks.MUST, Ctx: c,
		Title: "rejects a second ClientHello that lacks the key share its HelloRetryRequest asked for, with illegal_parameter",
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict {
			empty := wire.KeyShareClientExt()
			noShares := func(ch *wire.ClientHello) {
				for i := range ch.Extensions {
					if ch.Extensions[i].Type == wire.ExtKeyShare {
						ch.Extensions[i] = empty
					}
				}
			}
			second := false
			setup := func(cv *peers.Conversation) {
				calls := 0
				cv.Edit(peers.StepClientHello, func(raw []byte) []byte {
					if calls++; calls == 1 {
						return raw
					}
					second = true
					ch, err := wire.UnmarshalClientHello(raw)
					if err != nil {
						return raw
					}
					noShares(ch)
					if out, err := ch.Marshal(); err == nil && !bytes.Equal(out, raw) {
						return out
					}
					return raw
				})
			}
			script := checks.HelloScript(c.Version, noShares)
			cv := env.Converse(ctx, c, id, script, setup)
			v := checks.Reject(cv, script, peers.StepClientHello, wire.AlertIllegalParameter)
			v.Observed = checks.ObservedHello(cv)
			switch {
			case !second && !cv.Outcome.Unreachable():
				v.Status = reports.Fail
				v.Reason = "the target did not answer a ClientHello with an empty client_shares with a HelloRetryRequest (RFC 8446 §4.1.1): the check could not be made"
			case cv.HelloRetryRequests() >= 2 && v.Status == reports.Fail && cv.ServerHello() == nil:
				// No RFC sentence makes the server abort here; a second
				// HelloRetryRequest does not go on with the handshake (the
				// client must abort, RFC 8446 §4.1.4).
				v.Status = reports.Warn
				v.Reason = "the target answered with a second HelloRetryRequest instead of illegal_parameter: the handshake did not go on, and no RFC rule binds the server here"
			}
			return v
		},
	}
}

// helloLegacyVersionJudge judges a TLS 1.3 ClientHello whose
// legacy_version is changed beside supported_versions: a ServerHello for
// another version than TLS 1.3 fails (the server picked its version from
// legacy_version, RFC 8446 §4.2.1); an abort passes where §4.2.1 allows it
// (0x0304 or later, with protocol_version) and warns elsewhere; a
// completed handshake passes.
func helloLegacyVersionJudge(cv *peers.Conversation) checks.Verdict {
	v := checks.CompletesWith(cv, "a TLS 1.3 handshake chosen from supported_versions (a protocol_version abort is allowed for 0x0304 or later)",
		"the target did not complete the handshake")
	v.Observed = checks.ObservedHello(cv)
	var lv wire.Version
	if ch := cv.Hello(); ch != nil {
		lv = ch.Version
	}
	o := cv.Outcome
	switch sh := cv.ServerHello(); {
	case o.Unreachable():
	case sh == nil && checks.Inconclusive(o) != "":
		v.Status, v.Reason = reports.Inconclusive, checks.Inconclusive(o)
	case sh != nil && checks.NegotiatedOf(sh) != wire.VersionTLS13:
		v.Status, v.Reason = reports.Fail, fmt.Sprintf("the target picked %s from legacy_version 0x%04x although supported_versions offered TLS 1.3 (RFC 8446 §4.2.1)", checks.NegotiatedOf(sh), uint16(lv))
	case sh != nil:
	case o.Kind == peers.OutcomeAlert && o.Alert.Level == wire.AlertLevelFatal && o.Alert.Description == wire.AlertProtocolVersion && lv >= wire.VersionTLS13:
		v.Status, v.Reason = reports.Pass, "RFC 8446 §4.2.1: servers MAY abort on a legacy_version of 0x0304 or later"
	case o.Kind == peers.OutcomeAlert || o.Kind == peers.OutcomeClosed || o.Kind == peers.OutcomeReset:
		v.Status = reports.Warn
		v.Reason = fmt.Sprintf("the target refused legacy_version 0x%04x (the client's MUST is 0x0303, RFC 8446 §4.1.2) instead of reading supported_versions; it did not pick a version from legacy_version", uint16(lv))
	}
	return v
}
