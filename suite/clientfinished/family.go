// Package clientfinished is the first family of client checks: the
// server's Finished. The reference server sends a Finished whose
// verify_data is wrong (a bit flipped, all zeros) or of the wrong length,
// and the client under test must abort the handshake (RFC 5246 §7.4.9,
// RFC 8446 §4.4.4) and never send application data.
package clientfinished

import (
	"fmt"

	"github.com/tlsconform/tlsconform/peers"
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
	}
	return out
}

// ClientMisbehaviours are the reference client's ways to break what the
// family checks.
func ClientMisbehaviours() []peers.ClientMisbehaviour {
	return []peers.ClientMisbehaviour{{
		Name: "client-finished/skip-verify",
		Apply: func(p *peers.ClientPlan) {
			p.VerifyServerFinished = func(got, want []byte, rfc string) error { return nil }
		},
	}}
}

// selfTests: a client that does not verify the server's Finished goes on
// after every bad one of the right length.
var selfTests = []checks.SelfTest{{
	Misbehaviour: "client-finished/skip-verify",
	Fail:         `^client-finished/.*/(flip-bit-\d+|all-zero)$`,
	Pass:         `^client-baseline/`,
}}
