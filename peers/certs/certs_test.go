package certs

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// now is fixed: validity never depends on the wall clock in these tests.
var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func seeded(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

func TestGenerate(t *testing.T) {
	for i, kind := range Kinds() {
		t.Run(kind, func(t *testing.T) {
			if strings.HasPrefix(kind, "rsa-") {
				t.Skip("large RSA: same path as rsa, see TestGenerateLargeRSA")
			}
			p, err := Generate(kind, nil, seeded(byte(i)), now)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Chain) != 2 || p.CA() == nil || !bytes.Equal(p.Chain[1], p.CA().Raw) || !bytes.Equal(p.Chain[0], p.Leaf.Raw) {
				t.Fatal("chain is not leaf, CA")
			}
			if !p.Leaf.NotBefore.Equal(now.Add(-time.Hour)) || !p.Leaf.NotAfter.Equal(now.Add(10*365*24*time.Hour)) {
				t.Fatalf("validity %v .. %v", p.Leaf.NotBefore, p.Leaf.NotAfter)
			}
			if len(p.Leaf.DNSNames) != 1 || p.Leaf.DNSNames[0] != "localhost" || len(p.Leaf.IPAddresses) != 2 {
				t.Fatalf("SANs %v %v", p.Leaf.DNSNames, p.Leaf.IPAddresses)
			}
			if p.Leaf.IsCA || !p.CA().IsCA {
				t.Fatal("basic constraints")
			}
			for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
				if _, err := p.Leaf.Verify(x509.VerifyOptions{Roots: p.CertPool(), DNSName: name, CurrentTime: now}); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			}
			if _, err := p.Leaf.Verify(x509.VerifyOptions{Roots: p.CertPool(), DNSName: "example.com", CurrentTime: now}); err == nil {
				t.Fatal("verifies for a name not in the SANs")
			}
			if _, err := p.Leaf.Verify(x509.VerifyOptions{Roots: p.CertPool(), CurrentTime: now.Add(-2 * time.Hour)}); err == nil {
				t.Fatal("valid before NotBefore")
			}
			if !p.Key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(p.Leaf.PublicKey) {
				t.Fatal("key does not match the leaf")
			}
		})
	}
}

// One large-RSA pair (self-signed, so one key) checks the size is passed
// through; 4096 takes the same path.
func TestGenerateLargeRSA(t *testing.T) {
	if testing.Short() {
		t.Skip("slow RSA key generation")
	}
	p, err := GenerateSelfSigned("rsa-3072", nil, seeded(1), now)
	if err != nil {
		t.Fatal(err)
	}
	if k := p.Key.(*rsa.PrivateKey); k.N.BitLen() != 3072 {
		t.Fatalf("%d bits", k.N.BitLen())
	}
}

func TestGenerateKinds(t *testing.T) {
	p, _ := Generate("rsa", nil, seeded(1), now)
	if k, ok := p.Key.(*rsa.PrivateKey); !ok || k.N.BitLen() != 2048 || p.Leaf.KeyUsage&x509.KeyUsageKeyEncipherment == 0 {
		t.Fatalf("rsa: %T", p.Key)
	}
	p, _ = Generate("ecdsa", nil, seeded(1), now)
	if k, ok := p.Key.(*ecdsa.PrivateKey); !ok || k.Curve != elliptic.P256() {
		t.Fatalf("ecdsa: %T", p.Key)
	}
	if _, err := Generate("dsa", nil, seeded(1), now); err == nil || !strings.Contains(err.Error(), `"dsa"`) {
		t.Fatalf("unknown kind: %v", err)
	}
	if _, err := Generate("ecdsa", nil, seeded(1), time.Time{}); err == nil {
		t.Fatal("zero time accepted")
	}
	if _, err := Generate("ecdsa", nil, nil, now); err == nil {
		t.Fatal("nil reader accepted")
	}
	p, err := Generate("ecdsa", []string{"a.test", "10.0.0.1", "*.b.test"}, seeded(1), now)
	if err != nil || p.Leaf.Subject.CommonName != "a.test" || len(p.Leaf.DNSNames) != 2 || len(p.Leaf.IPAddresses) != 1 {
		t.Fatalf("custom hosts: %v %v %v", err, p.Leaf.DNSNames, p.Leaf.IPAddresses)
	}
}

