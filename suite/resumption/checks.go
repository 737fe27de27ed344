package resumption

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Resumption (rows 59-61). Each TLS 1.0-1.2 check makes a session with a
// full handshake, then offers it again (by ticket, RFC 5077, or by the
// session ID the ServerHello gave, RFC 5246 §7.4.1.2) in a ClientHello
// that changes one thing. The server resumed when its ServerHello echoes
// the ClientHello's session ID (RFC 5246 §7.4.1.3: "This indicates a
// resumed session"; RFC 5077 §3.4 for a ticket). Where the changed
// parameters could still make a working abbreviated handshake, the
// client offers the session as if it had them (a session of the new
// suite or version, with the old master secret), so that a server that
// resumes with the changed parameters completes the handshake. A full
// handshake passes once a control conversation resumes the unchanged
// session; if it does not, the check skips.

const areaResumption = "resumption"

// The receiver-duty sentences the checks rest on, quoted (ruleSameSuite
// states the server's duty without a MUST: its check is SHOULD).
var (
	ruleEMSAdded   = checks.Rule{Cite: "RFC 7627 §5.3", Text: "If the original session did not use the \"extended_master_secret\" extension but the new ClientHello contains the extension, then the server MUST NOT perform the abbreviated handshake."}
	ruleEMSDropped = checks.Rule{Cite: "RFC 7627 §5.3", Text: "If the original session used the \"extended_master_secret\" extension but the new ClientHello does not contain it, the server MUST abort the abbreviated handshake."}
	ruleSameSuite  = checks.Rule{Cite: "RFC 5246 §7.4.1.3", Text: "The single cipher suite selected by the server from the list in ClientHello.cipher_suites.  For resumed sessions, this field is the value from the state of the session being resumed."}
	ruleBinder     = checks.Rule{Cite: "RFC 8446 §4.2.11", Text: "If this value is not present or does not validate, the server MUST abort the handshake."}
	rulePSKHash    = checks.Rule{Cite: "RFC 8446 §4.2.11", Text: "The server MUST ensure that it selects a compatible PSK (if any) and cipher suite."}
)

// mechanism is how a TLS 1.0-1.2 session is offered again.
type mechanism string

const (
	byTicket    mechanism = "ticket"     // RFC 5077
	bySessionID mechanism = "session-id" // RFC 5246 §7.4.1.2
)

// contexts12 are the TLS 1.0-1.2 contexts: resumption does not depend on
// the key exchange, so one a version (ECDHE-RSA, as the hello family).
func contexts12() []checks.Context {
	return []checks.Context{
		{Version: wire.VersionTLS10, KX: checks.KXECDHERSA},
		{Version: wire.VersionTLS11, KX: checks.KXECDHERSA},
		{Version: wire.VersionTLS12, KX: checks.KXECDHERSA},
	}
}

func resumptionChecks() []checks.Check {
	var out []checks.Check
	for _, c := range contexts12() {
		for _, mech := range []mechanism{byTicket, bySessionID} {
			out = append(out, emsDropped(c, mech), emsAdded(c, mech), suiteChanged(c, mech), versionChanged(c, mech))
		}
	}
	c13 := checks.Context{Version: wire.VersionTLS13, KX: checks.KXTLS13}
	return append(out, pskWrongBinder(c13), pskOtherHash(c13))
}

// change12 is what a TLS 1.0-1.2 check changes between the session's
// handshake and the one that offers it again.
type change12 struct {
	name, title, rfc string
	row              int
	level            checks.Level
	rule             checks.Rule
	// what the second ClientHello changes, for the verdict.
	what string
	// first edits the config of the session's handshake (and of the
	// control conversation, which offers the session unchanged).
	first func(*peers.ClientConfig)
	// second is the context and config edit of the ClientHello that offers
	// the session again, and the session as the client offers it; why
	// says why the check cannot be made.
	second func(env *checks.Env, c checks.Context, sess *peers.Session) (c2 checks.Context, edit func(*peers.ClientConfig), offered *peers.Session, why string)
	// abort is the status of a target that refuses the second ClientHello.
	abort reports.Status
	// check says why the session cannot serve the check ("" when it can).
	check func(sess *peers.Session) string
}

func noEdit(*peers.ClientConfig) {}

