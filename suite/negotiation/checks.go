package negotiation

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/suite/checks"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// Version negotiation and downgrade (RFC 5246 App. E.1; RFC 8446 §4.1.3,
// §4.2.1, App. D.5; RFC 7507): rows 15-26 of the check catalogue. Most
// checks send a ClientHello with changed version fields and judge the
// ServerHello (the version chosen, supported_versions, the downgrade
// sentinel, the suite) or the rejection.

const areaVersion = "version-negotiation"

func versionCheck(c checks.Context, row int, rfc, name, title string, run func(ctx context.Context, env *checks.Env, id string) checks.Verdict) checks.Check {
	id := areaVersion + "/" + c.Slug() + "/" + name
	return checks.Check{Source: checks.DefinedAt(), ID: id, Area: areaVersion, Row: row, RFC: rfc, Level: checks.MUST, Title: title, Ctx: c,
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict { return run(ctx, env, id) }}
}

// hex4 names a version in an id: "0304".
func hex4(v wire.Version) string { return fmt.Sprintf("%04x", uint16(v)) }

// braces names a version as RFC 5246 writes it: "{3,4}".
func braces(v wire.Version) string { return fmt.Sprintf("{%d,%d}", v>>8, v&0xff) }

// --- ClientHello edits ---

func legacyVersion(v wire.Version) checks.HelloEdit {
	return func(ch *wire.ClientHello) { ch.Version = v }
}

// supportedVersions sets (or adds) the supported_versions extension.
func supportedVersions(vs ...wire.Version) checks.HelloEdit {
	return func(ch *wire.ClientHello) {
		e := wire.SupportedVersionsClientExt(vs...)
		for i := range ch.Extensions {
			if ch.Extensions[i].Type == wire.ExtSupportedVersions {
				ch.Extensions[i] = e
				return
			}
		}
		ch.Extensions = append(ch.Extensions, e)
	}
}

// suitesFirst puts ids in front of the offered suites.
func suitesFirst(ids ...wire.CipherSuite) checks.HelloEdit {
	return func(ch *wire.ClientHello) { ch.CipherSuites = slices.Concat(ids, ch.CipherSuites) }
}

func withSuite(id wire.CipherSuite) checks.HelloEdit {
	return func(ch *wire.ClientHello) { ch.CipherSuites = append(ch.CipherSuites, id) }
}

func grease(i int) wire.Version { return wire.Version(wire.GREASE(i)) }

// suitesOf lists the implemented suites that fit version v and pass keep.
func suitesOf(v wire.Version, keep func(*suites.Spec) bool) []wire.CipherSuite {
	var out []wire.CipherSuite
	for _, s := range suites.All() {
		if s.SupportsVersion(v) && keep(s) {
			out = append(out, s.ID)
		}
	}
	return out
}

// --- what the target supports ---

// withTargetOffer is a config edit that adds to the context's own suites
// and groups every TLS 1.0-1.2 suite and group probing saw the target
// complete a handshake with, and whether there was any: a check that runs
// outside the target's profile then refuses nothing the target lacks but
// the thing it is about.
func withTargetOffer(env *checks.Env) (func(*peers.ClientConfig), bool) {
	p := env.Profile
	if p == nil {
		return func(*peers.ClientConfig) {}, false
	}
	var ids []wire.CipherSuite
	for _, id := range p.Suites {
		if s, ok := suites.Lookup(id); ok && !s.TLS13() {
			ids = append(ids, id)
		}
	}
	var groups []wire.Group
	for _, v := range p.Versions {
		if v < wire.VersionTLS13 {
			for _, g := range p.GroupsAt(v) {
				if !slices.Contains(groups, g) {
					groups = append(groups, g)
				}
			}
		}
	}
	return func(cfg *peers.ClientConfig) {
		for _, id := range ids {
			if !slices.Contains(cfg.CipherSuites, id) {
				cfg.CipherSuites = append(cfg.CipherSuites, id)
			}
		}
		for _, g := range groups {
			if !slices.Contains(cfg.Groups, g) {
				cfg.Groups = append(cfg.Groups, g)
			}
		}
	}, len(ids) > 0
}

// noSharedOffer reads a rejection judged for its alert once more when the
// offer held no suite the target was seen to complete a handshake with
// (no profile, or a target without TLS 1.0-1.2): a handshake_failure or
// insufficient_security then answers the missing key exchange (RFC 5246
// §7.4.1.3: "If no acceptable choices are presented, return a handshake
// failure alert") as well as the version, so it proves that the handshake
// stopped, which is the MUST, and not which of the two the target
// refused: no warning about the alert.
func noSharedOffer(v checks.Verdict, shared bool, c checks.Context) checks.Verdict {
	if len(v.Conversations) == 0 || shared || v.Status != reports.Warn {
		return v
	}
	o := v.Conversations[len(v.Conversations)-1].Outcome
	if o.Kind != peers.OutcomeAlert || (o.Alert.Description != wire.AlertHandshakeFailure && o.Alert.Description != wire.AlertInsufficientSecurity) {
		return v
	}
	v.Status = reports.Pass
	v.Reason = fmt.Sprintf("the handshake stopped; the offer held only %s suites, none of them one the target was seen to complete a handshake with, so %s may answer the key exchange as well as the version: which one it refused is not shown", c.KX, o.Alert.Description)
	return v
}

// --- verdicts ---

