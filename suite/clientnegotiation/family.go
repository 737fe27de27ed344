// Package clientnegotiation is the family of client checks on the
// server's choices: a ServerHello that picks a version, a cipher suite or
// a session ID echo the client did not offer, an extension it did not
// ask for, and the RFC 8446 downgrade sentinel in a TLS 1.2 or older
// ServerHello to a client that offered TLS 1.3. The client must abort.
package clientnegotiation

import (
	"context"
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

const area = "client-negotiation"

// The receiver-duty sentences of the family (RFC 8446, RFC 5246; text as
// published by the RFC Editor).
var (
	ruleVersions    = checks.Rule{Cite: "RFC 8446 §4.2.1", Text: "If the \"supported_versions\" extension in the ServerHello contains a version not offered by the client or contains a version prior to TLS 1.3, the client MUST abort the handshake with an \"illegal_parameter\" alert."}
	ruleEcho        = checks.Rule{Cite: "RFC 8446 §4.1.3", Text: "A client which receives a legacy_session_id_echo field that does not match what it sent in the ClientHello MUST abort the handshake with an \"illegal_parameter\" alert."}
	ruleSuite       = checks.Rule{Cite: "RFC 8446 §4.1.3", Text: "A client which receives a cipher suite that was not offered MUST abort the handshake with an \"illegal_parameter\" alert."}
	ruleSentinel    = checks.Rule{Cite: "RFC 8446 §4.1.3", Text: "TLS 1.3 clients receiving a ServerHello indicating TLS 1.2 or below MUST check that the last 8 bytes are not equal to either of these values."}
	ruleExt12       = checks.Rule{Cite: "RFC 5246 §7.4.1.4", Text: "If a client receives an extension type in ServerHello that it did not request in the associated ClientHello, it MUST abort the handshake with an unsupported_extension fatal alert."}
	ruleHRRGroup    = checks.Rule{Cite: "RFC 8446 §4.2.8", Text: "Upon receipt of this extension in a HelloRetryRequest, the client MUST verify that (1) the selected_group field corresponds to a group which was provided in the \"supported_groups\" extension in the original ClientHello and (2) the selected_group field does not correspond to a group which was provided in the \"key_share\" extension in the original ClientHello. If either of these checks fails, then the client MUST abort the handshake with an \"illegal_parameter\" alert."}
	ruleHRRNoChange = checks.Rule{Cite: "RFC 8446 §4.1.4", Text: "Clients MUST abort the handshake with an \"illegal_parameter\" alert if the HelloRetryRequest would not result in any change in the ClientHello."}
	ruleHRRTwice    = checks.Rule{Cite: "RFC 8446 §4.1.4", Text: "If a client receives a second HelloRetryRequest in the same connection (i.e., where the ClientHello was itself in response to a HelloRetryRequest), it MUST abort the handshake with an \"unexpected_message\" alert."}
	ruleHRRSuite    = checks.Rule{Cite: "RFC 8446 §4.1.4", Text: "Upon receiving the ServerHello, clients MUST check that the cipher suite supplied in the ServerHello is the same as that in the HelloRetryRequest and otherwise abort the handshake with an \"illegal_parameter\" alert."}
	ruleExt13       = checks.Rule{Cite: "RFC 8446 §4.2", Text: "Implementations MUST NOT send extension responses if the remote endpoint did not send the corresponding extension requests, with the exception of the \"cookie\" extension in the HelloRetryRequest. Upon receiving such an extension, an endpoint MUST abort the handshake with an \"unsupported_extension\" alert."}
)

// unrequested is an extension type no client requests: unassigned
// (IANA TLS ExtensionType Values), and not a GREASE value.
const unrequested = wire.ExtensionType(0xFEFE)

// Family is the client-side negotiation family.
func Family() checks.Family {
	return checks.Family{
		Area:                area,
		Title:               "The server's choices, as a client checks them (RFC 8446 §4.1.3, §4.2, §4.2.1; RFC 5246 §7.4.1.4)",
		Checks:              clientChecks,
		Client:              true,
		ClientMisbehaviours: ClientMisbehaviours(),
		SelfTests:           selfTests,
	}
}

// editServerHello changes the ServerHello of the server's flights (not
// a HelloRetryRequest).
func editServerHello(name string, edit func(st *peers.ServerState, sh *wire.ServerHello)) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		for i, m := range msgs {
			if sh, ok := m.(*wire.ServerHello); ok && !sh.IsHelloRetryRequest() {
				c := *sh
				c.Extensions = slices.Clone(sh.Extensions)
				edit(st, &c)
				msgs[i] = &c
			}
		}
		return msgs
	})
}

