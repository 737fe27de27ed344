package clientkx

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// The server's (EC)DHE public value, invalid (rows 71; RFC 8422 §5.11,
// RFC 8446 §4.2.8.2): off the curve, (0,0), the point at infinity, in
// compressed form, a byte short or a byte long; for X25519 a byte short
// or long, and (below TLS 1.3, where the TLS 1.3 check already has it)
// the all-zero value.
//
// Below TLS 1.3 the ServerKeyExchange carries it, signed as it is: a
// client that takes it goes on with its ClientKeyExchange, which proves
// it. In TLS 1.3 the ServerHello's key_share carries it, and a client
// that takes it goes on only if it derives the secret the server keyed
// the handshake with. Where a client without the validation derives a
// secret the server can know (the real one, for the server's own point
// in compressed form or with a byte to spare; all zeros for (0,0) and
// the point at infinity), the server keys the handshake with it, so that
// such a client goes on and is caught; where not (a point off the curve,
// a value a byte short), a client that took the value derives other
// keys, and its failure to read the server's flight looks like a
// refusal: only the alert the RFCs name (or decode_error) passes then,
// and anything else is inconclusive.

// The receiver-duty sentences below TLS 1.3 that the catalogue does not
// already hold: X25519's one encoding binds no receiver in RFC 8422, so
// a wrong length there is a warning.
var ruleX25519Length12 = checks.Rule{Cite: "RFC 8422 §5.4", Text: "For the X25519 and X448 curves, the only valid representation is the one specified in [RFC7748], a 32- or 56-octet representation of the u value of the point."}

// keyedBy says what secret a client without the validation derives from
// a share, when the server can know it.
type keyedBy int

const (
	keyedNone keyedBy = iota // nothing the server can know
	keyedReal                // the real shared secret: the server's own point in another form
	keyedZero                // all zeros: the x-coordinate of the point at infinity
)

// shareCase is one invalid public value of the server's.
type shareCase struct {
	name, doc string
	group     wire.Group
	edit      func(pub []byte) []byte // of a valid public value of the group
	keyed     keyedBy
	// certain: every client without the validation derives the keyed
	// secret, not just many of them.
	certain bool
	// tls13 says whether the case runs in TLS 1.3; tls12 below it.
	tls12, tls13 bool
	// Below TLS 1.3: the rule, its level and its label.
	rfc12   string
	rule12  checks.Rule
	level12 checks.Level
	// In TLS 1.3: the rule and its label (MUST).
	rfc13  string
	rule13 checks.Rule
}

// compress writes an uncompressed NIST point in compressed form.
func compress(p []byte) []byte {
	n := (len(p) - 1) / 2
	return append([]byte{2 | p[len(p)-1]&1}, p[1:1+n]...)
}

func shareCases() []shareCase {
	p256, x25519 := wire.GroupSecp256r1, wire.GroupX25519
	nist12, nist13 := "RFC 8422 §5.11", "RFC 8446 §4.2.8.2"
	form12 := "RFC 8422 §5.1.2, §5.4"
	syntax13 := "RFC 8446 §4.2.8.2, §6"
	return []shareCase{
		{name: "secp256r1-off-curve", doc: "a secp256r1 point off the curve (the last byte of y changed)", group: p256,
			edit: func(p []byte) []byte { p[len(p)-1] ^= 0x01; return p }, tls12: true, tls13: true,
			rfc12: nist12, rule12: checks.RuleNISTPoint, level12: checks.MUST, rfc13: nist13, rule13: checks.RuleECPoint13},
		{name: "secp256r1-zero-point", doc: "the secp256r1 point (0,0), in uncompressed form", group: p256,
			edit: func(p []byte) []byte { clear(p[1:]); return p }, keyed: keyedZero, tls12: true, tls13: true,
			rfc12: nist12, rule12: checks.RuleNISTPoint, level12: checks.MUST, rfc13: nist13, rule13: checks.RuleECPoint13},
		{name: "secp256r1-identity", doc: "the secp256r1 point at infinity (the single byte 0x00)", group: p256,
			edit: func([]byte) []byte { return []byte{0} }, keyed: keyedZero, tls12: true, tls13: true,
			rfc12: nist12, rule12: checks.RuleNISTPoint, level12: checks.MUST, rfc13: nist13, rule13: checks.RuleECPoint13},
		{name: "secp256r1-compressed", doc: "its secp256r1 point in compressed form", group: p256,
			edit: compress, keyed: keyedReal, certain: true, tls12: true, tls13: true,
			rfc12: form12, rule12: checks.RulePointFormat12, level12: checks.MUST, rfc13: syntax13, rule13: checks.RuleIllegal13},
		{name: "secp256r1-short", doc: "its secp256r1 point a byte short (64 bytes)", group: p256,
			edit: func(p []byte) []byte { return p[:len(p)-1] }, tls12: true, tls13: true,
			rfc12: nist12, rule12: checks.RuleNISTPoint, level12: checks.MUST, rfc13: syntax13, rule13: checks.RuleIllegal13},
		{name: "secp256r1-long", doc: "its secp256r1 point with a zero byte appended (66 bytes)", group: p256,
			edit: func(p []byte) []byte { return append(p, 0) }, keyed: keyedReal, tls12: true, tls13: true,
			rfc12: nist12, rule12: checks.RuleNISTPoint, level12: checks.MUST, rfc13: syntax13, rule13: checks.RuleIllegal13},
		{name: "x25519-short", doc: "its X25519 public value a byte short (31 bytes)", group: x25519,
			edit: func(p []byte) []byte { return p[:len(p)-1] }, tls12: true, tls13: true,
			rfc12: "RFC 8422 §5.4", rule12: ruleX25519Length12, level12: checks.SHOULD, rfc13: syntax13, rule13: checks.RuleIllegal13},
		{name: "x25519-long", doc: "its X25519 public value with a zero byte appended (33 bytes)", group: x25519,
			edit: func(p []byte) []byte { return append(p, 0) }, keyed: keyedReal, tls12: true, tls13: true,
			rfc12: "RFC 8422 §5.4", rule12: ruleX25519Length12, level12: checks.SHOULD, rfc13: syntax13, rule13: checks.RuleIllegal13},
		{name: "x25519-zero", doc: "the X25519 public value 0, a low-order point (all-zero shared secret)", group: x25519,
			edit: func(p []byte) []byte { return make([]byte, 32) }, keyed: keyedZero, certain: true, tls12: true,
			rfc12: "RFC 7748 §6.1; RFC 8422 §5.11", rule12: checks.RuleX25519Zero, level12: checks.MUST},
	}
}

