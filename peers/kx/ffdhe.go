package kx

import (
	"bytes"
	"encoding/hex"
	"io"
	"math/big"
	"strings"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// MaxDHBits bounds the modulus DHEClient and NewDH accept, so a hostile
// server cannot make a client spend minutes on one exponentiation.
const MaxDHBits = 8192

// ffdheGroup holds a group's prime digits and the short exponent length RFC
// 7919 Appendix A recommends for it (§5.2: an exponent of at least twice the
// symmetric-equivalent strength is enough with a safe prime).
func ffdheGroup(g wire.Group) (digits string, exponentBits int, ok bool) {
	switch g {
	case wire.GroupFFDHE2048:
		return ffdhe2048Hex, 225, true
	case wire.GroupFFDHE3072:
		return ffdhe3072Hex, 275, true
	case wire.GroupFFDHE4096:
		return ffdhe4096Hex, 325, true
	case wire.GroupFFDHE6144:
		return ffdhe6144Hex, 375, true
	case wire.GroupFFDHE8192:
		return ffdhe8192Hex, 400, true
	}
	return "", 0, false
}

// ffdhePrime returns a fresh copy of the group's prime.
func ffdhePrime(g wire.Group) (*big.Int, bool) {
	digits, _, ok := ffdheGroup(g)
	if !ok {
		return nil, false
	}
	b, err := hex.DecodeString(strings.Join(strings.Fields(digits), ""))
	if err != nil {
		panic("kx: corrupt ffdhe table: " + err.Error()) // unreachable: constant input
	}
	return new(big.Int).SetBytes(b), true
}

// FFDHEParams returns the RFC 7919 prime and generator of an ffdhe group,
// big-endian without leading zeros.
func FFDHEParams(g wire.Group) (p, gen []byte, ok bool) {
	pi, ok := ffdhePrime(g)
	if !ok {
		return nil, nil, false
	}
	return pi.Bytes(), []byte{2}, true
}

// FFDHEGroup names the RFC 7919 group with prime p and generator g, or
// returns 0 if (p, g) is not one of them. Leading zero bytes are ignored.
func FFDHEGroup(p, g []byte) wire.Group {
	if !bytes.Equal(bytes.TrimLeft(g, "\x00"), []byte{2}) {
		return 0
	}
	pi := new(big.Int).SetBytes(p)
	for _, grp := range []wire.Group{wire.GroupFFDHE2048, wire.GroupFFDHE3072, wire.GroupFFDHE4096, wire.GroupFFDHE6144, wire.GroupFFDHE8192} {
		if q, _ := ffdhePrime(grp); q.Cmp(pi) == 0 {
			return grp
		}
	}
	return 0
}

// DHPrivate is one side's finite-field DH secret for TLS 1.2 DHE.
type DHPrivate struct {
	group   wire.Group // 0 for parameters that are not an RFC 7919 group
	p, g, x *big.Int
	y       *big.Int
}

// DHEServer makes a server's DHE key in an RFC 7919 group (RFC 5246
// §7.4.3 ServerDHParams): p and g are the group's, ys is g^x mod p,
// minimally encoded (as OpenSSL sends it). The exponent is the RFC 7919
// short exponent, read from rand.
func DHEServer(group wire.Group, rand io.Reader) (p, g, ys []byte, priv *DHPrivate, err error) {
	pi, ok := ffdhePrime(group)
	if !ok {
		return nil, nil, nil, nil, exchangeErr(group, ErrUnsupportedGroup, "not an ffdhe group")
	}
	_, bits, _ := ffdheGroup(group)
	priv, err = newDH(group, pi, big.NewInt(2), bits, orSystem(rand))
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return pi.Bytes(), []byte{2}, priv.Public(), priv, nil
}

// NewDH makes a DH key over caller-chosen parameters (a server offering a
// custom, weak or broken group on purpose). p must be above 3 and at most
// MaxDHBits bits; g is taken as is. The exponent is chosen as in
// DHEClient.
func NewDH(p, g []byte, rand io.Reader) (*DHPrivate, error) {
	pi, gi := new(big.Int).SetBytes(p), new(big.Int).SetBytes(g)
	if err := checkModulus(pi); err != nil {
		return nil, err
	}
	if pi.Cmp(big.NewInt(3)) <= 0 {
		return nil, exchangeErr(0, ErrDHParameters, "p = %v is too small", pi)
	}
	group := FFDHEGroup(p, g)
	return newDH(group, pi, gi, exponentBits(group, pi), orSystem(rand))
}

// customExponentBits is the exponent length for groups that are not RFC
// 7919's: far above any strength a test needs, far below 8192 bits.
const customExponentBits = 512

// exponentBits is the RFC 7919 short exponent for its groups and
// customExponentBits otherwise; 0 (a uniform exponent in [2, p-2]) when p
// is too short for that.
func exponentBits(group wire.Group, p *big.Int) int {
	if _, bits, ok := ffdheGroup(group); ok {
		return bits
	}
	if p.BitLen() > customExponentBits+2 {
		return customExponentBits
	}
	return 0
}

// DHEClient is the client side of TLS 1.2 DHE (RFC 5246 §8.1.2). It is
// permissive on purpose: any p > 2 of at most MaxDHBits bits and any g are
// accepted, and only the server's public value is checked, 1 < ys < p-1
// (RFC 7919 §5.1's check). yc is minimally encoded; shared is Z with its
// leading zero bytes stripped. The exponent is read from rand: the RFC 7919
// short exponent when (p, g) is an RFC 7919 group, else 512 bits (uniform
// in [2, p-2] when p is shorter), which keeps an 8192-bit exchange fast.
func DHEClient(p, g, ys []byte, rand io.Reader) (yc, shared []byte, err error) {
	pi, gi := new(big.Int).SetBytes(p), new(big.Int).SetBytes(g)
	if err := checkModulus(pi); err != nil {
		return nil, nil, err
	}
	peer := new(big.Int).SetBytes(ys)
	if err := checkPublic(0, pi, peer); err != nil {
		return nil, nil, err
	}
	group := FFDHEGroup(p, g)
	priv, err := newDH(group, pi, gi, exponentBits(group, pi), orSystem(rand))
	if err != nil {
		return nil, nil, err
	}
	z, err := priv.agree(peer)
	if err != nil {
		return nil, nil, err
	}
	return priv.Public(), z.Bytes(), nil
}

func checkModulus(p *big.Int) error {
	if p.BitLen() > MaxDHBits {
		return exchangeErr(0, ErrDHParameters, "p is %d bits, more than the %d this peer accepts", p.BitLen(), MaxDHBits)
	}
	if p.Cmp(big.NewInt(2)) <= 0 {
		return exchangeErr(0, ErrDHParameters, "p = %v, want p > 2", p)
	}
	return nil
}

// checkPublic enforces 1 < y < p-1 (RFC 7919 §5.1; RFC 8446 §4.2.8.1).
func checkPublic(g wire.Group, p, y *big.Int) error {
	pm1 := new(big.Int).Sub(p, big.NewInt(1))
	switch {
	case y.Cmp(big.NewInt(1)) <= 0:
		return exchangeErr(g, ErrInvalidPublic, "public value is %v, want 1 < y < p-1", y)
	case y.Cmp(pm1) == 0:
		return exchangeErr(g, ErrInvalidPublic, "public value is p-1, want 1 < y < p-1")
	case y.Cmp(pm1) > 0:
		return exchangeErr(g, ErrInvalidPublic, "public value is not below p-1")
	}
	return nil
}

// newDH draws the exponent from rand: exponentBits > 0 gives an exponent of
// exactly that many bits (top bit set); 0 gives one uniform in [2, p-2]
// (reduced from 64 extra bits, so the bias is negligible). Requires p > 3.
func newDH(group wire.Group, p, g *big.Int, exponentBits int, rand io.Reader) (*DHPrivate, error) {
	x := new(big.Int)
	if exponentBits > 0 {
		buf := make([]byte, (exponentBits+7)/8)
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, exchangeErr(group, ErrRandom, "reading the exponent: %v", err)
		}
		x.SetBytes(buf)
		x.SetBit(x, exponentBits-1, 1)
		for i := exponentBits; i < len(buf)*8; i++ {
			x.SetBit(x, i, 0)
		}
	} else {
		buf := make([]byte, (p.BitLen()+7)/8+8)
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, exchangeErr(group, ErrRandom, "reading the exponent: %v", err)
		}
		span := new(big.Int).Sub(p, big.NewInt(3)) // x in [2, p-2]
		x.SetBytes(buf).Mod(x, span).Add(x, big.NewInt(2))
	}
	y := new(big.Int).Exp(g, x, p)
	return &DHPrivate{group: group, p: new(big.Int).Set(p), g: new(big.Int).Set(g), x: x, y: y}, nil
}

