package certs

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// WritePEM writes the chain (leaf first) to certFile and the key as PKCS#8
// to keyFile, readable by the owner only.
func (p *Pair) WritePEM(certFile, keyFile string) error {
	var chain bytes.Buffer
	for _, der := range p.Chain {
		if err := pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: der}); err != nil {
			return fmt.Errorf("certs: %s: %w", certFile, err)
		}
	}
	if err := os.WriteFile(certFile, chain.Bytes(), 0o644); err != nil {
		return fmt.Errorf("certs: writing %s: %w", certFile, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(p.Key)
	if err != nil {
		return fmt.Errorf("certs: %s: encoding the key: %w", keyFile, err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("certs: writing %s: %w", keyFile, err)
	}
	return nil
}

// WriteCAPEM writes the root a peer must trust: the CA, or the leaf itself
// when self-signed.
func (p *Pair) WriteCAPEM(file string) error {
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.root().Raw})
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return fmt.Errorf("certs: writing %s: %w", file, err)
	}
	return nil
}

// Load reads a PEM chain (leaf first; other block types are skipped) and a
// PEM private key (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY" or SEC 1
// "EC PRIVATE KEY"), and checks that the key belongs to the leaf. A last
// certificate that is a self-signed CA becomes the pair's CA. Errors name
// the file at fault.
func Load(certFile, keyFile string) (*Pair, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err) // *PathError names the file
	}
	p := &Pair{}
	var certs []*x509.Certificate
	for rest := certPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certs: %s: certificate %d: %w", certFile, len(certs)+1, err)
		}
		certs = append(certs, c)
		p.Chain = append(p.Chain, block.Bytes)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("certs: %s: no PEM CERTIFICATE block", certFile)
	}
	p.Leaf = certs[0]
	if last := certs[len(certs)-1]; len(certs) > 1 && last.IsCA && last.CheckSignatureFrom(last) == nil {
		p.ca = last
	}

	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certs: %s: %w", keyFile, err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(p.Leaf.PublicKey) {
		return nil, fmt.Errorf("certs: %s: the key does not match the leaf certificate in %s", keyFile, certFile)
	}
	p.Key = key
	return p, nil
}

func parseKey(data []byte) (crypto.Signer, error) {
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM private key block (want PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)")
		}
		var key any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "EC PARAMETERS":
			continue
		default:
			return nil, fmt.Errorf("unsupported PEM block %q (want PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", block.Type, err)
		}
		s, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%s: a %T cannot sign", block.Type, key)
		}
		return s, nil
	}
}
