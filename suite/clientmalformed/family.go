// Package clientmalformed is the family of client checks on malformed
// server messages: each message of the server's flight with one byte
// too many or too few in its body (the length fields fixed up, so that
// only the message's own syntax is broken), and, in TLS 1.3, each inner
// length field of a message one too long or too short. In TLS 1.3 the client must
// abort with decode_error (RFC 8446 §6); below it no sentence puts that
// duty on the client, and the checks are SHOULD.
package clientmalformed

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
			out[i] = checks.RawMessage{T: t, Raw: checks.Reframe(raw, ch.body(raw[4:]))}
			return out
		}
		return msgs
	})
}

// lengthFields are the inner length fields a TLS 1.3 server message has
// (paths of wire.MarshalLayout), each told to lie by one; a path ending
// in "+" only grows (the reference server sends that vector empty, and
// an empty vector cannot claim one byte less).
var lengthFields = map[wire.HandshakeType][]string{
	wire.TypeServerHello:         {"server_hello.session_id.length", "server_hello.extensions.length", "server_hello.extensions[0].length"},
	wire.TypeEncryptedExtensions: {"encrypted_extensions.extensions.length+"},
	wire.TypeCertificate: {"certificate.certificate_request_context.length+", "certificate.certificate_list.length",
		"certificate.certificate_list[0].cert_data.length", "certificate.certificate_list[0].extensions.length+"},
	wire.TypeCertificateVerify: {"certificate_verify.signature.length"},
}

// lengthLie is a check whose server message of type t has the length
// field path one more (or one less) than the bytes it counts, the rest of
// the message as it was. A field the message does not have, or a zero
// length told to shrink, is a change the server could not make: the
// check is then inconclusive.
func lengthLie(c checks.Context, t wire.HandshakeType, path string, delta int) checks.Check {
	way := "long"
	if delta < 0 {
		way = "short"
	}
	short := path[strings.Index(path, ".")+1:]
	name := fmt.Sprintf("%s/length/%s/%s", t.RFCName(), strings.TrimSuffix(short, ".length"), way)
	ch := checks.ClientCheck(area, c, name, "RFC 8446 §6", checks.RuleDecode13, checks.MUST,
		fmt.Sprintf("aborts on a %s whose %s is one too %s, with decode_error", t, short, map[bool]string{true: "many", false: "few"}[delta > 0]),
		peers.Misbehaviour{}, t, wire.AlertDecodeError)
	id := ch.ID
	ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		applied := false // set by the server's goroutine, read after Serve returned
		mis := checks.EditServerFlight(name, func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
			for i, m := range msgs {
				if m.Type() != t {
					continue
				}
				if sh, ok := m.(*wire.ServerHello); ok && sh.IsHelloRetryRequest() {
					continue
				}
				raw, lay, err := wire.MarshalLayout(m)
				if err != nil {
					return msgs
				}
				f, ok := lay.Find(path)
				if !ok {
					return msgs
				}
				v := 0
				for _, b := range raw[f.Start:f.End] {
					v = v<<8 | int(b)
				}
				v += delta
				if v < 0 || v >= 1<<(8*(f.End-f.Start)) {
					return msgs
				}
				raw = slices.Clone(raw)
				for j := f.End - 1; j >= f.Start; j-- {
					raw[j], v = byte(v), v>>8
				}
				out := slices.Clone(msgs)
				out[i] = checks.RawMessage{T: t, Raw: raw}
				applied = true
				return out
			}
			return msgs
		})
		s := env.Serve(ctx, c, id, mis)
		if !applied {
			return checks.Unchanged(s, "the server's "+t.String()+" has no "+short+" that can lie by one")
		}
		return checks.ClientRejects(s, t, wire.AlertDecodeError)
	}
	return ch
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
		if c.Version == wire.VersionTLS13 {
			for _, t := range msgs {
				for _, path := range lengthFields[t] {
					grows, ok := strings.CutSuffix(path, "+")
					out = append(out, lengthLie(c, t, grows, +1))
					if !ok {
						out = append(out, lengthLie(c, t, path, -1))
					}
				}
			}
		}
		for _, t := range msgs {
			for _, ch := range changes {
				name := fmt.Sprintf("%s/%s", t.RFCName(), ch.name)
				out = append(out, checks.ClientCheck(area, c, name, rfc, rule, level,
					fmt.Sprintf("aborts on a %s with %s, with decode_error", t, ch.title),
					edit(name, t, ch), t, wire.AlertDecodeError))
			}
		}
	}
	return out
}
