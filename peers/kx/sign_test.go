package kx

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"errors"
	"io"
	"math/big"
	"slices"
	"sync"
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

type testKeys struct {
	rsa              *rsa.PrivateKey
	rsa1024          *rsa.PrivateKey
	p256, p384, p521 *ecdsa.PrivateKey
	ed               ed25519.PrivateKey
	byName           map[string]crypto.Signer
	names            []string
}

func ecKey(c elliptic.Curve, seed byte) *ecdsa.PrivateKey {
	buf := make([]byte, (c.Params().BitSize+7)/8)
	io.ReadFull(seeded(seed), buf)
	buf[0] &= 0x01 // below n for every curve
	k, err := ecdsa.ParseRawPrivateKey(c, buf)
	if err != nil {
		panic(err)
	}
	return k
}

var keys = sync.OnceValue(func() *testKeys {
	small, err := rsa.GenerateKey(nil, 1024)
	if err != nil {
		panic(err)
	}
	k := &testKeys{
		rsa:     rsaKey(),
		rsa1024: small,
		p256:    ecKey(elliptic.P256(), 1),
		p384:    ecKey(elliptic.P384(), 2),
		p521:    ecKey(elliptic.P521(), 3),
		ed:      ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, 32)),
	}
	k.byName = map[string]crypto.Signer{"rsa2048": k.rsa, "p256": k.p256, "p384": k.p384, "p521": k.p521, "ed25519": k.ed}
	k.names = []string{"rsa2048", "p256", "p384", "p521", "ed25519"}
	return k
})

// signCases pairs every scheme with a key it fits.
func signCases(k *testKeys) []struct {
	scheme wire.SignatureScheme
	key    string
} {
	return []struct {
		scheme wire.SignatureScheme
		key    string
	}{
		{wire.PKCS1WithSHA1, "rsa2048"}, {wire.PKCS1WithSHA256, "rsa2048"},
		{wire.PKCS1WithSHA384, "rsa2048"}, {wire.PKCS1WithSHA512, "rsa2048"},
		{wire.PSSWithSHA256, "rsa2048"}, {wire.PSSWithSHA384, "rsa2048"}, {wire.PSSWithSHA512, "rsa2048"},
		{wire.PSSPSSWithSHA256, "rsa2048"}, {wire.PSSPSSWithSHA384, "rsa2048"}, {wire.PSSPSSWithSHA512, "rsa2048"},
		{wire.ECDSAWithSHA1, "p256"}, {wire.ECDSAWithP256AndSHA256, "p256"},
		{wire.ECDSAWithP384AndSHA384, "p384"}, {wire.ECDSAWithP521AndSHA512, "p521"},
		{wire.Ed25519, "ed25519"},
		{Legacy, "rsa2048"}, {Legacy, "p256"}, {Legacy, "p384"},
	}
}

func hashOf(s wire.SignatureScheme) crypto.Hash {
	switch s {
	case wire.PKCS1WithSHA1, wire.ECDSAWithSHA1:
		return crypto.SHA1
	case wire.PKCS1WithSHA256, wire.PSSWithSHA256, wire.PSSPSSWithSHA256, wire.ECDSAWithP256AndSHA256:
		return crypto.SHA256
	case wire.PKCS1WithSHA384, wire.PSSWithSHA384, wire.PSSPSSWithSHA384, wire.ECDSAWithP384AndSHA384:
		return crypto.SHA384
	}
	return crypto.SHA512
}

func hashed(h crypto.Hash, m []byte) []byte {
	w := h.New()
	w.Write(m)
	return w.Sum(nil)
}