// Keys come from the reader: the same seed gives the same ECDSA key and,
// Ed25519 signatures being deterministic, the very same Ed25519 chain.
func TestGenerateReproducible(t *testing.T) {
	a, _ := Generate("ecdsa", nil, seeded(5), now)
	b, _ := Generate("ecdsa", nil, seeded(5), now)
	if !a.Key.(*ecdsa.PrivateKey).Equal(b.Key) || a.Leaf.SerialNumber.Cmp(b.Leaf.SerialNumber) != 0 {
		t.Fatal("ecdsa key or serial differs")
	}
	c, _ := Generate("ed25519", nil, seeded(5), now)
	d, _ := Generate("ed25519", nil, seeded(5), now)
	if !bytes.Equal(c.Chain[0], d.Chain[0]) || !bytes.Equal(c.Chain[1], d.Chain[1]) {
		t.Fatal("ed25519 chain differs")
	}
	e, _ := Generate("ed25519", nil, seeded(6), now)
	if e.Key.(ed25519.PrivateKey).Equal(c.Key) {
		t.Fatal("different seeds, same key")
	}
}

// handshake runs a crypto/tls server and client over net.Pipe with a
// deadline; the client trusts the server pair's pool, and with client auth
// the server trusts the client pair's.
func handshake(t *testing.T, server, client *Pair, version uint16) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sc, cc := net.Pipe()
	deadline, _ := ctx.Deadline()
	sc.SetDeadline(deadline)
	cc.SetDeadline(deadline)
	clock := func() time.Time { return now }
	sconf := &tls.Config{Certificates: []tls.Certificate{server.TLSCertificate()}, Time: clock, MinVersion: version, MaxVersion: version}
	cconf := &tls.Config{RootCAs: server.CertPool(), ServerName: "localhost", Time: clock, MinVersion: version, MaxVersion: version}
	if client != nil {
		sconf.ClientAuth = tls.RequireAndVerifyClientCert
		sconf.ClientCAs = client.CertPool()
		cconf.Certificates = []tls.Certificate{client.TLSCertificate()}
	}
	srv := tls.Server(sc, sconf)
	cli := tls.Client(cc, cconf)
	errc := make(chan error, 1)
	// Close the pipe ends, not the tls.Conns: a close_notify written into a
	// pipe nobody reads would wait out crypto/tls's 5 s close deadline.
	defer sc.Close()
	defer cc.Close()
	go func() {
		if err := srv.HandshakeContext(ctx); err != nil {
			errc <- err
			return
		}
		buf := make([]byte, 4)
		if _, err := io.ReadFull(srv, buf); err != nil {
			errc <- err
			return
		}
		_, err := srv.Write(buf)
		errc <- err
	}()
	if err := cli.HandshakeContext(ctx); err != nil {
		t.Fatalf("client handshake: %v (server: %v)", err, <-errc)
	}
	if _, err := cli.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	echo := make([]byte, 4)
	if _, err := io.ReadFull(cli, echo); err != nil || string(echo) != "ping" {
		t.Fatalf("echo %q, %v", echo, err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server: %v", err)
	}
	st := cli.ConnectionState()
	if st.Version != version || len(st.PeerCertificates) != len(server.Chain) {
		t.Fatalf("version %x, %d peer certificates", st.Version, len(st.PeerCertificates))
	}
}

func TestTLSHandshake(t *testing.T) {
	versions := map[string]uint16{"1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}
	for i, kind := range []string{"rsa", "ecdsa", "ed25519"} {
		server, err := Generate(kind, nil, seeded(byte(10+i)), now)
		if err != nil {
			t.Fatal(err)
		}
		client, err := Generate(kind, []string{"client.test"}, seeded(byte(20+i)), now)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range versions {
			t.Run(kind+"/"+name, func(t *testing.T) { handshake(t, server, nil, v) })
			t.Run(kind+"/"+name+"/client-auth", func(t *testing.T) { handshake(t, server, client, v) })
		}
	}
	self, err := GenerateSelfSigned("ecdsa", nil, seeded(30), now)
	if err != nil {
		t.Fatal(err)
	}
	if self.CA() != nil || len(self.Chain) != 1 {
		t.Fatal("self-signed pair has a CA")
	}
	t.Run("self-signed", func(t *testing.T) { handshake(t, self, nil, tls.VersionTLS13) })
}

func TestPEMRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for i, kind := range []string{"rsa", "ecdsa", "ed25519"} {
		p, err := Generate(kind, nil, seeded(byte(40+i)), now)
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile, caFile := filepath.Join(dir, kind+".crt"), filepath.Join(dir, kind+".key"), filepath.Join(dir, kind+"-ca.crt")
		if err := p.WritePEM(certFile, keyFile); err != nil {
			t.Fatal(err)
		}
		if err := p.WriteCAPEM(caFile); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Stat(keyFile); fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode %v", fi.Mode())
		}
		q, err := Load(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Chain) != 2 || !bytes.Equal(q.Chain[0], p.Chain[0]) || !bytes.Equal(q.Chain[1], p.Chain[1]) {
			t.Fatal("chain differs")
		}
		if q.CA() == nil || !q.CA().Equal(p.CA()) || !q.Leaf.Equal(p.Leaf) {
			t.Fatal("CA or leaf differs")
		}
		if !q.Key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(p.Key.Public()) {
			t.Fatal("key differs")
		}
		caPEM, _ := os.ReadFile(caFile)
		block, _ := pem.Decode(caPEM)
		if block == nil || !bytes.Equal(block.Bytes, p.CA().Raw) {
			t.Fatal("CA file")
		}
		handshake(t, q, nil, tls.VersionTLS13)
	}
}