func check12(c checks.Context, mech mechanism, ch change12) checks.Check {
	id := fmt.Sprintf("%s/%s/%s/%s", areaResumption, c.Slug(), mech, ch.name)
	return checks.Check{
		Source: checks.DefinedAt(),
		ID:     id, Area: areaResumption, Row: ch.row, RFC: ch.rfc, Level: ch.level, Rule: ch.rule, Ctx: c,
		Needs: checks.NeedResumption,
		Title: fmt.Sprintf("%s (a session offered by %s)", ch.title, mech),
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict {
			return run12(ctx, env, c, id, mech, ch)
		},
	}
}

// emsDropped: a session with extended_master_secret, offered by a
// ClientHello without it (RFC 7627 §5.3): abort, or a full handshake.
func emsDropped(c checks.Context, mech mechanism) checks.Check {
	return check12(c, mech, change12{
		name: "ems-dropped", row: 59, rfc: "RFC 7627 §5.3", level: checks.MUST, rule: ruleEMSDropped,
		title: "does not resume a session with extended_master_secret for a ClientHello without it",
		what:  "the ClientHello dropped extended_master_secret, which the session used",
		first: noEdit,
		check: func(s *peers.Session) string {
			if !s.EMS {
				return "the target did not negotiate extended_master_secret in the session's handshake"
			}
			return ""
		},
		second: func(_ *checks.Env, c checks.Context, s *peers.Session) (checks.Context, func(*peers.ClientConfig), *peers.Session, string) {
			return c, func(cfg *peers.ClientConfig) { cfg.DisableEMS = true }, s, ""
		},
		abort: reports.Pass,
	})
}

// emsAdded: a session without extended_master_secret, offered by a
// ClientHello with it (RFC 7627 §5.3): never abbreviated; a full
// handshake SHOULD follow.
func emsAdded(c checks.Context, mech mechanism) checks.Check {
	return check12(c, mech, change12{
		name: "ems-added", row: 59, rfc: "RFC 7627 §5.3", level: checks.MUST, rule: ruleEMSAdded,
		title: "does not resume a session without extended_master_secret for a ClientHello with it, and goes on with a full handshake",
		what:  "the ClientHello added extended_master_secret, which the session did not use",
		first: func(cfg *peers.ClientConfig) { cfg.DisableEMS = true },
		check: func(*peers.Session) string { return "" },
		second: func(_ *checks.Env, c checks.Context, s *peers.Session) (checks.Context, func(*peers.ClientConfig), *peers.Session, string) {
			return c, noEdit, s, ""
		},
		// "Instead, it SHOULD continue with a full handshake".
		abort: reports.Warn,
	})
}

// suiteChanged: a session offered by a ClientHello that offers another
// suite only: the session's suite cannot be resumed (it is not in the
// list the server selects from), and no other (a resumed session keeps
// its suite). RFC 5246 §7.4.1.3 says so in prose, without a MUST (the
// MUST of §7.4.1.2, that the list include the session's suite, binds the
// client): SHOULD.
func suiteChanged(c checks.Context, mech mechanism) checks.Check {
	return check12(c, mech, change12{
		name: "suite-changed", row: 60, rfc: "RFC 5246 §7.4.1.3; RFC 5077 §3.4", level: checks.SHOULD, rule: ruleSameSuite,
		title: "does not resume a session for a ClientHello that offers only another cipher suite than the session's",
		what:  "the ClientHello offered only another suite than the session's",
		first: noEdit,
		check: func(*peers.Session) string { return "" },
		second: func(env *checks.Env, c checks.Context, s *peers.Session) (checks.Context, func(*peers.ClientConfig), *peers.Session, string) {
			other := otherSuite(env, c, s.Suite)
			if other == 0 {
				return c, nil, nil, fmt.Sprintf("the target takes no other %s suite at TLS %s than the session's %s", c.KX, c.Version.Short(), s.Suite)
			}
			offered := *s
			offered.Suite = other
			return c, func(cfg *peers.ClientConfig) { cfg.CipherSuites = []wire.CipherSuite{other} }, &offered, ""
		},
		abort: reports.Pass,
	})
}