// negotiates judges a conversation in which the target must answer with a
// want ServerHello and complete the handshake. mayAbort: the RFC also lets
// it abort with protocol_version (RFC 8446 §4.2.1, a legacy_version of
// 0x0304 or later); another alert or a plain close is then a SHOULD-level
// deviation.
func negotiates(cv *peers.Conversation, want wire.Version, mayAbort bool) checks.Verdict {
	v := checks.Verdict{
		Expected:      fmt.Sprintf("a %s ServerHello and a completed handshake", want),
		Observed:      checks.ObservedHello(cv),
		Conversations: []*peers.Conversation{cv},
	}
	if mayAbort {
		v.Expected += ", or a protocol_version alert (RFC 8446 §4.2.1 lets a TLS 1.3 server abort)"
	}
	o := cv.Outcome
	if cv.Outcome.Unreachable() {
		v.Status, v.Reason = reports.Fail, "target unreachable"
		return v
	}
	if sh := cv.ServerHello(); sh != nil {
		switch got := checks.NegotiatedOf(sh); {
		case got != want:
			v.Status, v.Reason = reports.Fail, fmt.Sprintf("the target negotiated %s where %s was due", got, want)
		case o.Kind == peers.OutcomeCompleted && o.WentOn == "":
			v.Status = reports.Pass
		default:
			v.Status, v.Reason = reports.Fail, fmt.Sprintf("the target chose %s but the handshake did not complete", want)
		}
		return v
	}
	switch {
	case mayAbort && o.Kind == peers.OutcomeAlert && o.Alert.Description == wire.AlertProtocolVersion:
		v.Status = reports.Pass
	case mayAbort && checks.Inconclusive(o) != "":
		// The alert that would pass (protocol_version) may be the one lost.
		v.Status, v.Reason = reports.Inconclusive, checks.Inconclusive(o)
	case mayAbort && (o.Kind == peers.OutcomeAlert || o.Kind == peers.OutcomeClosed):
		v.Status, v.Reason = reports.Warn, "the target aborted, as RFC 8446 §4.2.1 allows, but not with protocol_version, the alert for a version it will not negotiate"
	default:
		v.Status, v.Reason = reports.Fail, "the target did not answer with a ServerHello"
	}
	return v
}

// --- the checks ---

func versionChecks() []checks.Check {
	var out []checks.Check
	for _, c := range checks.Contexts() {
		out = append(out, negotiationChecks(c)...)
		out = append(out, downgradeChecks(c)...)
		out = append(out, recordVersionChecks(c)...)
		out = append(out, sslv2Checks(c)...)
		out = append(out, offerBoundChecks(c)...)
		out = append(out, probeAnswerChecks(c)...)
	}
	return out
}

