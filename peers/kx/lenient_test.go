package kx_test

import (
	"bytes"
	"crypto/elliptic"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// TestLenientPoint: the compressed and hybrid forms of a point read back
// as its uncompressed form; anything else is left as it is.
func TestLenientPoint(t *testing.T) {
	priv, err := kx.Generate(wire.GroupSecp256r1, rand.NewChaCha8([32]byte{7}))
	if err != nil {
		t.Fatal(err)
	}
	pub := priv.Public() // 0x04 || X || Y
	x, y := new(big.Int).SetBytes(pub[1:33]), new(big.Int).SetBytes(pub[33:])
	compressed := elliptic.MarshalCompressed(elliptic.P256(), x, y)
	hybrid := append([]byte{6 | byte(y.Bit(0))}, pub[1:]...)
	for name, in := range map[string][]byte{"compressed": compressed, "hybrid": hybrid, "uncompressed": pub} {
		if got := kx.LenientPoint(wire.GroupSecp256r1, in); !bytes.Equal(got, pub) {
			t.Errorf("%s: %x, want %x", name, got, pub)
		}
	}
	if got := kx.LenientPoint(wire.GroupX25519, compressed[:32]); !bytes.Equal(got, compressed[:32]) {
		t.Error("an X25519 value was changed")
	}
	for _, tc := range []struct {
		p    []byte
		want bool
	}{{[]byte{0}, true}, {append([]byte{4}, make([]byte, 64)...), true}, {pub, false}, {nil, false}, {[]byte{4, 0}, false}} {
		if got := kx.NullPoint(tc.p); got != tc.want {
			t.Errorf("NullPoint(%x) = %v", tc.p, got)
		}
	}
}

// TestLenientSecret: the secret a server without point validation
// derives is predicted for low-order, null and re-encoded points, is
// certain except for the NIST null points, and is not predicted for a
// valid point.
func TestLenientSecret(t *testing.T) {
	priv, err := kx.Generate(wire.GroupSecp256r1, rand.NewChaCha8([32]byte{7}))
	if err != nil {
		t.Fatal(err)
	}
	pub := priv.Public()
	x, y := new(big.Int).SetBytes(pub[1:33]), new(big.Int).SetBytes(pub[33:])
	compressed := elliptic.MarshalCompressed(elliptic.P256(), x, y)
	hybrid := append([]byte{6 | byte(y.Bit(0))}, pub[1:]...)
	for _, tc := range []struct {
		name        string
		g           wire.Group
		share       []byte
		zeros       int // the length of the all-zero secret; 0: nil
		certain, ok bool
	}{
		{"x25519 zero", wire.GroupX25519, make([]byte, 32), 32, true, true},
		{"p256 (0,0)", wire.GroupSecp256r1, append([]byte{4}, make([]byte, 64)...), 32, false, true},
		{"p256 identity", wire.GroupSecp256r1, []byte{0}, 32, false, true},
		{"p256 compressed", wire.GroupSecp256r1, compressed, 0, true, true},
		{"p256 hybrid", wire.GroupSecp256r1, hybrid, 0, true, true},
		{"p256 valid", wire.GroupSecp256r1, pub, 0, false, false},
	} {
		secret, what, certain, ok := kx.LenientSecret(tc.g, tc.share)
		if ok != tc.ok || certain != tc.certain || len(secret) != tc.zeros || (ok && what == "") {
			t.Errorf("%s: secret of %d bytes, %q, certain %t, ok %t; want %d bytes, certain %t, ok %t", tc.name, len(secret), what, certain, ok, tc.zeros, tc.certain, tc.ok)
		}
		for _, b := range secret {
			if b != 0 {
				t.Errorf("%s: the secret is not all zeros", tc.name)
				break
			}
		}
	}
}
