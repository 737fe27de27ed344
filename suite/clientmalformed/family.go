// Package clientmalformed is the family of client checks on malformed
// server messages (row 73), generated from the server-message mutators
// of the registry (mutators.ServerMessageType): the ServerHello,
// EncryptedExtensions, Certificate, ServerKeyExchange, NewSessionTicket
// and TLS 1.3 CertificateVerify of the server's flight with a byte after
// the last field, the last byte missing or an empty body (in every
// context), cut after each field boundary, or with an inner length field
// one short, one long, zero or at its maximum (in one context a version:
// TLS 1.2 ECDHE-RSA, whose messages TLS 1.0 and 1.1 share, and TLS 1.3).
// The handshake length always matches the body. In TLS 1.3 the client
// must abort with decode_error (RFC 8446 §6); below it no sentence puts
// that duty on the client, and the checks are SHOULD.
//
// The server sends the changed bytes as its message and keeps them in
// its transcript, so a client that reads them leniently goes on (its
// Finished, its key exchange, its application data), and is seen going
// on. A TLS 1.3 NewSessionTicket comes after the handshake: the server
// follows it with a KeyUpdate that asks for one back, which a client
// that took the ticket answers.
package clientmalformed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
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
		Area:                area,
		Title:               "Malformed server messages, as a client reads them (RFC 8446 §6; RFC 5246 §7.4)",
		Checks:              clientChecks,
		Client:              true,
		ClientMisbehaviours: ClientMisbehaviours(),
		SelfTests:           selfTests,
	}
}

// messagesIn are the server messages of context c the family changes.
func messagesIn(c checks.Context) []wire.HandshakeType {
	if c.Version == wire.VersionTLS13 {
		return []wire.HandshakeType{wire.TypeServerHello, wire.TypeEncryptedExtensions, wire.TypeCertificate, wire.TypeCertificateVerify, wire.TypeNewSessionTicket}
	}
	out := []wire.HandshakeType{wire.TypeServerHello, wire.TypeCertificate}
	if c.KX != checks.KXRSA {
		out = append(out, wire.TypeServerKeyExchange)
	}
	return append(out, wire.TypeNewSessionTicket)
}

// wholeMessage reports whether m changes the message as a whole (run in
// every context) rather than one of its fields (run in fieldContext).
func wholeMessage(m mutators.Mutator) bool {
	_, rest, _ := strings.Cut(m.Name, "/")
	return rest == "trailing/1" || rest == "truncate/last-byte" || rest == "truncate/empty-body"
}

// fieldContext reports whether the per-field mutators run in c: TLS 1.2
// ECDHE-RSA (ServerKeyExchange included) and TLS 1.3.
func fieldContext(c checks.Context) bool {
	return c.Version == wire.VersionTLS13 || c.Version == wire.VersionTLS12 && c.KX == checks.KXECDHERSA
}

func clientChecks() []checks.Check {
	var out []checks.Check
	var ms []mutators.Mutator
	for _, m := range mutators.Registry() {
		if _, ok := mutators.ServerMessageType(m); ok {
			ms = append(ms, m)
		}
	}
	for _, c := range checks.Contexts() {
		for _, t := range messagesIn(c) {
			for _, m := range ms {
				if mt, _ := mutators.ServerMessageType(m); mt != t || !m.AppliesTo(c.Version) || !wholeMessage(m) && !fieldContext(c) {
					continue
				}
				// Only what applies to the message the reference server
				// sends in c (a ServerKeyExchange has no
				// signature_algorithm below TLS 1.2).
				if sample := mutators.SampleServerMessage(t, c.Version); sample == nil {
					continue
				} else if _, ok, err := mutators.MutateServerMessage(m, sample, 1); err != nil || !ok {
					continue
				}
				out = append(out, malformed(c, t, m))
			}
		}
	}
	return out
}

