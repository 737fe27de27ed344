//go:debug tls10server=1

package peers_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/targets"
)

// testPKI is generated once per test binary: an RSA and an ECDSA pair.
var testPKI = sync.OnceValues(func() (*pki, error) {
	now := time.Now()
	rsaPair, err := certs.Generate("rsa", nil, rand.Reader, now)
	if err != nil {
		return nil, err
	}
	ecPair, err := certs.Generate("ecdsa", nil, rand.Reader, now)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	for _, p := range []*certs.Pair{rsaPair, ecPair} {
		root := p.CA()
		if root == nil {
			root = p.Leaf
		}
		pool.AddCert(root)
	}
	return &pki{rsa: rsaPair, ecdsa: ecPair, pool: pool}, nil
})

type pki struct {
	rsa, ecdsa *certs.Pair
	pool       *x509.CertPool
}

func mustPKI(t testing.TB) *pki {
	t.Helper()
	p, err := testPKI()
	if err != nil {
		t.Fatalf("generate certificates: %v", err)
	}
	return p
}

// startGoServer runs an in-process crypto/tls echo server on a free
// loopback port until the test ends.
func startGoServer(t testing.TB, mutate func(*tls.Config)) string {
	t.Helper()
	p := mustPKI(t)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{p.ecdsa.TLSCertificate(), p.rsa.TLSCertificate()},
		CipherSuites: targets.GoSuites(),
		MinVersion:   tls.VersionTLS10,
	}
	if mutate != nil {
		mutate(cfg)
	}
	return serveT(t, "crypto/tls", func(ctx context.Context, ln net.Listener) error {
		var wg sync.WaitGroup
		defer wg.Wait()
		for {
			nc, err := ln.Accept()
			if err != nil {
				if ctx.Err() != nil {
					return nil // Close
				}
				return err
			}
			wg.Go(func() {
				defer nc.Close()
				_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
				tc := tls.Server(nc, cfg)
				buf := make([]byte, 4096)
				for {
					n, err := tc.Read(buf)
					if n > 0 {
						if _, err := tc.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			})
		}
	})
}

// serveT runs serve as an in-process target until the test ends and
// returns its address.
func serveT(t testing.TB, name string, serve func(context.Context, net.Listener) error) string {
	t.Helper()
	tg, err := targets.Serve(context.Background(), name, serve)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tg.Close(); err != nil {
			t.Error(err)
		}
	})
	return tg.Addr()
}

// startRefServer runs our reference server on a free loopback port.
func startRefServer(t testing.TB, cfg peers.ServerConfig) string {
	t.Helper()
	p := mustPKI(t)
	if cfg.Certificates == nil {
		cfg.Certificates = []*certs.Pair{p.ecdsa, p.rsa}
	}
	srv, err := peers.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return serveT(t, "reference", func(ctx context.Context, ln net.Listener) error {
		return srv.Serve(ctx, ln, nil)
	})
}

type combo struct {
	version wire.Version
	suite   wire.CipherSuite
	group   wire.Group // 0 for RSA key exchange
}

func (c combo) String() string {
	g := "rsa-kx"
	if c.group != 0 {
		g = c.group.String()
	}
	return fmt.Sprintf("%s/%s/%s", c.version.Short(), c.suite, g)
}