// stdlibVerify checks a signature with crypto/rsa, crypto/ecdsa and
// crypto/ed25519 directly, and the legacy RSA form by raw exponentiation.
func stdlibVerify(t *testing.T, pub crypto.PublicKey, s wire.SignatureScheme, m, sig []byte) {
	t.Helper()
	var ok bool
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch {
		case s == Legacy:
			// RFC 4346 §4.7: 00 01 FF..FF 00 || MD5(m) || SHA1(m), no DigestInfo.
			em := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(k.E)), k.N).FillBytes(make([]byte, k.Size()))
			md, sh := md5.Sum(m), sha1.Sum(m)
			want := append([]byte{0, 1}, bytes.Repeat([]byte{0xff}, k.Size()-3-36)...)
			want = append(append(append(want, 0), md[:]...), sh[:]...)
			ok = bytes.Equal(em, want)
		case s>>8 == 8:
			ok = rsa.VerifyPSS(k, hashOf(s), hashed(hashOf(s), m), sig, &rsa.PSSOptions{SaltLength: hashOf(s).Size()}) == nil
		default:
			ok = rsa.VerifyPKCS1v15(k, hashOf(s), hashed(hashOf(s), m), sig) == nil
		}
	case *ecdsa.PublicKey:
		h := hashOf(s)
		if s == Legacy {
			h = crypto.SHA1
		}
		ok = ecdsa.VerifyASN1(k, hashed(h, m), sig)
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, m, sig)
	}
	if !ok {
		t.Fatalf("%v: the standard library rejects the signature", s)
	}
}

func wantSigErr(t *testing.T, err error, sentinel error) *SignatureError {
	t.Helper()
	var e *SignatureError
	if !errors.As(err, &e) || !errors.Is(err, sentinel) {
		t.Fatalf("error %v, want *SignatureError with %v", err, sentinel)
	}
	if e.Reason == "" || e.Error() == "" {
		t.Fatal("empty reason")
	}
	return e
}

func TestSignVerify(t *testing.T) {
	k := keys()
	msg := SignedParams12(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), []byte("params"))
	for _, c := range signCases(k) {
		t.Run(schemeName(c.scheme)+"/"+c.key, func(t *testing.T) {
			key := k.byName[c.key]
			sig, err := Sign(key, c.scheme, msg, seeded(1))
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(key.Public(), c.scheme, msg, sig); err != nil {
				t.Fatal(err)
			}
			stdlibVerify(t, key.Public(), c.scheme, msg, sig)

			flipped := bytes.Clone(sig)
			flipped[len(flipped)/2] ^= 0x10
			e := wantSigErr(t, Verify(key.Public(), c.scheme, msg, flipped), ErrBadSignature)
			if e.Scheme != c.scheme {
				t.Fatalf("error names %v", e.Scheme)
			}
			wantSigErr(t, Verify(key.Public(), c.scheme, append(bytes.Clone(msg), 0), sig), ErrBadSignature)
			wantSigErr(t, Verify(key.Public(), c.scheme, msg, nil), ErrBadSignature)

			// Every key of another type is refused before any math.
			for _, other := range k.names {
				if sameKind(other, c.key) {
					continue
				}
				if c.scheme == Legacy && other != "ed25519" {
					// The legacy form fits RSA and ECDSA alike.
					wantSigErr(t, Verify(k.byName[other].Public(), c.scheme, msg, sig), ErrBadSignature)
					continue
				}
				wantSigErr(t, Verify(k.byName[other].Public(), c.scheme, msg, sig), ErrWrongKeyType)
				_, err := Sign(k.byName[other], c.scheme, msg, seeded(1))
				wantSigErr(t, err, ErrWrongKeyType)
			}
		})
	}
}

func sameKind(a, b string) bool {
	kind := func(n string) byte { return n[0] } // r, p, e
	return kind(a) == kind(b)
}

