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
