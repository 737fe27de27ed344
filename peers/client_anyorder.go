package peers

import (
	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// The flight readers of a misbehaving client that takes the server's
// messages in whatever order they come (ClientPlan.AnyOrder): each
// message is taken when it arrives and added to the transcript then, a
// signature is checked over the transcript as it stood when the
// signature arrived, once the certificate it needs is there. A message
// the flight does not have, or a second one of a type, still goes to
// the plan's Unexpected step. A server that sends its flight out of
// order, each message covering what it sent before it, gets through
// such a client: a correct client refuses the first message out of its
// place (RFC 5246 §7.3, RFC 8446 §4).

// readFlight12AnyOrder reads Certificate, ServerKeyExchange (when the
// key exchange has one), an optional CertificateRequest and
// ServerHelloDone in any order, until it has all of them.
func (hs *clientHS) readFlight12AnyOrder() error {
	c, spec := hs.c, hs.c.spec
	needSKE := spec.KX == suites.KXECDHE || spec.KX == suites.KXDHE
	var gotCert, gotCR, done bool
	for !done || !gotCert || needSKE && hs.ske == nil {
		m, raw, err := c.readHandshake(false)
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case *wire.Certificate12:
			if gotCert {
				break
			}
			gotCert = true
			if err := hs.parseCertificates(m.Certificates); err != nil {
				return err
			}
			c.transcript.Add(raw)
			continue
		case *wire.ServerKeyExchange:
			if !needSKE || hs.ske != nil {
				break
			}
			hs.ske = m
			c.transcript.Add(raw)
			continue
		case *wire.CertificateRequest12:
			if gotCR {
				break
			}
			gotCR = true
			if err := hs.certificateRequest12(m); err != nil {
				return err
			}
			c.transcript.Add(raw)
			continue
		case *wire.ServerHelloDone:
			if done {
				break
			}
			done = true
			c.transcript.Add(raw)
			continue
		}
		if err := hs.plan.Unexpected(m.Type(), wire.TypeServerHelloDone); err != nil {
			return err
		}
	}
	if needSKE {
		return hs.verifySKE(hs.ske, hs.serverCerts[0].PublicKey)
	}
	return nil
}

// readFlight13AnyOrder reads EncryptedExtensions, an optional
// CertificateRequest, Certificate and CertificateVerify (unless the
// handshake resumed) in any order, then the Finished, which must come
// once the others have.
func (hs *clientHS) readFlight13AnyOrder() error {
	c, h := hs.c, hs.suiteHash
	var gotEE, gotCR, gotCert bool
	var cv *wire.CertificateVerify
	var cvHash []byte
	skipCCS := true
	for {
		complete := gotEE && (c.resumed || gotCert && cv != nil)
		m, raw, err := c.readHandshake(skipCCS)
		if err != nil {
			return err
		}
		skipCCS = false
		th := c.transcript.Sum(uint16(wire.VersionTLS13), h)
		taken := false
		switch m := m.(type) {
		case *wire.EncryptedExtensions:
			if taken = !gotEE; taken {
				gotEE = true
				if err := hs.checkEncryptedExtensions(m); err != nil {
					return err
				}
			}
		case *wire.CertificateRequest13:
			if taken = !gotCR && !c.resumed; taken {
				gotCR = true
				if err := hs.certificateRequest13(m); err != nil {
					return err
				}
			}
		case *wire.Certificate13:
			if taken = !gotCert && !c.resumed; taken {
				gotCert = true
				chain := make([][]byte, len(m.Entries))
				for i, e := range m.Entries {
					chain[i] = e.Data
				}
				if err := hs.parseCertificates(chain); err != nil {
					return err
				}
			}
		case *wire.CertificateVerify:
			if taken = cv == nil && !c.resumed; taken {
				cv, cvHash = m, th
			}
		case *wire.Finished:
			if complete {
				c.transcript.Add(raw)
				return hs.checkFinished13(m, keys.FinishedMAC(h, hs.sHS, th))
			}
		}
		if !taken {
			if err := hs.plan.Unexpected(m.Type(), wire.TypeFinished); err != nil {
				return err
			}
			continue
		}
		c.transcript.Add(raw)
		if _, isCV := m.(*wire.CertificateVerify); isCV && gotCert || gotCert && cv != nil && m.Type() == wire.TypeCertificate {
			if err := hs.verifyCertificateVerify13(cv, cvHash); err != nil {
				return err
			}
		}
	}
}
