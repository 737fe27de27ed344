// Package suites holds the parameters of every cipher suite the reference
// engine implements: key exchange, authentication, bulk cipher, MAC, PRF hash,
// key-block lengths and the protocol versions each suite is defined for.
//
// It is a pure table (start with Spec and Lookup): it imports only the
// standard library and peers/wire (for the code points), and nothing that
// does cryptography.
package suites

import (
	"crypto"
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// KeyExchange is a suite's key exchange method.
type KeyExchange uint8

const (
	KXNone  KeyExchange = iota // TLS 1.3: the suite does not fix the key exchange
	KXRSA                      // RSA key transport (RFC 5246 §7.4.7.1)
	KXECDHE                    // ephemeral elliptic-curve Diffie-Hellman (RFC 8422)
	KXDHE                      // ephemeral finite-field Diffie-Hellman (RFC 5246 §7.4.3)
)

func (k KeyExchange) String() string {
	switch k {
	case KXNone:
		return "none"
	case KXRSA:
		return "RSA"
	case KXECDHE:
		return "ECDHE"
	case KXDHE:
		return "DHE"
	}
	return fmt.Sprintf("KeyExchange(%d)", uint8(k))
}

// Auth is the server authentication a suite requires.
type Auth uint8

const (
	AuthNone  Auth = iota // TLS 1.3: any certificate type
	AuthRSA               // RSA certificate
	AuthECDSA             // ECDSA certificate
)

func (a Auth) String() string {
	switch a {
	case AuthNone:
		return "any"
	case AuthRSA:
		return "RSA"
	case AuthECDSA:
		return "ECDSA"
	}
	return fmt.Sprintf("Auth(%d)", uint8(a))
}

// Bulk is a suite's record protection cipher.
type Bulk uint8

const (
	BulkAES128GCM        Bulk = iota // RFC 5288, RFC 8446 §5.3
	BulkAES256GCM                    // RFC 5288, RFC 8446 §5.3
	BulkChaCha20Poly1305             // RFC 7905, RFC 8446 §5.3
	BulkAES128CBC                    // RFC 5246 §6.2.3.2
	BulkAES256CBC                    // RFC 5246 §6.2.3.2
)

func (b Bulk) String() string {
	switch b {
	case BulkAES128GCM:
		return "AES-128-GCM"
	case BulkAES256GCM:
		return "AES-256-GCM"
	case BulkChaCha20Poly1305:
		return "ChaCha20-Poly1305"
	case BulkAES128CBC:
		return "AES-128-CBC"
	case BulkAES256CBC:
		return "AES-256-CBC"
	}
	return fmt.Sprintf("Bulk(%d)", uint8(b))
}

// AEAD reports whether b is an AEAD cipher.
func (b Bulk) AEAD() bool {
	return b == BulkAES128GCM || b == BulkAES256GCM || b == BulkChaCha20Poly1305
}

// Spec describes one cipher suite.
type Spec struct {
	ID   wire.CipherSuite
	KX   KeyExchange
	Auth Auth
	Bulk Bulk
	// MinVersion and MaxVersion bound the versions the suite is defined for:
	// CBC with SHA-1 1.0 to 1.2; CBC with SHA-256/384, GCM and ChaCha20 1.2
	// only (RFC 5246, RFC 5288, RFC 5289, RFC 7905); TLS 1.3 suites 1.3 only.
	MinVersion, MaxVersion wire.Version
	// KeyLen is the cipher key length in bytes.
	KeyLen int
	// FixedIVLen is the IV length taken from the key block (TLS 1.2) or the
	// traffic secret (TLS 1.3): GCM 4 (the implicit salt, RFC 5288 §3),
	// ChaCha20-Poly1305 12 (RFC 7905 §2), CBC 16 (used by TLS 1.0 only),
	// TLS 1.3 12 (RFC 8446 §5.3).
	FixedIVLen int
	// MACLen is the HMAC output length; 0 for AEAD suites.
	MACLen int
	// MAC is the HMAC hash; 0 for AEAD suites.
	MAC crypto.Hash
	// PRF is the TLS 1.2 PRF hash or the TLS 1.3 HKDF hash: SHA-256 unless
	// the suite name ends in SHA384 (RFC 5246 §5, RFC 5288 §3, RFC 8446 B.4).
	// TLS 1.0 and 1.1 ignore it and use their MD5/SHA-1 PRF.
	PRF crypto.Hash
}

// Name is the IANA name of the suite.
func (s *Spec) Name() string { return s.ID.String() }

func (s *Spec) String() string { return s.Name() }

// AEAD reports whether the suite protects records with an AEAD.
func (s *Spec) AEAD() bool { return s.Bulk.AEAD() }

// TLS13 reports whether s is a TLS 1.3 suite.
func (s *Spec) TLS13() bool { return s.MinVersion >= wire.VersionTLS13 }

// SupportsVersion reports whether the suite is defined for version v.
func (s *Spec) SupportsVersion(v wire.Version) bool {
	return s.MinVersion <= v && v <= s.MaxVersion
}

// RecordIVLen is the length of the explicit IV or nonce carried at the front
// of each protected record at version v (TLS 1.0 to 1.2): 8 for GCM
// (RFC 5288 §3), 16 for CBC at 1.1 and later (RFC 4346 §6.2.3.2), else 0.
func (s *Spec) RecordIVLen(v wire.Version) int {
	switch {
	case s.TLS13() || v >= wire.VersionTLS13:
		return 0
	case s.Bulk == BulkAES128GCM || s.Bulk == BulkAES256GCM:
		return 8
	case !s.AEAD() && v >= wire.VersionTLS11:
		return 16
	}
	return 0
}

// KeyBlockLen is the number of key-block bytes version v needs
// (RFC 5246 §6.3): two MAC keys, two cipher keys and, where the version uses
// them, two fixed IVs. CBC at 1.1 and later takes its IVs from the records,
// so the key block holds none; the IVs come last, so asking for them anyway
// changes nothing before them.
func (s *Spec) KeyBlockLen(v wire.Version) int {
	iv := s.FixedIVLen
	if !s.AEAD() && v >= wire.VersionTLS11 {
		iv = 0
	}
	return 2 * (s.MACLen + s.KeyLen + iv)
}

// Constructors for the table below; each returns a fresh Spec value.

func tls13(id wire.CipherSuite, b Bulk, prf crypto.Hash) Spec {
	s := aead(id, KXNone, AuthNone, b, prf)
	s.MinVersion, s.MaxVersion = wire.VersionTLS13, wire.VersionTLS13
	s.FixedIVLen = 12
	return s
}

func aead(id wire.CipherSuite, kx KeyExchange, auth Auth, b Bulk, prf crypto.Hash) Spec {
	s := Spec{ID: id, KX: kx, Auth: auth, Bulk: b, PRF: prf,
		MinVersion: wire.VersionTLS12, MaxVersion: wire.VersionTLS12}
	switch b {
	case BulkAES128GCM:
		s.KeyLen, s.FixedIVLen = 16, 4
	case BulkAES256GCM:
		s.KeyLen, s.FixedIVLen = 32, 4
	case BulkChaCha20Poly1305:
		s.KeyLen, s.FixedIVLen = 32, 12
	}
	return s
}

func cbc(id wire.CipherSuite, kx KeyExchange, auth Auth, b Bulk, mac crypto.Hash) Spec {
	s := Spec{ID: id, KX: kx, Auth: auth, Bulk: b, FixedIVLen: 16, MAC: mac,
		MinVersion: wire.VersionTLS12, MaxVersion: wire.VersionTLS12, PRF: crypto.SHA256}
	switch mac {
	case crypto.SHA1:
		// The SHA-1 CBC suites predate TLS 1.2 (RFC 2246, RFC 4492).
		s.MinVersion, s.MACLen = wire.VersionTLS10, 20
	case crypto.SHA256:
		s.MACLen = 32
	case crypto.SHA384:
		s.MACLen, s.PRF = 48, crypto.SHA384
	}
	if b == BulkAES128CBC {
		s.KeyLen = 16
	} else {
		s.KeyLen = 32
	}
	return s
}

// specs is the suite list, built once; Lookup and All hand out copies, so
// no caller can change what another sees.
var specs = table()

// table is the suite list in preference order.
func table() []Spec {
	const (
		sha1   = crypto.SHA1
		sha256 = crypto.SHA256
		sha384 = crypto.SHA384
	)
	return []Spec{
		// TLS 1.3 (RFC 8446 B.4).
		tls13(wire.TLS_AES_128_GCM_SHA256, BulkAES128GCM, sha256),
		tls13(wire.TLS_AES_256_GCM_SHA384, BulkAES256GCM, sha384),
		tls13(wire.TLS_CHACHA20_POLY1305_SHA256, BulkChaCha20Poly1305, sha256),

		// ECDHE with AEAD (RFC 5289, RFC 7905).
		aead(wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, KXECDHE, AuthECDSA, BulkAES128GCM, sha256),
		aead(wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, KXECDHE, AuthRSA, BulkAES128GCM, sha256),
		aead(wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, KXECDHE, AuthECDSA, BulkAES256GCM, sha384),
		aead(wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, KXECDHE, AuthRSA, BulkAES256GCM, sha384),
		aead(wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, KXECDHE, AuthECDSA, BulkChaCha20Poly1305, sha256),
		aead(wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, KXECDHE, AuthRSA, BulkChaCha20Poly1305, sha256),

		// ECDHE with CBC (RFC 5289, RFC 4492).
		cbc(wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, KXECDHE, AuthECDSA, BulkAES128CBC, sha256),
		cbc(wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, KXECDHE, AuthRSA, BulkAES128CBC, sha256),
		cbc(wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, KXECDHE, AuthECDSA, BulkAES256CBC, sha384),
		cbc(wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, KXECDHE, AuthRSA, BulkAES256CBC, sha384),
		cbc(wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, KXECDHE, AuthECDSA, BulkAES128CBC, sha1),
		cbc(wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, KXECDHE, AuthRSA, BulkAES128CBC, sha1),
		cbc(wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, KXECDHE, AuthECDSA, BulkAES256CBC, sha1),
		cbc(wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, KXECDHE, AuthRSA, BulkAES256CBC, sha1),

		// RSA key transport (RFC 5246, RFC 5288).
		aead(wire.TLS_RSA_WITH_AES_128_GCM_SHA256, KXRSA, AuthRSA, BulkAES128GCM, sha256),
		aead(wire.TLS_RSA_WITH_AES_256_GCM_SHA384, KXRSA, AuthRSA, BulkAES256GCM, sha384),
		cbc(wire.TLS_RSA_WITH_AES_128_CBC_SHA256, KXRSA, AuthRSA, BulkAES128CBC, sha256),
		cbc(wire.TLS_RSA_WITH_AES_256_CBC_SHA256, KXRSA, AuthRSA, BulkAES256CBC, sha256),
		cbc(wire.TLS_RSA_WITH_AES_128_CBC_SHA, KXRSA, AuthRSA, BulkAES128CBC, sha1),
		cbc(wire.TLS_RSA_WITH_AES_256_CBC_SHA, KXRSA, AuthRSA, BulkAES256CBC, sha1),

		// Finite-field DHE (RFC 5246, RFC 5288, RFC 7905).
		aead(wire.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, KXDHE, AuthRSA, BulkAES128GCM, sha256),
		aead(wire.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, KXDHE, AuthRSA, BulkAES256GCM, sha384),
		aead(wire.TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256, KXDHE, AuthRSA, BulkChaCha20Poly1305, sha256),
		cbc(wire.TLS_DHE_RSA_WITH_AES_128_CBC_SHA, KXDHE, AuthRSA, BulkAES128CBC, sha1),
		cbc(wire.TLS_DHE_RSA_WITH_AES_256_CBC_SHA, KXDHE, AuthRSA, BulkAES256CBC, sha1),
	}
}

// Lookup returns the parameters of suite id. The Spec is a fresh copy the
// caller may keep or modify; compare suites by ID, not by pointer.
func Lookup(id wire.CipherSuite) (*Spec, bool) {
	for i := range specs {
		if specs[i].ID == id {
			s := specs[i]
			return &s, true
		}
	}
	return nil, false
}

// All returns every implemented suite (all of wire's named suites except the
// signalling values) in preference order: TLS 1.3 first, then ECDHE with
// AEAD, ECDHE with CBC, RSA key transport, and DHE last. The Specs are fresh
// copies.
func All() []*Spec {
	t := slices.Clone(specs)
	out := make([]*Spec, len(t))
	for i := range t {
		out[i] = &t[i]
	}
	return out
}
