package kx

import (
	"bytes"
	"crypto/ecdh"
	crand "crypto/rand"
	"io"
	"math/big"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Private is one side's ephemeral key-exchange secret: the client side of a
// TLS 1.3 key_share, or either side of TLS 1.2 ECDHE.
type Private interface {
	Group() wire.Group
	// Public is the key_share (or ECPoint) the holder sends: X25519 32
	// bytes; P-* uncompressed 0x04||X||Y; X25519MLKEM768 the ML-KEM-768
	// encapsulation key (1184) || X25519 (32); SecP256r1MLKEM768 and
	// SecP384r1MLKEM1024 the point first, then the encapsulation key;
	// ffdhe* Y left-padded to the length of p (RFC 8446 §4.2.8.1).
	Public() []byte
	// Shared derives the shared secret from the peer's share. For the
	// ML-KEM hybrids the peer share is the server's (ciphertext and ECDH
	// public, in the group's order) and the secret concatenates the two
	// secrets in the same order (draft-ietf-tls-ecdhe-mlkem). For ffdhe the
	// secret is Z left-padded to the length of p, as TLS 1.3 wants
	// (RFC 8446 §7.4.1). Errors are *ExchangeError.
	Shared(peerShare []byte) ([]byte, error)
}

// Groups lists the supported groups in preference order: X25519MLKEM768,
// x25519, secp256r1, secp384r1, secp521r1, then the other two hybrids and
// the RFC 7919 ffdhe groups. It returns a fresh slice.
func Groups() []wire.Group {
	return []wire.Group{
		wire.GroupX25519MLKEM768,
		wire.GroupX25519,
		wire.GroupSecp256r1,
		wire.GroupSecp384r1,
		wire.GroupSecp521r1,
		wire.GroupSecP256r1MLKEM768,
		wire.GroupSecP384r1MLKEM1024,
		wire.GroupFFDHE2048,
		wire.GroupFFDHE3072,
		wire.GroupFFDHE4096,
		wire.GroupFFDHE6144,
		wire.GroupFFDHE8192,
	}
}

// Supported reports whether Generate and Respond implement g.
func Supported(g wire.Group) bool {
	switch g {
	case wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1,
		wire.GroupX25519MLKEM768, wire.GroupSecP256r1MLKEM768, wire.GroupSecP384r1MLKEM1024:
		return true
	}
	_, ok := ffdhePrime(g)
	return ok
}

// ShareSizes gives the exact key_share lengths of g: the client's (what
// Private.Public returns) and the server's (what Respond returns). For ECDH
// and ffdhe the two are equal.
func ShareSizes(g wire.Group) (client, server int, ok bool) {
	if c := ecdhCurve(g); c != nil {
		n := pointSize(g)
		return n, n, true
	}
	if h, ok := hybridOf(g); ok {
		return h.clientSize(), h.serverSize(), true
	}
	if p, ok := ffdhePrime(g); ok {
		n := (p.BitLen() + 7) / 8
		return n, n, true
	}
	return 0, 0, false
}

// Generate makes an ephemeral key for g whose value depends only on the
// bytes read from rand (nil means crypto/rand).
func Generate(g wire.Group, rand io.Reader) (Private, error) {
	rand = orSystem(rand)
	if c := ecdhCurve(g); c != nil {
		return generateECDH(g, c, rand)
	}
	if h, ok := hybridOf(g); ok {
		return h.generate(rand)
	}
	if _, ok := ffdhePrime(g); ok {
		return generateFFDHE(g, rand)
	}
	return nil, exchangeErr(g, ErrUnsupportedGroup, "group not supported")
}

// Respond is the server side of a TLS 1.3 key share (or TLS 1.2 ECDHE): for
// ECDH and ffdhe it makes a key from rand and derives the secret; for the
// ML-KEM hybrids it encapsulates to the client's key (the encapsulation draws
// its own randomness) and pairs that with a fresh ECDH key. It returns the
// server's share and the shared secret.
func Respond(g wire.Group, peerShare []byte, rand io.Reader) (serverShare, shared []byte, err error) {
	rand = orSystem(rand)
	if c := ecdhCurve(g); c != nil {
		peer, err := parseECDHPublic(g, c, peerShare)
		if err != nil {
			return nil, nil, err
		}
		priv, err := generateECDH(g, c, rand)
		if err != nil {
			return nil, nil, err
		}
		shared, err := priv.agree(peer)
		if err != nil {
			return nil, nil, err
		}
		return priv.Public(), shared, nil
	}
	if h, ok := hybridOf(g); ok {
		return h.respond(peerShare, rand)
	}
	if p, ok := ffdhePrime(g); ok {
		if want := (p.BitLen() + 7) / 8; len(peerShare) != want {
			return nil, nil, exchangeErr(g, ErrShareLength, "share is %d bytes, want %d", len(peerShare), want)
		}
		if err := checkPublic(g, p, new(big.Int).SetBytes(peerShare)); err != nil {
			return nil, nil, err
		}
		priv, err := generateFFDHE(g, rand)
		if err != nil {
			return nil, nil, err
		}
		shared, err := priv.Shared(peerShare)
		if err != nil {
			return nil, nil, err
		}
		return priv.Public(), shared, nil
	}
	return nil, nil, exchangeErr(g, ErrUnsupportedGroup, "group not supported")
}

func orSystem(r io.Reader) io.Reader {
	if r == nil {
		return crand.Reader
	}
	return r
}

// ecdhCurve maps the plain ECDH groups to their curve, nil otherwise.
func ecdhCurve(g wire.Group) ecdh.Curve {
	switch g {
	case wire.GroupX25519:
		return ecdh.X25519()
	case wire.GroupSecp256r1:
		return ecdh.P256()
	case wire.GroupSecp384r1:
		return ecdh.P384()
	case wire.GroupSecp521r1:
		return ecdh.P521()
	}
	return nil
}

// scalarSize is the private key length NewPrivateKey wants.
func scalarSize(g wire.Group) int {
	switch g {
	case wire.GroupX25519, wire.GroupSecp256r1:
		return 32
	case wire.GroupSecp384r1:
		return 48
	case wire.GroupSecp521r1:
		return 66
	}
	return 0
}

// pointSize is the share length: 32 for X25519, 1+2·len(coordinate) for the
// uncompressed NIST points (RFC 8446 §4.2.8.2).
func pointSize(g wire.Group) int {
	switch g {
	case wire.GroupX25519:
		return 32
	case wire.GroupSecp256r1:
		return 65
	case wire.GroupSecp384r1:
		return 97
	case wire.GroupSecp521r1:
		return 133
	}
	return 0
}

type ecdhPrivate struct {
	group wire.Group
	key   *ecdh.PrivateKey
}

// maxScalarTries bounds rejection sampling so a broken reader (say, all 0xff)
// fails instead of spinning. A fair reader needs a second try with
// probability below 2^-32.
const maxScalarTries = 64

// generateECDH reads the scalar from rand. X25519 takes any 32 bytes
// (clamping happens in the scalar multiplication, RFC 7748 §5); NIST scalars
// are rejection-sampled into [1, n-1] (SEC 1 §2.3.6), with P-521's top seven
// bits masked so a try almost always succeeds.
func generateECDH(g wire.Group, c ecdh.Curve, rand io.Reader) (*ecdhPrivate, error) {
	buf := make([]byte, scalarSize(g))
	for range maxScalarTries {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, exchangeErr(g, ErrRandom, "reading the private key: %v", err)
		}
		if g == wire.GroupSecp521r1 {
			buf[0] &= 0x01
		}
		if k, err := c.NewPrivateKey(buf); err == nil {
			return &ecdhPrivate{group: g, key: k}, nil
		}
	}
	return nil, exchangeErr(g, ErrRandom, "no valid scalar in %d tries from the random source", maxScalarTries)
}