// negotiationChecks: rows 15-21, which version the server picks from the
// ClientHello's version fields.
func negotiationChecks(c checks.Context) []checks.Check {
	var out []checks.Check
	legacy := min(c.Version, wire.VersionTLS12) // what the client writes in legacy_version

	if c.Version == wire.VersionTLS12 {
		// Row 15: a client_version above TLS 1.2 without supported_versions
		// gets TLS 1.2 (RFC 5246 Appendix E.1: the highest the server
		// supports; RFC 8446 §4.2.1: never TLS 1.3 without the extension,
		// though a TLS 1.3 server MAY abort on 0x0304 or later).
		for _, cv := range []wire.Version{0x0304, 0x03ff, 0x0400} {
			out = append(out, versionCheck(c, 15, "RFC 5246 App. E.1; RFC 8446 §4.2.1", "client-version-"+hex4(cv),
				fmt.Sprintf("answers client_version %s without supported_versions with TLS 1.2", braces(cv)),
				func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
					cvn := env.Converse(ctx, c, id, checks.HelloScript(c.Version, legacyVersion(cv)))
					return negotiates(cvn, wire.VersionTLS12, env.Supports(wire.VersionTLS13))
				}))
		}
		// Row 21: a TLS 1.3-looking ClientHello (TLS 1.3 suites, key_share,
		// psk_key_exchange_modes, legacy_version 0x0304) without
		// supported_versions is a TLS 1.2 ClientHello (RFC 8446 §4.2.1).
		out = append(out, versionCheck(c, 21, "RFC 8446 §4.2.1", "tls13-hello-without-supported-versions",
			"negotiates TLS 1.2, not TLS 1.3, for a ClientHello with legacy_version 0x0304, TLS 1.3 suites and key_share but no supported_versions",
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				script := checks.HelloScript(c.Version, legacyVersion(wire.VersionTLS13),
					suitesFirst(suitesOf(wire.VersionTLS13, func(*suites.Spec) bool { return true })...),
					func(ch *wire.ClientHello) {
						// The X25519 base point: a valid share nobody should use.
						pub := make([]byte, 32)
						pub[0] = 9
						ch.Extensions = append(ch.Extensions,
							wire.KeyShareClientExt(wire.KeyShareEntry{Group: wire.GroupX25519, KeyExchange: pub}),
							wire.PSKKeyExchangeModesExt(1))
					})
				return negotiates(env.Converse(ctx, c, id, script), wire.VersionTLS12, env.Supports(wire.VersionTLS13))
			}))
	}

	if c.Version == wire.VersionTLS10 {
		// Row 16: a client_version below anything the server supports
		// (RFC 5246 Appendix E.1; RFC 7568 §3 forbids SSL 3.0). Run
		// whatever the target supports: the answer must be the same. The
		// offer carries, after c's suites, the suites and groups the
		// target was seen to complete handshakes with, so that the
		// version is the one thing it can refuse: a handshake_failure is
		// then about the version, not a key exchange or a certificate it
		// lacks.
		for _, cv := range []wire.Version{wire.VersionSSL30, wire.VersionSSL20} {
			ch := versionCheck(c, 16, "RFC 5246 App. E.1; RFC 7568 §3", "client-version-"+hex4(cv),
				fmt.Sprintf("rejects client_version %s (%s) with protocol_version", braces(cv), cv),
				func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
					script := checks.HelloScript(c.Version, legacyVersion(cv))
					offer, has := withTargetOffer(env)
					v := checks.RejectsHello(env.ConverseWith(ctx, c, id, offer, script), script, wire.AlertProtocolVersion)
					return noSharedOffer(v, has, c)
				})
			ch.Always = true
			out = append(out, ch)
		}
	}

	// Row 17: with supported_versions present, legacy_version plays no part
	// (RFC 8446 §4.2.1). Below TLS 1.3 only a server that implements RFC
	// 8446 reads the extension.
	for _, lv := range []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13} {
		if lv == legacy {
			continue
		}
		ch := versionCheck(c, 17, "RFC 8446 §4.2.1", "legacy-version-"+hex4(lv)+"-ignored",
			fmt.Sprintf("negotiates %s from supported_versions [%s] whatever legacy_version says (%s)", c.Version, c.Version, lv),
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				script := checks.HelloScript(c.Version, legacyVersion(lv), supportedVersions(c.Version))
				// The suites of every version on offer, so that a server that
				// picks its version from legacy_version can show it with a
				// ServerHello instead of failing to find a suite.
				cv := env.ConverseWith(ctx, c, id, func(cfg *peers.ClientConfig) {
					cfg.CipherSuites = slices.Concat(cfg.CipherSuites, suitesOf(wire.VersionTLS10, func(s *suites.Spec) bool {
						return !s.TLS13() && !slices.Contains(cfg.CipherSuites, s.ID)
					}))
				}, script)
				v := negotiates(cv, c.Version, lv >= wire.VersionTLS13)
				if v.Status == reports.Fail && lv != wire.VersionTLS12 && lv < wire.VersionTLS13 && len(v.Conversations) > 0 && v.Conversations[0].ServerHello() == nil {
					// RFC 8446 §4.2.1's MUST is that the server picks its
					// version from supported_versions: an abort picks none.
					// A legacy_version other than 0x0303 breaks the client's
					// own MUST (§4.1.2), so refusing it is at most a
					// deviation; only a ServerHello with the wrong version
					// (one picked from legacy_version) fails.
					v.Status = reports.Warn
					v.Reason = fmt.Sprintf("the target refused a ClientHello with legacy_version %s (RFC 8446 §4.1.2 wants 0x0303) instead of reading supported_versions; it did not pick its version from legacy_version", lv)
				}
				return v
			})
		ch.Needs = checks.NeedTLS13
		out = append(out, ch)
	}

	if c.Version == wire.VersionTLS13 {
		// Row 18: nothing acceptable in supported_versions (RFC 8446 §4.2.1).
		for _, f := range []struct {
			name, what string
			vs         []wire.Version
		}{
			{"only-unknown", "only unknown versions", []wire.Version{0x0305, 0x03ff, 0x0400}},
			{"only-ssl30", "only SSL 3.0", []wire.Version{wire.VersionSSL30}},
			{"only-grease", "only GREASE values", []wire.Version{grease(0), grease(7)}},
		} {
			out = append(out, versionCheck(c, 18, "RFC 8446 §4.2.1", "supported-versions-"+f.name,
				fmt.Sprintf("rejects a ClientHello whose supported_versions holds %s, with protocol_version", f.what),
				func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
					script := checks.HelloScript(c.Version, supportedVersions(f.vs...))
					return checks.RejectsHello(env.Converse(ctx, c, id, script), script, wire.AlertProtocolVersion)
				}))
		}
		// Row 20: all versions with GREASE and unknown ones: the highest
		// common version, the rest ignored (RFC 8446 §4.2.1, RFC 8701 §3).
		out = append(out, versionCheck(c, 20, "RFC 8446 §4.2.1; RFC 8701 §3", "supported-versions-all",
			"negotiates its highest version from supported_versions [GREASE, 0x0305, TLS 1.3, 1.2, 1.1, 1.0]",
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				script := checks.HelloScript(c.Version, supportedVersions(grease(3), 0x0305, wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10))
				cv := env.ConverseWith(ctx, c, id, func(cfg *peers.ClientConfig) {
					cfg.Versions = slices.Clone(checks.Versions)
					cfg.CipherSuites = slices.Concat(cfg.CipherSuites, suitesOf(wire.VersionTLS10, func(s *suites.Spec) bool { return !s.TLS13() }))
				}, script)
				return negotiates(cv, env.TopVersion(), false)
			}))
	}

	// Row 19: legacy_version 0x0300 or below with supported_versions
	// (RFC 8446 Appendix D.5). Below TLS 1.3 the answer is the same for a
	// server that does not read the extension (RFC 7568 §3).
	if c.Version >= wire.VersionTLS12 {
		lvs := []wire.Version{wire.VersionSSL30}
		if c.Version == wire.VersionTLS13 {
			lvs = append(lvs, wire.VersionSSL20)
		}
		for _, lv := range lvs {
			ch := versionCheck(c, 19, "RFC 8446 App. D.5", "legacy-version-"+hex4(lv)+"-refused",
				fmt.Sprintf("rejects legacy_version %s with supported_versions [%s], with protocol_version", braces(lv), c.Version),
				func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
					script := checks.HelloScript(c.Version, legacyVersion(lv), supportedVersions(c.Version))
					v := checks.RejectsHello(env.Converse(ctx, c, id, script), script, wire.AlertProtocolVersion)
					if lv != wire.VersionSSL30 && v.Status == reports.Fail && len(v.Conversations) > 0 && v.Conversations[0].ServerHello() != nil {
						v.Status = reports.Warn
						v.Reason = "the target went on with legacy_version " + braces(lv) + ": RFC 8446 Appendix D.5's MUST names 0x0300, and below it only \"SHOULD NOT\" applies"
					}
					return v
				})
			if lv != wire.VersionSSL30 {
				// Appendix D.5's receiver MUST names 0x0300 alone.
				ch.Level = checks.SHOULD
			}
			out = append(out, ch)
		}
	}

	// Row 20: GREASE and unknown values in supported_versions are ignored
	// (RFC 8446 §4.2.1, RFC 8701 §3). legacy_version stays that of c, so a
	// server that does not read the extension answers the same.
	for _, f := range []struct {
		name, what string
		vs         []wire.Version
	}{
		{"grease", "GREASE values", []wire.Version{grease(1), c.Version, grease(10)}},
		{"unknown", "unknown versions", []wire.Version{0x0305, 0x03ff, c.Version, 0x0400}},
	} {
		out = append(out, versionCheck(c, 20, "RFC 8446 §4.2.1; RFC 8701 §3", "supported-versions-"+f.name,
			fmt.Sprintf("ignores %s in supported_versions and negotiates %s", f.what, c.Version),
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				script := checks.HelloScript(c.Version, supportedVersions(f.vs...))
				return negotiates(env.Converse(ctx, c, id, script), c.Version, false)
			}))
	}
	return out
}