func TestVerifyCrossScheme(t *testing.T) {
	k := keys()
	msg := []byte("content")
	pkcs, _ := Sign(k.rsa, wire.PKCS1WithSHA256, msg, nil)
	wantSigErr(t, Verify(k.rsa.Public(), wire.PSSWithSHA256, msg, pkcs), ErrBadSignature)
	wantSigErr(t, Verify(k.rsa.Public(), wire.PKCS1WithSHA384, msg, pkcs), ErrBadSignature)

	// PSS must use salt length = hash length (RFC 8446 §4.2.3).
	d := hashed(crypto.SHA256, msg)
	zeroSalt, err := rsa.SignPSS(seeded(1), k.rsa, crypto.SHA256, d, &rsa.PSSOptions{SaltLength: 0})
	if err != nil {
		t.Fatal(err)
	}
	wantSigErr(t, Verify(k.rsa.Public(), wire.PSSWithSHA256, msg, zeroSalt), ErrBadSignature)

	// Unknown schemes and unusable keys.
	wantSigErr(t, Verify(k.rsa.Public(), 0x0999, msg, pkcs), ErrUnsupportedScheme)
	_, err = Sign(k.rsa, 0x0999, msg, nil)
	wantSigErr(t, err, ErrUnsupportedScheme)
	for _, pub := range []crypto.PublicKey{nil, (*rsa.PublicKey)(nil), &rsa.PublicKey{}, (*ecdsa.PublicKey)(nil), &ecdsa.PublicKey{}, ed25519.PublicKey{1, 2}, "a string"} {
		wantSigErr(t, Verify(pub, wire.PSSWithSHA256, msg, pkcs), ErrWrongKeyType)
		wantSigErr(t, Verify(pub, wire.Ed25519, msg, pkcs), ErrWrongKeyType)
		wantSigErr(t, Verify(pub, wire.ECDSAWithP256AndSHA256, msg, pkcs), ErrWrongKeyType)
	}
	_, err = Sign(nil, wire.PSSWithSHA256, msg, nil)
	wantSigErr(t, err, ErrWrongKeyType)
}

func TestSchemeKeySize(t *testing.T) {
	k := keys()
	// RSA-1024 has emLen 128 < 2·64+2: no PSS with SHA-512 (RFC 8017 §9.1.1).
	_, err := Sign(k.rsa1024, wire.PSSWithSHA512, []byte("m"), nil)
	wantSigErr(t, err, ErrKeyTooSmall)
	wantSigErr(t, Verify(k.rsa1024.Public(), wire.PSSWithSHA512, []byte("m"), make([]byte, 128)), ErrKeyTooSmall)
	got := SchemesForKey(k.rsa1024.Public(), wire.VersionTLS13)
	if !slices.Equal(got, []wire.SignatureScheme{wire.PSSWithSHA256, wire.PSSWithSHA384}) {
		t.Fatalf("RSA-1024 in 1.3: %v", got)
	}
	sig, err := Sign(k.rsa1024, wire.PKCS1WithSHA512, []byte("m"), nil)
	if err != nil || Verify(k.rsa1024.Public(), wire.PKCS1WithSHA512, []byte("m"), sig) != nil {
		t.Fatal("PKCS#1 SHA-512 fits RSA-1024")
	}
}