// setExtension replaces (or adds) the extension of e's type.
func setExtension(exts []wire.Extension, e wire.Extension) []wire.Extension {
	for i := range exts {
		if exts[i].Type == e.Type {
			exts[i] = e
			return exts
		}
	}
	return append(exts, e)
}

// unofferedSuite is a TLS 1.3 suite the ClientHello did not offer: one
// of RFC 8446's five, else an unassigned value of its range.
func unofferedSuite(ch *wire.ClientHello) wire.CipherSuite {
	for id := wire.CipherSuite(0x1301); id <= 0x1305; id++ {
		if !slices.Contains(ch.CipherSuites, id) {
			return id
		}
	}
	return 0x13FE
}

func clientChecks() []checks.Check {
	var out []checks.Check
	for _, c := range checks.Contexts() {
		if c.Version == wire.VersionTLS13 {
			out = append(out,
				checks.ClientCheck(area, c, "supported-versions-unoffered", "RFC 8446 §4.2.1", ruleVersions, checks.MUST,
					"aborts on a ServerHello whose supported_versions picks a version it did not offer (0x0305), with illegal_parameter",
					editServerHello("supported-versions-unoffered", func(_ *peers.ServerState, sh *wire.ServerHello) {
						sh.Extensions = setExtension(sh.Extensions, wire.SupportedVersionsServerExt(0x0305))
					}), wire.TypeServerHello, wire.AlertIllegalParameter),
				checks.ClientCheck(area, c, "session-id-echo-mismatch", "RFC 8446 §4.1.3", ruleEcho, checks.MUST,
					"aborts on a ServerHello whose legacy_session_id_echo differs from its legacy_session_id, with illegal_parameter",
					editServerHello("session-id-echo-mismatch", func(_ *peers.ServerState, sh *wire.ServerHello) {
						if len(sh.SessionID) == 0 {
							sh.SessionID = []byte{0xAA}
							return
						}
						id := slices.Clone(sh.SessionID)
						id[0] ^= 0xFF
						sh.SessionID = id
					}), wire.TypeServerHello, wire.AlertIllegalParameter),
				checks.ClientCheck(area, c, "unoffered-suite", "RFC 8446 §4.1.3", ruleSuite, checks.MUST,
					"aborts on a ServerHello with a TLS 1.3 cipher suite it did not offer, with illegal_parameter",
					unofferedSuiteMis, wire.TypeServerHello, wire.AlertIllegalParameter),
				hrrCheck(c, "hrr-group-already-shared", "RFC 8446 §4.2.8", ruleHRRGroup,
					"aborts on a HelloRetryRequest for a group it already sent a key share for, with illegal_parameter",
					editHRR("hrr-group-already-shared", func(st *peers.ServerState, hrr *wire.ServerHello) {
						if g, ok := firstShare(st.Hello); ok {
							hrr.Extensions = setExtension(hrr.Extensions, wire.KeyShareHRRExt(g))
						}
					}), func(s *checks.Served) string {
						if why := hrrSent(s); why != "" {
							return why
						}
						if s.Hello == nil {
							return "the ClientHello was not read"
						}
						if _, ok := firstShare(s.Hello); !ok {
							return "the client sent no key share (RFC 8446 §4.2.8 allows an empty one): there is no group it already shared"
						}
						return ""
					}, checks.AtHelloRetryRequest, wire.AlertIllegalParameter),
				hrrCheck(c, "hrr-group-not-offered", "RFC 8446 §4.2.8", ruleHRRGroup,
					"aborts on a HelloRetryRequest for a group not in its supported_groups, with illegal_parameter",
					editHRR("hrr-group-not-offered", func(st *peers.ServerState, hrr *wire.ServerHello) {
						hrr.Extensions = setExtension(hrr.Extensions, wire.KeyShareHRRExt(unofferedGroup(st.Hello)))
					}), hrrSent, checks.AtHelloRetryRequest, wire.AlertIllegalParameter),
				hrrCheck(c, "hrr-changes-nothing", "RFC 8446 §4.1.4", ruleHRRNoChange,
					"aborts on a HelloRetryRequest with neither a key_share nor a cookie, with illegal_parameter",
					editHRR("hrr-changes-nothing", func(_ *peers.ServerState, hrr *wire.ServerHello) {
						hrr.Extensions = slices.DeleteFunc(hrr.Extensions, func(e wire.Extension) bool { return e.Type == wire.ExtKeyShare })
					}), hrrSent, checks.AtHelloRetryRequest, wire.AlertIllegalParameter),
				hrrCheck(c, "second-hrr", "RFC 8446 §4.1.4", ruleHRRTwice,
					"aborts on a second HelloRetryRequest, with unexpected_message",
					secondHRR, func(s *checks.Served) string {
						if n, _, _ := checks.SentHRRs(s); n < 2 {
							return "no first HelloRetryRequest was sent (the client's key shares differed from those probed), so none was a second"
						}
						return ""
					}, checks.AtHelloRetryRequest, wire.AlertUnexpectedMessage, wire.AlertIllegalParameter),
				hrrCheck(c, "suite-differs-after-hrr", "RFC 8446 §4.1.4", ruleHRRSuite,
					"aborts on a ServerHello whose cipher suite differs from the HelloRetryRequest's, with illegal_parameter",
					suiteAfterHRR, func(s *checks.Served) string {
						n, hrr, sh := checks.SentHRRs(s)
						switch {
						case n == 0:
							return hrrSent(s)
						case hrr == sh:
							return "the client offered no other TLS 1.3 suite with the hash of the HelloRetryRequest's, which the server could switch to"
						}
						return ""
					}, wire.TypeServerHello, wire.AlertIllegalParameter),
				checks.ClientCheck(area, c, "unrequested-extension", "RFC 8446 §4.2", ruleExt13, checks.MUST,
					"aborts on an EncryptedExtensions with an extension it did not request, with unsupported_extension",
					checks.EditServerFlight("unrequested-extension", func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
						for i, m := range msgs {
							if ee, ok := m.(*wire.EncryptedExtensions); ok {
								msgs[i] = &wire.EncryptedExtensions{Extensions: append(slices.Clone(ee.Extensions), wire.Extension{Type: unrequested})}
							}
						}
						return msgs
					}), wire.TypeEncryptedExtensions, wire.AlertUnsupportedExtension),
			)
			continue
		}
		sentinel := wire.DowngradeTLS12
		if c.Version < wire.VersionTLS12 {
			sentinel = wire.DowngradeTLS11
		}
		dg := checks.ClientCheck(area, c, "downgrade-sentinel", "RFC 8446 §4.1.3", ruleSentinel, checks.MUST,
			"aborts on a "+c.Version.String()+" ServerHello whose random ends in the TLS 1.3 downgrade sentinel, with illegal_parameter",
			sentinelMis(sentinel), wire.TypeServerHello, wire.AlertIllegalParameter)
		// Only a client that speaks TLS 1.3 is bound to look, and only
		// when this ClientHello offered it.
		dg.Needs = checks.NeedTLS13
		dg.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
			s := env.Serve(ctx, c, dg.ID, sentinelMis(sentinel))
			if s.Hello != nil && !slices.Contains(checks.OfferedVersions(s.Hello), wire.VersionTLS13) {
				return checks.Unchanged(s, "this ClientHello did not offer TLS 1.3, so the sentinel binds it to nothing")
			}
			return checks.ClientRejects(s, wire.TypeServerHello, wire.AlertIllegalParameter)
		}
		out = append(out, dg)
		if c.Version == wire.VersionTLS12 {
			// The server goes on with the TLS 1.2 handshake its
			// legacy_version names, so that a client which takes the
			// extension's TLS 1.2, or falls back to legacy_version when
			// the extension names a version it does not know, goes on, and
			// is caught.
			out = append(out,
				supportedVersions12(c, "supported-versions-tls12", "names TLS 1.2", wire.VersionTLS12),
				supportedVersions12(c, "supported-versions-unoffered", "names a version the client did not offer (0x0305)", 0x0305))
		}
		out = append(out,
			checks.ClientCheck(area, c, "unrequested-extension", "RFC 5246 §7.4.1.4", ruleExt12, checks.MUST,
				"aborts on a ServerHello with an extension it did not request, with unsupported_extension",
				editServerHello("unrequested-extension", func(_ *peers.ServerState, sh *wire.ServerHello) {
					sh.Extensions = append(sh.Extensions, wire.Extension{Type: unrequested})
				}), wire.TypeServerHello, wire.AlertUnsupportedExtension),
		)
	}
	return out
}