// downgradeChecks: rows 22 and 23, downgrade protection.
func downgradeChecks(c checks.Context) []checks.Check {
	var out []checks.Check
	if c.Version < wire.VersionTLS13 {
		// Row 22: a TLS 1.3 server that negotiates TLS 1.2 or below marks
		// ServerHello.random (RFC 8446 §4.1.3). Only the older version is
		// offered, so the client itself does not look for the sentinel.
		want, name := wire.DowngradeTLS11, `DOWNGRD\x00`
		if c.Version == wire.VersionTLS12 {
			want, name = wire.DowngradeTLS12, `DOWNGRD\x01`
		}
		for _, f := range []struct{ suffix, how string }{
			{"", "offered alone"},
			{"-via-supported-versions", "offered alone in supported_versions"},
		} {
			ch := versionCheck(c, 22, "RFC 8446 §4.1.3", "downgrade-sentinel"+f.suffix,
				fmt.Sprintf("ends ServerHello.random with %s when it negotiates %s %s", name, c.Version, f.how),
				func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
					var edits []checks.HelloEdit
					if f.suffix != "" {
						edits = append(edits, supportedVersions(c.Version))
					}
					cv := env.Converse(ctx, c, id, checks.HelloScript(c.Version, edits...))
					v := checks.CompletesWith(cv, fmt.Sprintf("a completed %s handshake with %s in ServerHello.random[24:32]", c.Version, name),
						"the handshake did not complete")
					if sh := cv.ServerHello(); sh != nil && len(sh.Random) == 32 {
						v.Observed = fmt.Sprintf("random[24:32] = %x; %s", sh.Random[24:], checks.ObservedHello(cv))
						if !bytes.Equal(sh.Random[24:], want[:]) {
							v.Status = reports.Fail
							v.Reason = fmt.Sprintf("a TLS 1.3 server that negotiates %s MUST end ServerHello.random with %s", c.Version, name)
						}
					}
					return v
				})
			ch.Needs = checks.NeedTLS13
			out = append(out, ch)
		}
	} else {
		ch := versionCheck(c, 22, "RFC 8446 §4.1.3", "no-downgrade-sentinel",
			"sends no downgrade sentinel in ServerHello.random when it negotiates TLS 1.3",
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				cv := env.Converse(ctx, c, id, peers.DefaultScript(c.Version).Through(peers.StepServerHello))
				v := checks.Verdict{Expected: "a TLS 1.3 ServerHello whose random does not end in DOWNGRD", Observed: checks.ObservedHello(cv),
					Conversations: []*peers.Conversation{cv}}
				sh := cv.ServerHello()
				switch {
				case cv.Outcome.Unreachable():
					v.Status, v.Reason = reports.Fail, "target unreachable"
				case sh != nil && checks.NegotiatedOf(sh) == wire.VersionTLS13 && len(sh.Random) == 32:
					v.Observed = fmt.Sprintf("random[24:32] = %x; %s", sh.Random[24:], v.Observed)
					tail := [8]byte(sh.Random[24:])
					if tail == wire.DowngradeTLS12 || tail == wire.DowngradeTLS11 {
						v.Status, v.Reason = reports.Fail, "the downgrade sentinel marks a version below TLS 1.3 (RFC 8446 §4.1.3)"
					} else {
						v.Status = reports.Pass
					}
				case env.Supports(wire.VersionTLS13):
					v.Status, v.Reason = reports.Fail, "the target did not negotiate TLS 1.3, which it supports: the check could not be made"
				default:
					// The target does not speak TLS 1.3: nothing to mark.
					v.Status, v.Reason = reports.Skip, "target does not support TLS 1.3"
				}
				return v
			})
		ch.Always = true
		out = append(out, ch)
	}

	// Row 23: TLS_FALLBACK_SCSV (RFC 7507 §3): inappropriate_fallback when
	// the client's version is below the server's highest, ignored at it.
	scsv := func(ctx context.Context, env *checks.Env, id string, edits ...checks.HelloEdit) checks.Verdict {
		top := env.TopVersion()
		if top == 0 {
			return checks.Verdict{Status: reports.Skip, Reason: "the target's highest version is unknown (no profile)"}
		}
		script := checks.HelloScript(c.Version, append(edits, withSuite(wire.TLS_FALLBACK_SCSV))...)
		cv := env.Converse(ctx, c, id, script)
		if c.Version >= top {
			return checks.CompletesWith(cv, fmt.Sprintf("%s is the target's highest version: the handshake completes", c.Version),
				"TLS_FALLBACK_SCSV at the target's highest version must not stop the handshake (RFC 7507 §3)")
		}
		v := checks.RejectsHello(cv, script, wire.AlertInappropriateFallback)
		if sh := cv.ServerHello(); v.Status == reports.Fail && sh != nil && len(sh.Random) == 32 {
			if tail := [8]byte(sh.Random[24:]); tail == wire.DowngradeTLS12 || tail == wire.DowngradeTLS11 {
				// RFC 7507 is an optional mechanism; a server that lacks it
				// but marks the downgrade with the RFC 8446 §4.1.3 sentinel
				// still protects a TLS 1.3 client.
				v.Status = reports.Warn
				v.Reason = "the target does not implement TLS_FALLBACK_SCSV (RFC 7507, optional) but marks the downgrade with the RFC 8446 §4.1.3 sentinel"
			}
		}
		return v
	}
	out = append(out, versionCheck(c, 23, "RFC 7507 §3", "fallback-scsv",
		fmt.Sprintf("answers TLS_FALLBACK_SCSV with inappropriate_fallback when %s is below its highest version, and ignores it otherwise", c.Version),
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict { return scsv(ctx, env, id) }))
	if c.Version < wire.VersionTLS13 {
		ch := versionCheck(c, 23, "RFC 7507 §3; RFC 8446 §4.2.1", "fallback-scsv-via-supported-versions",
			fmt.Sprintf("answers TLS_FALLBACK_SCSV with inappropriate_fallback when supported_versions offers only %s", c.Version),
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				return scsv(ctx, env, id, supportedVersions(c.Version))
			})
		ch.Needs = checks.NeedTLS13
		out = append(out, ch)
	}
	return out
}

