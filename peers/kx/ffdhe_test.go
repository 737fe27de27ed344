package kx

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

var ffdheGroups = []wire.Group{wire.GroupFFDHE2048, wire.GroupFFDHE3072, wire.GroupFFDHE4096, wire.GroupFFDHE6144, wire.GroupFFDHE8192}

// floorE2 returns floor(2^m · e), summing 2^(m+64)/k! and dropping the 64
// guard bits.
func floorE2(m uint) *big.Int {
	scale := new(big.Int).Lsh(big.NewInt(1), m+64)
	sum := new(big.Int)
	term := new(big.Int).Set(scale) // 2^(m+64)/k!, truncated
	for k := int64(1); term.Sign() > 0; k++ {
		sum.Add(sum, term)
		term.Quo(term, big.NewInt(k))
	}
	return sum.Rsh(sum, 64)
}

// TestFFDHEPrimes re-derives each table prime from the RFC 7919 Appendix A
// formula p = 2^b - 2^{b-64} + {[2^{b-130} e] + X} * 2^64 - 1 with the X
// the RFC prints, and checks p and q = (p-1)/2 are prime.
func TestFFDHEPrimes(t *testing.T) {
	xs := map[wire.Group]int64{ // RFC 7919 A.1-A.5
		wire.GroupFFDHE2048: 560316,
		wire.GroupFFDHE3072: 2625351,
		wire.GroupFFDHE4096: 5736041,
		wire.GroupFFDHE6144: 15705020,
		wire.GroupFFDHE8192: 10965728,
	}
	bitsOf := map[wire.Group]uint{wire.GroupFFDHE2048: 2048, wire.GroupFFDHE3072: 3072, wire.GroupFFDHE4096: 4096, wire.GroupFFDHE6144: 6144, wire.GroupFFDHE8192: 8192}
	for _, g := range ffdheGroups {
		t.Run(g.String(), func(t *testing.T) {
			t.Parallel()
			p, ok := ffdhePrime(g)
			if !ok {
				t.Fatal("missing")
			}
			b := bitsOf[g]
			one := big.NewInt(1)
			want := new(big.Int).Lsh(one, b)
			want.Sub(want, new(big.Int).Lsh(one, b-64))
			mid := floorE2(b - 130)
			mid.Add(mid, big.NewInt(xs[g]))
			want.Add(want, mid.Lsh(mid, 64))
			want.Sub(want, one)
			if p.Cmp(want) != 0 {
				t.Fatalf("table prime does not match the RFC 7919 formula with X = %d", xs[g])
			}
			if testing.Short() && b > 3072 {
				return
			}
			q := new(big.Int).Rsh(p, 1)
			if !p.ProbablyPrime(1) || !q.ProbablyPrime(1) {
				t.Fatal("not a safe prime")
			}
		})
	}
}

func TestFFDHEParams(t *testing.T) {
	for _, g := range ffdheGroups {
		p, gen, ok := FFDHEParams(g)
		if !ok || !bytes.Equal(gen, []byte{2}) || p[0] != 0xff {
			t.Fatalf("%v: %v %x", g, ok, gen)
		}
		if FFDHEGroup(append([]byte{0}, p...), []byte{0, 2}) != g {
			t.Errorf("FFDHEGroup does not recognise %v", g)
		}
		if FFDHEGroup(p, []byte{5}) != 0 {
			t.Errorf("FFDHEGroup ignores g")
		}
	}
	if _, _, ok := FFDHEParams(wire.GroupX25519); ok {
		t.Fatal("x25519 is not ffdhe")
	}
}

// dhServer is an independent math/big server: x fixed, ys = 2^x mod p.
func dhServer(p *big.Int) (x, ys *big.Int) {
	x, _ = new(big.Int).SetString("1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef", 16)
	return x, new(big.Int).Exp(big.NewInt(2), x, p)
}

