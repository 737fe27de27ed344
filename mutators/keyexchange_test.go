package mutators_test

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// testRSAKey is the key the RSA variants are built for and decrypted with.
var testRSAKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func rsaKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := testRSAKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func cke(t testing.TB) []mutators.Mutator {
	t.Helper()
	ms := mutators.Select("client_key_exchange/")
	if len(ms) == 0 {
		t.Fatal("no client_key_exchange mutators")
	}
	return ms
}

// rawDecrypt is c^d mod n as k bytes: the block the server sees.
func rawDecrypt(priv *rsa.PrivateKey, c []byte) []byte {
	m := new(big.Int).Exp(new(big.Int).SetBytes(c), priv.D, priv.N)
	return m.FillBytes(make([]byte, priv.Size()))
}

func TestKeyExchangeMutatorsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range cke(t) {
		if seen[m.Name] {
			t.Errorf("%s: duplicate name", m.Name)
		}
		seen[m.Name] = true
		if m.CKE == nil || m.Hello != nil || m.Bytes != nil || m.Framing != nil {
			t.Errorf("%s: must set CKE only", m.Name)
		}
		fam := m.Family()
		if fam != "client_key_exchange/rsa" && fam != "client_key_exchange/ecdhe" {
			t.Errorf("%s: unknown family %s", m.Name, fam)
		}
		if m.Doc == "" || m.Expect.RFC == "" || m.Expect.Row < 47 || m.Expect.Row > 53 {
			t.Errorf("%s: doc %q, RFC %q, row %d", m.Name, m.Doc, m.Expect.RFC, m.Expect.Row)
		}
		if m.Expect.Class == mutators.MustReject && len(m.Expect.Alerts) == 0 {
			t.Errorf("%s: must-reject without alerts", m.Name)
		}
		if fam == "client_key_exchange/rsa" && m.Expect.Class != mutators.Oracle && m.Expect.Row != 50 {
			t.Errorf("%s: an RSA variant must be oracle class (row 47-49), or a length lie (row 50)", m.Name)
		}
		if len(m.Versions) == 0 || m.AppliesTo(wire.VersionTLS13) {
			t.Errorf("%s: versions %v: a ClientKeyExchange is TLS 1.0-1.2 only", m.Name, m.Versions)
		}
	}
}

// TestKeyExchangeMutatorsNeverPanic feeds inputs no real exchange has.
func TestKeyExchangeMutatorsNeverPanic(t *testing.T) {
	small := &rsa.PublicKey{N: big.NewInt(3233), E: 17}
	inputs := []mutators.KeyExchange{
		{},
		{RSA: &rsa.PublicKey{}},
		{RSA: &rsa.PublicKey{N: big.NewInt(0), E: 3}},
		{RSA: small},
		{RSA: &rsa.PublicKey{N: big.NewInt(-5), E: 3}},
		{Group: wire.GroupSecp256r1},
		{Group: wire.GroupSecp256r1, Point: []byte{4}},
		{Group: wire.GroupSecp256r1, Point: []byte{4, 1}},
		{Group: wire.GroupX25519, Point: []byte{1}},
		{Group: wire.GroupX25519, Point: make([]byte, 300)},
		{Group: wire.GroupSecp521r1, Point: append([]byte{4}, make([]byte, 200)...)},
		{Group: wire.Group(0xffff), Point: []byte{1, 2, 3}},
	}
	for _, m := range cke(t) {
		for i, in := range inputs {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s: input %d: panic %v", m.Name, i, r)
					}
				}()
				body, _, ok := m.CKE(in, mutators.Rand(1, m.Name))
				if !ok && body != nil {
					t.Errorf("%s: input %d: bytes with ok false", m.Name, i)
				}
			}()
		}
	}
}

