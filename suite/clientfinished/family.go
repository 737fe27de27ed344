// Package clientfinished is the first family of client checks: the
// server's Finished. The reference server sends a Finished whose
// verify_data is wrong (a bit flipped, all zeros) or of the wrong length;
// leaves it out (application data, or the next message, where it is
// due); sends it before its ChangeCipherSpec (TLS 1.0-1.2); or protects
// it under keys other than the ones due. The client under test must
// abort the handshake (RFC 5246 §6, §6.2.3, §7.4.9; RFC 8446 §4, §4.4.4,
// §5, §5.2) and never send application data. Where the server leaves
// the Finished out or misplaces it, it goes on as if it had been sent,
// so that a client which takes that goes on too, and is seen going on.
package clientfinished

import (
	"fmt"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

const area = "client-finished"

// Family is the client-side Finished family.
func Family() checks.Family {
	return checks.Family{
		Area:                area,
		Title:               "The server's Finished, as a client verifies it (RFC 5246 §7.4.9, RFC 8446 §4.4.4)",
		Checks:              clientChecks,
		Client:              true,
		ClientMisbehaviours: ClientMisbehaviours(),
		SelfTests:           selfTests,
	}
}

// change is one way to break the server's verify_data.
type change struct {
	name, title string
	length      bool // the length is wrong, not only the contents
	edit        func(vd []byte) []byte
}

// changes are the server Finished corruptions of a context whose
// verify_data is n bytes long.
func changes(n int) []change {
	flip := func(bit int) change {
		return change{name: fmt.Sprintf("flip-bit-%d", bit), title: fmt.Sprintf("bit %d of verify_data flipped", bit),
			edit: func(vd []byte) []byte {
				out := append([]byte(nil), vd...)
				out[bit/8] ^= 0x80 >> (bit % 8)
				return out
			}}
	}
	return []change{
		flip(0), flip(7), flip(8*n - 1),
		{name: "all-zero", title: "verify_data all zeros", edit: func(vd []byte) []byte { return make([]byte, len(vd)) }},
		{name: "truncated", title: "verify_data one byte short", length: true, edit: func(vd []byte) []byte { return append([]byte(nil), vd[:len(vd)-1]...) }},
		{name: "extended", title: "verify_data with a byte appended", length: true, edit: func(vd []byte) []byte { return append(append([]byte(nil), vd...), 0) }},
		{name: "empty", title: "an empty verify_data", length: true, edit: func([]byte) []byte { return []byte{} }},
	}
}

// badFinished is the server misbehaviour that sends the Finished edited.
func badFinished(name string, edit func([]byte) []byte) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
		out := make([]wire.Message, len(msgs))
		for i, m := range msgs {
			if f, ok := m.(*wire.Finished); ok {
				m = &wire.Finished{VerifyData: edit(f.VerifyData)}
			}
			out[i] = m
		}
		return out
	})
}

// verifyDataLen is the length of the server's verify_data in context c
// with its first suite: 12 bytes below TLS 1.3, the hash length in it
// (every TLS 1.3 suite the reference server serves first uses SHA-256).
func verifyDataLen(c checks.Context) int {
	if c.Version == wire.VersionTLS13 {
		return 32
	}
	return 12
}

func clientChecks() []checks.Check {
	var out []checks.Check
	for _, c := range checks.Contexts() {
		rule, rfc := checks.RuleFinished12, "RFC 5246 §7.4.9"
		want := []wire.AlertDescription{wire.AlertDecryptError}
		if c.Version == wire.VersionTLS13 {
			rule, rfc = checks.RuleFinished13, "RFC 8446 §4.4.4"
		}
		for _, ch := range changes(verifyDataLen(c)) {
			rule, rfc, want := rule, rfc, want
			if ch.length {
				// A verify_data of the wrong length does not parse as the
				// Finished of the suite (RFC 8446 §4.4.4: Hash.length
				// bytes; RFC 5246 §7.4.9: verify_data_length): a decode
				// error, or a failed verification.
				want = []wire.AlertDescription{wire.AlertDecodeError, wire.AlertDecryptError}
				if c.Version == wire.VersionTLS13 {
					rule, rfc = checks.RuleDecode13, "RFC 8446 §6, §4.4.4"
				}
			}
			out = append(out, checks.ClientCheck(area, c, ch.name, rfc, rule, checks.MUST,
				"aborts on a server Finished with "+ch.title+", with "+want[0].String(),
				badFinished(ch.name, ch.edit), wire.TypeFinished, want...))
		}
		for _, d := range deliveries(c) {
			out = append(out, checks.ClientCheck(area, c, d.name, d.rule.Cite, d.rule, checks.MUST,
				d.title+", with "+checks.AlertNames(d.want), d.mis, d.at, d.want...))
		}
	}
	return out
}