func TestLoadLegacyKeyEncodings(t *testing.T) {
	dir := t.TempDir()
	rsaPair, _ := Generate("rsa", nil, seeded(50), now)
	ecPair, _ := Generate("ecdsa", nil, seeded(51), now)
	ecDER, _ := x509.MarshalECPrivateKey(ecPair.Key.(*ecdsa.PrivateKey))
	for name, c := range map[string]struct {
		pair  *Pair
		block *pem.Block
	}{
		"pkcs1": {rsaPair, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaPair.Key.(*rsa.PrivateKey))}},
		"sec1":  {ecPair, &pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER}},
	} {
		certFile, keyFile := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		if err := c.pair.WritePEM(certFile, keyFile); err != nil {
			t.Fatal(err)
		}
		data := append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8}}), pem.EncodeToMemory(c.block)...)
		os.WriteFile(keyFile, data, 0o600)
		if _, err := Load(certFile, keyFile); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	p, _ := Generate("ecdsa", nil, seeded(60), now)
	other, _ := Generate("ecdsa", nil, seeded(61), now)
	certFile, keyFile := filepath.Join(dir, "good.crt"), filepath.Join(dir, "good.key")
	otherCert, otherKey := filepath.Join(dir, "other.crt"), filepath.Join(dir, "other.key")
	p.WritePEM(certFile, keyFile)
	other.WritePEM(otherCert, otherKey)
	write := func(name, data string) string {
		f := filepath.Join(dir, name)
		os.WriteFile(f, []byte(data), 0o600)
		return f
	}
	noCerts := write("nocerts.crt", "not PEM at all\n")
	badCert := write("bad.crt", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0}})))
	noKey := write("nokey.key", "nothing\n")
	weirdKey := write("weird.key", string(pem.EncodeToMemory(&pem.Block{Type: "DSA PRIVATE KEY", Bytes: []byte{1}})))
	badKey := write("bad.key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})))
	missing := filepath.Join(dir, "missing.pem")

	for _, c := range []struct{ cert, key, blame string }{
		{missing, keyFile, missing},
		{certFile, missing, missing},
		{noCerts, keyFile, noCerts},
		{badCert, keyFile, badCert},
		{certFile, noKey, noKey},
		{certFile, weirdKey, weirdKey},
		{certFile, badKey, badKey},
		{certFile, otherKey, otherKey},
	} {
		_, err := Load(c.cert, c.key)
		if err == nil {
			t.Errorf("Load(%s, %s) succeeded", c.cert, c.key)
			continue
		}
		if !strings.Contains(err.Error(), c.blame) || !strings.HasPrefix(err.Error(), "certs: ") {
			t.Errorf("Load(%s, %s): %v does not name %s", filepath.Base(c.cert), filepath.Base(c.key), err, c.blame)
		}
	}
	if _, err := Load(missing, keyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v does not wrap os.ErrNotExist", err)
	}
	if err := p.WritePEM(filepath.Join(dir, "no", "such", "dir.crt"), keyFile); err == nil || !strings.Contains(err.Error(), "dir.crt") {
		t.Errorf("WritePEM: %v", err)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, kind := range []string{"rsa", "ecdsa", "ed25519"} {
		b.Run(kind, func(b *testing.B) {
			r := seeded(1)
			for b.Loop() {
				if _, err := Generate(kind, nil, r, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestGenerateSet: every leaf of a set verifies against the one CA, for
// its hosts, as a server certificate.
func TestGenerateSet(t *testing.T) {
	pairs, err := GenerateSet("ecdsa", []string{"rsa", "ecdsa"}, nil, crand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 2 || !pairs[0].CA().Equal(pairs[1].CA()) {
		t.Fatalf("%d pairs, or different CAs", len(pairs))
	}
	for _, p := range pairs {
		if _, err := p.Leaf.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: pairs[0].CertPool()}); err != nil {
			t.Errorf("%T leaf: %v", p.Key, err)
		}
	}
}
