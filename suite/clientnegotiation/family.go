// Package clientnegotiation is the family of client checks on the
// server's choices: a ServerHello that picks a version, a cipher suite or
// a session ID echo the client did not offer, an extension it did not
// ask for, and the RFC 8446 downgrade sentinel in a TLS 1.2 or older
// ServerHello to a client that offered TLS 1.3. The client must abort.
package clientnegotiation

import (
	"context"
	"crypto/rand"
	"fmt"
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
	// RFC 7301 binds only the server to the client's list: a client that
	// takes a protocol it did not offer breaks no sentence of its own,
	// so that check warns.
	ruleALPN = checks.Rule{Cite: "RFC 7301 §3.2", Text: "It is expected that a server will have a list of protocols that it supports, in preference order, and will only select a protocol if the client supports it. [...] In the event that the server supports no protocols that the client advertises, then the server SHALL respond with a fatal \"no_application_protocol\" alert."}
	// A TLS 1.3 key share in a group the client sent no share for: RFC
	// 8446 §4.2.8 binds the server ("This value MUST be in the same group
	// as the KeyShareEntry value offered by the client"); §6 binds the
	// client to refuse what is syntactically correct but semantically
	// invalid.
	ruleShareGroup13 = checks.Rule{Cite: "RFC 8446 §6; §4.2.8", Text: "Peers which receive a message which is syntactically correct but semantically invalid (e.g., a DHE share of p - 1, or an invalid enum) MUST terminate the connection with an \"illegal_parameter\" alert. [§4.2.8: server_share: A single KeyShareEntry value that is in the same group as one of the client's shares.]"}
	// Below TLS 1.3 only the server is bound (RFC 8422 §5.1); the
	// client's side names no duty: a warning.
	ruleCurve12 = checks.Rule{Cite: "RFC 8422 §5.4", Text: "The client verifies the signature (when present) and retrieves the server's elliptic curve domain parameters and ephemeral ECDH public key from the ServerKeyExchange message.  (A possible reason for a fatal handshake failure is that the client's capabilities for handling elliptic curves and point formats are exceeded; cf. Section 5.1.)"}
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
				alpnUnrequested(c),
				alpnUnoffered(c),
				shareGroupCheck(c, "key-share-group-without-share",
					"aborts on a ServerHello whose key_share names a group of its supported_groups it sent no share for (carrying the share of the group it did), with illegal_parameter",
					func(ch *wire.ClientHello, _ wire.Group) (wire.Group, bool) { return groupWithoutShare(ch) }),
				shareGroupCheck(c, "key-share-group-not-offered",
					"aborts on a ServerHello whose key_share names a group not in its supported_groups (carrying the share of the group it sent), with illegal_parameter",
					func(ch *wire.ClientHello, _ wire.Group) (wire.Group, bool) { return unofferedGroup(ch), true }),
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
			alpnUnrequested(c),
			alpnUnoffered(c),
		)
		if c.KX != checks.KXRSA {
			out = append(out, unofferedCurve(c))
		}
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

// alpnProtocol is what the server names when it selects a protocol the
// client did not offer: no client offers it.
const alpnProtocol = "tlsconform-unoffered"

// withALPN makes the server's answer carry ALPN with proto: in the
// ServerHello below TLS 1.3, in EncryptedExtensions in TLS 1.3 (RFC 7301
// §3.1; RFC 8446 §4.2).
func withALPN(name, proto string) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
		for i, m := range msgs {
			switch x := m.(type) {
			case *wire.ServerHello:
				if x.IsHelloRetryRequest() || x.Version == wire.VersionTLS12 && wire.CountExtension(x.Extensions, wire.ExtSupportedVersions) > 0 {
					continue // a TLS 1.3 ServerHello: EncryptedExtensions carries it
				}
				c := *x
				c.Extensions = setExtension(slices.Clone(x.Extensions), wire.ALPNExt(proto))
				msgs[i] = &c
			case *wire.EncryptedExtensions:
				msgs[i] = &wire.EncryptedExtensions{Extensions: setExtension(slices.Clone(x.Extensions), wire.ALPNExt(proto))}
			}
		}
		return msgs
	})
}

