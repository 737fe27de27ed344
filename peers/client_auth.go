package peers

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Client authentication: what the client answers a CertificateRequest
// with. With ClientConfig.Certificate set and a request it can meet, the
// chain and then a CertificateVerify signed by its key (TLS 1.0-1.2: RFC
// 5246 §7.4.6, §7.4.8, RFC 4346/2246 §7.4.6, §7.4.8; TLS 1.3: RFC 8446
// §4.4.2, §4.4.3); otherwise an empty Certificate, as before the field
// existed.

// StepCertificateVerify is no step of its own: it is the name of the edit
// of the client's CertificateVerify, which follows a non-empty client
// Certificate. In TLS 1.0-1.2 the ClientKeyExchange step sends it right
// after the ClientKeyExchange; in TLS 1.3 the Finished step (or
// SendRequestedCertificate) sends it right after the Certificate. It goes
// out as its own record, signed over the transcript as sent, so an edit of
// the steps before it still gets a CertificateVerify that matches.
const StepCertificateVerify = "CertificateVerify"

// TLS 1.0-1.2 ClientCertificateType values (RFC 5246 §7.4.4; RFC 8422
// §5.5: ecdsa_sign also stands for EdDSA keys).
const (
	certTypeRSASign   = 1
	certTypeECDSASign = 64
)

// certificateRequest12 notes a TLS 1.0-1.2 CertificateRequest and decides
// the answer: the configured chain when the request lists the key's
// certificate type and (TLS 1.2) a scheme the key can sign with, an empty
// Certificate otherwise.
func (hs *clientHS) certificateRequest12(req *wire.CertificateRequest12) error {
	hs.certRequested = true
	hs.authScheme, hs.authSign = 0, false
	p := hs.cfg.Certificate
	if p == nil {
		return nil
	}
	if err := checkClientPair(p.Chain, p.Key); err != nil {
		return err
	}
	pub := p.Key.Public()
	if t, ok := certTypeOf(pub); !ok || !slices.Contains(req.CertificateTypes, t) {
		return nil
	}
	scheme, ok := clientAuthScheme(pub, hs.c.version, req.SignatureAlgorithms)
	if !ok {
		return nil
	}
	hs.authScheme, hs.authSign = scheme, true
	return nil
}

// certificateRequest13 notes a TLS 1.3 CertificateRequest (RFC 8446
// §4.3.2): its context, echoed in the Certificate, and, with a configured
// certificate, the scheme from its signature_algorithms (which the
// request must carry) that the key can sign with; without one the
// client answers with an empty Certificate.
func (hs *clientHS) certificateRequest13(req *wire.CertificateRequest13) error {
	hs.certRequested = true
	hs.certContext = req.Context
	hs.authScheme, hs.authSign = 0, false
	p := hs.cfg.Certificate
	if p == nil {
		return nil
	}
	if err := checkClientPair(p.Chain, p.Key); err != nil {
		return err
	}
	e, ok := wire.FindExtension(req.Extensions, wire.ExtSignatureAlgorithms)
	if !ok {
		return protoErr(wire.AlertMissingExtension, "CertificateRequest without signature_algorithms (RFC 8446 §4.3.2)")
	}
	offered, err := wire.ParseSignatureAlgorithms(e.Body)
	if err != nil {
		return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "CertificateRequest signature_algorithms", Err: err}
	}
	scheme, ok := clientAuthScheme(p.Key.Public(), wire.VersionTLS13, offered)
	if !ok {
		return nil
	}
	hs.authScheme, hs.authSign = scheme, true
	return nil
}

func checkClientPair(chain [][]byte, key crypto.Signer) error {
	switch {
	case len(chain) == 0:
		return fmt.Errorf("peers: ClientConfig.Certificate has an empty chain")
	case key == nil:
		return fmt.Errorf("peers: ClientConfig.Certificate has no key")
	}
	return nil
}

// certTypeOf is the TLS 1.0-1.2 certificate type a key signs as.
func certTypeOf(pub crypto.PublicKey) (uint8, bool) {
	switch pub.(type) {
	case *rsa.PublicKey:
		return certTypeRSASign, true
	case *ecdsa.PublicKey, ed25519.PublicKey:
		return certTypeECDSASign, true
	}
	return 0, false
}

// clientAuthScheme is the scheme the client signs its CertificateVerify
// with in version v: below TLS 1.2 the legacy form (kx.Legacy) for an RSA
// or ECDSA key; from TLS 1.2 the first scheme of the client's preference
// for the key (kx.SchemesForKey, which applies the TLS 1.3 rules: RSA-PSS
// only, the ECDSA key's own curve) that the server's CertificateRequest
// listed in offered. ok is false when none fits: the client then sends an
// empty Certificate.
func clientAuthScheme(pub crypto.PublicKey, v wire.Version, offered []wire.SignatureScheme) (wire.SignatureScheme, bool) {
	ours := kx.SchemesForKey(pub, v)
	if v < wire.VersionTLS12 {
		return kx.Legacy, len(ours) > 0
	}
	for _, s := range ours {
		if slices.Contains(offered, s) {
			return s, true
		}
	}
	return 0, false
}

// clientCertificate is the Certificate answering the request: the
// configured chain when the request can be met, empty otherwise. In TLS
// 1.3 it echoes the request's context (RFC 8446 §4.4.2).
func (hs *clientHS) clientCertificate() wire.Message {
	var chain [][]byte
	if hs.authSign {
		chain = hs.cfg.Certificate.Chain
	}
	if hs.c.version < wire.VersionTLS13 {
		return &wire.Certificate12{Certificates: chain}
	}
	m := &wire.Certificate13{Context: hs.certContext}
	for _, der := range chain {
		m.Entries = append(m.Entries, wire.CertificateEntry{Data: der})
	}
	return m
}

// certificateSent notes that the Certificate went out: a CertificateVerify
// is due when it carried the chain. (certRequested stays as the caller
// leaves it: a step sent again sends the Certificate again, as it always
// has.)
func (hs *clientHS) certificateSent() {
	hs.verifyDue = hs.authSign
}

// certificateVerify is the client's CertificateVerify over the transcript
// so far. TLS 1.0-1.2 sign the handshake messages themselves (RFC 5246
// §7.4.8; below 1.2 MD5||SHA-1 for RSA, SHA-1 for ECDSA, with no scheme
// field); TLS 1.3 signs the context string and the transcript hash (RFC
// 8446 §4.4.3).
func (hs *clientHS) certificateVerify() (*wire.CertificateVerify, error) {
	c, scheme := hs.c, hs.authScheme
	var content []byte
	if c.version >= wire.VersionTLS13 {
		content = kx.CertificateVerifyInput13(false, c.transcript.Sum(uint16(wire.VersionTLS13), hs.suiteHash))
	} else {
		content = c.transcript.Bytes()
	}
	sig, err := kx.Sign(hs.cfg.Certificate.Key, scheme, content, c.rand)
	if err != nil {
		return nil, fmt.Errorf("peers: sign the client CertificateVerify: %w", err)
	}
	return &wire.CertificateVerify{HasAlgorithm: c.version >= wire.VersionTLS12, Algorithm: scheme, Signature: sig}, nil
}

// sendCertificateVerify sends the CertificateVerify when one is due (the
// client's Certificate carried a chain), under the StepCertificateVerify
// edit, and nothing otherwise.
func (hs *clientHS) sendCertificateVerify() error {
	if !hs.verifyDue {
		return nil
	}
	hs.verifyDue = false
	cv, err := hs.certificateVerify()
	if err != nil {
		return err
	}
	return hs.send(StepCertificateVerify, cv)
}
