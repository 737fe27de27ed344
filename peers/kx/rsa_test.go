package kx

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"io"
	"math/big"
	"sync"
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// rsaKey is one RSA-2048 key shared by the tests (generation is slow).
var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(nil, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func TestPreMasterSecret(t *testing.T) {
	pms, err := NewPreMasterSecret(wire.VersionTLS12, seeded(1))
	if err != nil || len(pms) != 48 || pms[0] != 3 || pms[1] != 3 {
		t.Fatalf("%x %v", pms, err)
	}
	if _, err := NewPreMasterSecret(wire.VersionTLS12, failingReader{}); !errors.Is(err, ErrRandom) {
		t.Fatalf("broken reader: %v", err)
	}
}

func TestEncryptDecryptPMS(t *testing.T) {
	priv := rsaKey()
	pms, _ := NewPreMasterSecret(wire.VersionTLS12, seeded(1))
	ct, err := EncryptPMS(&priv.PublicKey, pms, seeded(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(ct) != 256 {
		t.Fatalf("ciphertext is %d bytes", len(ct))
	}
	ct2, _ := EncryptPMS(&priv.PublicKey, pms, seeded(2))
	if !bytes.Equal(ct, ct2) {
		t.Fatal("EncryptPMS not reproducible for a fixed reader")
	}
	// Cross-check with crypto/rsa.
	//lint:ignore SA1019 cross-check of PKCS#1 v1.5 key transport.
	plain, err := rsa.DecryptPKCS1v15(nil, priv, ct)
	if err != nil || !bytes.Equal(plain, pms) {
		t.Fatalf("crypto/rsa decrypts to %x, %v", plain, err)
	}
	got := DecryptPMS(priv, ct, wire.VersionTLS12, seeded(3))
	if !bytes.Equal(got, pms) {
		t.Fatalf("DecryptPMS = %x, want %x", got, pms)
	}
}

// Every failure yields the random PMS drawn first from the reader, never
// an error and never the real PMS.
func TestDecryptPMSFailures(t *testing.T) {
	priv := rsaKey()
	k := priv.Size()
	pms, _ := NewPreMasterSecret(wire.VersionTLS12, seeded(1))
	encrypt := func(block []byte) []byte { return RawRSAEncrypt(&priv.PublicKey, block) }
	block := func(msg []byte) []byte {
		b, err := PKCS1Block(k, msg, seeded(4))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	mutate := func(f func([]byte)) []byte {
		b := block(pms)
		f(b)
		return encrypt(b)
	}
	good := encrypt(block(pms))
	cases := map[string]struct {
		ct      []byte
		version wire.Version
	}{
		"wrong version (negotiated 1.1, offered 1.2)": {good, wire.VersionTLS11},
		"first byte not 00":                           {mutate(func(b []byte) { b[0] = 1 }), wire.VersionTLS12},
		"block type 01":                               {mutate(func(b []byte) { b[1] = 1 }), wire.VersionTLS12},
		"no 00 separator":                             {mutate(func(b []byte) { b[k-49] = 0xff }), wire.VersionTLS12},
		"zero in first 8 PS bytes":                    {mutate(func(b []byte) { b[5] = 0 }), wire.VersionTLS12},
		"47-byte message":                             {encrypt(block(pms[:47])), wire.VersionTLS12},
		"49-byte message":                             {encrypt(block(append(bytes.Clone(pms), 0))), wire.VersionTLS12},
		"truncated ciphertext":                        {good[1:], wire.VersionTLS12},
		"ciphertext with extra byte":                  {append([]byte{0}, good...), wire.VersionTLS12},
		"ciphertext = n":                              {priv.N.Bytes(), wire.VersionTLS12},
		"empty":                                       {nil, wire.VersionTLS12},
	}
	fake := make([]byte, 48)
	io.ReadFull(seeded(9), fake)
	for name, c := range cases {
		got := DecryptPMS(priv, c.ct, c.version, seeded(9))
		if len(got) != 48 {
			t.Errorf("%s: %d bytes", name, len(got))
		}
		if bytes.Equal(got, pms) {
			t.Errorf("%s: returned the real PMS", name)
		}
		if !bytes.Equal(got, fake) {
			t.Errorf("%s: not the pre-drawn random PMS", name)
		}
	}
	if got := DecryptPMS(nil, good, wire.VersionTLS12, seeded(9)); !bytes.Equal(got, fake) {
		t.Error("nil key")
	}
	// A broken reader still yields a random PMS on failure (from
	// crypto/rand) and the real one on success.
	if got := DecryptPMS(priv, good, wire.VersionTLS11, failingReader{}); len(got) != 48 || bytes.Equal(got, pms) || bytes.Equal(got, make([]byte, 48)) {
		t.Error("broken reader, failure")
	}
	if got := DecryptPMS(priv, good, wire.VersionTLS12, failingReader{}); !bytes.Equal(got, pms) {
		t.Error("broken reader, success")
	}
}

func TestPKCS1Block(t *testing.T) {
	priv := rsaKey()
	msg := []byte("a message that is not a pre-master secret")
	b, err := PKCS1Block(256, msg, seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	ps := b[2 : 256-len(msg)-1]
	if b[0] != 0 || b[1] != 2 || bytes.IndexByte(ps, 0) >= 0 || b[256-len(msg)-1] != 0 || !bytes.Equal(b[256-len(msg):], msg) {
		t.Fatalf("bad block %x", b)
	}
	//lint:ignore SA1019 cross-check of PKCS#1 v1.5 key transport.
	plain, err := rsa.DecryptPKCS1v15(nil, priv, RawRSAEncrypt(&priv.PublicKey, b))
	if err != nil || !bytes.Equal(plain, msg) {
		t.Fatalf("crypto/rsa: %q, %v", plain, err)
	}
	if _, err := PKCS1Block(58, make([]byte, 48), seeded(1)); err == nil {
		t.Fatal("48 bytes fit in 58")
	}
	if b, err := PKCS1Block(59, make([]byte, 48), seeded(1)); err != nil || len(b) != 59 {
		t.Fatalf("48 bytes in 59: %v", err)
	}
	if _, err := PKCS1Block(0, nil, seeded(1)); err == nil {
		t.Fatal("k = 0 accepted")
	}
	// A reader of zeros cannot make nonzero padding: an error, not a hang.
	if _, err := PKCS1Block(256, msg, constReader(0)); !errors.Is(err, ErrRandom) {
		t.Fatalf("zero reader: %v", err)
	}
}

func TestRawRSAEncrypt(t *testing.T) {
	pub := &rsaKey().PublicKey
	// m = 1 encrypts to 1, left-padded.
	one := RawRSAEncrypt(pub, []byte{1})
	if len(one) != 256 || new(big.Int).SetBytes(one).Cmp(big.NewInt(1)) != 0 {
		t.Fatalf("1^e = %x", one)
	}
	// n+1 ≡ 1: a block ≥ n is reduced, not refused.
	np1 := new(big.Int).Add(pub.N, big.NewInt(1)).Bytes()
	if !bytes.Equal(RawRSAEncrypt(pub, np1), one) {
		t.Fatal("n+1 not reduced")
	}
	for _, b := range [][]byte{pub.N.Bytes(), bytes.Repeat([]byte{0xff}, 256), bytes.Repeat([]byte{0xff}, 300), nil} {
		if got := RawRSAEncrypt(pub, b); len(got) != 256 {
			t.Fatalf("%d-byte output", len(got))
		}
	}
	for _, bad := range []*rsa.PublicKey{nil, {}, {N: big.NewInt(0), E: 3}, {N: big.NewInt(77), E: 0}} {
		if RawRSAEncrypt(bad, []byte{1}) != nil {
			t.Fatalf("unusable key %+v gave output", bad)
		}
		if _, err := EncryptPMS(bad, make([]byte, 48), seeded(1)); err == nil {
			t.Fatal("EncryptPMS with an unusable key")
		}
	}
}

func BenchmarkDecryptPMS(b *testing.B) {
	priv := rsaKey()
	pms, _ := NewPreMasterSecret(wire.VersionTLS12, seeded(1))
	ct, _ := EncryptPMS(&priv.PublicKey, pms, seeded(2))
	r := seeded(3)
	for b.Loop() {
		DecryptPMS(priv, ct, wire.VersionTLS12, r)
	}
}
