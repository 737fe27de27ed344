// Package clientnegotiation is the family of client checks on the
// server's choices: a ServerHello that picks a version, a cipher suite or
// a session ID echo the client did not offer, an extension it did not
// ask for, and the RFC 8446 downgrade sentinel in a TLS 1.2 or older
// ServerHello to a client that offered TLS 1.3. The client must abort.
package clientnegotiation

import (
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

const area = "client-negotiation"

// The receiver-duty sentences of the family (RFC 8446, RFC 5246; text as
// published by the RFC Editor).
var (
	ruleVersions = checks.Rule{Cite: "RFC 8446 §4.2.1", Text: "If the \"supported_versions\" extension in the ServerHello contains a version not offered by the client or contains a version prior to TLS 1.3, the client MUST abort the handshake with an \"illegal_parameter\" alert."}
	ruleEcho     = checks.Rule{Cite: "RFC 8446 §4.1.3", Text: "A client which receives a legacy_session_id_echo field that does not match what it sent in the ClientHello MUST abort the handshake with an \"illegal_parameter\" alert."}
	ruleSuite    = checks.Rule{Cite: "RFC 8446 §4.1.3", Text: "A client which receives a cipher suite that was not offered MUST abort the handshake with an \"illegal_parameter\" alert."}
	ruleSentinel = checks.Rule{Cite: "RFC 8446 §4.1.3", Text: "TLS 1.3 clients receiving a ServerHello indicating TLS 1.2 or below MUST check that the last 8 bytes are not equal to either of these values."}
	ruleExt12    = checks.Rule{Cite: "RFC 5246 §7.4.1.4", Text: "If a client receives an extension type in ServerHello that it did not request in the associated ClientHello, it MUST abort the handshake with an unsupported_extension fatal alert."}
	ruleExt13    = checks.Rule{Cite: "RFC 8446 §4.2", Text: "Implementations MUST NOT send extension responses if the remote endpoint did not send the corresponding extension requests, with the exception of the \"cookie\" extension in the HelloRetryRequest. Upon receiving such an extension, an endpoint MUST abort the handshake with an \"unsupported_extension\" alert."}
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

// editServerHello changes the ServerHello of the server's flights.
func editServerHello(name string, edit func(st *peers.ServerState, sh *wire.ServerHello)) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		for i, m := range msgs {
			if sh, ok := m.(*wire.ServerHello); ok {
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
				checks.ClientCheck(area, c, "supported-versions-tls12", "RFC 8446 §4.2.1", ruleVersions, checks.MUST,
					"aborts on a ServerHello whose supported_versions picks TLS 1.2, with illegal_parameter",
					editServerHello("supported-versions-tls12", func(_ *peers.ServerState, sh *wire.ServerHello) {
						sh.Extensions = setExtension(sh.Extensions, wire.SupportedVersionsServerExt(wire.VersionTLS12))
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
					editServerHello("unoffered-suite", func(st *peers.ServerState, sh *wire.ServerHello) {
						sh.CipherSuite = unofferedSuite(st.Hello)
					}), wire.TypeServerHello, wire.AlertIllegalParameter),
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
			// Through the plan's sentinel step, so that the random the
			// ServerKeyExchange signs is the one sent.
			peers.Misbehaviour{Name: "client-check/downgrade-sentinel", Apply: func(p *peers.ServerPlan) {
				p.DowngradeSentinel = func(_ *peers.ServerState, random []byte) { copy(random[24:], sentinel[:]) }
			}}, wire.TypeServerHello, wire.AlertIllegalParameter)
		// Only a client that speaks TLS 1.3 is bound to look.
		dg.Needs = checks.NeedTLS13
		out = append(out, dg,
			checks.ClientCheck(area, c, "unrequested-extension", "RFC 5246 §7.4.1.4", ruleExt12, checks.MUST,
				"aborts on a ServerHello with an extension it did not request, with unsupported_extension",
				editServerHello("unrequested-extension", func(_ *peers.ServerState, sh *wire.ServerHello) {
					sh.Extensions = append(sh.Extensions, wire.Extension{Type: unrequested})
				}), wire.TypeServerHello, wire.AlertUnsupportedExtension),
		)
	}
	return out
}

// ClientMisbehaviours are the reference client's ways to break what the
// family checks.
func ClientMisbehaviours() []peers.ClientMisbehaviour {
	return []peers.ClientMisbehaviour{{
		Name: "client-negotiation/ignore-downgrade-sentinel",
		Apply: func(p *peers.ClientPlan) {
			p.DowngradeSentinel = func(*peers.ClientConfig, [8]byte, wire.Version) error { return nil }
		},
	}}
}

// selfTests: a client that ignores the sentinel goes on; every other
// check of the family still passes.
var selfTests = []checks.SelfTest{{
	Misbehaviour: "client-negotiation/ignore-downgrade-sentinel",
	Fail:         `^client-negotiation/tls1[012]/.*/downgrade-sentinel$`,
	Pass:         `^(client-baseline/.*|client-negotiation/.*/(unrequested-extension|session-id-echo-mismatch|unoffered-suite|supported-versions-.*))$`,
}}