// alpnAt is the message that carries the server's ALPN answer at c.
func alpnAt(c checks.Context) (wire.HandshakeType, checks.Rule, string) {
	if c.Version == wire.VersionTLS13 {
		return wire.TypeEncryptedExtensions, ruleExt13, "RFC 8446 §4.2; RFC 7301 §3.1"
	}
	return wire.TypeServerHello, ruleExt12, "RFC 5246 §7.4.1.4; RFC 7301 §3.1"
}

// alpnUnrequested: ALPN in the answer to a ClientHello without it, an
// extension the client did not request (RFC 5246 §7.4.1.4; RFC 8446 §4.2).
func alpnUnrequested(c checks.Context) checks.Check {
	at, rule, rfc := alpnAt(c)
	mis := withALPN("alpn-unrequested", "http/1.1")
	ch := checks.ClientCheck(area, c, "alpn-unrequested", rfc, rule, checks.MUST,
		"aborts on an ALPN answer (http/1.1) to a ClientHello that offered no ALPN, with unsupported_extension", mis, at, wire.AlertUnsupportedExtension)
	ch.Needs = checks.NeedNoALPN
	ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		s := env.Serve(ctx, c, ch.ID, mis)
		if s.Hello != nil && wire.CountExtension(s.Hello.Extensions, wire.ExtALPN) > 0 {
			return checks.Unchanged(s, "this ClientHello offered ALPN: the answer was one it asked for")
		}
		return checks.ClientRejects(s, at, wire.AlertUnsupportedExtension)
	}
	return ch
}

// alpnUnoffered: ALPN naming a protocol the ClientHello did not list.
// Only the server is bound (RFC 7301 §3.2), and the RFC names no alert
// for the client: any alert is the refusal; going on warns.
func alpnUnoffered(c checks.Context) checks.Check {
	at, _, _ := alpnAt(c)
	mis := withALPN("alpn-unoffered-protocol", alpnProtocol)
	ch := checks.ClientCheck(area, c, "alpn-unoffered-protocol", "RFC 7301 §3.2", ruleALPN, checks.SHOULD,
		"aborts on an ALPN answer naming a protocol it did not offer ("+alpnProtocol+")", mis, at)
	ch.Needs = checks.NeedALPN
	ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		s := env.Serve(ctx, c, ch.ID, mis)
		if s.Hello != nil && wire.CountExtension(s.Hello.Extensions, wire.ExtALPN) == 0 {
			return checks.Unchanged(s, "this ClientHello offered no ALPN: there is no list to answer outside of")
		}
		v := checks.ClientRejects(s, at)
		if v.Status == reports.Fail {
			v.Status = reports.Warn
		}
		return v
	}
	return ch
}

// groupWithoutShare is a group of the ClientHello's supported_groups
// (one the engine has) that it sent no key share for.
func groupWithoutShare(ch *wire.ClientHello) (wire.Group, bool) {
	var offered []wire.Group
	if e, ok := wire.FindExtension(ch.Extensions, wire.ExtSupportedGroups); ok {
		offered, _ = wire.ParseSupportedGroups(e.Body)
	}
	shared := map[wire.Group]bool{}
	if e, ok := wire.FindExtension(ch.Extensions, wire.ExtKeyShare); ok {
		entries, _ := wire.ParseKeyShareClient(e.Body)
		for _, en := range entries {
			shared[en.Group] = true
		}
	}
	for _, g := range offered {
		if !shared[g] && kx.Supported(g) {
			return g, true
		}
	}
	return 0, false
}

// relabelShare names another group in the TLS 1.3 ServerHello's
// key_share than the one the server keyed the handshake with, keeping
// the share: a client that ignores the group and uses the key it holds
// goes on (and is caught); label picks the group from the ClientHello
// and the real one (false: no such group, the ServerHello is left alone).
func relabelShare(name string, label func(*wire.ClientHello, wire.Group) (wire.Group, bool)) peers.Misbehaviour {
	return editServerHello(name, func(st *peers.ServerState, sh *wire.ServerHello) {
		e, ok := wire.FindExtension(sh.Extensions, wire.ExtKeyShare)
		if !ok {
			return
		}
		entry, err := wire.ParseKeyShareServer(e.Body)
		if err != nil {
			return
		}
		if g, ok := label(st.Hello, entry.Group); ok {
			entry.Group = g
			sh.Extensions = setExtension(sh.Extensions, wire.KeyShareServerExt(entry))
		}
	})
}

