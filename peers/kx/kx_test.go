package kx

import (
	"bytes"
	"crypto/ecdh"
	"crypto/mlkem"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// seededWide is seeded for seeds beyond a byte.
func seededWide(seed int) io.Reader {
	var s [32]byte
	s[0], s[1], s[2] = byte(seed), byte(seed>>8), byte(seed>>16)
	return rand.NewChaCha8(s)
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantExchangeErr asserts err is an *ExchangeError for g wrapping sentinel.
func wantExchangeErr(t *testing.T, err error, g wire.Group, sentinel error) {
	t.Helper()
	var e *ExchangeError
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T), want *ExchangeError", err, err)
	}
	if e.Group != g || !errors.Is(err, sentinel) {
		t.Fatalf("got %+v, want group %v and %v", e, g, sentinel)
	}
}

func isHybrid(g wire.Group) bool { _, ok := hybridOf(g); return ok }

func TestGroupsOrder(t *testing.T) {
	got := Groups()
	want := []wire.Group{wire.GroupX25519MLKEM768, wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1}
	if !equalGroups(got[:len(want)], want) {
		t.Fatalf("Groups() starts %v, want %v", got[:len(want)], want)
	}
	for _, g := range got {
		if !Supported(g) {
			t.Errorf("%v listed but not Supported", g)
		}
	}
	got[0] = 0
	if Groups()[0] != wire.GroupX25519MLKEM768 {
		t.Fatal("Groups returns shared state")
	}
	for _, g := range []wire.Group{wire.GroupX448, 0, 0x0a0a} {
		if Supported(g) {
			t.Errorf("Supported(%v) = true", g)
		}
		_, err := Generate(g, seeded(1))
		wantExchangeErr(t, err, g, ErrUnsupportedGroup)
		_, _, err = Respond(g, []byte{1}, seeded(1))
		wantExchangeErr(t, err, g, ErrUnsupportedGroup)
	}
}

func equalGroups(a, b []wire.Group) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestAgreement runs both sides for every group: Respond(Generate().Public())
// and Private.Shared(serverShare) agree; for ECDH and ffdhe two Generate'd
// keys agree too.
func TestAgreement(t *testing.T) {
	for i, g := range Groups() {
		t.Run(g.String(), func(t *testing.T) {
			client, err := Generate(g, seeded(byte(i)))
			if err != nil {
				t.Fatal(err)
			}
			if client.Group() != g {
				t.Fatalf("Group() = %v", client.Group())
			}
			cs, ss, ok := ShareSizes(g)
			if !ok || len(client.Public()) != cs {
				t.Fatalf("client share %d bytes, ShareSizes says %d (ok %v)", len(client.Public()), cs, ok)
			}
			serverShare, secret, err := Respond(g, client.Public(), seeded(byte(100+i)))
			if err != nil {
				t.Fatal(err)
			}
			if len(serverShare) != ss || len(secret) != secretSize(g) {
				t.Fatalf("server share %d bytes (want %d), secret %d (want %d)", len(serverShare), ss, len(secret), secretSize(g))
			}
			got, err := client.Shared(serverShare)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, secret) {
				t.Fatalf("secrets differ:\nclient %x\nserver %x", got, secret)
			}
			if isHybrid(g) {
				return
			}
			peer, err := Generate(g, seeded(byte(200+i)))
			if err != nil {
				t.Fatal(err)
			}
			a, err1 := client.Shared(peer.Public())
			b, err2 := peer.Shared(client.Public())
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Fatalf("pairwise: %x / %v vs %x / %v", a, err1, b, err2)
			}
		})
	}
}

func TestGenerateDeterministic(t *testing.T) {
	for _, g := range Groups() {
		a, err := Generate(g, seeded(7))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Generate(g, seeded(7))
		c, _ := Generate(g, seeded(8))
		if !bytes.Equal(a.Public(), b.Public()) {
			t.Errorf("%v: same seed, different keys", g)
		}
		if bytes.Equal(a.Public(), c.Public()) {
			t.Errorf("%v: different seeds, same key", g)
		}
		pub := a.Public()
		pub[len(pub)-1] ^= 1
		if bytes.Equal(pub, a.Public()) {
			t.Errorf("%v: Public aliases internal state", g)
		}
	}
}