// recordVersionChecks: row 24, the record-layer version of the first
// record (the ClientHello's).
func recordVersionChecks(c checks.Context) []checks.Check {
	var out []checks.Check
	// RFC 5246 Appendix E.1: any {03,xx} MUST be accepted; RFC 8446 §5.1,
	// Appendix D.2: the value MUST be ignored. {03,01} is what the client
	// sends anyway.
	for _, rv := range []wire.Version{wire.VersionSSL30, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13, 0x03ff} {
		out = append(out, versionCheck(c, 24, "RFC 5246 App. E.1; RFC 8446 §5.1", "record-version-"+hex4(rv),
			fmt.Sprintf("accepts a ClientHello record whose record-layer version is %s", braces(rv)),
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				return checks.CompletesWith(env.Converse(ctx, c, id, peers.DefaultScript(c.Version), recordVersion(rv)),
					"the handshake and an application-data round trip complete",
					fmt.Sprintf("a server MUST accept any {03,xx} as the ClientHello's record version, here %s", braces(rv)))
			}))
	}
	// RFC 8446 Appendix D.5: records with a version below 0x0300 SHOULD
	// NOT be accepted.
	for _, rv := range []wire.Version{wire.VersionSSL20, 0x0000} {
		ch := versionCheck(c, 24, "RFC 8446 App. D.5", "record-version-"+hex4(rv),
			fmt.Sprintf("rejects a first record whose record-layer version is %s", braces(rv)),
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				script := peers.DefaultScript(c.Version)
				cv := env.Converse(ctx, c, id, script, recordVersion(rv))
				v := checks.Verdict{Expected: "the handshake stops (an alert or a close)", Observed: checks.ObservedHello(cv),
					Conversations: []*peers.Conversation{cv}}
				switch o := cv.Outcome; {
				case cv.Outcome.Unreachable():
					v.Status, v.Reason = reports.Fail, "target unreachable"
				case cv.ServerHello() != nil || o.Kind == peers.OutcomeCompleted:
					v.Status = reports.Warn
					v.Reason = fmt.Sprintf("the target went on after a record with version %s, which RFC 8446 Appendix D.5 says SHOULD NOT be accepted", braces(rv))
				case o.Kind == peers.OutcomeAlert || o.Kind == peers.OutcomeClosed:
					v.Status = reports.Pass
				case checks.Inconclusive(o) != "":
					v.Status, v.Reason = reports.Inconclusive, checks.Inconclusive(o)
				default:
					v.Status, v.Reason = reports.Fail, "the target neither rejected nor went on"
				}
				return v
			})
		ch.Level = checks.SHOULD
		out = append(out, ch)
	}
	return out
}

