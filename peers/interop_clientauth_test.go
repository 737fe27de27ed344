package peers_test

// Client authentication against crypto/tls (RFC 5246 §7.4.6, §7.4.8; RFC
// 8446 §4.4.2, §4.4.3). TLS 1.0 needs the tls10server setting, which
// interop_go_test.go sets for the whole test binary.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// clientPairs are client certificates (leaf and CA) generated once per
// test binary, one per key kind.
var clientPairs = sync.OnceValues(func() (map[string]*certs.Pair, error) {
	out := map[string]*certs.Pair{}
	for _, kind := range []string{"rsa", "ecdsa", "ed25519"} {
		p, err := certs.Generate(kind, []string{"client.test"}, rand.Reader, time.Now())
		if err != nil {
			return nil, err
		}
		out[kind] = p
	}
	return out, nil
})

func clientPair(t *testing.T, kind string) *certs.Pair {
	t.Helper()
	m, err := clientPairs()
	if err != nil {
		t.Fatalf("generate client certificates: %v", err)
	}
	return m[kind]
}

// peerChains runs a crypto/tls echo server with auth as its ClientAuth,
// limited to version v, and returns its address and a channel that gets
// the chain the client presented (possibly empty) for every handshake the
// server completes.
func peerChains(t *testing.T, v wire.Version, auth tls.ClientAuthType) (string, <-chan [][]byte) {
	t.Helper()
	got := make(chan [][]byte, 8)
	addr := startGoServer(t, func(c *tls.Config) {
		c.MinVersion, c.MaxVersion = uint16(v), uint16(v)
		c.ClientAuth = auth
		c.VerifyConnection = func(cs tls.ConnectionState) error {
			var chain [][]byte
			for _, cert := range cs.PeerCertificates {
				chain = append(chain, cert.Raw)
			}
			select {
			case got <- chain:
			default:
			}
			return nil
		}
	})
	return addr, got
}

// receivedChain is the chain the server saw in the handshake that just
// completed: the round trip made the server finish its handshake (and
// run VerifyConnection) before it echoed, so the chain is there already.
func receivedChain(t *testing.T, got <-chan [][]byte) [][]byte {
	t.Helper()
	select {
	case chain := <-got:
		return chain
	default:
		t.Fatal("the server completed no handshake")
		return nil
	}
}

func authConfig(p *pki, v wire.Version, cert *certs.Pair) *peers.ClientConfig {
	return &peers.ClientConfig{
		Versions:    []wire.Version{v},
		RootCAs:     p.pool,
		ServerName:  "localhost",
		Timeout:     5 * time.Second,
		Certificate: cert,
	}
}

type authCase struct {
	version wire.Version
	kind    string
}

// authCases: RSA and ECDSA at every version; Ed25519 where TLS signs
// with it (1.2 and 1.3).
func authCases() []authCase {
	var out []authCase
	for _, v := range []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13} {
		for _, kind := range []string{"rsa", "ecdsa", "ed25519"} {
			if kind == "ed25519" && v < wire.VersionTLS12 {
				continue
			}
			out = append(out, authCase{v, kind})
		}
	}
	return out
}

// TestClientCertificateAgainstGoServer: a crypto/tls server that requires
// a client certificate completes the handshake with the reference client
// presenting one, and received exactly the configured chain (crypto/tls
// checks the CertificateVerify signature itself).
func TestClientCertificateAgainstGoServer(t *testing.T) {
	p := mustPKI(t)
	for _, ac := range authCases() {
		t.Run(ac.version.Short()+"/"+ac.kind, func(t *testing.T) {
			pair := clientPair(t, ac.kind)
			addr, got := peerChains(t, ac.version, tls.RequireAnyClientCert)
			c, err := peers.Dial(context.Background(), addr, authConfig(p, ac.version, pair))
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer c.Close()
			if c.Version() != ac.version {
				t.Errorf("version %s, want %s", c.Version(), ac.version)
			}
			roundTrip(t, c)
			checkChain(t, receivedChain(t, got), pair)
		})
	}
}

