package peers

import (
	"bytes"
	"fmt"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Steps that break the handshake's message order (RFC 5246 §7.3, RFC 8446
// §4): a message where it does not belong, a message sent twice, a key
// exchange left out, a message split across a key change.

// StepClientHandshakeKeys names the step that moves the write side to
// the TLS 1.3 client handshake traffic key ahead of the Finished step.
const StepClientHandshakeKeys = "ClientHandshakeKeys"

// StepOmitClientKeyExchange names the step that leaves the
// ClientKeyExchange out.
const StepOmitClientKeyExchange = "OmitClientKeyExchange"

// SendAgain sends, as its own record under the current write state, the
// last handshake message of type t in the transcript (the one the client
// sent last), without adding it to the transcript again.
func SendAgain(name string, t wire.HandshakeType) Step {
	return step(name, func(cv *Conversation) error {
		raw := lastMessage(cv.TranscriptBytes(), t)
		if raw == nil {
			return fmt.Errorf("peers: no %s in the transcript to send again", t)
		}
		return cv.hs.c.WriteRecord(wire.ContentHandshake, raw)
	})
}

// lastMessage returns the last message of type t in a transcript of full
// handshake messages, or nil.
func lastMessage(transcript []byte, t wire.HandshakeType) []byte {
	var last []byte
	for i := 0; i+4 <= len(transcript); {
		n := int(transcript[i+1])<<16 | int(transcript[i+2])<<8 | int(transcript[i+3])
		end := min(i+4+n, len(transcript))
		if wire.HandshakeType(transcript[i]) == t {
			last = transcript[i:end:end]
		}
		i = end
	}
	return bytes.Clone(last)
}

// SendPlaintextRecord sends payload as one record of type typ with no
// record protection, whatever the write state: a ChangeCipherSpec after
// the TLS 1.3 Finished is sent in the clear as the compatibility CCS
// is.
func SendPlaintextRecord(name string, typ wire.ContentType, payload []byte) Step {
	return step(name, func(cv *Conversation) error {
		c := cv.hs.c
		n := len(payload)
		rec := append([]byte{byte(typ), byte(c.recVersion >> 8), byte(c.recVersion), byte(n >> 8), byte(n)}, payload...)
		c.observe(Sent, typ, rec, payload, "plaintext")
		return c.WriteRaw(rec)
	})
}

// UseHandshakeKeys moves the TLS 1.3 write side to the client handshake
// traffic key now, so that the records that follow go where the client's
// second flight goes. SendFinished keeps the key (and its sequence
// numbers).
func UseHandshakeKeys() Step {
	return step(StepClientHandshakeKeys, func(cv *Conversation) error {
		if cv.hs.c.version != wire.VersionTLS13 {
			return fmt.Errorf("peers: client handshake traffic keys need TLS 1.3, have %s", cv.hs.c.version)
		}
		return cv.hs.useClientHandshakeKeys()
	})
}

// SendClientHelloNoKeyShares sends a TLS 1.3 ClientHello whose key_share
// lists no share, so that the server must answer with a
// HelloRetryRequest (RFC 8446 §4.2.8).
func SendClientHelloNoKeyShares() Step {
	return step(StepClientHello, func(cv *Conversation) error {
		hs := cv.hs
		if hs.hello == nil {
			if err := hs.buildHello(); err != nil {
				return err
			}
			setExtension(hs.hello, wire.KeyShareClientExt())
			hs.shares = nil
		}
		return hs.sendHello()
	})
}

// OmitClientKeyExchange leaves the ClientKeyExchange out (TLS 1.0-1.2)
// and derives the master secret from pms, as a server that tolerated the
// omission might (the empty secret of CVE-2014-0224): the ChangeCipherSpec
// and Finished that follow use it.
func OmitClientKeyExchange(pms []byte) Step {
	return step(StepOmitClientKeyExchange, func(cv *Conversation) error {
		hs := cv.hs
		if hs.c.spec == nil || hs.server == nil {
			return fmt.Errorf("peers: no key exchange to leave out before the ServerHello")
		}
		hs.pms = bytes.Clone(pms)
		hs.deriveMaster12()
		return nil
	})
}

// SawHelloRetryRequest reports whether the target answered with a
// HelloRetryRequest.
func (cv *Conversation) SawHelloRetryRequest() bool { return cv.hs != nil && cv.hs.sawHRR }

// HelloRetryRequests is how many HelloRetryRequests the target sent (the
// client aborts at a second one, RFC 8446 §4.1.4).
func (cv *Conversation) HelloRetryRequests() int {
	if cv.hs == nil {
		return 0
	}
	return cv.hs.hrrs
}

// ResumptionScript is the handshake of version v when the client offers a
// session to resume, followed by an application-data round trip. TLS
// 1.0-1.2 (RFC 5246 §7.3, Figure 2): ClientHello, ServerHello,
// ServerFinished ([NewSessionTicket], ChangeCipherSpec, Finished),
// ChangeCipherSpec, Finished. TLS 1.3 reads a resumed flight with the
// default steps.
func ResumptionScript(v wire.Version) Script {
	if v == wire.VersionTLS13 {
		return DefaultScript(v)
	}
	return Script{SendClientHello(), ExpectServerHello(), ExpectServerFinished(), SendChangeCipherSpec(), SendFinished(), ExchangeApplicationData()}
}

// StepClientCertificate names the step that sends a requested client
// Certificate on its own.
const StepClientCertificate = "ClientCertificate"

// SendRequestedCertificate sends the client's Certificate now when the
// server asked for one (empty unless ClientConfig.Certificate can answer
// the request; in TLS 1.3 under the client handshake key, followed by its
// CertificateVerify when it carries a chain), and nothing when it did
// not; the ClientKeyExchange and Finished steps then leave it out (the
// TLS 1.0-1.2 CertificateVerify still follows the ClientKeyExchange). A
// check puts it before a message it sends out of place, so that the
// message lands where the ClientKeyExchange or the Finished is due
// whether or not the target requests a certificate.
func SendRequestedCertificate() Step {
	st := step(StepClientCertificate, func(cv *Conversation) error {
		hs := cv.hs
		if !hs.certRequested {
			return nil
		}
		hs.certRequested = false // sent: no later step sends it again
		if hs.c.version != wire.VersionTLS13 {
			if err := hs.send(StepCertificate, hs.clientCertificate()); err != nil {
				return err
			}
			hs.certificateSent()
			return nil
		}
		if !hs.c.out.Protected() {
			if err := hs.useClientHandshakeKeys(); err != nil {
				return err
			}
		}
		if err := hs.send(StepCertificate, hs.clientCertificate()); err != nil {
			return err
		}
		hs.certificateSent()
		return hs.sendCertificateVerify()
	})
	st.Edits = []string{StepCertificate, StepCertificateVerify}
	return st
}
