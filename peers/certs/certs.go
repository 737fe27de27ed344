// Package certs makes and loads the test certificates the reference peers
// and the suite present: a CA and a leaf it signed (or a self-signed leaf),
// with the key, in forms crypto/tls and PEM files can use.
//
// Keys other than RSA are derived from the bytes of the given reader, so a
// seeded run reproduces them; since Go 1.26 rsa.GenerateKey and ECDSA
// signing ignore the reader, so RSA keys and ECDSA-signed certificates differ
// from run to run. Validity is fixed by the caller's clock value, never read
// from the wall clock here.
//
// Start with Generate and Pair; pem.go loads and writes PEM files. certs
// imports only the standard library.
package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"time"
)

// Pair is a certificate chain and the leaf's private key.
type Pair struct {
	Chain [][]byte // DER, leaf first
	Leaf  *x509.Certificate
	Key   crypto.Signer
	ca    *x509.Certificate // nil for a self-signed leaf
}

// Validity of generated certificates around the caller's now.
const (
	backdate = time.Hour
	lifetime = 10 * 365 * 24 * time.Hour
)

// Kinds lists the key kinds Generate accepts: "rsa" (RSA-2048), "rsa-3072",
// "rsa-4096", "ecdsa" (P-256), "ecdsa-p384", "ecdsa-p521" and "ed25519".
func Kinds() []string {
	return []string{"rsa", "rsa-3072", "rsa-4096", "ecdsa", "ecdsa-p384", "ecdsa-p521", "ed25519"}
}

// Generate makes a CA and a leaf it signed, both of the given kind, so the
// chain is leaf, CA. hosts become the leaf's SANs (IP addresses as IP SANs,
// everything else as DNS names; default localhost, 127.0.0.1, ::1) and the
// first host its common name. The certificates are valid from now-1h to
// now+10 years; the leaf is good for serverAuth and clientAuth. rand gives
// keys and serial numbers.
func Generate(kind string, hosts []string, rand io.Reader, now time.Time) (*Pair, error) {
	return generate(kind, hosts, rand, now, true)
}

// GenerateSelfSigned is Generate without the CA: the chain is the leaf
// alone and CA returns nil.
func GenerateSelfSigned(kind string, hosts []string, rand io.Reader, now time.Time) (*Pair, error) {
	return generate(kind, hosts, rand, now, false)
}

// checkInputs checks a generator's randomness and clock, and gives the
// hosts with their default.
func checkInputs(hosts []string, rand io.Reader, now time.Time) ([]string, error) {
	if rand == nil {
		return nil, errors.New("certs: nil random source")
	}
	if now.IsZero() {
		return nil, errors.New("certs: zero time: pass the clock value to fix validity")
	}
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	return hosts, nil
}

func generate(kind string, hosts []string, rand io.Reader, now time.Time, withCA bool) (*Pair, error) {
	hosts, err := checkInputs(hosts, rand, now)
	if err != nil {
		return nil, err
	}
	leafKey, err := newKey(kind, rand)
	if err != nil {
		return nil, err
	}
	leafTmpl, err := leafTemplate(hosts, leafKey, rand, now)
	if err != nil {
		return nil, err
	}
	if !withCA {
		leafTmpl.BasicConstraintsValid = true
		leafDER, err := x509.CreateCertificate(rand, leafTmpl, leafTmpl, leafKey.Public(), leafKey)
		if err != nil {
			return nil, fmt.Errorf("certs: self-signing the leaf: %w", err)
		}
		leaf, err := x509.ParseCertificate(leafDER)
		if err != nil {
			return nil, fmt.Errorf("certs: parsing the new leaf: %w", err)
		}
		return &Pair{Chain: [][]byte{leafDER}, Leaf: leaf, Key: leafKey}, nil
	}

	ca, caKey, err := newCA(kind, rand, now)
	if err != nil {
		return nil, err
	}
	return signLeaf(leafTmpl, leafKey, ca, caKey, rand)
}