// checkChain requires chain to be the pair's chain, leaf first, and to
// verify to the pair's CA for client authentication.
func checkChain(t *testing.T, chain [][]byte, pair *certs.Pair) {
	t.Helper()
	if len(chain) != len(pair.Chain) {
		t.Fatalf("server received %d certificates, want %d", len(chain), len(pair.Chain))
	}
	for i := range chain {
		if !bytes.Equal(chain[i], pair.Chain[i]) {
			t.Errorf("certificate %d differs from the configured chain", i)
		}
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		t.Fatalf("received leaf: %v", err)
	}
	inter := x509.NewCertPool()
	for _, der := range chain[1:] {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatalf("received chain: %v", err)
		}
		inter.AddCert(cert)
	}
	opts := x509.VerifyOptions{Roots: pair.CertPool(), Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := leaf.Verify(opts); err != nil {
		t.Errorf("received chain does not verify for client auth: %v", err)
	}
}

// TestClientCertificateScriptAgainstGoServer: the default script (the
// suite's path) presents the certificate too, and an edit registered as
// StepCertificateVerify reaches the signature: a flipped byte makes the
// server refuse.
func TestClientCertificateScriptAgainstGoServer(t *testing.T) {
	p := mustPKI(t)
	for _, v := range []wire.Version{wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13} {
		for _, kind := range []string{"rsa", "ecdsa"} {
			t.Run(v.Short()+"/"+kind, func(t *testing.T) {
				pair := clientPair(t, kind)
				addr, got := peerChains(t, v, tls.RequireAnyClientCert)
				cv := peers.RunScript(context.Background(), peers.TCP(addr), authConfig(p, v, pair), peers.DefaultScript(v))
				if cv.Outcome.Kind != peers.OutcomeCompleted {
					t.Fatalf("outcome %v, want completed", cv.Outcome)
				}
				checkChain(t, receivedChain(t, got), pair)
			})
			t.Run(v.Short()+"/"+kind+"/corrupt signature", func(t *testing.T) {
				pair := clientPair(t, kind)
				addr, _ := peerChains(t, v, tls.RequireAnyClientCert)
				edited := false
				flip := func(cv *peers.Conversation) {
					cv.Edit(peers.StepCertificateVerify, func(raw []byte) []byte {
						edited = true
						raw[len(raw)-1] ^= 0x01
						return raw
					})
				}
				// The TLS 1.3 client has nothing to read after its
				// Finished: the server's refusal comes to ExpectRejection.
				script := peers.DefaultScript(v).Before(peers.StepApplicationData).Then(peers.ExpectRejection(false))
				cv := peers.RunScript(context.Background(), peers.TCP(addr), authConfig(p, v, pair), script, flip)
				if !edited {
					t.Fatal("no CertificateVerify went through the edit")
				}
				// RFC 8446 §4.4.3; RFC 5246 §7.2.2 (decrypt_error: a
				// handshake signature could not be verified).
				if cv.Outcome.Kind != peers.OutcomeAlert || cv.Outcome.Alert.Description != wire.AlertDecryptError {
					t.Fatalf("outcome %v, want a decrypt_error alert", cv.Outcome)
				}
			})
		}
	}
}

// TestNoClientCertificateRejected: without Certificate the same servers
// refuse the handshake with an alert, so the tests above can fail.
func TestNoClientCertificateRejected(t *testing.T) {
	p := mustPKI(t)
	for _, v := range []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13} {
		t.Run(v.Short(), func(t *testing.T) {
			addr, _ := peerChains(t, v, tls.RequireAnyClientCert)
			c, err := peers.Dial(context.Background(), addr, authConfig(p, v, nil))
			if err == nil {
				// A TLS 1.3 client's handshake ends with its Finished; the
				// server's refusal is the next thing it reads. (Nothing is
				// written first: the server would reset the connection on
				// unread data, which can destroy the alert.)
				defer c.Close()
				_, err = c.Read(make([]byte, 16))
			}
			a, ok := peers.ReceivedAlert(err)
			if !ok {
				t.Fatalf("got %v, want an alert from the server", err)
			}
			want := wire.AlertHandshakeFailure // RFC 5246 §7.4.6
			if v == wire.VersionTLS13 {
				want = wire.AlertCertificateRequired // RFC 8446 §4.4.2.4
			}
			if a.Description != want {
				t.Errorf("alert %s, want %s", a.Description, want)
			}
		})
	}
}