// recordVersion sets the record-layer version of the ClientHello's record
// (the client moves to the negotiated one after the ServerHello).
func recordVersion(v wire.Version) peers.Setup {
	return func(cv *peers.Conversation) { cv.Conn().SetRecordVersion(v) }
}

// sslv2Checks: row 25, the SSL 2.0 CLIENT-HELLO.
func sslv2Checks(c checks.Context) []checks.Check {
	var out []checks.Check
	// A compatible CLIENT-HELLO offering c's version (TLS 1.3 is offered as
	// {3,4}) and c's suites; for TLS 1.3 also every older suite, so that a
	// server has something to pick below TLS 1.3.
	out = append(out, versionCheck(c, 25, "RFC 8446 App. D.5; RFC 6176 §3", "sslv2-compatible-hello",
		fmt.Sprintf("never answers an SSL 2.0 compatible CLIENT-HELLO offering %s with SSL 2.0 or TLS 1.3 (and should reject it)", c.Version),
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			ids := env.Config(c, id).CipherSuites
			if c.Version == wire.VersionTLS13 {
				ids = slices.Concat(ids, suitesOf(wire.VersionTLS12, func(s *suites.Spec) bool { return !s.TLS13() }))
			}
			return sslv2Hello(ctx, env, c, id, c.Version, ids, true)
		}))
	if c.Version == wire.VersionTLS10 {
		// A pure SSL 2.0 CLIENT-HELLO (version {0,2}): RFC 6176 §3, MUST
		// abort. It does not depend on what the target supports.
		ch := versionCheck(c, 25, "RFC 6176 §3", "sslv2-hello",
			"aborts on an SSL 2.0 CLIENT-HELLO whose highest version is {0,2}",
			func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
				return sslv2Hello(ctx, env, c, id, 0x0002, env.Config(c, id).CipherSuites, false)
			})
		ch.Always = true
		out = append(out, ch)
	}
	return out
}

// sslv2Hello sends an SSL 2.0 CLIENT-HELLO with version and the suites ids
// (plus SSL_CK_RC4_128_WITH_MD5) and judges the answer. compat: a TLS
// ServerHello of TLS 1.0-1.2 that respects the offer is allowed (RFC 6176
// §3), though NOT RECOMMENDED for a TLS 1.3 server (RFC 8446 App. D.5).
func sslv2Hello(ctx context.Context, env *checks.Env, c checks.Context, id string, version wire.Version, ids []wire.CipherSuite, compat bool) checks.Verdict {
	specs := [][3]byte{sslv2CKRC4128WithMD5}
	for _, s := range ids {
		specs = append(specs, v2CipherSpec(s))
	}
	challenge := make([]byte, 32)
	if _, err := env.Rand(id).Read(challenge); err != nil {
		return checks.Verdict{Status: reports.Fail, Reason: "challenge: " + err.Error()}
	}
	raw, err := sslv2ClientHello(version, specs, challenge)
	if err != nil {
		return checks.Verdict{Status: reports.Fail, Reason: err.Error()}
	}
	script := peers.Script{peers.SendRaw(peers.StepClientHello, func(*peers.Conversation) []byte { return raw }), peers.ReadServerHello()}
	cv := env.Converse(ctx, c, id, script)
	v := checks.Verdict{Expected: "an abort (an alert or a close)", Observed: checks.Observed(cv), Conversations: []*peers.Conversation{cv}}
	if compat {
		v.Expected += ", or a TLS 1.0-1.2 ServerHello within the offer"
	}
	sh := cv.ServerHello()
	if sh != nil {
		v.Observed = checks.HelloChoice(sh)
	}
	o := cv.Outcome
	switch {
	case cv.Outcome.Unreachable():
		v.Status, v.Reason = reports.Fail, "target unreachable"
	case sslv2Answer(cv):
		v.Status, v.Reason = reports.Fail, "the target answered in SSL 2.0 (RFC 6176 §3: never)"
		v.Observed = "an SSL 2.0 SERVER-HELLO"
	case sh != nil && !compat:
		v.Status, v.Reason = reports.Fail, "the target answered an SSL 2.0-only CLIENT-HELLO instead of aborting (RFC 6176 §3)"
	case sh != nil:
		offer := &wire.ClientHello{Version: min(version, wire.VersionTLS12), CipherSuites: ids}
		if checks.NegotiatedOf(sh) >= wire.VersionTLS13 {
			v.Status, v.Reason = reports.Fail, "the target negotiated TLS 1.3 from an SSL 2.0 compatible CLIENT-HELLO (RFC 8446 App. D.5: MUST NOT)"
		} else if why := checks.JudgeServerHello(offer, sh, false); why != "" {
			v.Status, v.Reason = reports.Fail, why
		} else if env.Supports(wire.VersionTLS13) {
			v.Status, v.Reason = reports.Warn, "a TLS 1.3 server accepted an SSL 2.0 compatible CLIENT-HELLO, which RFC 8446 Appendix D.5 does not recommend"
		} else {
			v.Status = reports.Pass
		}
	case o.Kind == peers.OutcomeAlert || o.Kind == peers.OutcomeClosed:
		v.Status = reports.Pass
	case checks.Inconclusive(o) != "":
		// A target that reads the 2-byte SSL 2.0 header as a TLS record
		// header waits for the length it seems to give: silent even after
		// the client half-closed, it proves nothing.
		v.Status, v.Reason = reports.Inconclusive, checks.Inconclusive(o)
	case o.Kind == peers.OutcomeTimeout:
		v.Status, v.Reason = reports.Fail, "the target neither answered nor closed before the deadline"
	default:
		v.Status, v.Reason = reports.Fail, "the target answered with something that is neither a ServerHello nor an alert"
	}
	return v
}