// RFC 7748 §6.1, the X25519 Diffie-Hellman example, with each private key
// fed to Generate as the bytes of its reader.
func TestX25519RFC7748(t *testing.T) {
	alicePriv := unhex(t, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
	alicePub := unhex(t, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
	bobPriv := unhex(t, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
	bobPub := unhex(t, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
	k := unhex(t, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")

	alice, err := Generate(wire.GroupX25519, bytes.NewReader(alicePriv))
	if err != nil {
		t.Fatal(err)
	}
	bob, err := Generate(wire.GroupX25519, bytes.NewReader(bobPriv))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(alice.Public(), alicePub) || !bytes.Equal(bob.Public(), bobPub) {
		t.Fatalf("public keys %x %x", alice.Public(), bob.Public())
	}
	for _, c := range []struct {
		priv Private
		peer []byte
	}{{alice, bobPub}, {bob, alicePub}} {
		got, err := c.priv.Shared(c.peer)
		if err != nil || !bytes.Equal(got, k) {
			t.Fatalf("K = %x, %v; want %x", got, err, k)
		}
	}
	// Respond draws the server key the same way.
	share, secret, err := Respond(wire.GroupX25519, alicePub, bytes.NewReader(bobPriv))
	if err != nil || !bytes.Equal(share, bobPub) || !bytes.Equal(secret, k) {
		t.Fatalf("Respond = %x, %x, %v", share, secret, err)
	}
}

// x25519LowOrder are u-coordinates whose X25519 output is all zero for
// every scalar: 0 and 1, the two points of order 8, and p-1, p, p+1
// (non-canonical encodings of -1, 0 and 1); then each again with bit 255
// set, which RFC 7748 §5 masks off. This is the low-order list used by
// libsodium, minus its u+p encodings, which are ordinary points once the
// top bit is masked. RFC 7748 §6.1 allows checking for the all-zero output;
// RFC 8446 §7.4.2 requires it.
var x25519LowOrder = []string{
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000000",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"0100000000000000000000000000000000000000000000000000000000000080",
	"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
	"5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
}

func TestX25519LowOrderPoints(t *testing.T) {
	priv, err := Generate(wire.GroupX25519, seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	hy, err := Generate(wire.GroupX25519MLKEM768, seeded(3))
	if err != nil {
		t.Fatal(err)
	}
	hyShare, _, err := Respond(wire.GroupX25519MLKEM768, hy.Public(), seeded(4))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range x25519LowOrder {
		pt := unhex(t, h)
		_, err := priv.Shared(pt)
		wantExchangeErr(t, err, wire.GroupX25519, ErrZeroSecret)
		_, _, err = Respond(wire.GroupX25519, pt, seeded(5))
		wantExchangeErr(t, err, wire.GroupX25519, ErrZeroSecret)

		// The hybrid checks its X25519 part too, in both directions.
		bad := append(bytes.Clone(hyShare[:mlkem.CiphertextSize768]), pt...)
		_, err = hy.Shared(bad)
		wantExchangeErr(t, err, wire.GroupX25519MLKEM768, ErrZeroSecret)
		badClient := append(bytes.Clone(hy.Public()[:mlkem.EncapsulationKeySize768]), pt...)
		_, _, err = Respond(wire.GroupX25519MLKEM768, badClient, seeded(5))
		wantExchangeErr(t, err, wire.GroupX25519MLKEM768, ErrZeroSecret)
	}
}

func TestShareLength(t *testing.T) {
	for i, g := range Groups() {
		priv, err := Generate(g, seeded(byte(i)))
		if err != nil {
			t.Fatal(err)
		}
		cs, ss, _ := ShareSizes(g)
		server, _, err := Respond(g, priv.Public(), seeded(9))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, ss - 1, ss + 1, 2 * ss} {
			share := make([]byte, n)
			copy(share, server)
			_, err := priv.Shared(share)
			wantExchangeErr(t, err, g, ErrShareLength)
		}
		for _, n := range []int{0, cs - 1, cs + 1} {
			share := make([]byte, n)
			copy(share, priv.Public())
			_, _, err := Respond(g, share, seeded(9))
			wantExchangeErr(t, err, g, ErrShareLength)
		}
	}
	// The reason says what was wrong.
	priv, _ := Generate(wire.GroupX25519, seeded(1))
	_, err := priv.Shared(make([]byte, 31))
	if err.(*ExchangeError).Reason != "share is 31 bytes, want 32" {
		t.Fatalf("reason %q", err.(*ExchangeError).Reason)
	}
}

func TestNISTInvalidPoints(t *testing.T) {
	for _, g := range []wire.Group{wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1} {
		priv, err := Generate(g, seeded(1))
		if err != nil {
			t.Fatal(err)
		}
		good, _ := Generate(g, seeded(2))
		pt := good.Public()
		cases := map[string][]byte{}
		flipped := bytes.Clone(pt)
		flipped[len(flipped)-1] ^= 0x01 // y no longer matches x
		cases["flipped y"] = flipped
		flippedX := bytes.Clone(pt)
		flippedX[1] ^= 0x80
		cases["flipped x"] = flippedX
		compressed := bytes.Clone(pt)
		compressed[0] = 0x02
		cases["compressed tag"] = compressed
		hybridTag := bytes.Clone(pt)
		hybridTag[0] = 0x06
		cases["hybrid tag"] = hybridTag
		zero := make([]byte, len(pt))
		zero[0] = 4
		cases["(0,0)"] = zero
		ones := bytes.Repeat([]byte{0xff}, len(pt))
		ones[0] = 4
		cases["coordinates ≥ p"] = ones
		for name, share := range cases {
			_, err := priv.Shared(share)
			if err == nil {
				t.Errorf("%v %s: accepted", g, name)
				continue
			}
			wantExchangeErr(t, err, g, ErrInvalidPoint)
			_, _, err = Respond(g, share, seeded(3))
			wantExchangeErr(t, err, g, ErrInvalidPoint)
		}
	}
	// The SecP256r1 hybrid checks its point and names itself.
	hy, _ := Generate(wire.GroupSecP256r1MLKEM768, seeded(1))
	share := hy.Public()
	share[64] ^= 1
	_, _, err := Respond(wire.GroupSecP256r1MLKEM768, share, seeded(2))
	wantExchangeErr(t, err, wire.GroupSecP256r1MLKEM768, ErrInvalidPoint)
}

func TestInvalidMLKEMKey(t *testing.T) {
	for _, g := range []wire.Group{wire.GroupX25519MLKEM768, wire.GroupSecP256r1MLKEM768, wire.GroupSecP384r1MLKEM1024} {
		priv, _ := Generate(g, seeded(1))
		share := priv.Public()
		h, _ := hybridOf(g)
		// The first 12-bit coefficient becomes 0xfff ≥ q = 3329 (FIPS 203
		// §7.2 modulus check).
		off := 0
		if !h.kemFirst {
			off = pointSize(h.ec)
		}
		share[off], share[off+1] = 0xff, share[off+1]|0x0f
		_, _, err := Respond(g, share, seeded(2))
		wantExchangeErr(t, err, g, ErrInvalidKEMKey)
	}
}

// TestHybridLayout rebuilds the server side by hand from crypto/mlkem and
// crypto/ecdh, following draft-ietf-tls-ecdhe-mlkem, so the concatenation
// order is checked independently of Respond.
func TestHybridLayout(t *testing.T) {
	t.Run("X25519MLKEM768", func(t *testing.T) {
		client, _ := Generate(wire.GroupX25519MLKEM768, seeded(1))
		pub := client.Public()
		ek, err := mlkem.NewEncapsulationKey768(pub[:1184])
		if err != nil {
			t.Fatal("ML-KEM key is not first:", err)
		}
		cx, err := ecdh.X25519().NewPublicKey(pub[1184:])
		if err != nil {
			t.Fatal(err)
		}
		K, ct := ek.Encapsulate()
		sx, _ := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{7}, 32))
		xs, _ := sx.ECDH(cx)
		got, err := client.Shared(cat(ct, sx.PublicKey().Bytes()))
		if err != nil || !bytes.Equal(got, cat(K, xs)) {
			t.Fatalf("Shared = %x, %v; want ML-KEM secret || X25519 secret", got, err)
		}
		// Respond's X25519 key is the first 32 bytes of its reader.
		serverShare, secret, err := Respond(wire.GroupX25519MLKEM768, pub, seeded(9))
		if err != nil {
			t.Fatal(err)
		}
		scalar := make([]byte, 32)
		io.ReadFull(seeded(9), scalar)
		rx, _ := ecdh.X25519().NewPrivateKey(scalar)
		want, _ := rx.ECDH(cx)
		if !bytes.Equal(serverShare[1088:], rx.PublicKey().Bytes()) || !bytes.Equal(secret[32:], want) {
			t.Fatal("Respond: X25519 part is not last")
		}
	})
	t.Run("SecP256r1MLKEM768", func(t *testing.T) {
		client, _ := Generate(wire.GroupSecP256r1MLKEM768, seeded(1))
		pub := client.Public()
		cp, err := ecdh.P256().NewPublicKey(pub[:65])
		if err != nil {
			t.Fatal("P-256 point is not first:", err)
		}
		ek, err := mlkem.NewEncapsulationKey768(pub[65:])
		if err != nil {
			t.Fatal(err)
		}
		K, ct := ek.Encapsulate()
		sp, _ := ecdh.P256().NewPrivateKey(bytes.Repeat([]byte{7}, 32))
		ps, _ := sp.ECDH(cp)
		got, err := client.Shared(cat(sp.PublicKey().Bytes(), ct))
		if err != nil || !bytes.Equal(got, cat(ps, K)) {
			t.Fatalf("Shared = %x, %v; want ECDH secret || ML-KEM secret", got, err)
		}
	})
	t.Run("SecP384r1MLKEM1024", func(t *testing.T) {
		client, _ := Generate(wire.GroupSecP384r1MLKEM1024, seeded(1))
		pub := client.Public()
		cp, err := ecdh.P384().NewPublicKey(pub[:97])
		if err != nil {
			t.Fatal("P-384 point is not first:", err)
		}
		ek, err := mlkem.NewEncapsulationKey1024(pub[97:])
		if err != nil {
			t.Fatal(err)
		}
		K, ct := ek.Encapsulate()
		sp, _ := ecdh.P384().NewPrivateKey(bytes.Repeat([]byte{7}, 48))
		ps, _ := sp.ECDH(cp)
		got, err := client.Shared(cat(sp.PublicKey().Bytes(), ct))
		if err != nil || !bytes.Equal(got, cat(ps, K)) {
			t.Fatalf("Shared = %x, %v; want ECDH secret || ML-KEM secret", got, err)
		}
	})
}

// A tampered ML-KEM ciphertext is not an error (implicit rejection): the
// secrets just differ.
func TestMLKEMImplicitRejection(t *testing.T) {
	client, _ := Generate(wire.GroupX25519MLKEM768, seeded(1))
	share, secret, err := Respond(wire.GroupX25519MLKEM768, client.Public(), seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	share[10] ^= 1
	got, err := client.Shared(share)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got[:32], secret[:32]) || !bytes.Equal(got[32:], secret[32:]) {
		t.Fatal("want a different ML-KEM secret and the same X25519 secret")
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

type constReader byte

func (c constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

func TestBrokenRandom(t *testing.T) {
	for _, g := range Groups() {
		_, err := Generate(g, failingReader{})
		wantExchangeErr(t, err, g, ErrRandom)
	}
	// All-0xff scalars are ≥ n for every NIST curve: bounded retries, then
	// an error instead of a hang.
	for _, g := range []wire.Group{wire.GroupSecp256r1, wire.GroupSecp384r1} {
		_, err := Generate(g, constReader(0xff))
		wantExchangeErr(t, err, g, ErrRandom)
	}
	_, err := Generate(wire.GroupSecp256r1, constReader(0))
	wantExchangeErr(t, err, wire.GroupSecp256r1, ErrRandom)
}

func BenchmarkGenerateShared(b *testing.B) {
	for _, g := range Groups() {
		b.Run(g.String(), func(b *testing.B) {
			peer, _ := Generate(g, seeded(1))
			share, _, err := Respond(g, peer.Public(), seeded(2))
			if err != nil {
				b.Fatal(err)
			}
			r := seeded(3)
			for b.Loop() {
				k, err := Generate(g, r)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := k.Shared(share); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRespond(b *testing.B) {
	for _, g := range Groups() {
		b.Run(g.String(), func(b *testing.B) {
			peer, _ := Generate(g, seeded(1))
			r := seeded(3)
			for b.Loop() {
				if _, _, err := Respond(g, peer.Public(), r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