// malformed is the check of mutator m on the server's message of type t
// in context c.
func malformed(c checks.Context, t wire.HandshakeType, m mutators.Mutator) checks.Check {
	rule, rfc, level := checks.RuleDecode13, "RFC 8446 §6", checks.MUST
	if m.Expect.Level(c.Version) == mutators.LevelShould {
		rule, rfc, level = ruleDecode12, "RFC 5246 §7.4", checks.SHOULD
	}
	ch := checks.ClientCheck(area, c, m.Name, rfc, rule, level, "aborts on "+m.Doc+", with decode_error",
		peers.Misbehaviour{}, t, wire.AlertDecodeError)
	ch.Mutator, ch.Row = m.Name, m.Expect.Row
	id := ch.ID
	ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		var mu sync.Mutex
		applied := false // set by the server's goroutine, read after Serve returned
		mis := checks.EditServerFlight(m.Name, func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
			for i, msg := range msgs {
				if msg.Type() != t {
					continue
				}
				if sh, ok := msg.(*wire.ServerHello); ok && sh.IsHelloRetryRequest() {
					continue
				}
				raw, ok, err := mutators.MutateServerMessage(m, msg, uint64(env.Seed))
				if err != nil || !ok {
					return msgs
				}
				mu.Lock()
				applied = true
				mu.Unlock()
				bad := checks.RawMessage{T: t, Raw: raw}
				if t == wire.TypeNewSessionTicket && st.Version() == wire.VersionTLS13 {
					// After the handshake: ask for a KeyUpdate, which only a
					// client that read past the ticket sends.
					if err := st.WriteHandshake(bad); err == nil {
						_ = st.SendKeyUpdate(true)
					}
					return slices.Delete(slices.Clone(msgs), i, i+1)
				}
				out := slices.Clone(msgs)
				out[i] = bad
				return out
			}
			return msgs
		})
		s := env.Serve(ctx, c, id, mis)
		mu.Lock()
		done := applied
		mu.Unlock()
		if !done {
			return notApplied(s, t, m)
		}
		v := checks.ClientRejects(s, t, wire.AlertDecodeError)
		if v.Status == reports.Fail && level == checks.SHOULD {
			v.Status = reports.Warn
			v.Reason = "the client went on after a malformed " + t.String() + ": " + m.Expect.ShouldWhy(c.Version)
		}
		return v
	}
	return ch
}

// notApplied is the verdict of a run in which the mutator changed
// nothing. When the server sent the message, it had nothing the mutator
// changes (a field this client's exchange does not give it): the check
// does not apply to this client, and so when no NewSessionTicket goes to
// a TLS 1.0-1.2 client that asked for none. When the handshake ended
// before the message was due, nothing was tried: inconclusive.
func notApplied(s *checks.Served, t wire.HandshakeType, m mutators.Mutator) checks.Verdict {
	var why string
	switch {
	case checks.ReactionTo(s, t).Reached:
		why = fmt.Sprintf("the server's %s to this client has nothing %s changes", t, m.Name)
	case t == wire.TypeNewSessionTicket && s.Version < wire.VersionTLS13 && s.Hello != nil && wire.CountExtension(s.Hello.Extensions, wire.ExtSessionTicket) == 0:
		why = "the client did not offer session_ticket, so the server sends no NewSessionTicket (RFC 5077 §3.2)"
	default:
		return checks.Unchanged(s, fmt.Sprintf("the handshake ended before the server sent its %s (%s; client %s)", t, checks.ServerEnd(s.ServerErr), s.End))
	}
	return checks.Verdict{Status: reports.Skip, Expected: "the check's change reaches the client", Observed: why, Served: []*checks.Served{s},
		Reason: "the change does not apply to what this client negotiated"}
}

// ClientMisbehaviours are the reference client's ways to break what the
// family checks.
func ClientMisbehaviours() []peers.ClientMisbehaviour {
	return []peers.ClientMisbehaviour{{
		// Stops reading a server message at the end of its last field
		// and ignores what follows inside the message.
		Name: "client-malformed/accept-trailing-bytes",
		Apply: func(p *peers.ClientPlan) {
			next := p.ParseMessage
			p.ParseMessage = func(raw []byte, ctx wire.Context) (wire.Message, error) {
				m, err := next(raw, ctx)
				var pe *wire.ParseError
				if errors.As(err, &pe) && errors.Is(err, wire.ErrTrailing) && pe.Field == "" && pe.Offset > 4 && pe.Offset < len(raw) {
					return next(checks.Reframe(raw, raw[4:pe.Offset]), ctx)
				}
				return m, err
			}
		},
	}}
}

// selfTests: a client that ignores bytes after a message's last field
// goes on after every message with a byte appended (a failure in TLS
// 1.3, a warning below it), and still refuses a message cut short.
var selfTests = []checks.SelfTest{{
	Misbehaviour: "client-malformed/accept-trailing-bytes",
	Fail:         `^client-malformed/tls13/[^/]+/[a-z_]+/trailing/1$`,
	Warn:         `^client-malformed/tls1[012]/[^/]+/[a-z_]+/trailing/1$`,
	Pass:         `^(client-baseline/.*|client-malformed/.*/truncate/.*)$`,
}}