func (k *ecdhPrivate) Group() wire.Group { return k.group }
func (k *ecdhPrivate) Public() []byte    { return k.key.PublicKey().Bytes() }

func (k *ecdhPrivate) Shared(peerShare []byte) ([]byte, error) {
	peer, err := parseECDHPublic(k.group, k.key.Curve(), peerShare)
	if err != nil {
		return nil, err
	}
	return k.agree(peer)
}

func (k *ecdhPrivate) agree(peer *ecdh.PublicKey) ([]byte, error) {
	s, err := k.key.ECDH(peer)
	if err != nil {
		// crypto/ecdh fails only on an all-zero X25519 output (a low-order
		// peer point): RFC 7748 §6.1, RFC 8446 §7.4.2.
		return nil, exchangeErr(k.group, ErrZeroSecret, "all-zero shared secret (low-order peer point)")
	}
	return s, nil
}

// parseECDHPublic checks length and format before the curve check so the
// error says which one failed.
func parseECDHPublic(g wire.Group, c ecdh.Curve, share []byte) (*ecdh.PublicKey, error) {
	if want := pointSize(g); len(share) != want {
		return nil, exchangeErr(g, ErrShareLength, "share is %d bytes, want %d", len(share), want)
	}
	if g != wire.GroupX25519 && share[0] != 4 {
		return nil, exchangeErr(g, ErrInvalidPoint, "point format byte is 0x%02x, want 0x04 (uncompressed)", share[0])
	}
	pub, err := c.NewPublicKey(share)
	if err != nil {
		return nil, exchangeErr(g, ErrInvalidPoint, "point not on curve (or a coordinate is not below p)")
	}
	return pub, nil
}

// cat concatenates into a fresh slice.
func cat(parts ...[]byte) []byte {
	return bytes.Join(parts, nil)
}