// sslv2Answer reports whether the target's first bytes were an SSL 2.0
// SERVER-HELLO.
func sslv2Answer(cv *peers.Conversation) bool {
	for _, e := range cv.Events() {
		if e.Dir == peers.Received && len(e.Raw) > 0 {
			return isSSLv2ServerHello(e.Raw)
		}
	}
	return false
}

// offerBoundChecks: row 26, the ServerHello stays within the offer.
func offerBoundChecks(c checks.Context) []checks.Check {
	var out []checks.Check
	// Offer only c, whatever the target supports: it answers c (or, below
	// TLS 1.3, a lower version), or refuses; never more.
	ch := versionCheck(c, 26, "RFC 5246 §7.4.1.3, App. E.1; RFC 8446 §4.1.3, §4.2.1", "never-exceeds-offered-version",
		fmt.Sprintf("answers a ClientHello offering only %s (%s suites) with no higher version and an offered suite that fits, or refuses it", c.Version, c.KX),
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			cv := env.Converse(ctx, c, id, peers.Script{peers.SendClientHello(), peers.ReadServerHello()})
			sh, o, has := cv.ServerHello(), cv.Outcome, env.SupportsCtx(c)
			// What the target lacks decides the alert that says so: a
			// version, protocol_version (or handshake_failure, which some
			// servers send for any refusal of the offer); a key exchange
			// or a certificate at a version it has, handshake_failure or
			// insufficient_security (RFC 5246 §7.4.1.3, §7.2.2; RFC 8446
			// §4.1.1), never a fault of version negotiation.
			lacksKX := !has && env.Profile != nil && env.Supports(c.Version)
			want := []wire.AlertDescription{wire.AlertProtocolVersion, wire.AlertHandshakeFailure}
			expected := fmt.Sprintf("a ServerHello within the offer (%s when the target supports it), or protocol_version / handshake_failure", c.Version)
			if lacksKX {
				want = []wire.AlertDescription{wire.AlertHandshakeFailure, wire.AlertInsufficientSecurity}
				expected = fmt.Sprintf("a ServerHello within the offer, or handshake_failure / insufficient_security: the target has %s but was not seen to complete %s key exchange there (a suite or a certificate it lacks)", c.Version, c.KX)
			}
			v := checks.Verdict{Expected: expected, Observed: checks.Observed(cv), Conversations: []*peers.Conversation{cv}}
			if sh != nil {
				v.Observed = checks.HelloChoice(sh)
			}
			switch {
			case cv.Outcome.Unreachable():
				v.Status, v.Reason = reports.Fail, "target unreachable"
			case sh != nil:
				if why := checks.JudgeServerHello(cv.Hello(), sh, env.Supports(wire.VersionTLS13)); why != "" {
					v.Status, v.Reason = reports.Fail, why
				} else if got := checks.NegotiatedOf(sh); has && env.Profile != nil && got != c.Version {
					v.Status, v.Reason = reports.Fail, fmt.Sprintf("the target negotiated %s, though it supports %s (RFC 5246 Appendix E.1: the highest it can)", got, c.Version)
				} else {
					v.Status = reports.Pass
				}
			case has && env.Profile != nil:
				v.Status, v.Reason = reports.Fail, fmt.Sprintf("the target refused %s with %s suites, which it supports (probing completed a handshake)", c.Version, c.KX)
			case o.Kind == peers.OutcomeAlert && slices.Contains(want, o.Alert.Description):
				v.Status = reports.Pass
			case checks.Inconclusive(o) != "":
				// The alert that would pass may be the one lost.
				v.Status, v.Reason = reports.Inconclusive, checks.Inconclusive(o)
			case lacksKX && o.Kind == peers.OutcomeAlert && o.Alert.Description == wire.AlertProtocolVersion:
				v.Status, v.Reason = reports.Warn, fmt.Sprintf("the target refused with protocol_version, though it has %s: what it lacks is the %s key exchange (a suite or a certificate), for which RFC 5246 §7.4.1.3 names handshake_failure", c.Version, c.KX)
			case o.Kind == peers.OutcomeAlert || o.Kind == peers.OutcomeClosed:
				v.Status, v.Reason = reports.Warn, "the target refused, but without "+checks.AlertNames(want)
			default:
				v.Status, v.Reason = reports.Fail, "the target neither answered nor refused"
			}
			return v
		})
	ch.Always = true
	out = append(out, ch)

	// The suite fits the version even when suites of other versions come
	// first in the offer: one check per kind of foreign suite, each on the
	// sentence that binds the server for that kind (foreignSuitesOf).
	for _, f := range foreignSuitesOf(c) {
		out = append(out, suiteFitCheck(c, f))
	}
	return out
}