// supportedVersions12 is a check in TLS 1.2 context c whose ServerHello
// carries supported_versions naming v, for a client that offered TLS
// 1.3: the server then goes on with TLS 1.2.
func supportedVersions12(c checks.Context, name, what string, v wire.Version) checks.Check {
	sv := checks.ClientCheck(area, c, name, "RFC 8446 §4.2.1", ruleVersions, checks.MUST,
		"aborts on a TLS 1.2 ServerHello whose supported_versions "+what+", with illegal_parameter", peers.Misbehaviour{},
		wire.TypeServerHello, wire.AlertIllegalParameter)
	sv.Needs = checks.NeedTLS13
	mis := editServerHello(name, func(_ *peers.ServerState, sh *wire.ServerHello) {
		sh.Extensions = setExtension(sh.Extensions, wire.SupportedVersionsServerExt(v))
	})
	sv.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		s := env.Serve(ctx, c, sv.ID, mis)
		if s.Hello != nil && !slices.Contains(checks.OfferedVersions(s.Hello), wire.VersionTLS13) {
			return checks.Unchanged(s, "this ClientHello did not offer TLS 1.3: it sent no supported_versions for the ServerHello to answer")
		}
		return checks.ClientRejects(s, wire.TypeServerHello, wire.AlertIllegalParameter)
	}
	return sv
}

