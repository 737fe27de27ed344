package suite

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// probeError says, in a sentence or two, why a target could not be
// probed and what to try.
func probeError(target string, err error) error {
	switch {
	case errors.Is(err, ErrUnreachable):
		return fmt.Errorf("nothing answers at %s: %w. Check that the server is running and listens on that address", target, err)
	case errors.Is(err, ErrSilent):
		return fmt.Errorf("%s is not usable: %w. Check that it is a TLS server on that port and that it is not stuck; a slow one may need a longer -timeout", target, err)
	case errors.Is(err, ErrNoHandshake):
		return fmt.Errorf("%s is not usable: %w. Check that it is a TLS server (not plain TCP or HTTP) and that it shares a cipher suite with the suite's client", target, err)
	}
	return fmt.Errorf("probing %s: %w", target, err)
}

// SetupError is err, from opening a target or starting a run, as a person
// reads it: the package prefixes the chain picked up are dropped, so that
// what is left is what went wrong and what to try.
func SetupError(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	for _, p := range []string{"suite: ", "targets: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	var ne net.Error
	if !errors.Is(err, ErrUnreachable) && (errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &ne) && ne.Timeout()) {
		msg = "cannot " + strings.Replace(msg, "connect ", "connect to ", 1) + ". Check that the server is running and listens on that address"
	}
	return msg
}

// LoadClientCertificate reads a PEM certificate chain and its private key
// (the -client-cert and -client-key flags).
func LoadClientCertificate(certFile, keyFile string) (*tls.Certificate, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("-client-cert and -client-key go together: give both, a PEM certificate chain and its private key")
	}
	c, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("client certificate %s with key %s: %w", certFile, keyFile, err)
	}
	return &c, nil
}

// certPair is a tls.Certificate as the engine presents it.
func certPair(c *tls.Certificate) (*certs.Pair, error) {
	if c == nil {
		return nil, nil
	}
	if len(c.Certificate) == 0 {
		return nil, errors.New("client certificate: the chain is empty")
	}
	signer, ok := c.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("client certificate: its private key (%T) cannot sign", c.PrivateKey)
	}
	leaf := c.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
	}
	return &certs.Pair{Chain: c.Certificate, Leaf: leaf, Key: signer}, nil
}

// ParseVersions reads a -versions value: "1.2,1.3" (blank items are
// ignored; "" is no pin).
func ParseVersions(s string) ([]wire.Version, error) {
	var pin []wire.Version
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		ver, err := wire.ParseVersion(v)
		if err != nil {
			return nil, err
		}
		pin = append(pin, ver)
	}
	return pin, nil
}
