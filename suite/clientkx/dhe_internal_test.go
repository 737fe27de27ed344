package clientkx

import (
	"math/big"
	"testing"
)

// TestDHEParameters: the groups the DHE checks send are what their names
// say: safe primes of 512 and 768 bits, and a 2048-bit odd modulus that
// is not prime.
func TestDHEParameters(t *testing.T) {
	for bits, h := range map[int]string{512: safePrime512, 768: safePrime768} {
		p := new(big.Int).SetBytes(mustHex(h))
		q := new(big.Int).Rsh(p, 1)
		if p.BitLen() != bits || !p.ProbablyPrime(20) || !q.ProbablyPrime(20) {
			t.Errorf("the %d-bit group: %d bits, p prime %v, (p-1)/2 prime %v", bits, p.BitLen(), p.ProbablyPrime(20), q.ProbablyPrime(20))
		}
	}
	n := new(big.Int).SetBytes(compositeModulus())
	if n.BitLen() != 2048 || n.Bit(0) != 1 || n.ProbablyPrime(20) {
		t.Errorf("the composite modulus: %d bits, odd %v, prime %v", n.BitLen(), n.Bit(0) == 1, n.ProbablyPrime(20))
	}
}