// Group is the RFC 7919 group of the key, or 0 for other parameters.
func (k *DHPrivate) Group() wire.Group { return k.group }

// Params returns p and g, minimally encoded.
func (k *DHPrivate) Params() (p, g []byte) { return k.p.Bytes(), k.g.Bytes() }

// Public returns g^x mod p, minimally encoded (dh_Ys / dh_Yc).
func (k *DHPrivate) Public() []byte { return k.y.Bytes() }

// Shared checks the peer's public value (1 < y < p-1) and returns Z with
// leading zero bytes stripped, the TLS 1.2 pre-master secret (RFC 5246
// §8.1.2).
func (k *DHPrivate) Shared(peerPublic []byte) ([]byte, error) {
	peer := new(big.Int).SetBytes(peerPublic)
	if err := checkPublic(k.group, k.p, peer); err != nil {
		return nil, err
	}
	z, err := k.agree(peer)
	if err != nil {
		return nil, err
	}
	return z.Bytes(), nil
}

// agree computes Z; Z = 0 (possible only for a composite p) is refused
// since it would leave an empty pre-master secret.
func (k *DHPrivate) agree(peer *big.Int) (*big.Int, error) {
	z := new(big.Int).Exp(peer, k.x, k.p)
	if z.Sign() == 0 {
		return nil, exchangeErr(k.group, ErrZeroSecret, "shared secret Z is zero (p is not prime)")
	}
	return z, nil
}