// shareChecks are the invalid-share checks of context c.
func shareChecks(c checks.Context) []checks.Check {
	var out []checks.Check
	for _, sc := range shareCases() {
		switch {
		case c.Version == wire.VersionTLS13 && sc.tls13:
			out = append(out, shareCheck13(c, sc))
		case c.Version < wire.VersionTLS13 && c.KX != checks.KXRSA && c.KX != checks.KXDHERSA && sc.tls12:
			out = append(out, shareCheck12(c, sc))
		}
	}
	return out
}

// needGroup skips a check whose group the client does not offer.
func needGroup(env *checks.Env, g wire.Group) (checks.Verdict, bool) {
	if env.Profile != nil && len(env.Profile.Groups) > 0 && !slices.Contains(env.Profile.Groups, g) {
		return checks.Verdict{Status: reports.Skip, Reason: fmt.Sprintf("the client does not offer %s", g)}, true
	}
	return checks.Verdict{}, false
}

// shareCheck12: the ServerKeyExchange's ECPoint replaced (and signed).
func shareCheck12(c checks.Context, sc shareCase) checks.Check {
	mis := peers.Misbehaviour{Name: "client-check/server-key-exchange-" + sc.name, Apply: func(p *peers.ServerPlan) {
		next := p.ServerKeyExchange12
		p.ServerKeyExchange12 = func(st *peers.ServerState, ske *wire.ServerKeyExchange) {
			next(st, ske)
			if ske.Form == wire.KXECDHE && ske.Group == sc.group {
				ske.Point = sc.edit(slices.Clone(ske.Point))
			}
		}
	}}
	want := []wire.AlertDescription{wire.AlertIllegalParameter, wire.AlertDecodeError}
	ch := checks.ClientCheck(area, c, "server-key-exchange-"+sc.name, sc.rfc12, sc.rule12, sc.level12,
		"aborts on a ServerKeyExchange with "+sc.doc+", with illegal_parameter or decode_error", mis, wire.TypeServerKeyExchange, want...)
	ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		if v, skip := needGroup(env, sc.group); skip {
			return v
		}
		// The server's curve is the case's alone, so that it cannot pick
		// another and leave the value unsent.
		s := env.ServeGroups(ctx, c, ch.ID, []wire.Group{sc.group}, mis)
		v := checks.ClientRejects(s, wire.TypeServerKeyExchange, want...)
		if v.Status == reports.Fail && sc.level12 == checks.SHOULD {
			v.Status = reports.Warn
		}
		if v.Status == reports.Fail && s.Hello != nil && offersCompressed(s.Hello) {
			v.Reason += "; its ec_point_formats offers the compressed forms, as RFC 4492 allowed and RFC 8422 §5.1.2 no longer does"
		}
		return v
	}
	return ch
}

