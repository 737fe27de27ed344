package peers

import (
	"crypto/x509"
	"fmt"

	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// The reference server does not ask for client certificates on its own.
// A misbehaviour that sends a CertificateRequest (in whatever slot) takes
// it from CertificateRequest, which also makes the server read what a
// client must answer: its Certificate, and a CertificateVerify when that
// carries a chain (RFC 5246 §7.4.6, §7.4.8; RFC 8446 §4.4.2, §4.4.3). A
// client that takes the request where it came therefore goes on, and is
// seen going on.

// requestSchemes are the signature schemes a CertificateRequest lists.
var requestSchemes = []wire.SignatureScheme{
	wire.ECDSAWithP256AndSHA256, wire.ECDSAWithP384AndSHA384, wire.PSSWithSHA256, wire.PSSWithSHA384,
	wire.PKCS1WithSHA256, wire.PKCS1WithSHA384, wire.Ed25519,
}

// CertificateRequest is a CertificateRequest for the negotiated version
// (TLS 1.0-1.2: RSA and ECDSA certificate types, with
// supported_signature_algorithms from TLS 1.2; TLS 1.3: an empty context
// and signature_algorithms), and makes the server read the client's
// answer to it.
func (st *ServerState) CertificateRequest() wire.Message {
	st.certRequested = true
	if st.version == wire.VersionTLS13 {
		return &wire.CertificateRequest13{Context: []byte{}, Extensions: []wire.Extension{wire.SignatureAlgorithmsExt(requestSchemes...)}}
	}
	return &wire.CertificateRequest12{CertificateTypes: []uint8{certTypeRSASign, certTypeECDSASign},
		HasSignatureAlgorithms: st.version >= wire.VersionTLS12, SignatureAlgorithms: requestSchemes}
}

// readClientCertificate reads the client's Certificate when the server
// asked for one, and returns its leaf (nil for an empty Certificate, or
// when nothing was asked).
func (st *ServerState) readClientCertificate() (*x509.Certificate, error) {
	if !st.certRequested {
		return nil, nil
	}
	if st.version < wire.VersionTLS13 {
		st.SetParseContext(wire.Context{Version: st.version})
	}
	m, _, err := st.expectClient(wire.TypeCertificate)
	if err != nil {
		return nil, err
	}
	var chain [][]byte
	switch m := m.(type) {
	case *wire.Certificate12:
		chain = m.Certificates
	case *wire.Certificate13:
		if len(m.Context) != 0 {
			return nil, protoErr(wire.AlertIllegalParameter, "client Certificate with a certificate_request_context the request did not have (RFC 8446 §4.4.2)")
		}
		for _, e := range m.Entries {
			chain = append(chain, e.Data)
		}
	default:
		return nil, protoErr(wire.AlertUnexpectedMessage, "got %T, want Certificate", m)
	}
	if len(chain) == 0 {
		return nil, nil
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		return nil, &ProtocolError{Alert: wire.AlertBadCertificate, Reason: "client certificate does not parse", Err: err}
	}
	return leaf, nil
}

// readClientCertificateVerify reads and verifies the client's
// CertificateVerify for leaf (nothing when leaf is nil): over the
// handshake messages so far below TLS 1.3 (RFC 5246 §7.4.8), over the
// client context string and the transcript hash in TLS 1.3 (RFC 8446
// §4.4.3).
func (st *ServerState) readClientCertificateVerify(leaf *x509.Certificate) error {
	if leaf == nil {
		return nil
	}
	c := st.Conn
	var content []byte
	if c.version == wire.VersionTLS13 {
		content = kx.CertificateVerifyInput13(false, c.transcript.Sum(uint16(wire.VersionTLS13), c.spec.PRF))
	} else {
		content = c.transcript.Bytes()
	}
	m, _, err := st.expectClient(wire.TypeCertificateVerify)
	if err != nil {
		return err
	}
	cv := m.(*wire.CertificateVerify)
	scheme := cv.Algorithm
	if c.version < wire.VersionTLS12 {
		scheme = kx.Legacy
	}
	if err := kx.Verify(leaf.PublicKey, scheme, content, cv.Signature); err != nil {
		return &ProtocolError{Alert: wire.AlertDecryptError, Reason: fmt.Sprintf("client CertificateVerify (%s)", scheme), Err: err}
	}
	return nil
}