// shareGroupCheck is a TLS 1.3 check on a ServerHello key_share whose
// group label picks.
func shareGroupCheck(c checks.Context, name, title string, label func(*wire.ClientHello, wire.Group) (wire.Group, bool)) checks.Check {
	mis := relabelShare(name, label)
	ch := checks.ClientCheck(area, c, name, "RFC 8446 §4.2.8, §6", ruleShareGroup13, checks.MUST, title, mis, wire.TypeServerHello, wire.AlertIllegalParameter)
	ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		// (A ClientHello with nothing in it has no group without a share:
		// that label needs one, which the profile may rule out.)
		_, anyHello := label(&wire.ClientHello{}, 0)
		if p := env.Profile; !anyHello && p != nil && len(p.Groups) > 0 && !slices.ContainsFunc(p.Groups, func(g wire.Group) bool { return kx.Supported(g) && !slices.Contains(p.KeyShares, g) }) {
			return checks.Verdict{Status: reports.Skip, Reason: "the client sends a key share for every group of its supported_groups the engine has: there is no group without one to name"}
		}
		s := env.Serve(ctx, c, ch.ID, mis)
		if s.Hello != nil {
			if _, ok := label(s.Hello, 0); !ok {
				return checks.Unchanged(s, "the client sent a key share for every group of its supported_groups the engine has: there is no group without one to name")
			}
		}
		return checks.ClientRejects(s, wire.TypeServerHello, wire.AlertIllegalParameter)
	}
	return ch
}

// ecdheCurves are the curves a TLS 1.0-1.2 ECDHE ServerKeyExchange can
// use (RFC 8422 §5.1.1).
var ecdheCurves = []wire.Group{wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1}

// unofferedCurveOf is an ECDHE curve the engine has that the
// ClientHello's supported_groups does not list.
func unofferedCurveOf(ch *wire.ClientHello) (wire.Group, bool) {
	var offered []wire.Group
	if e, ok := wire.FindExtension(ch.Extensions, wire.ExtSupportedGroups); ok {
		offered, _ = wire.ParseSupportedGroups(e.Body)
	} else {
		return 0, false // without the extension any curve goes (RFC 8422 §4)
	}
	for _, g := range ecdheCurves {
		if !slices.Contains(offered, g) {
			return g, true
		}
	}
	return 0, false
}