func TestCheckScheme(t *testing.T) {
	k := keys()
	msg := CertificateVerifyInput13(true, bytes.Repeat([]byte{9}, 32))
	// TLS 1.2 pairs any curve with any hash; TLS 1.3 does not.
	sig, err := Sign(k.p384, wire.ECDSAWithP256AndSHA256, msg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(k.p384.Public(), wire.ECDSAWithP256AndSHA256, msg, sig); err != nil {
		t.Fatal(err)
	}
	if err := VerifyForVersion(k.p384.Public(), wire.VersionTLS12, wire.ECDSAWithP256AndSHA256, msg, sig); err != nil {
		t.Fatal(err)
	}
	wantSigErr(t, VerifyForVersion(k.p384.Public(), wire.VersionTLS13, wire.ECDSAWithP256AndSHA256, msg, sig), ErrCurveMismatch)

	for _, c := range []struct {
		key     string
		scheme  wire.SignatureScheme
		version wire.Version
		err     error
	}{
		{"rsa2048", wire.PSSWithSHA256, wire.VersionTLS13, nil},
		{"rsa2048", wire.PKCS1WithSHA256, wire.VersionTLS13, ErrSchemeNotAllowed},
		{"rsa2048", wire.PKCS1WithSHA256, wire.VersionTLS12, nil},
		{"p256", wire.ECDSAWithSHA1, wire.VersionTLS13, ErrSchemeNotAllowed},
		{"p256", wire.ECDSAWithSHA1, wire.VersionTLS12, nil},
		{"p521", wire.ECDSAWithP521AndSHA512, wire.VersionTLS13, nil},
		{"p256", wire.ECDSAWithP521AndSHA512, wire.VersionTLS13, ErrCurveMismatch},
		{"ed25519", wire.Ed25519, wire.VersionTLS13, nil},
		{"ed25519", Legacy, wire.VersionTLS11, ErrWrongKeyType},
		{"rsa2048", Legacy, wire.VersionTLS10, nil},
		{"rsa2048", Legacy, wire.VersionTLS12, ErrSchemeNotAllowed},
		{"rsa2048", Legacy, wire.VersionTLS13, ErrSchemeNotAllowed},
		{"rsa2048", wire.PSSWithSHA256, wire.VersionTLS11, ErrSchemeNotAllowed},
		{"p256", wire.ECDSAWithP256AndSHA256, wire.VersionTLS10, ErrSchemeNotAllowed},
	} {
		err := CheckScheme(k.byName[c.key].Public(), c.scheme, c.version)
		if c.err == nil {
			if err != nil {
				t.Errorf("%s %v %v: %v", c.key, c.scheme, c.version, err)
			}
			continue
		}
		if !errors.Is(err, c.err) {
			t.Errorf("%s %v %v: %v, want %v", c.key, c.scheme, c.version, err, c.err)
		}
	}
}

func TestSchemesForKey(t *testing.T) {
	k := keys()
	for _, c := range []struct {
		key     string
		version wire.Version
		want    []wire.SignatureScheme
	}{
		{"rsa2048", wire.VersionTLS13, []wire.SignatureScheme{wire.PSSWithSHA256, wire.PSSWithSHA384, wire.PSSWithSHA512}},
		{"rsa2048", wire.VersionTLS12, []wire.SignatureScheme{wire.PSSWithSHA256, wire.PSSWithSHA384, wire.PSSWithSHA512,
			wire.PKCS1WithSHA256, wire.PKCS1WithSHA384, wire.PKCS1WithSHA512, wire.PKCS1WithSHA1}},
		{"rsa2048", wire.VersionTLS11, []wire.SignatureScheme{Legacy}},
		{"p256", wire.VersionTLS13, []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256}},
		{"p384", wire.VersionTLS13, []wire.SignatureScheme{wire.ECDSAWithP384AndSHA384}},
		{"p521", wire.VersionTLS13, []wire.SignatureScheme{wire.ECDSAWithP521AndSHA512}},
		{"p384", wire.VersionTLS12, []wire.SignatureScheme{wire.ECDSAWithP384AndSHA384, wire.ECDSAWithP256AndSHA256, wire.ECDSAWithP521AndSHA512, wire.ECDSAWithSHA1}},
		{"p256", wire.VersionTLS10, []wire.SignatureScheme{Legacy}},
		{"ed25519", wire.VersionTLS13, []wire.SignatureScheme{wire.Ed25519}},
		{"ed25519", wire.VersionTLS12, []wire.SignatureScheme{wire.Ed25519}},
		{"ed25519", wire.VersionTLS10, nil},
	} {
		if got := SchemesForKey(k.byName[c.key].Public(), c.version); !slices.Equal(got, c.want) {
			t.Errorf("%s %v: %v, want %v", c.key, c.version, got, c.want)
		}
	}
	if got := SchemesForKey(nil, wire.VersionTLS13); got != nil {
		t.Errorf("nil key: %v", got)
	}
}