// foreignSuites is a kind of suite that does not fit a context's version,
// offered first to see that the server leaves it alone.
type foreignSuites struct {
	suffix string // of the check name "suite-fits-version"
	what   string // the kind, for the title
	rfc    string
	rule   checks.Rule
	// pick selects the kind among the suites that do not fit.
	pick func(s *suites.Spec) bool
	// selectable: no sentence in key words forbids the server to select
	// such a suite (it is only defined for another version), so selecting
	// it warns; refusing the offer still breaks the rule, which makes the
	// server ignore what it does not support and go on.
	selectable string
}

// foreignSuitesOf are the kinds of foreign suite of context c.
//
//   - TLS 1.3 takes none of the older suites: "cipher suites for TLS 1.2
//     and lower cannot be used with TLS 1.3" (RFC 8446 App. B.4), so a
//     TLS 1.3 server supports none of them there, and RFC 8446 §4.1.2
//     makes it ignore them and go on with the rest.
//   - Below TLS 1.3 the TLS 1.3 suites "cannot be used for TLS 1.2"
//     (App. B.4): RFC 5246 §7.4.1.2 makes the server ignore them.
//   - Below TLS 1.2, the AES-GCM suites: RFC 5288 §4 "Servers which
//     select an earlier version of TLS MUST NOT select one of these cipher
//     suites" (RFC 5289 applies RFC 5288's rule to its ECDHE GCM suites).
//   - Below TLS 1.2, the other TLS 1.2 suites (CBC with SHA-256 or
//     SHA-384: RFC 5246 App. A.5, RFC 5289 §3.1; ChaCha20-Poly1305: RFC
//     7905): they are defined for TLS 1.2 (RFC 5246 App. A.5 "A cipher
//     suite defines a cipher specification supported in TLS Version
//     1.2."), but no sentence in key words forbids a server to select one
//     at TLS 1.0 or 1.1: selecting one warns, refusing the offer fails.
func foreignSuitesOf(c checks.Context) []foreignSuites {
	if c.Version == wire.VersionTLS13 {
		return []foreignSuites{{what: "the TLS 1.0-1.2 suites", rfc: "RFC 8446 §4.1.2, App. B.4", rule: checks.RuleIgnoreSuites13,
			pick: func(*suites.Spec) bool { return true }}}
	}
	out := []foreignSuites{{what: "the TLS 1.3 suites", rfc: "RFC 5246 §7.4.1.2; RFC 8446 App. B.4", rule: checks.RuleUnknownSuites,
		pick: func(s *suites.Spec) bool { return s.TLS13() }}}
	if c.Version == wire.VersionTLS12 {
		return out
	}
	gcm := func(s *suites.Spec) bool { return s.Bulk == suites.BulkAES128GCM || s.Bulk == suites.BulkAES256GCM }
	return append(out,
		foreignSuites{suffix: "-gcm", what: "the TLS 1.2 AES-GCM suites", rfc: "RFC 5288 §4", rule: checks.RuleGCMVersion,
			pick: func(s *suites.Spec) bool { return !s.TLS13() && checks.KXOf(s) == c.KX && gcm(s) }},
		foreignSuites{suffix: "-other-tls12", what: "the other TLS 1.2 suites (CBC with SHA-256/384, ChaCha20-Poly1305)",
			rfc: "RFC 5246 §7.4.1.2, App. A.5; RFC 5289 §3.1; RFC 7905", rule: checks.RuleUnknownSuites,
			pick:       func(s *suites.Spec) bool { return !s.TLS13() && checks.KXOf(s) == c.KX && !gcm(s) },
			selectable: "RFC 5246 App. A.5: \"A cipher suite defines a cipher specification supported in TLS Version 1.2.\" No sentence in key words forbids a server to select one at TLS 1.0 or 1.1"},
	)
}

// suiteFitCheck offers the foreign suites of kind f first, then the
// context's own: the handshake must complete with a suite that fits.
func suiteFitCheck(c checks.Context, f foreignSuites) checks.Check {
	var foreign []wire.CipherSuite
	for _, s := range suites.All() {
		if !s.SupportsVersion(c.Version) && f.pick(s) {
			foreign = append(foreign, s.ID)
		}
	}
	ch := versionCheck(c, 26, f.rfc, "suite-fits-version"+f.suffix,
		fmt.Sprintf("chooses a suite defined for %s when %s come first in the offer", c.Version, f.what),
		func(ctx context.Context, env *checks.Env, id string) checks.Verdict {
			cv := env.Converse(ctx, c, id, checks.HelloScript(c.Version, suitesFirst(foreign...)))
			v := checks.CompletesWith(cv,
				fmt.Sprintf("a %s handshake with a suite defined for %s completes", c.Version, c.Version),
				"the handshake did not complete (the client checks that the suite was offered and fits the version)")
			if sh := cv.ServerHello(); v.Status == reports.Fail && f.selectable != "" && sh != nil && slices.Contains(foreign, sh.CipherSuite) {
				v.Status = reports.Warn
				v.Reason = fmt.Sprintf("the target selected %s at %s; %s", sh.CipherSuite, checks.NegotiatedOf(sh), f.selectable)
			}
			return v
		})
	ch.Rule = f.rule
	return ch
}