// combos12 is every TLS 1.2 combination of issue 6 that Go's crypto/tls
// also implements: RSA, ECDHE_RSA and ECDHE_ECDSA with AES-GCM,
// ChaCha20-Poly1305 and AES-CBC.
var combos12 = []combo{
	{wire.VersionTLS12, wire.TLS_RSA_WITH_AES_128_GCM_SHA256, 0},
	{wire.VersionTLS12, wire.TLS_RSA_WITH_AES_256_GCM_SHA384, 0},
	{wire.VersionTLS12, wire.TLS_RSA_WITH_AES_128_CBC_SHA, 0},
	{wire.VersionTLS12, wire.TLS_RSA_WITH_AES_256_CBC_SHA, 0},
	{wire.VersionTLS12, wire.TLS_RSA_WITH_AES_128_CBC_SHA256, 0},
	{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.GroupX25519},
	{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, wire.GroupSecp256r1},
	{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, wire.GroupX25519},
	{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, wire.GroupSecp384r1},
	{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, wire.GroupSecp521r1},
	{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, wire.GroupX25519},
	{wire.VersionTLS12, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, wire.GroupSecp256r1},
	{wire.VersionTLS12, wire.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, wire.GroupX25519},
	{wire.VersionTLS12, wire.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, wire.GroupSecp384r1},
	{wire.VersionTLS12, wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, wire.GroupX25519},
	{wire.VersionTLS12, wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, wire.GroupSecp256r1},
	{wire.VersionTLS12, wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, wire.GroupX25519},
	// Older versions: the same engine paths with the MD5/SHA-1 PRF and
	// chained or explicit CBC IVs.
	{wire.VersionTLS10, wire.TLS_RSA_WITH_AES_128_CBC_SHA, 0},
	{wire.VersionTLS10, wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, wire.GroupX25519},
	{wire.VersionTLS11, wire.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, wire.GroupSecp256r1},
	{wire.VersionTLS11, wire.TLS_RSA_WITH_AES_256_CBC_SHA, 0},
}

// combos13 is every TLS 1.3 suite with every group of issue 6.
func combos13() []combo {
	var out []combo
	for _, s := range []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384, wire.TLS_CHACHA20_POLY1305_SHA256} {
		for _, g := range []wire.Group{wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupX25519MLKEM768} {
			out = append(out, combo{wire.VersionTLS13, s, g})
		}
	}
	return out
}

func allCombos() []combo { return append(append([]combo{}, combos12...), combos13()...) }

func (c combo) clientConfig(p *pki) *peers.ClientConfig {
	cfg := &peers.ClientConfig{
		Versions:     []wire.Version{c.version},
		CipherSuites: []wire.CipherSuite{c.suite},
		RootCAs:      p.pool,
		ServerName:   "localhost",
		Timeout:      5 * time.Second,
	}
	if c.group != 0 {
		cfg.Groups = []wire.Group{c.group}
		if c.needsP256() {
			cfg.Groups = append(cfg.Groups, wire.GroupSecp256r1)
		}
	}
	return cfg
}

// needsP256: below TLS 1.3 supported_groups must also list the curve of
// the server's ECDSA key, P-256 (RFC 8422 §5.1).
func (c combo) needsP256() bool {
	return c.version < wire.VersionTLS13 && strings.Contains(c.suite.String(), "_ECDSA_") && c.group != wire.GroupSecp256r1
}

// roundTrip sends a message over a completed connection and requires the
// echo back.
func roundTrip(t *testing.T, c io.ReadWriter) {
	t.Helper()
	msg := []byte("tlsconform ping\n")
	if _, err := c.Write(msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read echo: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo %q, want %q", got, msg)
	}
}

func checkNegotiated(t *testing.T, c *peers.Conn, want combo) {
	t.Helper()
	if c.Version() != want.version {
		t.Errorf("version %s, want %s", c.Version(), want.version)
	}
	if c.Suite() == nil || c.Suite().ID != want.suite {
		t.Errorf("suite %v, want %s", c.Suite(), want.suite)
	}
	if c.Group() != want.group {
		t.Errorf("group %s, want %s", c.Group(), want.group)
	}
}

func TestClientAgainstGoServer(t *testing.T) {
	p := mustPKI(t)
	addr := startGoServer(t, nil)
	for _, cb := range allCombos() {
		t.Run(cb.String(), func(t *testing.T) {
			c, err := peers.Dial(context.Background(), addr, cb.clientConfig(p))
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer c.Close()
			checkNegotiated(t, c, cb)
			roundTrip(t, c)
		})
	}
}

func goClientConfig(p *pki, cb combo) *tls.Config {
	cfg := &tls.Config{
		RootCAs:    p.pool,
		ServerName: "localhost",
		MinVersion: uint16(cb.version),
		MaxVersion: uint16(cb.version),
	}
	if cb.version < wire.VersionTLS13 {
		cfg.CipherSuites = []uint16{uint16(cb.suite)}
	}
	if cb.group != 0 {
		cfg.CurvePreferences = []tls.CurveID{tls.CurveID(cb.group)}
		if cb.needsP256() {
			cfg.CurvePreferences = append(cfg.CurvePreferences, tls.CurveP256)
		}
	}
	return cfg
}

