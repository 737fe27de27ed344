package clientkx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// DHE parameters a client must not take (row 71; RFC 7919): a group of
// 512 bits (MUST reject below 768 bits) or 768 bits (SHOULD reject
// below 1024), a modulus that is not prime, and a dh_Ys of 1 or p-1 (MUST
// refuse with handshake_failure). The reference server serves them in
// the DHE contexts, signed; a client that takes them goes on with its
// ClientKeyExchange, which proves it.
//
// RFC 7919's duties bind a "compatible" client, one whose supported_groups
// names FFDHE groups (§3): for a client that names none, a MUST check
// that catches it warns, and says why.
var (
	ruleDHSize = checks.Rule{Cite: "RFC 7919 §3.1", Text: "A compatible client that accepts FFDHE cipher suites using custom groups from non-compatible servers MUST reject any group with |dh_p| < 768 bits and SHOULD reject any group with |dh_p| < 1024 bits."}
	ruleDHYs   = checks.Rule{Cite: "RFC 7919 §3", Text: "If the client continues (either because the server offered a matching group or because local policy permits the offered custom group), the client MUST verify that dh_Ys is in the range 1 < dh_Ys < dh_p - 1.  If dh_Ys is not in this range, the client MUST terminate the connection with a fatal handshake_failure(40) alert."}
	// No sentence asks a client to test the modulus: a warning.
	ruleDHPrime = checks.Rule{Cite: "RFC 7919 §5.1", Text: "To reach the same assurance with an unknown group, the client would need to verify the primality of the modulus, learn the factors of p-1, and test both the generator g and Y against each factor to avoid small subgroup attacks."}
)

// Safe primes (p = 2q+1, q prime) of 512 and 768 bits, generated for
// this suite (crypto/rand.Prime for q, then ProbablyPrime(30) on p);
// TestDHEParameters checks them.
const (
	safePrime512 = "cfe884a29ec81f20c1b6c9885655dcefa124f46bfb2c7074b37035948322b08654417b509f0bbb44e3da9bcca76074c0c288100a0a6126a376348b79929d2b03"
	safePrime768 = "d050ae8492f2586c23c609f882912ee799c6a80e68c1fa7f8869ff03a904ffebc3d0d9cd341236c0a0c050071a8cf3eea999fb264d00721ebbac752c10a67a05b7c3ec90cb12ed0ba075ed8f07cd71b1bcde7d2c1ae49e542eb27343aca45ddb"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err) // constant input
	}
	return b
}

// compositeModulus is the first odd number above ffdhe2048's prime that
// is not prime: a 2048-bit modulus that passes a size check.
func compositeModulus() []byte {
	p, _, _ := kx.FFDHEParams(wire.GroupFFDHE2048)
	n := new(big.Int).SetBytes(p)
	for {
		n.Add(n, big.NewInt(2))
		if !n.ProbablyPrime(1) {
			return n.Bytes()
		}
	}
}

// dheCase is one set of DHE parameters the server sends.
type dheCase struct {
	name, doc string
	// edit changes the signed ServerDHParams.
	edit  func(ske *wire.ServerKeyExchange)
	rfc   string
	rule  checks.Rule
	level checks.Level
	want  []wire.AlertDescription
}

// inGroup gives the ServerKeyExchange a key in the group (p, 2).
func inGroup(p []byte) func(ske *wire.ServerKeyExchange) {
	return func(ske *wire.ServerKeyExchange) {
		priv, err := kx.NewDH(p, []byte{2}, rand.Reader)
		if err != nil {
			return
		}
		ske.P, ske.G = priv.Params()
		ske.Ys = priv.Public()
	}
}

