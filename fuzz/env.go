package fuzz

import (
	"crypto/rsa"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/tlsconform/tlsconform/internal/gotls"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Epoch is the fixed clock of every execution: certificates are valid
// around it and both peers read it as the time.
var Epoch = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

// DefaultTimeout bounds each read and write of an execution. It is a
// backstop: a conversation that stalls is cut as soon as both ends wait.
const DefaultTimeout = 5 * time.Second

// certSeed seeds the certificates, so that every process that builds an
// Env with a fixed global random source presents the same ones.
const certSeed = 0x7c5f_2026

// NewRand returns the deterministic byte stream of seed (ChaCha8).
func NewRand(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	copy(s[8:], "tlsconform/fuzz")
	return rand.NewChaCha8(s)
}

// Options configure an Env.
type Options struct {
	// Templates are real ClientHellos (corpus.Templates) the ClientHello
	// target may start from besides the hellos the engine builds.
	Templates []Template
	// Timeout bounds each read and write; default DefaultTimeout.
	Timeout time.Duration
}

// Template is a real ClientHello, the handshake message as captured.
type Template struct {
	Name string
	Raw  []byte
	// Hello is Raw parsed (set by NewEnv when nil).
	Hello *wire.ClientHello
	// RecordVersion is the record-layer version the client sent it under
	// (TLS 1.0 when 0).
	RecordVersion wire.Version
}

// Env is what every execution shares: the crypto/tls server configuration
// with its certificates, made once per process, and the templates. It is
// read-only once built and safe for concurrent executions.
type Env struct {
	server    *tls.Config
	rsaPub    *rsa.PublicKey
	templates []Template
	timeout   time.Duration
}

// NewEnv makes the certificates (an ECDSA P-256 and an RSA-2048 chain, from
// a seeded reader at Epoch) and the crypto/tls server configuration: TLS 1.0
// to 1.3, every suite crypto/tls implements (TLS_RSA_* and 3DES included),
// fixed time. Since Go 1.26 RSA key generation draws from the system source
// whatever reader it is given, so the RSA key is the same from process to
// process only under testing/cryptotest.SetGlobalRandom (the native
// targets use it).
func NewEnv(opts Options) (*Env, error) {
	rnd := NewRand(certSeed)
	cfg := &tls.Config{
		// An explicit MinVersion lets crypto/tls serve TLS 1.0 and 1.1.
		MinVersion:   tls.VersionTLS10,
		MaxVersion:   tls.VersionTLS13,
		CipherSuites: gotls.Suites(),
		Time:         func() time.Time { return Epoch },
	}
	// ECDSA first: crypto/tls takes the first certificate that fits the
	// client, and ECDSA signatures are cheap; RSA serves TLS_RSA_* and
	// clients that offer only RSA signature schemes.
	var rsaPub *rsa.PublicKey
	for _, kind := range []string{"ecdsa", "rsa"} {
		p, err := certs.Generate(kind, []string{"localhost"}, rnd, Epoch)
		if err != nil {
			return nil, fmt.Errorf("fuzz: certificates: %w", err)
		}
		if k, ok := p.Leaf.PublicKey.(*rsa.PublicKey); ok {
			rsaPub = k
		}
		cfg.Certificates = append(cfg.Certificates, p.TLSCertificate())
	}
	e := &Env{server: cfg, rsaPub: rsaPub, timeout: opts.Timeout}
	if e.timeout <= 0 {
		e.timeout = DefaultTimeout
	}
	for _, t := range opts.Templates {
		if t.Hello == nil {
			ch, err := wire.UnmarshalClientHello(t.Raw)
			if err != nil {
				return nil, fmt.Errorf("fuzz: template %s: %w", t.Name, err)
			}
			t.Hello = ch
		}
		if t.RecordVersion == 0 {
			t.RecordVersion = wire.VersionTLS10
		}
		e.templates = append(e.templates, t)
	}
	return e, nil
}

// RSAPublicKey is the key of the server's RSA certificate (the one TLS_RSA_*
// suites encrypt the pre-master secret to).
func (e *Env) RSAPublicKey() *rsa.PublicKey { return e.rsaPub }