// sentinelMis writes the downgrade sentinel through the plan's step, so
// that the random the ServerKeyExchange signs is the one sent.
func sentinelMis(sentinel [8]byte) peers.Misbehaviour {
	return peers.Misbehaviour{Name: "client-check/downgrade-sentinel", Apply: func(p *peers.ServerPlan) {
		p.DowngradeSentinel = func(_ *peers.ServerState, random []byte) { copy(random[24:], sentinel[:]) }
	}}
}

// hrrCheck is a check that needs a HelloRetryRequest: the server takes
// only the groups the client supports but sent no key share for, so that
// it must ask for one; a client that shares every group it supports
// leaves the check nothing to test, and it is skipped.
func hrrCheck(c checks.Context, name, rfc string, rule checks.Rule, title string, mis peers.Misbehaviour, valid func(*checks.Served) string, at wire.HandshakeType, want ...wire.AlertDescription) checks.Check {
	ch := checks.ClientCheck(area, c, name, rfc, rule, checks.MUST, title, mis, at, want...)
	id := ch.ID
	ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		var groups []wire.Group
		if env.Profile != nil {
			for _, g := range env.Profile.Groups {
				if !slices.Contains(env.Profile.KeyShares, g) && slices.Contains(kx.Groups(), g) {
					groups = append(groups, g)
				}
			}
		}
		if len(groups) == 0 {
			return checks.Verdict{Status: reports.Skip, Reason: "the client sends a key share for every group it supports that the engine has: no HelloRetryRequest can ask for another"}
		}
		s := env.ServeGroups(ctx, c, id, groups, mis)
		if why := valid(s); why != "" {
			return checks.Unchanged(s, why)
		}
		return checks.ClientRejects(s, at, want...)
	}
	return ch
}

