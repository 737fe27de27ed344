package kx

import (
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// The seed inputs of the fuzz targets of fuzz_test.go that need this
// package's test vectors and math/big server.
func init() {
	seedShared = func(a any) {
		f := a.(*testing.F)
		for _, h := range x25519LowOrder {
			f.Add(uint8(1), unhex(f, h))
		}
	}
	seedDHEClient = func(a any) {
		f := a.(*testing.F)
		p, _ := ffdhePrime(wire.GroupFFDHE2048)
		_, ys := dhServer(p)
		f.Add(p.Bytes(), []byte{2}, ys.Bytes())
	}
}
