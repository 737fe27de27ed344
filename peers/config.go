package peers

import (
	"crypto/rand"
	"crypto/x509"
	"io"
	"slices"
	"time"

	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// ClientConfig is what the reference client offers and how it checks the
// server. The zero value offers TLS 1.3 and 1.2 with every suite, group and
// signature scheme the engine implements.
type ClientConfig struct {
	// Versions offered, any order; default TLS 1.3 and 1.2. The highest goes
	// in legacy_version (capped at 1.2) and all of them, when 1.3 is among
	// them, in supported_versions.
	Versions []wire.Version
	// CipherSuites offered, in preference order; default every implemented
	// suite that fits Versions.
	CipherSuites []wire.CipherSuite
	// Groups for supported_groups, in preference order; default kx.Groups().
	Groups []wire.Group
	// KeyShares are the groups that get a TLS 1.3 key share in the first
	// ClientHello; default the first of Groups.
	KeyShares []wire.Group
	// SignatureSchemes for signature_algorithms; default every scheme the
	// engine verifies.
	SignatureSchemes []wire.SignatureScheme
	ServerName       string
	ALPN             []string
	// RootCAs, when set, makes the client verify the server's chain;
	// signatures and Finished are always verified.
	RootCAs *x509.CertPool
	// Certificate, when set, is presented when the server sends a
	// CertificateRequest (with a CertificateVerify signed by its key);
	// when nil the client answers with an empty Certificate.
	Certificate *certs.Pair
	// DisableEMS leaves extended_master_secret out of the ClientHello.
	DisableEMS bool
	// Sessions, when set, stores tickets for resumption and offers them.
	Sessions *SessionCache
	// SessionKey is the key sessions are stored under in Sessions; default
	// ServerName, or the server's address.
	SessionKey string
	// MaxFragment caps the plaintext of each record we send (default 2^14):
	// 1 sends every handshake message one byte per record.
	MaxFragment int

	// Misbehaviours change named steps of the client's plan (see
	// ClientMisbehaviour); none for a correct client.
	Misbehaviours []ClientMisbehaviour

	Rand    io.Reader        // default crypto/rand
	Time    func() time.Time // default time.Now
	KeyLog  *keys.KeyLog
	Timeout time.Duration // per read and write; default DefaultTimeout
	Observe Observer
}

func (cfg *ClientConfig) rand() io.Reader {
	if cfg.Rand != nil {
		return cfg.Rand
	}
	return rand.Reader
}

func (cfg *ClientConfig) now() time.Time {
	if cfg.Time != nil {
		return cfg.Time()
	}
	return time.Now()
}

func (cfg *ClientConfig) versions() []wire.Version {
	if len(cfg.Versions) > 0 {
		return cfg.Versions
	}
	return []wire.Version{wire.VersionTLS13, wire.VersionTLS12}
}

func (cfg *ClientConfig) offers(v wire.Version) bool {
	for _, o := range cfg.versions() {
		if o == v {
			return true
		}
	}
	return false
}

func (cfg *ClientConfig) maxVersion() wire.Version {
	var m wire.Version
	for _, v := range cfg.versions() {
		m = max(m, v)
	}
	return m
}

func (cfg *ClientConfig) suites() []wire.CipherSuite {
	if len(cfg.CipherSuites) > 0 {
		return cfg.CipherSuites
	}
	var out []wire.CipherSuite
	for _, s := range suites.All() {
		for _, v := range cfg.versions() {
			if s.SupportsVersion(v) {
				out = append(out, s.ID)
				break
			}
		}
	}
	return out
}

func (cfg *ClientConfig) groups() []wire.Group {
	if len(cfg.Groups) > 0 {
		return cfg.Groups
	}
	return kx.Groups()
}

func (cfg *ClientConfig) keyShares() []wire.Group {
	if len(cfg.KeyShares) > 0 {
		return cfg.KeyShares
	}
	return cfg.groups()[:1]
}

// defaultSchemes are the signature schemes the engine verifies.
var defaultSchemes = []wire.SignatureScheme{
	wire.ECDSAWithP256AndSHA256, wire.ECDSAWithP384AndSHA384, wire.ECDSAWithP521AndSHA512,
	wire.PSSWithSHA256, wire.PSSWithSHA384, wire.PSSWithSHA512,
	wire.PKCS1WithSHA256, wire.PKCS1WithSHA384, wire.PKCS1WithSHA512,
	wire.PKCS1WithSHA1, wire.ECDSAWithSHA1,
}

// SignatureSchemes are the schemes the client offers when its config
// names none: every scheme the engine verifies. It returns a fresh slice.
func SignatureSchemes() []wire.SignatureScheme { return slices.Clone(defaultSchemes) }

func (cfg *ClientConfig) schemes() []wire.SignatureScheme {
	if len(cfg.SignatureSchemes) > 0 {
		return cfg.SignatureSchemes
	}
	return defaultSchemes
}