// unofferedCurve: a ServerKeyExchange on a curve the client did not
// offer, with a real key on it: a client that takes the curve goes on
// with its ClientKeyExchange.
func unofferedCurve(c checks.Context) checks.Check {
	mis := peers.Misbehaviour{Name: "client-check/server-key-exchange-unoffered-curve", Apply: func(p *peers.ServerPlan) {
		next := p.ServerKeyExchange12
		p.ServerKeyExchange12 = func(st *peers.ServerState, ske *wire.ServerKeyExchange) {
			next(st, ske)
			g, ok := unofferedCurveOf(st.Hello)
			if !ok || ske.Form != wire.KXECDHE {
				return
			}
			if priv, err := kx.Generate(g, rand.Reader); err == nil {
				ske.Group, ske.Point = g, priv.Public()
			}
		}
	}}
	ch := checks.ClientCheck(area, c, "server-key-exchange-unoffered-curve", "RFC 8422 §5.4, §5.1", ruleCurve12, checks.SHOULD,
		"aborts on a ServerKeyExchange on a curve not in its supported_groups, with illegal_parameter or handshake_failure",
		mis, wire.TypeServerKeyExchange, wire.AlertIllegalParameter, wire.AlertHandshakeFailure)
	ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		if p := env.Profile; p != nil && len(p.Groups) > 0 && !slices.ContainsFunc(ecdheCurves, func(g wire.Group) bool { return !slices.Contains(p.Groups, g) }) {
			return checks.Verdict{Status: reports.Skip, Reason: "the client's supported_groups lists every curve the engine has: there is no curve it did not offer"}
		}
		s := env.Serve(ctx, c, ch.ID, mis)
		if s.Hello != nil {
			if _, ok := unofferedCurveOf(s.Hello); !ok {
				return checks.Unchanged(s, "the client's supported_groups lists every curve the engine has (or is absent, which allows any): there is no curve it did not offer")
			}
		}
		v := checks.ClientRejects(s, wire.TypeServerKeyExchange, wire.AlertIllegalParameter, wire.AlertHandshakeFailure)
		if v.Status == reports.Fail {
			v.Status = reports.Warn
		}
		return v
	}
	return ch
}

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
	}, {
		// Takes any ALPN answer: one to a ClientHello without ALPN, and a
		// protocol it did not offer.
		Name: "client-negotiation/accept-any-alpn",
		Apply: func(p *peers.ClientPlan) {
			p.ALPN = func(_, selected []string) (string, error) {
				if len(selected) > 0 {
					return selected[0], nil
				}
				return "", nil
			}
		},
	}, {
		// Uses the key of its first share whatever group the TLS 1.3
		// key_share names, and takes any curve in a ServerKeyExchange.
		Name: "client-negotiation/accept-unoffered-group",
		Apply: func(p *peers.ClientPlan) {
			p.KeyShareFor = func(shares []kx.Private, g wire.Group) (kx.Private, error) {
				if len(shares) == 0 {
					return nil, fmt.Errorf("no key share for %s", g)
				}
				return shares[0], nil
			}
			p.ServerCurve = func([]wire.Group, uint8, wire.Group) error { return nil }
		},
	}}
}

// negotiationOthers are the family's checks that no version, ALPN or
// group misbehaviour touches.
const negotiationOthers = `client-negotiation/.*/(unrequested-extension|session-id-echo-mismatch|unoffered-suite|hrr-.*|second-hrr|suite-differs-after-hrr)`

// others are the checks every misbehaviour of the family but
// legacy-version-fallback and any-selected-version must leave passing.
const others = `^(client-baseline/.*|` + negotiationOthers + `|client-negotiation/.*/supported-versions-.*)$`

// selfTests: each misbehaviour goes on where its checks say the client
// must stop: a client that ignores the sentinel goes on; one that falls
// back to legacy_version when supported_versions does not select TLS 1.3
// goes on with the TLS 1.2 the server then speaks; one that takes any
// selected version for TLS 1.3 goes on with the TLS 1.3 the server
// speaks after a ServerHello naming 0x0305. Every other check of the
// family still passes. The reference client offers no ALPN, so
// alpn-unoffered-protocol is proven with reference+alpn
// (TestClientALPNChecks).
var selfTests = []checks.SelfTest{{
	Misbehaviour: "client-negotiation/ignore-downgrade-sentinel",
	Fail:         `^client-negotiation/tls1[012]/.*/downgrade-sentinel$`,
	Pass:         others,
}, {
	Misbehaviour: "client-negotiation/legacy-version-fallback",
	Fail:         `^client-negotiation/tls12/[^/]+/supported-versions-(tls12|unoffered)$`,
	Pass:         `^(client-baseline/.*|` + negotiationOthers + `|client-negotiation/.*/downgrade-sentinel)$`,
}, {
	Misbehaviour: "client-negotiation/any-selected-version",
	Fail:         `^client-negotiation/tls13/ecdhe/supported-versions-unoffered$`,
	Pass:         `^(client-baseline/.*|` + negotiationOthers + `|client-negotiation/.*/downgrade-sentinel)$`,
}, {
	Misbehaviour: "client-negotiation/accept-any-alpn",
	Fail:         `^client-negotiation/.*/alpn-unrequested$`,
	Pass:         others,
}, {
	Misbehaviour: "client-negotiation/accept-unoffered-group",
	Fail:         `^client-negotiation/tls13/ecdhe/key-share-group-(without-share|not-offered)$`,
	Warn:         `^client-negotiation/tls1[012]/ecdhe_.*/server-key-exchange-unoffered-curve$`,
	Pass:         others,
}}