func TestGoClientAgainstServer(t *testing.T) {
	p := mustPKI(t)
	for _, cb := range allCombos() {
		t.Run(cb.String(), func(t *testing.T) {
			scfg := peers.ServerConfig{Versions: []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10}}
			if cb.version == wire.VersionTLS13 {
				// Go's client does not let us pick its TLS 1.3 suite: the
				// server's preference does.
				scfg.CipherSuites = []wire.CipherSuite{cb.suite}
			}
			if cb.needsP256() {
				scfg.Groups = []wire.Group{cb.group, wire.GroupSecp256r1}
			}
			addr := startRefServer(t, scfg)
			tc, err := tls.Dial("tcp", addr, goClientConfig(p, cb))
			if err != nil {
				t.Fatalf("crypto/tls client: %v", err)
			}
			defer tc.Close()
			st := tc.ConnectionState()
			if st.Version != uint16(cb.version) || st.CipherSuite != uint16(cb.suite) {
				t.Errorf("negotiated %s %s, want %s %s", wire.Version(st.Version), wire.CipherSuite(st.CipherSuite), cb.version, cb.suite)
			}
			if cb.group != 0 && st.CurveID != tls.CurveID(cb.group) {
				t.Errorf("group %s, want %s", wire.Group(st.CurveID), cb.group)
			}
			roundTrip(t, tc)
		})
	}
}

// TestOwnClientAgainstOwnServer covers the suites Go does not implement.
func TestOwnClientAgainstOwnServer(t *testing.T) {
	p := mustPKI(t)
	addr := startRefServer(t, peers.ServerConfig{
		Versions: []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10},
		// P-256 last, so that a client offering it only for the ECDSA key
		// still gets its first group for ECDHE.
		Groups: []wire.Group{wire.GroupX25519MLKEM768, wire.GroupX25519, wire.GroupSecp384r1, wire.GroupSecp521r1, wire.GroupSecp256r1},
	})
	for _, cb := range append(allCombos(),
		combo{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, wire.GroupX25519},
		combo{wire.VersionTLS12, wire.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, wire.GroupSecp384r1},
		combo{wire.VersionTLS12, wire.TLS_RSA_WITH_AES_256_CBC_SHA256, 0},
	) {
		t.Run(cb.String(), func(t *testing.T) {
			c, err := peers.Dial(context.Background(), addr, cb.clientConfig(p))
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer c.Close()
			checkNegotiated(t, c, cb)
			roundTrip(t, c)
		})
	}
}

func TestHelloRetryRequest(t *testing.T) {
	p := mustPKI(t)
	t.Run("our client, Go server", func(t *testing.T) {
		addr := startGoServer(t, func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.CurveP384} })
		cfg := &peers.ClientConfig{
			Versions: []wire.Version{wire.VersionTLS13}, RootCAs: p.pool, ServerName: "localhost",
			Groups:    []wire.Group{wire.GroupX25519, wire.GroupSecp384r1},
			KeyShares: []wire.Group{wire.GroupX25519},
		}
		c, err := peers.Dial(context.Background(), addr, cfg)
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		defer c.Close()
		if c.Group() != wire.GroupSecp384r1 {
			t.Errorf("group %s after HRR, want secp384r1", c.Group())
		}
		roundTrip(t, c)
	})
	t.Run("Go client, our server", func(t *testing.T) {
		addr := startRefServer(t, peers.ServerConfig{Groups: []wire.Group{wire.GroupSecp384r1}})
		tc, err := tls.Dial("tcp", addr, &tls.Config{
			RootCAs: p.pool, ServerName: "localhost", MinVersion: tls.VersionTLS13,
			CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP384},
		})
		if err != nil {
			t.Fatalf("crypto/tls client: %v", err)
		}
		defer tc.Close()
		if tc.ConnectionState().CurveID != tls.CurveP384 {
			t.Errorf("group %v after HRR, want P-384", tc.ConnectionState().CurveID)
		}
		roundTrip(t, tc)
	})
	t.Run("our client, our server", func(t *testing.T) {
		addr := startRefServer(t, peers.ServerConfig{Groups: []wire.Group{wire.GroupX25519MLKEM768}})
		cfg := &peers.ClientConfig{
			Versions: []wire.Version{wire.VersionTLS13}, RootCAs: p.pool, ServerName: "localhost",
			Groups:    []wire.Group{wire.GroupSecp256r1, wire.GroupX25519MLKEM768},
			KeyShares: []wire.Group{wire.GroupSecp256r1},
		}
		c, err := peers.Dial(context.Background(), addr, cfg)
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		defer c.Close()
		if c.Group() != wire.GroupX25519MLKEM768 {
			t.Errorf("group %s after HRR, want X25519MLKEM768", c.Group())
		}
		roundTrip(t, c)
	})
}