// ffdhePrivate is a TLS 1.3 ffdhe key share (RFC 8446 §4.2.8.1): shares
// and the secret are padded to the length of p.
type ffdhePrivate struct{ dh *DHPrivate }

func generateFFDHE(g wire.Group, rand io.Reader) (*ffdhePrivate, error) {
	p, _ := ffdhePrime(g)
	_, bits, _ := ffdheGroup(g)
	dh, err := newDH(g, p, big.NewInt(2), bits, rand)
	if err != nil {
		return nil, err
	}
	return &ffdhePrivate{dh: dh}, nil
}

func (k *ffdhePrivate) size() int { return (k.dh.p.BitLen() + 7) / 8 }

func (k *ffdhePrivate) Group() wire.Group { return k.dh.group }

func (k *ffdhePrivate) Public() []byte { return k.dh.y.FillBytes(make([]byte, k.size())) }

func (k *ffdhePrivate) Shared(peerShare []byte) ([]byte, error) {
	if len(peerShare) != k.size() {
		return nil, exchangeErr(k.dh.group, ErrShareLength, "share is %d bytes, want %d", len(peerShare), k.size())
	}
	peer := new(big.Int).SetBytes(peerShare)
	if err := checkPublic(k.dh.group, k.dh.p, peer); err != nil {
		return nil, err
	}
	z, err := k.dh.agree(peer)
	if err != nil {
		return nil, err
	}
	return z.FillBytes(make([]byte, k.size())), nil
}