// versionChanged: a session offered by a ClientHello of another version.
// No RFC sentence binds a TLS 1.0-1.2 server to the session's version
// (RFC 5246 Appendix E.1's "SHOULD initiate the connection in that native
// protocol" binds the client): SHOULD.
func versionChanged(c checks.Context, mech mechanism) checks.Check {
	return check12(c, mech, change12{
		name: "version-changed", row: 60, rfc: "RFC 5246 §7.4.1.3, App. E.1; RFC 5077 §3.4", level: checks.SHOULD,
		title: "does not resume a session for a ClientHello of another version than the session's",
		what:  "the ClientHello offered another version than the session's",
		first: noEdit,
		check: func(*peers.Session) string { return "" },
		second: func(env *checks.Env, c checks.Context, s *peers.Session) (checks.Context, func(*peers.ClientConfig), *peers.Session, string) {
			for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10} {
				c2 := checks.Context{Version: v, KX: c.KX}
				if v != c.Version && env.SupportsCtx(c2) {
					offered := *s
					offered.Version = v
					return c2, noEdit, &offered, ""
				}
			}
			return c, nil, nil, fmt.Sprintf("the target supports %s at no other version below TLS 1.3 than TLS %s", c.KX, c.Version.Short())
		},
		abort: reports.Pass,
	})
}

// otherSuite is a suite of c's key exchange at c's version, other than
// s, that the target takes (any the engine has when probing found none).
func otherSuite(env *checks.Env, c checks.Context, s wire.CipherSuite) wire.CipherSuite {
	for _, spec := range suites.All() {
		if spec.ID == s || !spec.SupportsVersion(c.Version) || checks.KXOf(spec) != c.KX {
			continue
		}
		if env.Profile == nil || len(env.Profile.Suites) == 0 || slices.Contains(env.Profile.Suites, spec.ID) {
			return spec.ID
		}
	}
	return 0
}

// script is the conversation of a check: the whole handshake, with the
// application-data round trip where the target answers one.
func script(env *checks.Env, v wire.Version) peers.Script {
	return checks.FullScript(v, env.Profile == nil || env.Profile.AppData)
}

// scriptFor is script for a session offered by mech: by session ID, the
// ClientHello carries no session_ticket extension (a server that issues
// a ticket may leave the session ID empty, RFC 5077 §3.4, and one that
// gets a ticket must not resume by session ID).
func scriptFor(env *checks.Env, v wire.Version, mech mechanism) peers.Script {
	s := script(env, v)
	if mech != bySessionID {
		return s
	}
	return s.Replace(peers.StepClientHello, peers.SendClientHello(func(ch *wire.ClientHello) {
		ch.Extensions = slices.DeleteFunc(ch.Extensions, func(e wire.Extension) bool { return e.Type == wire.ExtSessionTicket })
	}))
}

// firstSession makes the session a check offers again.
func firstSession(ctx context.Context, env *checks.Env, c checks.Context, id string, mech mechanism, edit func(*peers.ClientConfig)) (*peers.Session, *peers.Conversation, string) {
	cache := peers.NewSessionCache()
	cv := env.ConverseWith(ctx, c, id+"/session", func(cfg *peers.ClientConfig) {
		cfg.Sessions, cfg.SessionKey = cache, id
		edit(cfg)
	}, scriptFor(env, c.Version, mech))
	if cv.Outcome.Kind != peers.OutcomeCompleted || cv.Outcome.WentOn != "" {
		return nil, cv, "the handshake that makes the session did not complete (" + checks.Observed(cv) + ")"
	}
	switch mech {
	case byTicket:
		if s := cache.Get(id); s != nil && len(s.Ticket) > 0 && s.Version == c.Version {
			return s, cv, ""
		}
		return nil, cv, fmt.Sprintf("the target issued no session ticket at TLS %s", c.Version.Short())
	default:
		if s := cv.Session(); s != nil {
			return s, cv, ""
		}
		return nil, cv, fmt.Sprintf("the target gave no session ID at TLS %s", c.Version.Short())
	}
}

// offer runs the full handshake script in context c offering sess by
// mech.
func offer(ctx context.Context, env *checks.Env, c checks.Context, id string, mech mechanism, sess *peers.Session, edit func(*peers.ClientConfig)) *peers.Conversation {
	cache := peers.NewSessionCache()
	cache.Put(id, sess)
	return env.ConverseWith(ctx, c, id, func(cfg *peers.ClientConfig) {
		cfg.Sessions, cfg.SessionKey = cache, id
		edit(cfg)
	}, scriptFor(env, c.Version, mech))
}