// shareCheck13: the ServerHello's key_share replaced, the handshake
// keyed with what a client without the validation derives, where the
// server can know it.
func shareCheck13(c checks.Context, sc shareCase) checks.Check {
	mis := peers.Misbehaviour{Name: "client-check/key-share-" + sc.name, Apply: func(p *peers.ServerPlan) {
		next := p.KeyShare13
		p.KeyShare13 = func(st *peers.ServerState, g wire.Group, share []byte) ([]byte, []byte, error) {
			serverShare, shared, err := next(st, g, share)
			if err != nil || g != sc.group {
				return serverShare, shared, err
			}
			bad := sc.edit(slices.Clone(serverShare))
			if sc.keyed == keyedZero {
				shared = make([]byte, 32) // the x-coordinate length of X25519 and P-256
			}
			return bad, shared, nil
		}
	}}
	want := []wire.AlertDescription{wire.AlertIllegalParameter, wire.AlertDecodeError}
	ch := checks.ClientCheck(area, c, "key-share-"+sc.name, sc.rfc13, sc.rule13, checks.MUST,
		"aborts on a ServerHello key_share with "+sc.doc+", with illegal_parameter or decode_error", mis, wire.TypeServerHello, want...)
	ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
		if v, skip := needGroup(env, sc.group); skip {
			return v
		}
		// The case's group alone: a client without a share for it is
		// asked for one with a HelloRetryRequest.
		s := env.ServeGroups(ctx, c, ch.ID, []wire.Group{sc.group}, mis)
		return judgeShare13(s, sc, want)
	}
	return ch
}

// judgeShare13 reads a TLS 1.3 run with an invalid server share: going
// on fails (the client read the share as a valid one: with the keyed
// secret, or a parser that ignores bytes past the share's size); the
// alerts the RFCs name pass. Any other end proves a refusal only where
// every client without the validation would have derived the keyed
// secret and gone on; elsewhere a client that took the share may have
// derived other keys and failed on the server's flight: inconclusive.
func judgeShare13(s *checks.Served, sc shareCase, want []wire.AlertDescription) checks.Verdict {
	v := checks.ClientRejects(s, wire.TypeServerHello, want...)
	switch {
	case v.Status == reports.Fail && sc.keyed != keyedNone:
		v.Reason = fmt.Sprintf("the client went on with a handshake keyed with %s, the secret a client that takes %s derives: it took the share it must refuse", keyedName(sc.keyed), sc.doc)
	case v.Status == reports.Warn && !(sc.keyed != keyedNone && sc.certain):
		v.Status = reports.Inconclusive
		v.Reason = "the client did not refuse the share with " + wantNames(want) + ": it may instead have taken it, derived keys the server cannot know and failed to read the server's flight; this proves neither"
	}
	return v
}

func keyedName(k keyedBy) string {
	if k == keyedZero {
		return "the all-zero secret"
	}
	return "the real shared secret"
}

func wantNames(want []wire.AlertDescription) string {
	var names []string
	for _, a := range want {
		names = append(names, a.String())
	}
	return strings.Join(names, " or ")
}

// lenientShared is what a client without the validation derives from
// the server's public value: the real secret when the value reads as a
// valid one after decompression, truncation or padding to the group's
// size; all zeros for (0,0), the point at infinity or an X25519
// low-order point; else some secret no server can know.
func lenientShared(priv kx.Private, share []byte) ([]byte, error) {
	if s, err := priv.Shared(share); err == nil {
		return s, nil
	}
	g := priv.Group()
	n, _, ok := kx.ShareSizes(g)
	if !ok {
		return nil, fmt.Errorf("no size for %s", g)
	}
	switch {
	case g == wire.GroupX25519 && len(share) == 32 && kx.X25519LowOrder(share):
		return make([]byte, 32), nil
	case kx.NullPoint(share):
		return make([]byte, (n-1)/2), nil
	}
	fixed := kx.LenientPoint(g, share)
	switch {
	case len(fixed) > n:
		fixed = fixed[:n]
	case len(fixed) < n:
		fixed = append(slices.Clone(fixed), make([]byte, n-len(fixed))...)
	}
	if s, err := priv.Shared(fixed); err == nil {
		return s, nil
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return secret, nil
}

// offersCompressed reports whether a ClientHello's ec_point_formats
// lists a compressed form (ansiX962_compressed_prime or _char2).
func offersCompressed(ch *wire.ClientHello) bool {
	e, ok := wire.FindExtension(ch.Extensions, wire.ExtECPointFormats)
	if !ok || len(e.Body) < 1 {
		return false
	}
	return slices.ContainsFunc(e.Body[1:], func(f byte) bool { return f == 1 || f == 2 })
}