// delivery is a check on how the server's Finished arrives: left out,
// misplaced, or under other keys.
type delivery struct {
	name, title string
	rule        checks.Rule
	mis         peers.Misbehaviour
	at          wire.HandshakeType // what the client answers
	want        []wire.AlertDescription
}

// appData is what the server sends where its Finished is due.
var appData = []byte("tlsconform: application data where the Finished is due\n")

// finished12 replaces the server's ChangeCipherSpec and Finished (TLS
// 1.0-1.2) with send.
func finished12(name string, send func(st *peers.ServerState, kb keys.KeyBlock, fin *wire.Finished) error) peers.Misbehaviour {
	return peers.Misbehaviour{Name: "client-check/" + name, Apply: func(p *peers.ServerPlan) { p.ServerFinished12 = send }}
}

// finished13 replaces the sending of the server's TLS 1.3 Finished with
// send.
func finished13(name string, send func(st *peers.ServerState, fin *wire.Finished) error) peers.Misbehaviour {
	return peers.Misbehaviour{Name: "client-check/" + name, Apply: func(p *peers.ServerPlan) { p.ServerFinished13 = send }}
}

// deliveries are the checks of context c on the Finished's delivery.
// The server goes on after each as if its Finished had been sent as due
// (the transcript and keys agree with what it sent), so a client that
// takes it is seen going on: its Finished (TLS 1.3) or its application
// data.
func deliveries(c checks.Context) []delivery {
	um, mac := []wire.AlertDescription{wire.AlertUnexpectedMessage}, []wire.AlertDescription{wire.AlertBadRecordMAC}
	// A record too short to hold the suite's explicit IV or nonce and its
	// MAC or tag does not decode as one (peers/record: decode_error).
	macOrDecode := []wire.AlertDescription{wire.AlertBadRecordMAC, wire.AlertDecodeError}
	if c.Version < wire.VersionTLS13 {
		return []delivery{
			{"missing-finished/application-data", "aborts on application data where the server's Finished is due, after its ChangeCipherSpec",
				checks.RuleRecordType12, finished12("missing-finished/application-data", func(st *peers.ServerState, kb keys.KeyBlock, _ *wire.Finished) error {
					if err := st.ChangeCipherSpec12(kb); err != nil {
						return err
					}
					return st.WriteRecord(wire.ContentApplicationData, appData)
				}), checks.AtApplicationData, um},
			{"missing-finished/no-change-cipher-spec", "aborts on application data in the clear where the server's ChangeCipherSpec and Finished are due",
				checks.RuleRecordType12, finished12("missing-finished/no-change-cipher-spec", func(st *peers.ServerState, _ keys.KeyBlock, _ *wire.Finished) error {
					return st.WriteRecord(wire.ContentApplicationData, appData)
				}), checks.AtApplicationData, um},
			{"finished-before-change-cipher-spec", "aborts on a server Finished sent in the clear before its ChangeCipherSpec",
				checks.RuleFinishedNoCCS12, finished12("finished-before-change-cipher-spec", func(st *peers.ServerState, kb keys.KeyBlock, fin *wire.Finished) error {
					if err := st.WriteHandshake(fin); err != nil {
						return err
					}
					return st.ChangeCipherSpec12(kb)
				}), wire.TypeFinished, um},
			{"wrong-keys/client-write-keys", "aborts on a server Finished protected with the client's write keys of the key block",
				checks.RuleBadMAC12, finished12("wrong-keys/client-write-keys", func(st *peers.ServerState, kb keys.KeyBlock, fin *wire.Finished) error {
					if err := st.WriteCCS(); err != nil {
						return err
					}
					if err := st.SetWriteKeys12(kb, true); err != nil {
						return err
					}
					if err := st.WriteHandshake(fin); err != nil {
						return err
					}
					return st.SetWriteKeys12(kb, false)
				}), wire.TypeFinished, mac},
			{"wrong-keys/plaintext", "aborts on a server Finished sent unprotected after its ChangeCipherSpec",
				checks.RuleBadMAC12, finished12("wrong-keys/plaintext", func(st *peers.ServerState, kb keys.KeyBlock, fin *wire.Finished) error {
					if err := st.WriteCCS(); err != nil {
						return err
					}
					if err := st.WriteHandshake(fin); err != nil {
						return err
					}
					return st.SetWriteKeys12(kb, false)
				}), wire.TypeFinished, macOrDecode},
		}
	}
	return []delivery{
		{"missing-finished/new-session-ticket", "aborts on a NewSessionTicket where the server's Finished is due",
			checks.RuleOrder13, finished13("missing-finished/new-session-ticket", func(st *peers.ServerState, _ *wire.Finished) error {
				return st.WriteHandshake(peers.Stray{Message: &wire.NewSessionTicket13{Lifetime: 60, Nonce: []byte{0}, Ticket: []byte{1, 2, 3, 4}, Extensions: []wire.Extension{}}})
			}), wire.TypeNewSessionTicket, um},
		{"missing-finished/application-data", "aborts on application data (under the handshake traffic key) where the server's Finished is due",
			checks.RuleRecordType13, finished13("missing-finished/application-data", func(st *peers.ServerState, _ *wire.Finished) error {
				return st.WriteRecord(wire.ContentApplicationData, appData)
			}), checks.AtApplicationData, um},
		{"wrong-keys/application-key", "aborts on a server Finished protected under the server application traffic key",
			checks.RuleBadMAC13, finished13("wrong-keys/application-key", func(st *peers.ServerState, fin *wire.Finished) error {
				raw, err := fin.Marshal()
				if err != nil {
					return err
				}
				_, sAP := st.ApplicationTrafficSecrets13(raw)
				if err := st.SetWriteSecret13(sAP); err != nil {
					return err
				}
				return st.WriteHandshake(fin)
			}), wire.TypeFinished, mac},
		{"wrong-keys/client-handshake-key", "aborts on a server Finished protected under the client handshake traffic key",
			checks.RuleBadMAC13, finished13("wrong-keys/client-handshake-key", func(st *peers.ServerState, fin *wire.Finished) error {
				cHS, _ := st.HandshakeTrafficSecrets13()
				if err := st.SetWriteSecret13(cHS); err != nil {
					return err
				}
				return st.WriteHandshake(fin)
			}), wire.TypeFinished, mac},
		{"wrong-keys/plaintext", "aborts on a server Finished sent as a plaintext handshake record after the ServerHello",
			checks.RuleRecordType13, finished13("wrong-keys/plaintext", func(st *peers.ServerState, fin *wire.Finished) error {
				st.SetWriteNull()
				return st.WriteHandshake(fin)
			}), wire.TypeFinished, um},
	}
}

