// Package clientmalformed is the family of client checks on malformed
// server messages: each message of the server's flight with one byte
// too many or too few in its body (the length fields fixed up, so that
// only the message's own syntax is broken). In TLS 1.3 the client must
// abort with decode_error (RFC 8446 §6); below it no sentence puts that
// duty on the client, and the checks are SHOULD.
package clientmalformed

import (
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

const area = "client-malformed"

// ruleDecode12 is the nearest sentence below TLS 1.3: it binds the
// server's reading of a ClientHello ("as for all other messages"), so the
// checks that rest on it are SHOULD.
var ruleDecode12 = checks.Rule{Cite: "RFC 5246 §7.4.1.2", Text: "A server MUST accept ClientHello messages both with and without the extensions field, and (as for all other messages) it MUST check that the amount of data in the message precisely matches one of these formats; if not, then it MUST send a fatal \"decode_error\" alert."}

// Family is the client-side malformed-message family.
func Family() checks.Family {
	return checks.Family{
		Area:   area,
		Title:  "Malformed server messages, as a client reads them (RFC 8446 §6; RFC 5246 §7.4)",
		Checks: clientChecks,
		Client: true,
		// The reference client's parser is the codec of peers/wire, which
		// refuses both changes: no misbehaviour of the plan skips it, so
		// the family's self-test is the well-behaved client passing.
	}
}

// rawMessage is a handshake message sent as given (header included).
type rawMessage struct {
	t   wire.HandshakeType
	raw []byte
}

func (m rawMessage) Type() wire.HandshakeType { return m.t }
func (m rawMessage) Marshal() ([]byte, error) { return m.raw, nil }

// reframe is a message's bytes with its body changed and its length
// field set to the new body's length.
func reframe(raw []byte, body []byte) []byte {
	n := len(body)
	return append([]byte{raw[0], byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

// change is one way to break a message's syntax.
type change struct {
	name, title string
	body        func(body []byte) []byte
}

var changes = []change{
	{"trailing-byte", "a byte after its last field", func(b []byte) []byte { return append(slices.Clone(b), 0) }},
	{"truncated", "its last byte missing", func(b []byte) []byte { return slices.Clone(b[:len(b)-1]) }},
}

// edit applies ch to the server's first message of type t.
func edit(name string, t wire.HandshakeType, ch change) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
		for i, m := range msgs {
			if m.Type() != t {
				continue
			}
			if sh, ok := m.(*wire.ServerHello); ok && sh.IsHelloRetryRequest() {
				continue
			}
			raw, err := m.Marshal()
			if err != nil || len(raw) < 5 {
				return msgs // cannot happen: none of the messages changed here has an empty body
			}
			out := slices.Clone(msgs)
			out[i] = rawMessage{t: t, raw: reframe(raw, ch.body(raw[4:]))}
			return out
		}
		return msgs
	})
}

func clientChecks() []checks.Check {
	var out []checks.Check
	for _, c := range checks.Contexts() {
		var msgs []wire.HandshakeType
		rule, rfc, level := ruleDecode12, "RFC 5246 §7.4", checks.SHOULD
		if c.Version == wire.VersionTLS13 {
			msgs = []wire.HandshakeType{wire.TypeServerHello, wire.TypeEncryptedExtensions, wire.TypeCertificate, wire.TypeCertificateVerify}
			rule, rfc, level = checks.RuleDecode13, "RFC 8446 §6", checks.MUST
		} else {
			msgs = []wire.HandshakeType{wire.TypeServerHello, wire.TypeCertificate}
			if c.KX != checks.KXRSA {
				msgs = append(msgs, wire.TypeServerKeyExchange)
			}
		}
		for _, t := range msgs {
			for _, ch := range changes {
				name := fmt.Sprintf("%s/%s", slug(t), ch.name)
				out = append(out, checks.ClientCheck(area, c, name, rfc, rule, level,
					fmt.Sprintf("aborts on a %s with %s, with decode_error", t, ch.title),
					edit(name, t, ch), t, wire.AlertDecodeError))
			}
		}
	}
	return out
}

// slug is a message type as a check id part: "server_hello".
func slug(t wire.HandshakeType) string {
	switch t {
	case wire.TypeServerHello:
		return "server_hello"
	case wire.TypeEncryptedExtensions:
		return "encrypted_extensions"
	case wire.TypeCertificate:
		return "certificate"
	case wire.TypeCertificateVerify:
		return "certificate_verify"
	case wire.TypeServerKeyExchange:
		return "server_key_exchange"
	}
	return fmt.Sprintf("type-%d", t)
}