func dheCases() []dheCase {
	return []dheCase{
		{name: "dhe-group-512-bit", doc: "a 512-bit DHE group", edit: inGroup(mustHex(safePrime512)),
			rfc: "RFC 7919 §3.1", rule: ruleDHSize, level: checks.MUST},
		{name: "dhe-group-768-bit", doc: "a 768-bit DHE group", edit: inGroup(mustHex(safePrime768)),
			rfc: "RFC 7919 §3.1", rule: ruleDHSize, level: checks.SHOULD},
		{name: "dhe-composite-modulus", doc: "a 2048-bit DHE modulus that is not prime", edit: inGroup(compositeModulus()),
			rfc: "RFC 7919 §5.1", rule: ruleDHPrime, level: checks.SHOULD},
		{name: "dhe-ys-one", doc: "dh_Ys = 1", edit: func(ske *wire.ServerKeyExchange) { ske.Ys = []byte{1} },
			rfc: "RFC 7919 §3, §5.1", rule: ruleDHYs, level: checks.MUST, want: []wire.AlertDescription{wire.AlertHandshakeFailure}},
		{name: "dhe-ys-p-minus-one", doc: "dh_Ys = p-1", edit: func(ske *wire.ServerKeyExchange) {
			ske.Ys = new(big.Int).Sub(new(big.Int).SetBytes(ske.P), big.NewInt(1)).Bytes()
		}, rfc: "RFC 7919 §3, §5.1", rule: ruleDHYs, level: checks.MUST, want: []wire.AlertDescription{wire.AlertHandshakeFailure}},
	}
}

// rfc7919Client reports whether a ClientHello names FFDHE groups
// (codepoints 256 to 511) in supported_groups: an RFC 7919 client (§3).
func rfc7919Client(ch *wire.ClientHello) bool {
	e, ok := wire.FindExtension(ch.Extensions, wire.ExtSupportedGroups)
	if !ok {
		return false
	}
	gs, _ := wire.ParseSupportedGroups(e.Body)
	return slices.ContainsFunc(gs, func(g wire.Group) bool { return g >= 256 && g <= 511 })
}

// dheChecks are the DHE checks of the DHE context c.
func dheChecks(c checks.Context) []checks.Check {
	var out []checks.Check
	for _, dc := range dheCases() {
		mis := peers.Misbehaviour{Name: "client-check/" + dc.name, Apply: func(p *peers.ServerPlan) {
			next := p.ServerKeyExchange12
			p.ServerKeyExchange12 = func(st *peers.ServerState, ske *wire.ServerKeyExchange) {
				next(st, ske)
				if ske.Form == wire.KXDHE {
					dc.edit(ske)
				}
			}
		}}
		title := "aborts on a ServerKeyExchange with " + dc.doc
		if len(dc.want) > 0 {
			title += ", with " + dc.want[0].String()
		}
		ch := checks.ClientCheck(area, c, dc.name, dc.rfc, dc.rule, dc.level, title, mis, wire.TypeServerKeyExchange, dc.want...)
		ch.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
			s := env.Serve(ctx, c, ch.ID, mis)
			v := checks.ClientRejects(s, wire.TypeServerKeyExchange, dc.want...)
			switch {
			case v.Status == reports.Fail && dc.level == checks.SHOULD:
				v.Status = reports.Warn
			case v.Status == reports.Fail && s.Hello != nil && !rfc7919Client(s.Hello):
				v.Status = reports.Warn
				v.Reason = fmt.Sprintf("%s; its supported_groups names no FFDHE group, so it is not an RFC 7919 client, which alone the RFC binds", v.Reason)
			}
			return v
		}
		out = append(out, ch)
	}
	return out
}

// lenientDHE is the client side of DHE without any check on the
// parameters: a 256-bit exponent, Z = Ys^x mod p.
func lenientDHE(p, g, ys []byte, _ bool, r io.Reader) ([]byte, []byte, error) {
	pi := new(big.Int).SetBytes(p)
	if pi.Cmp(big.NewInt(3)) <= 0 {
		return nil, nil, fmt.Errorf("p = %v", pi)
	}
	buf := make([]byte, 32)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, nil, err
	}
	x := new(big.Int).SetBytes(buf)
	yc := new(big.Int).Exp(new(big.Int).SetBytes(g), x, pi)
	z := new(big.Int).Exp(new(big.Int).SetBytes(ys), x, pi)
	shared := z.Bytes()
	if len(shared) == 0 {
		shared = []byte{0}
	}
	return yc.Bytes(), shared, nil
}