// TestClientCertificateUnusable: when the key cannot answer the request
// (Ed25519 below TLS 1.2, which has no form for it) the client sends an
// empty Certificate, and a server that only requests one completes
// without a peer certificate.
func TestClientCertificateUnusable(t *testing.T) {
	p := mustPKI(t)
	for _, v := range []wire.Version{wire.VersionTLS10, wire.VersionTLS11} {
		t.Run(v.Short(), func(t *testing.T) {
			addr, got := peerChains(t, v, tls.RequestClientCert)
			c, err := peers.Dial(context.Background(), addr, authConfig(p, v, clientPair(t, "ed25519")))
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer c.Close()
			roundTrip(t, c)
			if chain := receivedChain(t, got); len(chain) != 0 {
				t.Errorf("server received %d certificates, want none", len(chain))
			}
		})
	}
}

// TestClientCertificateSigningError: a key that fails to sign ends the
// handshake with an error that says so.
func TestClientCertificateSigningError(t *testing.T) {
	p := mustPKI(t)
	pair := clientPair(t, "ecdsa")
	broken := &certs.Pair{Chain: pair.Chain, Leaf: pair.Leaf, Key: failingSigner{pair.Key}}
	for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS13} {
		t.Run(v.Short(), func(t *testing.T) {
			addr, _ := peerChains(t, v, tls.RequireAnyClientCert)
			_, err := peers.Dial(context.Background(), addr, authConfig(p, v, broken))
			if !errors.Is(err, errSignerBroken) || !errors.Is(err, kx.ErrSigning) {
				t.Fatalf("got %v, want the signer's error as a kx signing failure", err)
			}
		})
	}
}

var errSignerBroken = errors.New("test signer refuses to sign")

// failingSigner has a usable public key but cannot sign.
type failingSigner struct{ crypto.Signer }

func (failingSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errSignerBroken
}

// TestClientCertificateOtherSteps: the steps that send the client
// Certificate other than the default ones send the chain and its
// CertificateVerify where they belong: SendRequestedCertificate ahead of
// the ClientKeyExchange (TLS 1.2, the CertificateVerify still after the
// ClientKeyExchange) or of the Finished (TLS 1.3), and
// SendClientKeyExchangeChanged.
func TestClientCertificateOtherSteps(t *testing.T) {
	p := mustPKI(t)
	unchanged := func(_ *peers.Conversation, cke *wire.ClientKeyExchange) ([]byte, []byte, error) {
		raw, err := cke.Marshal()
		return raw, nil, err
	}
	s12, s13 := peers.DefaultScript(wire.VersionTLS12), peers.DefaultScript(wire.VersionTLS13)
	for _, c := range []struct {
		name   string
		v      wire.Version
		script peers.Script
	}{
		{"1.2 SendRequestedCertificate", wire.VersionTLS12, s12.InsertBefore(peers.StepClientKeyExchange, peers.SendRequestedCertificate())},
		{"1.3 SendRequestedCertificate", wire.VersionTLS13, s13.InsertBefore(peers.StepFinished, peers.UseHandshakeKeys(), peers.SendRequestedCertificate())},
		{"1.2 SendClientKeyExchangeChanged", wire.VersionTLS12, s12.Replace(peers.StepClientKeyExchange, peers.SendClientKeyExchangeChanged(unchanged))},
	} {
		t.Run(c.name, func(t *testing.T) {
			pair := clientPair(t, "ecdsa")
			addr, got := peerChains(t, c.v, tls.RequireAnyClientCert)
			cv := peers.RunScript(context.Background(), peers.TCP(addr), authConfig(p, c.v, pair), c.script)
			if cv.Outcome.Kind != peers.OutcomeCompleted {
				t.Fatalf("outcome %v, want completed", cv.Outcome)
			}
			checkChain(t, receivedChain(t, got), pair)
		})
	}
}