// hrrSent requires the HelloRetryRequest the check edits.
func hrrSent(s *checks.Served) string {
	if n, _, _ := checks.SentHRRs(s); n == 0 {
		return "no HelloRetryRequest was sent (the client's key shares differed from those probed)"
	}
	return ""
}

// editHRR changes the HelloRetryRequest of the server's flights.
func editHRR(name string, edit func(st *peers.ServerState, hrr *wire.ServerHello)) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		for i, m := range msgs {
			if sh, ok := m.(*wire.ServerHello); ok && sh.IsHelloRetryRequest() {
				c := *sh
				c.Extensions = slices.Clone(sh.Extensions)
				edit(st, &c)
				msgs[i] = &c
			}
		}
		return msgs
	})
}

// secondHRR answers the second ClientHello with another
// HelloRetryRequest (for the group the first one asked for) instead of
// the ServerHello.
var secondHRR = checks.EditServerFlight("second-hrr", func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
	for i, m := range msgs {
		sh, ok := m.(*wire.ServerHello)
		if !ok || sh.IsHelloRetryRequest() || !st.SentHelloRetryRequest() {
			continue
		}
		g := wire.GroupSecp256r1
		if e, ok := wire.FindExtension(sh.Extensions, wire.ExtKeyShare); ok {
			if entry, err := wire.ParseKeyShareServer(e.Body); err == nil {
				g = entry.Group
			}
		}
		msgs[i] = &wire.ServerHello{Version: wire.VersionTLS12, Random: wire.HelloRetryRequestRandom[:], SessionID: sh.SessionID, CipherSuite: sh.CipherSuite,
			Extensions: []wire.Extension{wire.SupportedVersionsServerExt(wire.VersionTLS13), wire.KeyShareHRRExt(g)}}
	}
	return msgs
})

// firstShare is the group of the ClientHello's first key share.
func firstShare(ch *wire.ClientHello) (wire.Group, bool) {
	e, ok := wire.FindExtension(ch.Extensions, wire.ExtKeyShare)
	if !ok {
		return 0, false
	}
	shares, err := wire.ParseKeyShareClient(e.Body)
	if err != nil || len(shares) == 0 {
		return 0, false
	}
	return shares[0].Group, true
}

// unofferedGroup is a named group the ClientHello's supported_groups
// does not list: ffdhe8192, else an unassigned value.
func unofferedGroup(ch *wire.ClientHello) wire.Group {
	var offered []wire.Group
	if e, ok := wire.FindExtension(ch.Extensions, wire.ExtSupportedGroups); ok {
		offered, _ = wire.ParseSupportedGroups(e.Body)
	}
	for _, g := range []wire.Group{0x0104, 0x01FE, 0x0FEF} {
		if !slices.Contains(offered, g) {
			return g
		}
	}
	return 0x0FEE
}

// suiteAfterHRR answers, after a HelloRetryRequest, with a ServerHello
// for another TLS 1.3 suite the client offered, of the same hash (so
// that the transcript stays the one the HelloRetryRequest started), and
// means it: the server's records are protected with that suite. A
// client that takes the ServerHello goes on; without such a suite the
// ServerHello is left alone (and the check says so).
var suiteAfterHRR = checks.EditServerFlight("suite-differs-after-hrr", func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
	for i, m := range msgs {
		sh, ok := m.(*wire.ServerHello)
		if !ok || sh.IsHelloRetryRequest() || !st.SentHelloRetryRequest() {
			continue
		}
		for _, id := range st.Hello.CipherSuites {
			spec, ok := suites.Lookup(id)
			if !ok || id == sh.CipherSuite || !spec.SupportsVersion(wire.VersionTLS13) || spec.PRF != st.Spec.PRF {
				continue
			}
			c := *sh
			c.CipherSuite = id
			msgs[i] = &c
			st.Spec = spec
			st.SetSuite(spec)
			break
		}
	}
	return msgs
})