// TestDHEClient runs the client against ffdhe2048 (RFC 7919 A.1) with a
// server computed here with math/big.
func TestDHEClient(t *testing.T) {
	p, _ := ffdhePrime(wire.GroupFFDHE2048)
	x, ys := dhServer(p)
	yc, shared, err := DHEClient(p.Bytes(), []byte{2}, ys.Bytes(), seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	z := new(big.Int).Exp(new(big.Int).SetBytes(yc), x, p)
	if !bytes.Equal(shared, z.Bytes()) {
		t.Fatalf("client Z %x, server Z %x", shared, z.Bytes())
	}
	yc2, _, _ := DHEClient(p.Bytes(), []byte{2}, ys.Bytes(), seeded(1))
	if !bytes.Equal(yc, yc2) {
		t.Fatal("not deterministic for a fixed reader")
	}

	pm1 := new(big.Int).Sub(p, big.NewInt(1))
	for name, bad := range map[string]*big.Int{
		"0":   big.NewInt(0),
		"1":   big.NewInt(1),
		"p-1": pm1,
		"p":   p,
		"p+1": new(big.Int).Add(p, big.NewInt(1)),
	} {
		_, _, err := DHEClient(p.Bytes(), []byte{2}, bad.Bytes(), seeded(1))
		wantExchangeErr(t, err, 0, ErrInvalidPublic)
		if name == "p-1" && err.(*ExchangeError).Reason != "public value is p-1, want 1 < y < p-1" {
			t.Errorf("reason %q", err.(*ExchangeError).Reason)
		}
	}
	// A leading zero byte on ys changes nothing.
	_, shared2, err := DHEClient(p.Bytes(), []byte{2}, append([]byte{0}, ys.Bytes()...), seeded(1))
	if err != nil || !bytes.Equal(shared, shared2) {
		t.Fatal("leading zero in ys not accepted")
	}
}

func TestDHEClientParameters(t *testing.T) {
	huge := bytes.Repeat([]byte{0xff}, MaxDHBits/8+1)
	_, _, err := DHEClient(huge, []byte{2}, []byte{5}, seeded(1))
	wantExchangeErr(t, err, 0, ErrDHParameters)
	for _, p := range [][]byte{nil, {0}, {1}, {2}} {
		_, _, err := DHEClient(p, []byte{2}, []byte{5}, seeded(1))
		wantExchangeErr(t, err, 0, ErrDHParameters)
	}
	// p = 3 leaves no valid ys.
	_, _, err = DHEClient([]byte{3}, []byte{2}, []byte{2}, seeded(1))
	wantExchangeErr(t, err, 0, ErrInvalidPublic)
	// Small, weak and composite groups are accepted (permissive client);
	// a composite p that makes Z = 0 is refused.
	if _, shared, err := DHEClient([]byte{23}, []byte{5}, []byte{8}, seeded(1)); err != nil || len(shared) == 0 {
		t.Fatalf("p = 23: %x %v", shared, err)
	}
	_, _, err = DHEClient([]byte{16}, []byte{2}, []byte{4}, seeded(1)) // 4^x mod 16 = 0 for x ≥ 2
	wantExchangeErr(t, err, 0, ErrZeroSecret)
	// An odd g, g = 0 or g ≥ p is the server's problem, not a panic.
	for _, g := range [][]byte{nil, {0}, {1}, {0xff, 0xff}} {
		if _, _, err := DHEClient([]byte{23}, g, []byte{8}, seeded(1)); err != nil {
			t.Errorf("g %x: %v", g, err)
		}
	}
}

func TestDHEServer(t *testing.T) {
	for i, g := range ffdheGroups {
		p, gen, ys, priv, err := DHEServer(g, seeded(byte(i)))
		if err != nil {
			t.Fatal(err)
		}
		if priv.Group() != g || FFDHEGroup(p, gen) != g {
			t.Fatalf("%v: group %v", g, priv.Group())
		}
		if priv.x.BitLen() < 225 {
			t.Fatalf("%v: exponent of %d bits", g, priv.x.BitLen())
		}
		yc, clientZ, err := DHEClient(p, gen, ys, seeded(byte(50+i)))
		if err != nil {
			t.Fatal(err)
		}
		serverZ, err := priv.Shared(yc)
		if err != nil || !bytes.Equal(clientZ, serverZ) {
			t.Fatalf("%v: %x vs %x (%v)", g, clientZ, serverZ, err)
		}
		_, err = priv.Shared([]byte{1})
		wantExchangeErr(t, err, g, ErrInvalidPublic)
		pp, gg := priv.Params()
		if !bytes.Equal(pp, p) || !bytes.Equal(gg, gen) || !bytes.Equal(priv.Public(), ys) {
			t.Fatal("accessors disagree")
		}
	}
	_, _, _, _, err := DHEServer(wire.GroupX25519, seeded(1))
	wantExchangeErr(t, err, wire.GroupX25519, ErrUnsupportedGroup)
}

func TestNewDH(t *testing.T) {
	// A 512-bit-ish custom group: the server side of a weak-DH check.
	p := new(big.Int).Lsh(big.NewInt(1), 521)
	p.Sub(p, big.NewInt(1)) // the Mersenne prime 2^521-1
	priv, err := NewDH(p.Bytes(), []byte{3}, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	if priv.Group() != 0 || priv.x.BitLen() != customExponentBits {
		t.Fatalf("custom group: named %v, %d-bit exponent", priv.Group(), priv.x.BitLen())
	}
	for seed := range 64 {
		small, err := NewDH([]byte{23}, []byte{5}, seededWide(seed))
		if err != nil || small.x.Cmp(big.NewInt(2)) < 0 || small.x.Cmp(big.NewInt(21)) > 0 {
			t.Fatalf("p = 23: exponent %v, %v", small.x, err)
		}
	}
	ff, _, _ := FFDHEParams(wire.GroupFFDHE3072)
	if k, _ := NewDH(ff, []byte{2}, seeded(1)); k.Group() != wire.GroupFFDHE3072 || k.x.BitLen() != 275 {
		t.Fatalf("ffdhe3072 via NewDH: %v, %d bits", k.Group(), k.x.BitLen())
	}
	yc, z1, err := DHEClient(p.Bytes(), []byte{3}, priv.Public(), seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	z2, err := priv.Shared(yc)
	if err != nil || !bytes.Equal(z1, z2) {
		t.Fatal("custom group does not agree")
	}
	for _, bad := range [][]byte{{3}, {2}, nil, bytes.Repeat([]byte{0xff}, MaxDHBits/8+1)} {
		_, err := NewDH(bad, []byte{2}, seeded(1))
		wantExchangeErr(t, err, 0, ErrDHParameters)
	}
}

// TestDHLeadingZeros: TLS 1.2 strips Z's leading zero bytes (RFC 5246
// §8.1.2), TLS 1.3 pads Z to the length of p (RFC 8446 §7.4.1).
func TestDHLeadingZeros(t *testing.T) {
	p, _ := ffdhePrime(wire.GroupFFDHE2048)
	x, ys := dhServer(p)
	size := (p.BitLen() + 7) / 8
	found := false
	for seed := 0; seed < 4096 && !found; seed++ {
		yc, shared, err := DHEClient(p.Bytes(), []byte{2}, ys.Bytes(), seededWide(seed))
		if err != nil {
			t.Fatal(err)
		}
		if len(shared) < size {
			found = true
			if shared[0] == 0 {
				t.Fatal("leading zero kept")
			}
			z := new(big.Int).Exp(new(big.Int).SetBytes(yc), x, p)
			if !bytes.Equal(shared, z.Bytes()) {
				t.Fatal("wrong Z")
			}
		}
	}
	if !found {
		t.Skip("no short Z in the seeds tried")
	}
}

func TestFFDHE13Padding(t *testing.T) {
	g := wire.GroupFFDHE2048
	found := false
	for seed := 0; seed < 2048 && !found; seed++ {
		client, err := Generate(g, seededWide(seed))
		if err != nil {
			t.Fatal(err)
		}
		share, secret, err := Respond(g, client.Public(), seededWide(seed+100000))
		if err != nil {
			t.Fatal(err)
		}
		if len(share) != 256 || len(secret) != 256 || len(client.Public()) != 256 {
			t.Fatalf("lengths %d %d %d", len(share), len(secret), len(client.Public()))
		}
		got, err := client.Shared(share)
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatal("disagree")
		}
		found = secret[0] == 0
	}
	if !found {
		t.Fatal("no Z with a leading zero byte in the seeds tried")
	}
	// A minimally encoded (short) share is a length error in TLS 1.3.
	client, _ := Generate(g, seeded(1))
	_, err := client.Shared([]byte{2})
	wantExchangeErr(t, err, g, ErrShareLength)
	// Range check on a full-length share.
	pm1, _ := ffdhePrime(g)
	pm1.Sub(pm1, big.NewInt(1))
	_, err = client.Shared(pm1.FillBytes(make([]byte, 256)))
	wantExchangeErr(t, err, g, ErrInvalidPublic)
	_, _, err = Respond(g, make([]byte, 256), seeded(1))
	wantExchangeErr(t, err, g, ErrInvalidPublic)
}

func BenchmarkDHEClient(b *testing.B) {
	for _, g := range []wire.Group{wire.GroupFFDHE2048, wire.GroupFFDHE8192} {
		b.Run(g.String(), func(b *testing.B) {
			p, gen, ys, _, _ := DHEServer(g, seeded(1))
			r := seeded(2)
			for b.Loop() {
				if _, _, err := DHEClient(p, gen, ys, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
