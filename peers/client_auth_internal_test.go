package peers

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
)

func testSigners(t *testing.T) map[string]crypto.Signer {
	t.Helper()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]crypto.Signer{"rsa": rsaKey, "p256": p256, "p384": p384, "ed25519": ed}
}

// TestClientAuthScheme: the CertificateVerify scheme is the first of the
// key's schemes (kx.SchemesForKey order) that the request lists, under
// the version's rules; none fitting means an empty Certificate.
func TestClientAuthScheme(t *testing.T) {
	keys := testSigners(t)
	v10, v11, v12, v13 := wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13
	none := wire.SignatureScheme(0xffff)
	for _, c := range []struct {
		name    string
		key     string
		v       wire.Version
		offered []wire.SignatureScheme
		want    wire.SignatureScheme
		ok      bool
	}{
		{"1.0 RSA legacy", "rsa", v10, nil, kx.Legacy, true},
		{"1.1 ECDSA legacy", "p256", v11, nil, kx.Legacy, true},
		{"1.1 Ed25519 has no form", "ed25519", v11, nil, 0, false},
		{"1.2 RSA our order, not the server's", "rsa", v12, []wire.SignatureScheme{wire.PKCS1WithSHA256, wire.PSSWithSHA384, wire.PSSWithSHA256}, wire.PSSWithSHA256, true},
		{"1.2 RSA PKCS#1 when the server lists only that", "rsa", v12, []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256, wire.PKCS1WithSHA384}, wire.PKCS1WithSHA384, true},
		{"1.2 ECDSA its curve's hash first", "p384", v12, []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256, wire.ECDSAWithP384AndSHA384}, wire.ECDSAWithP384AndSHA384, true},
		{"1.2 ECDSA any hash", "p384", v12, []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256}, wire.ECDSAWithP256AndSHA256, true},
		{"1.2 Ed25519", "ed25519", v12, []wire.SignatureScheme{wire.PSSWithSHA256, wire.Ed25519}, wire.Ed25519, true},
		{"1.2 ECDSA key, RSA schemes only", "p256", v12, []wire.SignatureScheme{wire.PSSWithSHA256, wire.PKCS1WithSHA256}, 0, false},
		{"1.2 RSA key, ECDSA and Ed25519 only", "rsa", v12, []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256, wire.Ed25519}, 0, false},
		{"1.2 Ed25519 key, no Ed25519", "ed25519", v12, []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256, wire.PSSWithSHA256}, 0, false},
		{"1.2 unknown schemes only", "rsa", v12, []wire.SignatureScheme{none}, 0, false},
		{"1.2 empty list", "rsa", v12, nil, 0, false},
		{"1.3 RSA must use PSS", "rsa", v13, []wire.SignatureScheme{wire.PKCS1WithSHA256, wire.PSSWithSHA512}, wire.PSSWithSHA512, true},
		{"1.3 RSA PKCS#1 only", "rsa", v13, []wire.SignatureScheme{wire.PKCS1WithSHA256, wire.PKCS1WithSHA1}, 0, false},
		{"1.3 ECDSA the key's curve only", "p256", v13, []wire.SignatureScheme{wire.ECDSAWithP384AndSHA384}, 0, false},
		{"1.3 ECDSA P-256", "p256", v13, []wire.SignatureScheme{wire.ECDSAWithP384AndSHA384, wire.ECDSAWithP256AndSHA256}, wire.ECDSAWithP256AndSHA256, true},
		{"1.3 no SHA-1", "p256", v13, []wire.SignatureScheme{wire.ECDSAWithSHA1}, 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := clientAuthScheme(keys[c.key].Public(), c.v, c.offered)
			if ok != c.ok || (ok && got != c.want) {
				t.Errorf("clientAuthScheme = %s, %v; want %s, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

// TestCertificateRequest12Answer: the certificate types and the schemes
// of a TLS 1.0-1.2 request decide between the chain and an empty
// Certificate.
func TestCertificateRequest12Answer(t *testing.T) {
	keys := testSigners(t)
	chain := [][]byte{{0x30, 0x01}, {0x30, 0x02}}
	for _, c := range []struct {
		name  string
		key   string
		v     wire.Version
		types []uint8
		algs  []wire.SignatureScheme
		want  bool
	}{
		{"RSA rsa_sign", "rsa", wire.VersionTLS12, []uint8{1, 64}, []wire.SignatureScheme{wire.PSSWithSHA256}, true},
		{"RSA without rsa_sign", "rsa", wire.VersionTLS12, []uint8{64}, []wire.SignatureScheme{wire.PSSWithSHA256}, false},
		{"ECDSA ecdsa_sign", "p256", wire.VersionTLS12, []uint8{64}, []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256}, true},
		{"ECDSA without ecdsa_sign", "p256", wire.VersionTLS12, []uint8{1}, []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256}, false},
		{"Ed25519 as ecdsa_sign (RFC 8422 §5.5)", "ed25519", wire.VersionTLS12, []uint8{64}, []wire.SignatureScheme{wire.Ed25519}, true},
		{"no scheme fits", "p256", wire.VersionTLS12, []uint8{1, 64}, []wire.SignatureScheme{wire.PSSWithSHA256}, false},
		{"TLS 1.1 RSA", "rsa", wire.VersionTLS11, []uint8{1}, nil, true},
		{"TLS 1.0 ECDSA without ecdsa_sign", "p256", wire.VersionTLS10, []uint8{1}, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			pair := &certs.Pair{Chain: chain, Key: keys[c.key]}
			hs := &clientHS{c: &Conn{version: c.v}, cfg: &ClientConfig{Certificate: pair}}
			req := &wire.CertificateRequest12{CertificateTypes: c.types, HasSignatureAlgorithms: c.v >= wire.VersionTLS12, SignatureAlgorithms: c.algs}
			if err := hs.certificateRequest12(req); err != nil {
				t.Fatal(err)
			}
			if !hs.certRequested {
				t.Error("request not noted")
			}
			got := hs.clientCertificate().(*wire.Certificate12)
			if sent := len(got.Certificates) > 0; sent != c.want || hs.authSign != c.want {
				t.Fatalf("Certificate carries %d certificates (authSign %v), want the chain: %v", len(got.Certificates), hs.authSign, c.want)
			}
			if c.want && len(got.Certificates) != len(chain) {
				t.Errorf("Certificate carries %d certificates, want %d", len(got.Certificates), len(chain))
			}
		})
	}
}

