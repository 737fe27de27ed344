package kx

import (
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// The seed inputs that need the vectors and the math/big server of the
// other test files come from fuzzseeds_test.go, which sets these.
// ClusterFuzzLite builds each target with go-118-fuzz-build, which
// compiles this file alone (as a non-test file of the package) and whose F
// ignores seeds: there they stay nil, and everything the targets execute
// is in this file or in the package.
var seedShared, seedDHEClient func(f any)

// FuzzShared feeds arbitrary peer shares to every group, both to a client's
// Private.Shared and to Respond: nothing may panic, and every failure is an
// *ExchangeError naming the group.
func FuzzShared(f *testing.F) {
	groups := Groups()
	keys := make(map[wire.Group]Private)
	for i, g := range groups {
		k, err := Generate(g, seeded(byte(i)))
		if err != nil {
			f.Fatal(err)
		}
		keys[g] = k
		server, _, err := Respond(g, k.Public(), seeded(byte(i)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), server)
		f.Add(uint8(i), k.Public())
		f.Add(uint8(i), server[:len(server)-1])
		f.Add(uint8(i), []byte{})
	}
	if seedShared != nil {
		seedShared(f)
	}
	f.Fuzz(func(t *testing.T, idx uint8, share []byte) {
		g := groups[int(idx)%len(groups)]
		check := func(err error) {
			if err == nil {
				return
			}
			var e *ExchangeError
			if !errors.As(err, &e) || e.Group != g || e.Err == nil {
				t.Fatalf("%v: untyped error %v", g, err)
			}
		}
		secret, err := keys[g].Shared(share)
		check(err)
		if err == nil && len(secret) != secretSize(g) {
			t.Fatalf("%v: secret is %d bytes", g, len(secret))
		}
		_, _, err = Respond(g, share, seeded(1))
		check(err)
	})
}

func FuzzDHEClient(f *testing.F) {
	if seedDHEClient != nil {
		seedDHEClient(f)
	}
	f.Add([]byte{23}, []byte{5}, []byte{8})
	f.Add([]byte{16}, []byte{2}, []byte{4})
	f.Add([]byte{}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, p, g, ys []byte) {
		if len(p) > 256 {
			p = p[:256] // keep executions fast; the size bound has its own test
		}
		yc, shared, err := DHEClient(p, g, ys, seeded(1))
		if err != nil {
			if _, ok := err.(*ExchangeError); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(yc) > len(p) || len(shared) == 0 || len(shared) > len(p) {
			t.Fatalf("yc %d bytes, Z %d bytes, p %d bytes", len(yc), len(shared), len(p))
		}
	})
}

// seeded is a deterministic reader; tests never seed from the clock.
func seeded(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

func secretSize(g wire.Group) int {
	switch g {
	case wire.GroupX25519, wire.GroupSecp256r1:
		return 32
	case wire.GroupSecp384r1:
		return 48
	case wire.GroupSecp521r1:
		return 66
	case wire.GroupX25519MLKEM768, wire.GroupSecP256r1MLKEM768:
		return 64
	case wire.GroupSecP384r1MLKEM1024:
		return 80
	}
	p, _ := ffdhePrime(g)
	return (p.BitLen() + 7) / 8
}