func TestKeyExchangeMutatorsAreDeterministic(t *testing.T) {
	priv := rsaKey(t)
	ec, err := kx.Generate(wire.GroupSecp256r1, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := kx.Generate(wire.GroupX25519, nil)
	if err != nil {
		t.Fatal(err)
	}
	ins := []mutators.KeyExchange{
		{Version: wire.VersionTLS12, ClientVersion: wire.VersionTLS12, RSA: &priv.PublicKey},
		{Version: wire.VersionTLS12, Group: wire.GroupSecp256r1, Point: ec.Public()},
		{Version: wire.VersionTLS12, Group: wire.GroupX25519, Point: x.Public()},
	}
	for _, m := range cke(t) {
		for _, in := range ins {
			a, rawA, okA := m.CKE(in, mutators.Rand(7, m.Name))
			b, rawB, okB := m.CKE(in, mutators.Rand(7, m.Name))
			if okA != okB || rawA != rawB || !bytes.Equal(a, b) {
				t.Errorf("%s: two runs with one seed differ", m.Name)
			}
			if in.RSA != nil && okA && strings.Contains(m.Name, "/rsa/") && m.Name != "client_key_exchange/rsa/empty" &&
				!strings.HasPrefix(m.Name, "client_key_exchange/rsa/ciphertext-") {
				c, _, _ := m.CKE(in, mutators.Rand(8, m.Name))
				if bytes.Equal(a, c) {
					t.Errorf("%s: seeds 7 and 8 give the same ciphertext", m.Name)
				}
			}
		}
	}
}

// block describes a decrypted PKCS#1 v1.5 block.
type block struct {
	lead, typ byte
	sep       int // index of the first zero at or after byte 2, -1 for none
	version   wire.Version
}

func describe(b []byte) block {
	d := block{lead: b[0], typ: b[1], sep: -1}
	for i := 2; i < len(b); i++ {
		if b[i] == 0 {
			d.sep = i
			break
		}
	}
	if d.sep >= 0 && d.sep+2 < len(b) {
		d.version = wire.Version(b[d.sep+1])<<8 | wire.Version(b[d.sep+2])
	}
	return d
}

// TestRSAVariantsDecryptToTheBlockDescribed decrypts every RSA variant
// with the test key and checks it is exactly the block its name says.
func TestRSAVariantsDecryptToTheBlockDescribed(t *testing.T) {
	priv := rsaKey(t)
	k := priv.Size()
	for _, cv := range []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12} {
		in := mutators.KeyExchange{Version: cv, ClientVersion: cv, RSA: &priv.PublicKey}
		good := block{lead: 0, typ: 2, sep: k - 49, version: cv}
		want := map[string]block{
			"leading-byte-01":        {1, 2, k - 49, cv},
			"block-type-00":          {0, 0, k - 49, cv},
			"block-type-01":          {0, 1, k - 49, cv},
			"block-type-ff":          {0, 0xff, k - 49, cv},
			"no-separator":           {0, 2, -1, 0},
			"pms-47-bytes":           {0, 2, k - 48, cv},
			"pms-49-bytes":           {0, 2, k - 50, cv},
			"pms-4-bytes":            {0, 2, k - 5, cv},
			"pms-version-ssl30":      {0, 2, k - 49, wire.VersionSSL30},
			"pms-version-higher":     {0, 2, k - 49, cv + 1},
			"pms-version-swapped":    {0, 2, k - 49, cv<<8 | cv>>8},
			"ciphertext-long":        good,
			"zero-in-padding-first":  {0, 2, 2, 0},
			"zero-in-padding-eighth": {0, 2, 9, 0},
			"pms-0-bytes":            {0, 2, k - 1, 0},
		}
		for _, m := range cke(t) {
			name, ok := strings.CutPrefix(m.Name, "client_key_exchange/rsa/")
			if !ok {
				continue
			}
			if !m.AppliesTo(cv) {
				continue
			}
			body, raw, applies := m.CKE(in, mutators.Rand(3, m.Name))
			if !applies {
				t.Errorf("%s at %s: does not apply", m.Name, cv)
				continue
			}
			switch name {
			case "ciphertext-zero":
				if !bytes.Equal(body, make([]byte, k)) {
					t.Errorf("%s: not %d zero bytes", m.Name, k)
				}
				continue
			case "ciphertext-modulus":
				if len(body) != k || new(big.Int).SetBytes(body).Cmp(priv.N) != 0 {
					t.Errorf("%s: not the modulus", m.Name)
				}
				continue
			case "ciphertext-above-modulus":
				if len(body) != k || new(big.Int).SetBytes(body).Cmp(priv.N) <= 0 {
					t.Errorf("%s: not %d bytes above the modulus", m.Name, k)
				}
				continue
			case "ciphertext-short":
				if len(body) != k-1 || raw {
					t.Errorf("%s: %d bytes, want %d", m.Name, len(body), k-1)
				}
				continue
			case "ciphertext-long":
				if len(body) != k+1 || body[0] != 0 || raw {
					t.Errorf("%s: %d bytes (first %#x), want a zero and %d more", m.Name, len(body), body[0], k)
				}
				body = body[1:]
			case "ciphertext-empty":
				if len(body) != 0 || raw {
					t.Errorf("%s: %d bytes", m.Name, len(body))
				}
				continue
			case "length-short", "length-long", "empty":
				checkLengthLie(t, m.Name, name, body, raw, k)
				continue
			}
			d, ok := want[name]
			if !ok {
				t.Errorf("%s: no description in the test", m.Name)
				continue
			}
			if raw || len(body) != k {
				t.Errorf("%s: %d bytes (raw %v), want a %d-byte ciphertext", m.Name, len(body), raw, k)
				continue
			}
			b := rawDecrypt(priv, body)
			got := describe(b)
			if d.sep < 0 || d.sep+2 >= k {
				got.version = d.version // no version to compare
			}
			if name == "zero-in-padding-first" || name == "zero-in-padding-eighth" {
				got.version = 0
			}
			if got != d {
				t.Errorf("%s at %s: block is lead %#x type %#x separator at %d version %s; want lead %#x type %#x separator at %d version %s",
					m.Name, cv, got.lead, got.typ, got.sep, got.version, d.lead, d.typ, d.sep, d.version)
			}
			// The 8 bytes of padding before a wrongly placed zero are
			// the only change: the rest of the block is intact.
			if name == "zero-in-padding-eighth" {
				if sep := describe(append([]byte{0, 2}, b[10:]...)).sep; sep != k-49-8 {
					t.Errorf("%s: the separator after the stray zero is at %d, want %d", m.Name, sep+8, k-49)
				}
			}
			// Only the named change sets a variant apart: every other
			// variant the crypto/rsa session-key check refuses, so the
			// good one must pass it.
			if name == "ciphertext-long" {
				//lint:ignore SA1019 checking the block with the library's own unpadding.
				msg, err := rsa.DecryptPKCS1v15(nil, priv, body)
				if err != nil || len(msg) != 48 || wire.Version(msg[0])<<8|wire.Version(msg[1]) != cv {
					t.Errorf("%s: the ciphertext after the zero does not carry a good pre-master secret (%v)", m.Name, err)
				}
			}
		}
	}
}

