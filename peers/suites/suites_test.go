package suites

import (
	"crypto"
	"strings"
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// registryNames lists every suite name wire's registry knows, by asking
// String for every code point: anything that is not printed as an unknown
// value or GREASE is named.
func registryNames(t *testing.T) map[wire.CipherSuite]string {
	t.Helper()
	names := map[wire.CipherSuite]string{}
	for i := 0; i <= 0xffff; i++ {
		c := wire.CipherSuite(i)
		n := c.String()
		if strings.HasPrefix(n, "cipher_suite(") || strings.HasPrefix(n, "GREASE(") {
			continue
		}
		names[c] = n
	}
	if len(names) == 0 {
		t.Fatal("wire registry names no cipher suites")
	}
	return names
}

func TestAllCoversRegistry(t *testing.T) {
	all := All()
	seen := map[wire.CipherSuite]bool{}
	for _, s := range all {
		if seen[s.ID] {
			t.Errorf("%s listed twice", s.Name())
		}
		seen[s.ID] = true
	}
	for id, name := range registryNames(t) {
		scsv := strings.HasSuffix(name, "_SCSV")
		if scsv && seen[id] {
			t.Errorf("%s is a signalling value but All lists it", name)
		}
		if !scsv && !seen[id] {
			t.Errorf("%s is in wire's registry but not in All", name)
		}
		if _, ok := Lookup(id); ok == scsv {
			t.Errorf("Lookup(%s) ok = %v", name, ok)
		}
	}
	if _, ok := Lookup(0x0a0a); ok {
		t.Error("Lookup(GREASE) succeeded")
	}
}

func TestNamesParseBack(t *testing.T) {
	for _, s := range All() {
		id, err := wire.ParseCipherSuite(s.Name())
		if err != nil {
			t.Errorf("ParseCipherSuite(%q): %v", s.Name(), err)
			continue
		}
		if id != s.ID {
			t.Errorf("ParseCipherSuite(%q) = %#04x, want %#04x", s.Name(), uint16(id), uint16(s.ID))
		}
		if strings.HasPrefix(s.Name(), "cipher_suite(") {
			t.Errorf("suite %#04x has no IANA name", uint16(s.ID))
		}
	}
}

// want is what an IANA suite name says about a suite, derived from the name
// string alone.
type want struct {
	kx     KeyExchange
	auth   Auth
	bulk   Bulk
	keyLen int
	ivLen  int
	mac    crypto.Hash
	macLen int
	prf    crypto.Hash
	min    wire.Version
	max    wire.Version
}

func fromName(t *testing.T, name string) want {
	t.Helper()
	var w want
	rest, ok := strings.CutPrefix(name, "TLS_")
	if !ok {
		t.Fatalf("%s: no TLS_ prefix", name)
	}
	kxAuth, cipherHash, with := strings.Cut(rest, "_WITH_")
	if !with {
		// TLS 1.3: TLS_<AEAD>_<HASH> (RFC 8446 B.4).
		cipherHash = rest
		w.min, w.max = wire.VersionTLS13, wire.VersionTLS13
	}
	if with {
		switch kxAuth {
		case "RSA":
			w.kx, w.auth = KXRSA, AuthRSA
		case "DHE_RSA":
			w.kx, w.auth = KXDHE, AuthRSA
		case "ECDHE_RSA":
			w.kx, w.auth = KXECDHE, AuthRSA
		case "ECDHE_ECDSA":
			w.kx, w.auth = KXECDHE, AuthECDSA
		default:
			t.Fatalf("%s: unknown key exchange %q", name, kxAuth)
		}
	}
	i := strings.LastIndex(cipherHash, "_")
	cipherName, hashName := cipherHash[:i], cipherHash[i+1:]
	var hash crypto.Hash
	switch hashName {
	case "SHA":
		hash = crypto.SHA1
	case "SHA256":
		hash = crypto.SHA256
	case "SHA384":
		hash = crypto.SHA384
	default:
		t.Fatalf("%s: unknown hash %q", name, hashName)
	}
	cbc := false
	switch cipherName {
	case "AES_128_GCM":
		w.bulk, w.keyLen, w.ivLen = BulkAES128GCM, 16, 4
	case "AES_256_GCM":
		w.bulk, w.keyLen, w.ivLen = BulkAES256GCM, 32, 4
	case "CHACHA20_POLY1305":
		w.bulk, w.keyLen, w.ivLen = BulkChaCha20Poly1305, 32, 12
	case "AES_128_CBC":
		w.bulk, w.keyLen, w.ivLen, cbc = BulkAES128CBC, 16, 16, true
	case "AES_256_CBC":
		w.bulk, w.keyLen, w.ivLen, cbc = BulkAES256CBC, 32, 16, true
	default:
		t.Fatalf("%s: unknown cipher %q", name, cipherName)
	}
	if !with {
		w.ivLen = 12 // RFC 8446 §5.3: iv_length is max(8, N_MIN) = 12
	}
	if cbc {
		w.mac = hash
		w.macLen = hash.Size()
	}
	// The PRF is SHA-256 unless the name says SHA384 (a CBC_SHA name means
	// HMAC-SHA1 and the default TLS 1.2 PRF).
	w.prf = crypto.SHA256
	if hash == crypto.SHA384 {
		w.prf = crypto.SHA384
	}
	if with {
		w.min, w.max = wire.VersionTLS12, wire.VersionTLS12
		if cbc && hash == crypto.SHA1 {
			w.min = wire.VersionTLS10
		}
	}
	return w
}

func TestFieldsMatchName(t *testing.T) {
	for _, s := range All() {
		t.Run(s.Name(), func(t *testing.T) {
			w := fromName(t, s.Name())
			got := want{s.KX, s.Auth, s.Bulk, s.KeyLen, s.FixedIVLen, s.MAC, s.MACLen, s.PRF, s.MinVersion, s.MaxVersion}
			if got != w {
				t.Errorf("spec %+v\nname says %+v", got, w)
			}
			if s.AEAD() != (s.MACLen == 0) {
				t.Errorf("AEAD() = %v with MACLen %d", s.AEAD(), s.MACLen)
			}
			if s.TLS13() != (s.KX == KXNone) {
				t.Errorf("TLS13() = %v with KX %s", s.TLS13(), s.KX)
			}
			for v := wire.VersionSSL30; v <= wire.VersionTLS13; v++ {
				if got, want := s.SupportsVersion(v), w.min <= v && v <= w.max; got != want {
					t.Errorf("SupportsVersion(%s) = %v", v, got)
				}
			}
		})
	}
}

func TestRecordLayout(t *testing.T) {
	gcm, _ := Lookup(wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
	chacha, _ := Lookup(wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256)
	cbcSHA, _ := Lookup(wire.TLS_RSA_WITH_AES_128_CBC_SHA)
	cbc384, _ := Lookup(wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384)
	t13, _ := Lookup(wire.TLS_AES_256_GCM_SHA384)
	for _, c := range []struct {
		s        *Spec
		v        wire.Version
		ivLen    int
		blockLen int
	}{
		{gcm, wire.VersionTLS12, 8, 2 * (16 + 4)},
		{chacha, wire.VersionTLS12, 0, 2 * (32 + 12)},
		{cbcSHA, wire.VersionTLS10, 0, 2 * (20 + 16 + 16)},
		{cbcSHA, wire.VersionTLS11, 16, 2 * (20 + 16)},
		{cbcSHA, wire.VersionTLS12, 16, 2 * (20 + 16)},
		{cbc384, wire.VersionTLS12, 16, 2 * (48 + 32)},
		{t13, wire.VersionTLS13, 0, 2 * (32 + 12)},
	} {
		if got := c.s.RecordIVLen(c.v); got != c.ivLen {
			t.Errorf("%s at %s: RecordIVLen = %d, want %d", c.s, c.v, got, c.ivLen)
		}
		if got := c.s.KeyBlockLen(c.v); got != c.blockLen {
			t.Errorf("%s at %s: KeyBlockLen = %d, want %d", c.s, c.v, got, c.blockLen)
		}
	}
}

func TestOrder(t *testing.T) {
	all := All()
	rank := func(s *Spec) int {
		switch {
		case s.TLS13():
			return 0
		case s.KX == KXECDHE && s.AEAD():
			return 1
		case s.KX == KXECDHE:
			return 2
		case s.KX == KXRSA:
			return 3
		}
		return 4
	}
	for i := 1; i < len(all); i++ {
		if rank(all[i-1]) > rank(all[i]) {
			t.Errorf("%s comes before %s", all[i-1], all[i])
		}
	}
}

func TestCopiesAreIndependent(t *testing.T) {
	a, _ := Lookup(wire.TLS_AES_128_GCM_SHA256)
	a.KeyLen = 99
	b, _ := Lookup(wire.TLS_AES_128_GCM_SHA256)
	if b.KeyLen != 16 {
		t.Fatalf("modifying a looked-up Spec changed the table: KeyLen %d", b.KeyLen)
	}
	All()[0].KeyLen = 99
	if All()[0].KeyLen == 99 {
		t.Fatal("modifying All()'s Spec changed the table")
	}
}