// resumed12 reports whether the ServerHello resumed the offered session:
// it echoes the ClientHello's session ID (RFC 5246 §7.4.1.3, RFC 5077
// §3.4), or the client went on with an abbreviated handshake.
func resumed12(cv *peers.Conversation) bool {
	sh, ch := cv.ServerHello(), cv.Hello()
	if sh == nil || ch == nil {
		return false
	}
	return len(ch.SessionID) > 0 && bytes.Equal(sh.SessionID, ch.SessionID) || cv.Conn() != nil && cv.Conn().Resumed()
}

// stopped reports whether the target ended the conversation itself (a
// reset or an unreadable record, which may hide its answer, is judged
// before it: lost).
func stopped(o peers.Outcome) bool {
	return o.Kind == peers.OutcomeAlert || o.Kind == peers.OutcomeClosed
}

// lost reports whether what the target last wrote may be unknown: a reset
// can destroy it, and a record no key opens cannot be read.
func lost(o peers.Outcome) bool { return o.Kind == peers.OutcomeReset || o.Undecryptable }

func run12(ctx context.Context, env *checks.Env, c checks.Context, id string, mech mechanism, ch change12) checks.Verdict {
	v := checks.Verdict{Expected: "a full handshake or an abort, never the abbreviated handshake"}
	if ch.abort == reports.Warn {
		v.Expected = "a full handshake, never the abbreviated handshake"
	}
	sess, first, why := firstSession(ctx, env, c, id, mech, ch.first)
	v.Conversations = []*peers.Conversation{first}
	if why == "" {
		why = ch.check(sess)
	}
	if first.Outcome.Unreachable() {
		v.Status, v.Reason = reports.Fail, "target unreachable"
		return v
	}
	if why != "" {
		v.Status, v.Reason = reports.Skip, why
		return v
	}
	c2, edit, offered, why := ch.second(env, c, sess)
	if why != "" {
		v.Status, v.Reason = reports.Skip, why
		return v
	}
	cv := offer(ctx, env, c2, id, mech, offered, edit)
	v.Conversations = append(v.Conversations, cv)
	v.Observed = checks.ObservedHello(cv)
	o := cv.Outcome
	switch {
	case o.Unreachable():
		v.Status, v.Reason = reports.Fail, "target unreachable"
	case resumed12(cv):
		v.Status = atLevel(ch.level)
		v.Reason = fmt.Sprintf("the target resumed the session (its ServerHello echoes the session ID: \"This indicates a resumed session\", RFC 5246 §7.4.1.3) although %s", ch.what)
		if sh := cv.ServerHello(); sh != nil && !slices.Contains(cv.Hello().CipherSuites, sh.CipherSuite) {
			v.Reason += fmt.Sprintf("; its %s is not among the suites offered (RFC 5246 §7.4.1.3: \"selected by the server from the list in ClientHello.cipher_suites\")", sh.CipherSuite)
		}
	case cv.ServerHello() == nil && lost(o):
		// A ServerHello that echoed the session may be what a reset
		// destroyed. (An alert or a close, even after the push, comes
		// after everything the target wrote: no ServerHello, no resumption.)
		v.Status, v.Reason = reports.Inconclusive, checks.Inconclusive(o)
	case cv.ServerHello() == nil && stopped(o):
		v.Status = ch.abort
		v.Reason = "the target refused the ClientHello that offered the session again"
		if ch.abort == reports.Warn {
			v.Reason += ": RFC 7627 §5.3 says it \"SHOULD continue with a full handshake\""
		}
	case cv.ServerHello() == nil:
		v.Status, v.Reason = reports.Fail, "the target neither answered nor refused the ClientHello that offered the session again"
	default:
		control := offer(ctx, env, c, id+"/control", mech, sess, ch.first)
		v.Conversations = append(v.Conversations, control)
		switch {
		case !resumed12(control):
			v.Status = reports.Skip
			v.Reason = fmt.Sprintf("the target chose a full handshake, but it did not resume the unchanged session either (%s): that proves nothing", checks.ObservedHello(control))
		case o.Kind == peers.OutcomeCompleted && o.WentOn == "":
			v.Status = reports.Pass
			v.Observed += fmt.Sprintf("; the unchanged session was resumed (%s)", checks.Observed(control))
		default:
			v.Status = reports.Warn
			v.Reason = "the target chose a full handshake (its ServerHello does not echo the session ID), but that handshake did not complete"
		}
	}
	return v
}