// GenerateSet makes one CA of caKind and, for each of kinds, a leaf it
// signed, as Generate does: servers that present several certificates
// (an RSA and an ECDSA one) to a client that trusts one CA.
func GenerateSet(caKind string, kinds []string, hosts []string, rand io.Reader, now time.Time) ([]*Pair, error) {
	hosts, err := checkInputs(hosts, rand, now)
	if err != nil {
		return nil, err
	}
	ca, caKey, err := newCA(caKind, rand, now)
	if err != nil {
		return nil, err
	}
	var out []*Pair
	for _, kind := range kinds {
		leafKey, err := newKey(kind, rand)
		if err != nil {
			return nil, err
		}
		leafTmpl, err := leafTemplate(hosts, leafKey, rand, now)
		if err != nil {
			return nil, err
		}
		p, err := signLeaf(leafTmpl, leafKey, ca, caKey, rand)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// newCA makes a self-signed CA of the given kind.
func newCA(kind string, rand io.Reader, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	caKey, err := newKey(kind, rand)
	if err != nil {
		return nil, nil, err
	}
	caSerial, err := serial(rand)
	if err != nil {
		return nil, nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          caSerial,
		Subject:               pkix.Name{Organization: []string{"tlsconform"}, CommonName: "tlsconform test CA (" + kind + ")"},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(lifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: signing the CA: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: parsing the new CA: %w", err)
	}
	return ca, caKey, nil
}

// signLeaf signs the leaf with the CA; the chain is leaf, CA.
func signLeaf(leafTmpl *x509.Certificate, leafKey crypto.Signer, ca *x509.Certificate, caKey crypto.Signer, rand io.Reader) (*Pair, error) {
	leafDER, err := x509.CreateCertificate(rand, leafTmpl, ca, leafKey.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("certs: signing the leaf: %w", err)
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		return nil, fmt.Errorf("certs: parsing the new leaf: %w", err)
	}
	return &Pair{Chain: [][]byte{leafDER, ca.Raw}, Leaf: leaf, Key: leafKey, ca: ca}, nil
}

func leafTemplate(hosts []string, key crypto.Signer, rand io.Reader, now time.Time) (*x509.Certificate, error) {
	sn, err := serial(rand)
	if err != nil {
		return nil, err
	}
	t := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{Organization: []string{"tlsconform"}, CommonName: hosts[0]},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(lifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if _, ok := key.(*rsa.PrivateKey); ok {
		// TLS 1.2 RSA key transport encrypts to the leaf (RFC 5246 §7.4.2).
		t.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			t.IPAddresses = append(t.IPAddresses, ip)
		} else {
			t.DNSNames = append(t.DNSNames, h)
		}
	}
	return t, nil
}

// serial is a positive 127-bit number read from rand (RFC 5280 §4.1.2.2:
// positive, at most 20 octets).
func serial(rand io.Reader) (*big.Int, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(rand, b); err != nil {
		return nil, fmt.Errorf("certs: reading a serial number: %w", err)
	}
	b[0] = b[0]&0x7f | 0x40 // positive, fixed length
	return new(big.Int).SetBytes(b), nil
}

// maxScalarTries bounds rejection sampling of ECDSA scalars.
const maxScalarTries = 64

func newKey(kind string, rand io.Reader) (crypto.Signer, error) {
	switch kind {
	case "rsa", "rsa-2048":
		return rsaKey(rand, 2048)
	case "rsa-3072":
		return rsaKey(rand, 3072)
	case "rsa-4096":
		return rsaKey(rand, 4096)
	case "ecdsa", "ecdsa-p256":
		return ecdsaKey(elliptic.P256(), rand)
	case "ecdsa-p384":
		return ecdsaKey(elliptic.P384(), rand)
	case "ecdsa-p521":
		return ecdsaKey(elliptic.P521(), rand)
	case "ed25519":
		seed := make([]byte, ed25519.SeedSize)
		if _, err := io.ReadFull(rand, seed); err != nil {
			return nil, fmt.Errorf("certs: reading an Ed25519 seed: %w", err)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	return nil, fmt.Errorf("certs: unknown key kind %q (want one of %q)", kind, Kinds())
}

func rsaKey(rand io.Reader, bits int) (crypto.Signer, error) {
	k, err := rsa.GenerateKey(rand, bits)
	if err != nil {
		return nil, fmt.Errorf("certs: generating RSA-%d: %w", bits, err)
	}
	return k, nil
}

// ecdsaKey reads the scalar from rand and rejection-samples it into
// [1, n-1] (SEC 1 §2.3.6), so the key is a function of the bytes read.
func ecdsaKey(c elliptic.Curve, rand io.Reader) (crypto.Signer, error) {
	buf := make([]byte, (c.Params().BitSize+7)/8)
	for range maxScalarTries {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, fmt.Errorf("certs: reading an ECDSA key: %w", err)
		}
		if c == elliptic.P521() {
			buf[0] &= 0x01
		}
		if k, err := ecdsa.ParseRawPrivateKey(c, buf); err == nil {
			return k, nil
		}
	}
	return nil, fmt.Errorf("certs: no valid %s scalar in %d tries from the random source", c.Params().Name, maxScalarTries)
}

// CA is the issuing CA, or nil for a self-signed leaf.
func (p *Pair) CA() *x509.Certificate { return p.ca }

// root is the certificate a peer must trust: the CA, else the last
// certificate of the chain (the leaf when self-signed).
func (p *Pair) root() *x509.Certificate {
	if p.ca != nil {
		return p.ca
	}
	if len(p.Chain) > 1 {
		if c, err := x509.ParseCertificate(p.Chain[len(p.Chain)-1]); err == nil {
			return c
		}
	}
	return p.Leaf
}

// CertPool returns a new pool trusting the pair's root.
func (p *Pair) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root())
	return pool
}

// TLSCertificate is the pair for a crypto/tls Config (server or client).
func (p *Pair) TLSCertificate() tls.Certificate {
	return tls.Certificate{Certificate: p.Chain, PrivateKey: p.Key, Leaf: p.Leaf}
}