func TestPickScheme(t *testing.T) {
	k := keys()
	rsaPub := k.rsa.Public()
	for _, c := range []struct {
		pub     crypto.PublicKey
		version wire.Version
		offered []wire.SignatureScheme
		want    wire.SignatureScheme
	}{
		{rsaPub, wire.VersionTLS12, []wire.SignatureScheme{wire.PKCS1WithSHA256, wire.PSSWithSHA384}, wire.PSSWithSHA384},
		{rsaPub, wire.VersionTLS12, []wire.SignatureScheme{wire.PKCS1WithSHA512, wire.PKCS1WithSHA256}, wire.PKCS1WithSHA256},
		{rsaPub, wire.VersionTLS12, nil, wire.PKCS1WithSHA1},
		{k.p256.Public(), wire.VersionTLS12, nil, wire.ECDSAWithSHA1},
		{rsaPub, wire.VersionTLS11, nil, Legacy},
		{k.p256.Public(), wire.VersionTLS10, []wire.SignatureScheme{wire.PSSWithSHA256}, Legacy},
		{k.p384.Public(), wire.VersionTLS13, []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256, wire.ECDSAWithP384AndSHA384}, wire.ECDSAWithP384AndSHA384},
		{k.ed.Public(), wire.VersionTLS13, []wire.SignatureScheme{wire.Ed25519}, wire.Ed25519},
	} {
		got, err := PickScheme(c.pub, c.version, c.offered)
		if err != nil || got != c.want {
			t.Errorf("%s %v %v: %v, %v; want %v", describeKey(c.pub), c.version, c.offered, got, err, c.want)
		}
	}
	for _, c := range []struct {
		pub     crypto.PublicKey
		version wire.Version
		offered []wire.SignatureScheme
	}{
		{rsaPub, wire.VersionTLS13, []wire.SignatureScheme{wire.PKCS1WithSHA256, wire.PKCS1WithSHA1}},
		{rsaPub, wire.VersionTLS13, nil},
		{k.p256.Public(), wire.VersionTLS13, []wire.SignatureScheme{wire.ECDSAWithP384AndSHA384}},
		{k.ed.Public(), wire.VersionTLS12, nil},
		{k.ed.Public(), wire.VersionTLS11, nil},
	} {
		_, err := PickScheme(c.pub, c.version, c.offered)
		wantSigErr(t, err, ErrNoCommonScheme)
	}
}

// RFC 8446 §4.4.3 spells out the server's content for a 32-byte hash.
func TestCertificateVerifyInput13(t *testing.T) {
	h := bytes.Repeat([]byte{0xab}, 48)
	for server, ctx := range map[bool]string{true: "TLS 1.3, server CertificateVerify", false: "TLS 1.3, client CertificateVerify"} {
		got := CertificateVerifyInput13(server, h)
		want := append(append(append(bytes.Repeat([]byte{0x20}, 64), ctx...), 0), h...)
		if !bytes.Equal(got, want) || len(got) != 64+33+1+48 {
			t.Fatalf("server=%v: %q", server, got)
		}
	}
	if got := SignedParams12([]byte{1}, []byte{2}, []byte{3, 4}); !bytes.Equal(got, []byte{1, 2, 3, 4}) {
		t.Fatalf("SignedParams12 = %x", got)
	}
}

func BenchmarkSign(b *testing.B) {
	k := keys()
	msg := CertificateVerifyInput13(true, make([]byte, 32))
	for _, c := range signCases(k) {
		b.Run(schemeName(c.scheme)+"/"+c.key, func(b *testing.B) {
			key := k.byName[c.key]
			for b.Loop() {
				if _, err := Sign(key, c.scheme, msg, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	k := keys()
	msg := CertificateVerifyInput13(true, make([]byte, 32))
	for _, c := range signCases(k) {
		b.Run(schemeName(c.scheme)+"/"+c.key, func(b *testing.B) {
			key := k.byName[c.key]
			sig, _ := Sign(key, c.scheme, msg, nil)
			for b.Loop() {
				if err := Verify(key.Public(), c.scheme, msg, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// PKCS#1 v1.5 and Ed25519 are deterministic; PSS takes its salt from the
// reader, so a seeded reader reproduces it too. (ECDSA since Go 1.26 draws
// from the system and is not reproducible.)
func TestSignReproducible(t *testing.T) {
	k := keys()
	for _, c := range []struct {
		scheme wire.SignatureScheme
		key    crypto.Signer
	}{{wire.PKCS1WithSHA256, k.rsa}, {wire.PSSWithSHA256, k.rsa}, {wire.Ed25519, k.ed}, {Legacy, k.rsa}} {
		a, _ := Sign(c.key, c.scheme, []byte("m"), seeded(1))
		b, _ := Sign(c.key, c.scheme, []byte("m"), seeded(1))
		if !bytes.Equal(a, b) {
			t.Errorf("%v: not reproducible", schemeName(c.scheme))
		}
	}
	a, _ := Sign(k.rsa, wire.PSSWithSHA256, []byte("m"), seeded(1))
	b, _ := Sign(k.rsa, wire.PSSWithSHA256, []byte("m"), seeded(2))
	if bytes.Equal(a, b) {
		t.Error("PSS salt ignores the reader")
	}
}