// --- TLS 1.3 PSK (row 61) ---

func check13(c checks.Context, name, title string, rule checks.Rule, run func(ctx context.Context, env *checks.Env, id string) checks.Verdict) checks.Check {
	id := fmt.Sprintf("%s/%s/psk/%s", areaResumption, c.Slug(), name)
	return checks.Check{
		Source: checks.DefinedAt(),
		ID:     id, Area: areaResumption, Row: 61, RFC: "RFC 8446 §4.2.11", Level: checks.MUST, Rule: rule, Ctx: c,
		Needs: checks.NeedResumption, Title: title,
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict { return run(ctx, env, id) },
	}
}

// ticket13 makes a TLS 1.3 session (its ticket comes after the handshake,
// read with the application-data round trip).
func ticket13(ctx context.Context, env *checks.Env, c checks.Context, id string, edit func(*peers.ClientConfig)) (*peers.Session, *peers.Conversation, string) {
	cache := peers.NewSessionCache()
	cv := env.ConverseWith(ctx, c, id+"/session", func(cfg *peers.ClientConfig) {
		cfg.Sessions, cfg.SessionKey = cache, id
		edit(cfg)
	}, peers.DefaultScript(c.Version))
	s := cache.Get(id)
	switch {
	case cv.Outcome.Kind != peers.OutcomeCompleted || cv.Outcome.WentOn != "":
		return nil, cv, "the handshake that makes the session did not complete (" + checks.Observed(cv) + ")"
	case s == nil || s.Version != wire.VersionTLS13:
		return nil, cv, "the target sent no NewSessionTicket before answering application data"
	}
	return s, cv, ""
}

// pskSelected reports whether the ServerHello selects a PSK.
func pskSelected(cv *peers.Conversation) bool {
	sh := cv.ServerHello()
	if sh == nil {
		return false
	}
	_, ok := wire.FindExtension(sh.Extensions, wire.ExtPreSharedKey)
	return ok
}

// pskWrongBinder: the PSK's binder does not verify (its last byte
// changed): the server MUST abort (decrypt_error, RFC 8446 §6.2).
func pskWrongBinder(c checks.Context) checks.Check {
	return check13(c, "wrong-binder", "rejects a PSK whose binder does not verify, with decrypt_error", ruleBinder,
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			v := checks.Verdict{Expected: "the handshake stops at the ClientHello, with decrypt_error"}
			sess, first, why := ticket13(ctx, env, c, id, noEdit)
			v.Conversations = []*peers.Conversation{first}
			switch {
			case first.Outcome.Unreachable():
				v.Status, v.Reason = reports.Fail, "target unreachable"
				return v
			case why != "":
				v.Status, v.Reason = reports.Skip, why
				return v
			}
			flip := func(cv *peers.Conversation) {
				done := false
				cv.Edit(peers.StepClientHello, func(raw []byte) []byte {
					if done {
						return raw
					}
					done = true
					out := slices.Clone(raw)
					out[len(out)-1] ^= 0x01 // the last byte of the (only) binder
					return out
				})
			}
			cv := offerPSK(ctx, env, c, id, sess, noEdit, flip)
			v.Conversations = append(v.Conversations, cv)
			switch {
			case cv.ServerHello() == nil:
				r := checks.RejectsHello(cv, script(env, c.Version), wire.AlertDecryptError)
				r.Conversations = v.Conversations
				return r
			case pskSelected(cv):
				v.Status, v.Observed = reports.Fail, checks.ObservedHello(cv)
				v.Reason = "the target selected the PSK although its binder does not verify"
			default:
				v.Status, v.Observed = reports.Warn, checks.ObservedHello(cv)
				v.Reason = "the target did not select the PSK, but went on with a full handshake instead of aborting: it may have passed the PSK over for a reason of its own; a server that selects it must abort"
			}
			return v
		})
}