// ClientMisbehaviours are the reference client's ways to break what the
// family checks.
func ClientMisbehaviours() []peers.ClientMisbehaviour {
	return []peers.ClientMisbehaviour{{
		Name: "client-finished/skip-verify",
		Apply: func(p *peers.ClientPlan) {
			p.VerifyServerFinished = func(got, want []byte, rfc string) error { return nil }
		},
	}, {
		// Takes application data or the next message where the server's
		// Finished is due as the end of the handshake, and a Finished
		// before the ChangeCipherSpec in the clear.
		Name: "client-finished/finished-optional",
		Apply: func(p *peers.ClientPlan) {
			p.FinishedOptional = func(string) bool { return true }
		},
	}, {
		// Tries a record that does not open under its read key under
		// every other key it has, and takes it when one opens it.
		Name: "client-finished/trial-decrypt",
		Apply: func(p *peers.ClientPlan) {
			p.TrialDecrypt = true
		},
	}}
}

// selfTests: a client that does not verify the server's Finished goes on
// after every bad one of the right length; one that takes the Finished
// as optional goes on where it is missing or comes before the
// ChangeCipherSpec; one that tries other keys goes on under each of the
// wrong ones.
var selfTests = []checks.SelfTest{{
	Misbehaviour: "client-finished/skip-verify",
	Fail:         `^client-finished/.*/(flip-bit-\d+|all-zero)$`,
	Pass:         `^(client-baseline/.*|client-finished/.*/(missing-finished/.*|finished-before-change-cipher-spec|wrong-keys/.*))$`,
}, {
	Misbehaviour: "client-finished/finished-optional",
	Fail:         `^client-finished/.*/(missing-finished/.*|finished-before-change-cipher-spec)$`,
	Pass:         `^(client-baseline/.*|client-finished/.*/(flip-bit-\d+|all-zero|truncated|extended|empty|wrong-keys/.*))$`,
}, {
	Misbehaviour: "client-finished/trial-decrypt",
	Fail:         `^client-finished/.*/wrong-keys/.*$`,
	Pass:         `^(client-baseline/.*|client-finished/.*/(flip-bit-\d+|all-zero|missing-finished/.*|finished-before-change-cipher-spec))$`,
}}