func TestResumption(t *testing.T) {
	p := mustPKI(t)
	for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS13} {
		t.Run("our client, Go server, "+v.Short(), func(t *testing.T) {
			addr := startGoServer(t, nil)
			cfg := &peers.ClientConfig{Versions: []wire.Version{v}, RootCAs: p.pool, ServerName: "localhost", Sessions: peers.NewSessionCache()}
			resumeTwice(t, addr, cfg)
		})
		t.Run("our client, our server, "+v.Short(), func(t *testing.T) {
			addr := startRefServer(t, peers.ServerConfig{})
			cfg := &peers.ClientConfig{Versions: []wire.Version{v}, RootCAs: p.pool, ServerName: "localhost", Sessions: peers.NewSessionCache()}
			resumeTwice(t, addr, cfg)
		})
		t.Run("Go client, our server, "+v.Short(), func(t *testing.T) {
			addr := startRefServer(t, peers.ServerConfig{})
			cfg := &tls.Config{RootCAs: p.pool, ServerName: "localhost", MinVersion: uint16(v), MaxVersion: uint16(v),
				ClientSessionCache: tls.NewLRUClientSessionCache(4)}
			for i, want := range []bool{false, true} {
				tc, err := tls.Dial("tcp", addr, cfg)
				if err != nil {
					t.Fatalf("connection %d: %v", i, err)
				}
				roundTrip(t, tc) // reads the TLS 1.3 ticket too
				if got := tc.ConnectionState().DidResume; got != want {
					t.Errorf("connection %d: resumed %v, want %v", i, got, want)
				}
				tc.Close()
			}
		})
	}
}

func resumeTwice(t *testing.T, addr string, cfg *peers.ClientConfig) {
	t.Helper()
	for i, want := range []bool{false, true} {
		c, err := peers.Dial(context.Background(), addr, cfg)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		roundTrip(t, c) // a TLS 1.3 ticket arrives before the echo
		if c.Resumed() != want {
			t.Errorf("connection %d: resumed %v, want %v", i, c.Resumed(), want)
		}
		c.Close()
	}
}

// TestFragmentation: handshake messages sent one byte per record, and
// several messages coalesced into one record, are accepted both ways.
func TestFragmentation(t *testing.T) {
	p := mustPKI(t)
	for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS13} {
		t.Run("our client one byte per record, Go server, "+v.Short(), func(t *testing.T) {
			addr := startGoServer(t, nil)
			c, err := peers.Dial(context.Background(), addr, &peers.ClientConfig{
				Versions: []wire.Version{v}, RootCAs: p.pool, ServerName: "localhost", MaxFragment: 1,
			})
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer c.Close()
			roundTrip(t, c)
		})
		t.Run("Go client, our server one byte per record, "+v.Short(), func(t *testing.T) {
			addr := startRefServer(t, peers.ServerConfig{MaxFragment: 1})
			tc, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: p.pool, ServerName: "localhost", MinVersion: uint16(v), MaxVersion: uint16(v)})
			if err != nil {
				t.Fatalf("crypto/tls client: %v", err)
			}
			defer tc.Close()
			roundTrip(t, tc)
		})
	}
}

func emptyPool() *x509.CertPool { return x509.NewCertPool() }

func certsOf(p *pki) []*certs.Pair { return []*certs.Pair{p.ecdsa, p.rsa} }