// offerPSK runs the full TLS 1.3 handshake offering sess.
func offerPSK(ctx context.Context, env *checks.Env, c checks.Context, id string, sess *peers.Session, edit func(*peers.ClientConfig), setup ...peers.Setup) *peers.Conversation {
	cache := peers.NewSessionCache()
	cache.Put(id, sess)
	return env.ConverseWith(ctx, c, id, func(cfg *peers.ClientConfig) {
		cfg.Sessions, cfg.SessionKey = cache, id
		edit(cfg)
	}, script(env, c.Version), setup...)
}

// suitesOfTwoHashes finds two TLS 1.3 suites the target takes whose
// hashes differ.
func suitesOfTwoHashes(env *checks.Env) (a, b wire.CipherSuite, ok bool) {
	var have []*suites.Spec
	for _, s := range suites.All() {
		if s.SupportsVersion(wire.VersionTLS13) && (env.Profile == nil || len(env.Profile.Suites) == 0 || slices.Contains(env.Profile.Suites, s.ID)) {
			have = append(have, s)
		}
	}
	for _, x := range have {
		for _, y := range have {
			if x.PRF != y.PRF {
				return x.ID, y.ID, true
			}
		}
	}
	return 0, 0, false
}

// pskOtherHash: a session of a SHA-256 suite offered in a ClientHello
// that offers only a suite of another hash: the server must not use the
// PSK; it goes on with a full handshake.
func pskOtherHash(c checks.Context) checks.Check {
	return check13(c, "other-hash", "does not resume a PSK whose hash is not the chosen suite's, and goes on with a full handshake", rulePSKHash,
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			v := checks.Verdict{Expected: "a full handshake, without the PSK"}
			a, b, ok := suitesOfTwoHashes(env)
			if !ok {
				v.Status, v.Reason = reports.Skip, "the target takes TLS 1.3 suites of one hash only"
				return v
			}
			onlyA := func(cfg *peers.ClientConfig) { cfg.CipherSuites = []wire.CipherSuite{a} }
			sess, first, why := ticket13(ctx, env, c, id, onlyA)
			v.Conversations = []*peers.Conversation{first}
			switch {
			case first.Outcome.Unreachable():
				v.Status, v.Reason = reports.Fail, "target unreachable"
				return v
			case why != "":
				v.Status, v.Reason = reports.Skip, why
				return v
			}
			cv := offerPSK(ctx, env, c, id, sess, func(cfg *peers.ClientConfig) { cfg.CipherSuites = []wire.CipherSuite{b} })
			v.Conversations = append(v.Conversations, cv)
			v.Observed = checks.ObservedHello(cv)
			o := cv.Outcome
			switch {
			case o.Unreachable():
				v.Status, v.Reason = reports.Fail, "target unreachable"
			case pskSelected(cv):
				v.Status = reports.Fail
				v.Reason = fmt.Sprintf("the target selected a PSK of a %s session with %s, whose hash differs", a, cv.ServerHello().CipherSuite)
			case cv.ServerHello() == nil && lost(o):
				v.Status, v.Reason = reports.Inconclusive, checks.Inconclusive(o)
			case cv.ServerHello() == nil && stopped(o):
				v.Status = reports.Warn
				v.Reason = "the target refused the ClientHello instead of passing the PSK over (RFC 8446 §4.2.11: \"If no acceptable PSKs are found, the server SHOULD perform a non-PSK handshake if possible\")"
			case cv.ServerHello() == nil:
				v.Status, v.Reason = reports.Fail, "the target neither answered nor refused"
			default:
				control := offerPSK(ctx, env, c, id+"/control", sess, onlyA)
				v.Conversations = append(v.Conversations, control)
				switch {
				case !pskSelected(control):
					v.Status = reports.Skip
					v.Reason = fmt.Sprintf("the target went on without the PSK, but did not resume it with its own suite either (%s): that proves nothing", checks.ObservedHello(control))
				case o.Kind == peers.OutcomeCompleted && o.WentOn == "":
					v.Status = reports.Pass
					v.Observed += fmt.Sprintf("; the PSK was resumed with %s (%s)", a, checks.Observed(control))
				default:
					v.Status = reports.Warn
					v.Reason = "the target went on without the PSK, but the full handshake did not complete"
				}
			}
			return v
		})
}

// atLevel is the status of a broken rule of level l.
func atLevel(l checks.Level) reports.Status {
	if l == checks.SHOULD {
		return reports.Warn
	}
	return reports.Fail
}
