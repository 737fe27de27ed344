package mutators

import (
	"encoding/hex"
	"math/rand/v2"
	"slices"

	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// --- key_share values, RFC 8446 §4.2.8.2, §7.4.2 (row 63) ---
//
// For each group TLS 1.3 uses, values of the key share that the server
// must refuse. Each makes the ClientHello offer its group alone
// (supported_groups and key_share), so that a server cannot answer with
// another group and leave the bad share unread. The value is derived from
// the client's own share when the ClientHello carries one for the group
// (so that the client still holds the private key: a point in compressed
// form is then the client's own point), from a key generated with the
// mutator's randomness otherwise.

// The labels: the NIST curves' point validation; the share's syntax
// (its length, its one point format); X25519's all-zero check.
const (
	rfcShareValue  = "RFC 8446 §4.2.8.2"
	rfcShareLength = "RFC 8446 §4.2.8, §4.2.8.2"
	rfcShareX25519 = "RFC 8446 §7.4.2"
)

// keyShareValueGroups are the groups with key share value mutators, as
// named in the mutator names.
var keyShareValueGroups = []struct {
	g    wire.Group
	name string
}{
	{wire.GroupX25519, "x25519"},
	{wire.GroupSecp256r1, "secp256r1"},
	{wire.GroupSecp384r1, "secp384r1"},
	{wire.GroupSecp521r1, "secp521r1"},
	{wire.GroupX25519MLKEM768, "x25519mlkem768"},
	{wire.GroupSecP256r1MLKEM768, "secp256r1mlkem768"},
	{wire.GroupSecP384r1MLKEM1024, "secp384r1mlkem1024"},
}

func chKeyShareValueMutators() []Mutator {
	invalid := Reject(rfcShareValue, 63, wire.AlertIllegalParameter, wire.AlertDecodeError)
	length := Reject(rfcShareLength, 63, wire.AlertIllegalParameter, wire.AlertDecodeError)
	zero := Reject(rfcShareX25519, 63, wire.AlertIllegalParameter)
	var out []Mutator
	for _, kg := range keyShareValueGroups {
		g := kg.g
		m := func(what, doc string, e Expectation, f func(own []byte) []byte) Mutator {
			return Mutator{Name: "client_hello/key_share/" + kg.name + "/" + what,
				Doc:    "only " + g.String() + " offered, with " + doc,
				Expect: e, Versions: chVersion13, Group: g, Hello: chShareValue(g, f)}
		}
		switch {
		case g == wire.GroupX25519:
			for _, p := range x25519LowOrder() {
				u, _ := hex.DecodeString(p.u)
				out = append(out, m(p.name, "the X25519 key share "+p.doc+", a low-order point (all-zero shared secret)", zero,
					func([]byte) []byte { return slices.Clone(u) }))
			}
		case isNIST(g):
			out = append(out,
				m("off-curve", "a key share off the curve (the last byte of y changed)", invalid,
					func(p []byte) []byte { p[len(p)-1] ^= 0x01; return p }),
				m("zero", "the key share (0,0), in uncompressed form", invalid,
					func(p []byte) []byte { clear(p[1:]); return p }),
				m("identity", "the point at infinity as its key share (the single byte 0x00)", invalid,
					func([]byte) []byte { return []byte{0} }),
				m("compressed", "its key share in compressed form (RFC 8446 §4.2.8.2 allows only the uncompressed form)", length,
					func(p []byte) []byte {
						n := (len(p) - 1) / 2
						return append([]byte{2 | p[len(p)-1]&1}, p[1:1+n]...)
					}),
				m("hybrid-form", "its key share in the X9.62 hybrid form (0x06/0x07)", length,
					func(p []byte) []byte { p[0] = 6 | p[len(p)-1]&1; return p }),
			)
		default: // the ML-KEM hybrids
			out = append(out, m("classical-only", "only the "+hybridClassical(g).String()+" part of its hybrid key share", length,
				func(p []byte) []byte { return classicalPart(g, p) }))
		}
		out = append(out,
			m("short", "its key share one byte short of the group's size", length,
				func(p []byte) []byte { return p[:len(p)-1] }),
			m("long", "its key share one byte longer than the group's size (a zero appended)", length,
				func(p []byte) []byte { return append(p, 0) }),
		)
	}
	return out
}

// chShareValue makes the ClientHello offer g alone, with f's change of a
// valid share for g as its only key share.
func chShareValue(g wire.Group, f func(own []byte) []byte) Hello {
	return func(ch *wire.ClientHello, rnd *rand.Rand) bool {
		shares, ok := chShares(ch)
		if !ok {
			return false
		}
		if _, ok := chGroups(ch); !ok {
			return false
		}
		var own []byte
		for _, s := range shares {
			if s.Group == g && len(s.KeyExchange) > 0 {
				own = slices.Clone(s.KeyExchange)
			}
		}
		if own == nil {
			priv, err := kx.Generate(g, reader{rnd})
			if err != nil {
				return false
			}
			own = priv.Public()
		}
		chSetExt(ch, wire.SupportedGroupsExt(g))
		chSetExt(ch, wire.KeyShareClientExt(wire.KeyShareEntry{Group: g, KeyExchange: f(own)}))
		return true
	}
}

// hybridClassical is the ECDH group inside a hybrid.
func hybridClassical(g wire.Group) wire.Group {
	switch g {
	case wire.GroupX25519MLKEM768:
		return wire.GroupX25519
	case wire.GroupSecP256r1MLKEM768:
		return wire.GroupSecp256r1
	}
	return wire.GroupSecp384r1
}

// classicalPart is the ECDH share inside a hybrid client share: last in
// X25519MLKEM768, first in the SecP* hybrids (draft-ietf-tls-ecdhe-mlkem).
func classicalPart(g wire.Group, share []byte) []byte {
	n, _, _ := kx.ShareSizes(hybridClassical(g))
	if n <= 0 || n >= len(share) {
		return share[:len(share)-1]
	}
	if g == wire.GroupX25519MLKEM768 {
		return share[len(share)-n:]
	}
	return share[:n]
}
