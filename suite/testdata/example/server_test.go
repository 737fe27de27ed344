package mytls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/suite"
)

// config is the server's configuration, with a certificate made now.
func config(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// startMyServer runs Serve on a free loopback port until the test ends.
func startMyServer(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Serve(ln, config(t)) }()
	t.Cleanup(func() {
		ln.Close()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return ln
}

// TestTLSConformance checks the server as it runs, through its listener.
func TestTLSConformance(t *testing.T) {
	ln := startMyServer(t)
	suite.Test(t, suite.Addr(ln.Addr().String()), suite.Options{Expect: "testdata/tls.expect.json"})
}

// TestTLSConfigConformance checks the *tls.Config alone: the suite serves
// it in-process.
func TestTLSConfigConformance(t *testing.T) {
	suite.Test(t, suite.Config(config(t)), suite.Options{Expect: "testdata/tls.expect.json"})
}

// TestTLSClientConformance checks a client configuration: the suite
// serves it from its reference server, one check at a time.
func TestTLSClientConformance(t *testing.T) {
	suite.TestClient(t, suite.ClientConfig(&tls.Config{MinVersion: tls.VersionTLS12}), suite.Options{Expect: "testdata/tls-client.expect.json"})
}