func checkLengthLie(t *testing.T, full, name string, body []byte, raw bool, k int) {
	t.Helper()
	if !raw {
		t.Errorf("%s: a length lie must be raw", full)
		return
	}
	if name == "empty" {
		if len(body) != 0 {
			t.Errorf("%s: %d bytes", full, len(body))
		}
		return
	}
	if len(body) != 2+k {
		t.Errorf("%s: %d bytes, want %d", full, len(body), 2+k)
		return
	}
	n := int(body[0])<<8 | int(body[1])
	want := k - 1
	if name == "length-long" {
		want = k + 1
	}
	if n != want {
		t.Errorf("%s: length %d, want %d", full, n, want)
	}
}

// TestECDHEVariantsAreRefused: every changed point is one that
// crypto/ecdh and the reference server's kx refuse, on each group it
// applies to.
func TestECDHEVariantsAreRefused(t *testing.T) {
	groups := []wire.Group{wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1}
	applied := map[string]int{}
	for _, g := range groups {
		for seed := range uint64(4) {
			client, err := kx.Generate(g, nil)
			if err != nil {
				t.Fatal(err)
			}
			server, err := kx.Generate(g, nil)
			if err != nil {
				t.Fatal(err)
			}
			in := mutators.KeyExchange{Version: wire.VersionTLS12, ClientVersion: wire.VersionTLS12, Group: g, Point: client.Public()}
			for _, m := range cke(t) {
				if m.Family() != "client_key_exchange/ecdhe" {
					continue
				}
				body, raw, ok := m.CKE(in, mutators.Rand(seed, m.Name))
				if !ok {
					continue
				}
				applied[m.Name]++
				if raw {
					checkECPointLie(t, m.Name, body, len(in.Point))
					continue
				}
				if _, err := server.Shared(body); err == nil {
					t.Errorf("%s on %s: kx accepts %x", m.Name, g, body)
				}
				if strings.Contains(m.Name, "/x25519-") {
					// Low order: zero for every key.
					for range 4 {
						k, _ := ecdh.X25519().GenerateKey(rand.Reader)
						pub, err := ecdh.X25519().NewPublicKey(body)
						if err != nil {
							t.Fatalf("%s: %v", m.Name, err)
						}
						if s, err := k.ECDH(pub); err == nil {
							t.Errorf("%s: secret %x, want the all-zero refusal", m.Name, s)
						}
					}
				}
			}
		}
	}
	for _, m := range cke(t) {
		if m.Family() == "client_key_exchange/ecdhe" && applied[m.Name] == 0 {
			t.Errorf("%s applies to no group", m.Name)
		}
	}
	for _, name := range []string{"point-off-curve", "point-zero", "point-identity", "point-compressed", "point-hybrid"} {
		if n := applied["client_key_exchange/ecdhe/"+name]; n != 3*4 {
			t.Errorf("%s applied %d times, want each NIST curve 4 times", name, n)
		}
	}
}

func checkECPointLie(t *testing.T, name string, body []byte, n int) {
	t.Helper()
	switch {
	case strings.HasSuffix(name, "/empty"):
		if len(body) != 0 {
			t.Errorf("%s: %d bytes", name, len(body))
		}
	case strings.HasSuffix(name, "/length-short"):
		if len(body) != 1+n || int(body[0]) != n-1 {
			t.Errorf("%s: %x", name, body)
		}
	case strings.HasSuffix(name, "/length-long"):
		if len(body) != 1+n || int(body[0]) != n+1 {
			t.Errorf("%s: %x", name, body)
		}
	default:
		t.Errorf("%s: raw body from a mutator that lies in no length", name)
	}
}