// TestCertificateRequest13Answer: the TLS 1.3 answer echoes the request
// context, takes its scheme from signature_algorithms, and a request
// without that extension is refused only when a certificate could answer
// it.
func TestCertificateRequest13Answer(t *testing.T) {
	keys := testSigners(t)
	chain := [][]byte{{0x30, 0x01}}
	ctx := []byte{7, 7}
	algs := wire.SignatureAlgorithmsExt(wire.PKCS1WithSHA256, wire.PSSWithSHA256)

	hs := &clientHS{c: &Conn{version: wire.VersionTLS13}, cfg: &ClientConfig{Certificate: &certs.Pair{Chain: chain, Key: keys["rsa"]}}}
	if err := hs.certificateRequest13(&wire.CertificateRequest13{Context: ctx, Extensions: []wire.Extension{algs}}); err != nil {
		t.Fatal(err)
	}
	if hs.authScheme != wire.PSSWithSHA256 || !hs.authSign {
		t.Errorf("scheme %s (authSign %v), want rsa_pss_rsae_sha256", hs.authScheme, hs.authSign)
	}
	cert := hs.clientCertificate().(*wire.Certificate13)
	if string(cert.Context) != string(ctx) || len(cert.Entries) != 1 {
		t.Errorf("Certificate context %x with %d entries, want %x with 1", cert.Context, len(cert.Entries), ctx)
	}

	hs = &clientHS{c: &Conn{version: wire.VersionTLS13}, cfg: &ClientConfig{Certificate: &certs.Pair{Chain: chain, Key: keys["p256"]}}}
	if err := hs.certificateRequest13(&wire.CertificateRequest13{Context: ctx, Extensions: []wire.Extension{algs}}); err != nil {
		t.Fatal(err)
	}
	if cert := hs.clientCertificate().(*wire.Certificate13); hs.authSign || len(cert.Entries) != 0 || string(cert.Context) != string(ctx) {
		t.Errorf("ECDSA key, RSA schemes: authSign %v, %d entries, context %x; want an empty Certificate echoing %x", hs.authSign, len(cert.Entries), cert.Context, ctx)
	}

	err := hs.certificateRequest13(&wire.CertificateRequest13{})
	var pe *ProtocolError
	if !errors.As(err, &pe) || pe.Alert != wire.AlertMissingExtension {
		t.Errorf("request without signature_algorithms: %v, want missing_extension", err)
	}
	hs = &clientHS{c: &Conn{version: wire.VersionTLS13}, cfg: &ClientConfig{}}
	if err := hs.certificateRequest13(&wire.CertificateRequest13{}); err != nil {
		t.Errorf("without a certificate the request is not examined: %v", err)
	}
}