// unofferedSuiteMis answers with a TLS 1.3 suite the client did not
// offer, and means it (the server uses it) when the engine has one;
// otherwise the ServerHello names an unassigned suite, which no client
// can go on with (only its alert can be judged).
var unofferedSuiteMis = peers.Misbehaviour{Name: "client-check/unoffered-suite", Apply: func(p *peers.ServerPlan) {
	next, out := p.ChooseSuite, p.Outgoing
	p.ChooseSuite = func(st *peers.ServerState) (*suites.Spec, error) {
		for _, spec := range suites.All() {
			if spec.SupportsVersion(wire.VersionTLS13) && !slices.Contains(st.Hello.CipherSuites, spec.ID) {
				return spec, nil
			}
		}
		return next(st)
	}
	p.Outgoing = func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		msgs = out(st, msgs)
		for i, m := range msgs {
			if sh, ok := m.(*wire.ServerHello); ok && !sh.IsHelloRetryRequest() && slices.Contains(st.Hello.CipherSuites, sh.CipherSuite) {
				c := *sh
				c.CipherSuite = unofferedSuite(st.Hello)
				msgs[i] = &c
			}
		}
		return msgs
	}
}}

// ClientMisbehaviours are the reference client's ways to break what the
// family checks.
func ClientMisbehaviours() []peers.ClientMisbehaviour {
	return []peers.ClientMisbehaviour{{
		Name: "client-negotiation/ignore-downgrade-sentinel",
		Apply: func(p *peers.ClientPlan) {
			p.DowngradeSentinel = func(*peers.ClientConfig, [8]byte, wire.Version) error { return nil }
		},
	}, {
		// Reads a ServerHello whose supported_versions does not select
		// TLS 1.3 as if the extension were absent: legacy_version decides.
		Name: "client-negotiation/legacy-version-fallback",
		Apply: func(p *peers.ClientPlan) {
			next := p.SelectedVersion
			p.SelectedVersion = func(cfg *peers.ClientConfig, legacy, v wire.Version) (wire.Version, bool, error) {
				if v != wire.VersionTLS13 {
					return legacy, true, nil
				}
				return next(cfg, legacy, v)
			}
		},
	}, {
		// Takes any supported_versions in a ServerHello for TLS 1.3.
		Name: "client-negotiation/any-selected-version",
		Apply: func(p *peers.ClientPlan) {
			p.SelectedVersion = func(*peers.ClientConfig, wire.Version, wire.Version) (wire.Version, bool, error) {
				return wire.VersionTLS13, false, nil
			}
		},
	}}
}

// negotiationOthers are the family's checks that no version misbehaviour
// touches.
const negotiationOthers = `client-negotiation/.*/(unrequested-extension|session-id-echo-mismatch|unoffered-suite|hrr-.*|second-hrr|suite-differs-after-hrr)`

// selfTests: a client that ignores the sentinel goes on; one that falls
// back to legacy_version when supported_versions does not select TLS 1.3
// goes on with the TLS 1.2 the server then speaks; one that takes any
// selected version for TLS 1.3 goes on with the TLS 1.3 the server
// speaks after a ServerHello naming 0x0305. Every other check of the
// family still passes.
var selfTests = []checks.SelfTest{{
	Misbehaviour: "client-negotiation/ignore-downgrade-sentinel",
	Fail:         `^client-negotiation/tls1[012]/.*/downgrade-sentinel$`,
	Pass:         `^(client-baseline/.*|` + negotiationOthers + `|client-negotiation/.*/supported-versions-.*)$`,
}, {
	Misbehaviour: "client-negotiation/legacy-version-fallback",
	Fail:         `^client-negotiation/tls12/[^/]+/supported-versions-(tls12|unoffered)$`,
	Pass:         `^(client-baseline/.*|` + negotiationOthers + `|client-negotiation/.*/downgrade-sentinel)$`,
}, {
	Misbehaviour: "client-negotiation/any-selected-version",
	Fail:         `^client-negotiation/tls13/ecdhe/supported-versions-unoffered$`,
	Pass:         `^(client-baseline/.*|` + negotiationOthers + `|client-negotiation/.*/downgrade-sentinel)$`,
}}
