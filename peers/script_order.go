package peers

import (
	"bytes"
	"fmt"
	"io"

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

// SendOutOfPlace sends the message build returns as one handshake record
// under the current write state, and leaves it out of the transcript: a
// message where it does not belong. A target that drops it wholly then
// completes the handshake; one that hashes it fails the Finished. Either
// way a check sees that it did not reject the message.
func SendOutOfPlace(name string, build func(*Conversation) (wire.Message, error)) Step {
	return step(name, func(cv *Conversation) error {
		m, err := build(cv)
		if err != nil {
			return err
		}
		raw, err := m.Marshal()
		if err != nil {
			return fmt.Errorf("peers: marshal %s: %w", m.Type(), err)
		}
		return cv.hs.c.WriteRecord(wire.ContentHandshake, raw)
	})
}

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

// SendClientHelloTrailing sends the ClientHello with extra bytes after it
// in the same record; only the ClientHello goes into the transcript. In
// TLS 1.3 a key change follows the ClientHello, so a message may not
// begin in its record (RFC 8446 §5.1).
func SendClientHelloTrailing(extra []byte) Step {
	return step(StepClientHello, func(cv *Conversation) error {
		hs := cv.hs
		if hs.hello == nil {
			if err := hs.buildHello(); err != nil {
				return err
			}
		}
		raw, err := hs.hello.Marshal()
		if err != nil {
			return fmt.Errorf("peers: marshal ClientHello: %w", err)
		}
		hs.helloRaw = raw
		hs.c.transcript.Add(raw)
		return hs.c.WriteRecord(wire.ContentHandshake, append(bytes.Clone(raw), extra...))
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

// SendClientKeyExchangeTrailing sends the ClientKeyExchange (TLS 1.0-1.2)
// with extra bytes after it in the same record, and derives the master
// secret; only the message goes into the transcript. A ChangeCipherSpec
// follows, so the bytes begin a message that would span it.
func SendClientKeyExchangeTrailing(extra []byte) Step {
	return step(StepClientKeyExchange, func(cv *Conversation) error {
		hs := cv.hs
		flight, err := hs.keyExchangeFlight12()
		if err != nil {
			return err
		}
		var payload []byte
		for _, m := range flight {
			raw, err := m.Marshal()
			if err != nil {
				return fmt.Errorf("peers: marshal %s: %w", m.Type(), err)
			}
			hs.c.transcript.Add(raw)
			payload = append(payload, raw...)
		}
		if err := hs.c.WriteRecord(wire.ContentHandshake, append(payload, extra...)); err != nil {
			return err
		}
		hs.deriveMaster12()
		return nil
	})
}

// SendFinishedRest sends the client's Finished without its first skip
// bytes, which an earlier step sent as a trailer (they must match); the
// whole message goes into the transcript. In TLS 1.3 it goes under the
// client handshake key and both sides move to the application keys, as
// SendFinished does. A client Certificate the target requested is not
// sent: the trailer went out before the request was known, so a target
// that reassembles across the key change then meets a Finished where the
// Certificate is due and stops there instead of completing.
func SendFinishedRest(skip int, sent []byte) Step {
	return step(StepFinished, func(cv *Conversation) error {
		hs := cv.hs
		v := hs.c.version
		if v == wire.VersionTLS13 && !hs.c.out.Protected() {
			if err := hs.useClientHandshakeKeys(); err != nil {
				return err
			}
		}
		f, err := cv.Finished()
		if err != nil {
			return err
		}
		raw, err := f.Marshal()
		if err != nil {
			return fmt.Errorf("peers: marshal Finished: %w", err)
		}
		if skip > len(raw) || !bytes.Equal(raw[:skip], sent) {
			return fmt.Errorf("peers: Finished begins %x, not the %x sent before", raw[:min(skip, len(raw))], sent)
		}
		hs.c.transcript.Add(raw)
		if err := hs.c.WriteRecord(wire.ContentHandshake, raw[skip:]); err != nil {
			return err
		}
		if v == wire.VersionTLS13 {
			return hs.useApplicationKeys13()
		}
		return nil
	})
}

// FinishedPrefix is the first three bytes of a client Finished (type and
// the high bytes of its length, which are zero for every hash): what a
// trailer can carry before the rest is known.
var FinishedPrefix = []byte{byte(wire.TypeFinished), 0, 0}

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

// SampleMessage is a well-formed message of type t with plausible
// content, in the form the parse context ctx calls for (Version 0 is the
// form before a version is negotiated), for checks that send it where it
// does not belong. A ClientHello is the conversation's own, once built.
// Types the engine does not model give a short opaque body.
func (cv *Conversation) SampleMessage(t wire.HandshakeType, ctx wire.Context) (wire.Message, error) {
	hs := cv.hs
	if t == wire.TypeClientHello && hs.hello != nil {
		return hs.hello, nil
	}
	hashLen := 0
	if hs.suiteHash != 0 {
		hashLen = hs.suiteHash.Size()
	}
	return sampleMessage(t, ctx, hs.c.rand, hashLen)
}

// sampleMessage builds SampleMessage's message with random bytes from
// rnd; hashLen is the TLS 1.3 Finished length (0: 32).
func sampleMessage(t wire.HandshakeType, ctx wire.Context, rnd io.Reader, hashLen int) (wire.Message, error) {
	var rerr error
	fill := func(n int) []byte {
		b := make([]byte, n)
		if _, err := io.ReadFull(rnd, b); err != nil && rerr == nil {
			rerr = fmt.Errorf("peers: sample %s: %w", t, err)
		}
		return b
	}
	v := ctx.Version
	tls13 := v == wire.VersionTLS13
	var m wire.Message
	switch t {
	case wire.TypeHelloRequest:
		m = &wire.HelloRequest{}
	case wire.TypeClientHello:
		m = &wire.ClientHello{
			Version:            wire.VersionTLS12,
			Random:             fill(32),
			CipherSuites:       []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
			CompressionMethods: []uint8{0},
			Extensions: []wire.Extension{
				wire.SupportedGroupsExt(wire.GroupX25519),
				wire.SignatureAlgorithmsExt(wire.ECDSAWithP256AndSHA256, wire.PSSWithSHA256),
			},
		}
	case wire.TypeServerHello:
		sh := &wire.ServerHello{Version: max(v, wire.VersionTLS12), Random: fill(32), CipherSuite: wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			Extensions: []wire.Extension{wire.RenegotiationInfoExt(nil)}}
		if v != 0 && v < wire.VersionTLS12 {
			sh.Version, sh.CipherSuite = v, wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
		}
		if tls13 {
			sh.Version, sh.SessionID, sh.CipherSuite = wire.VersionTLS12, fill(32), wire.TLS_AES_128_GCM_SHA256
			sh.Extensions = []wire.Extension{
				wire.SupportedVersionsServerExt(wire.VersionTLS13),
				wire.KeyShareServerExt(wire.KeyShareEntry{Group: wire.GroupX25519, KeyExchange: fill(32)}),
			}
		}
		m = sh
	case wire.TypeNewSessionTicket:
		if tls13 {
			m = &wire.NewSessionTicket13{Lifetime: 7200, AgeAdd: 1, Nonce: []byte{0}, Ticket: fill(32), Extensions: []wire.Extension{}}
		} else {
			m = &wire.NewSessionTicket12{LifetimeHint: 7200, Ticket: fill(32)}
		}
	case wire.TypeEndOfEarlyData:
		m = &wire.EndOfEarlyData{}
	case wire.TypeEncryptedExtensions:
		m = &wire.EncryptedExtensions{Extensions: []wire.Extension{}}
	case wire.TypeCertificate:
		// An empty chain: what a client without a certificate sends.
		if tls13 {
			m = &wire.Certificate13{}
		} else {
			m = &wire.Certificate12{}
		}
	case wire.TypeServerKeyExchange:
		m = &wire.ServerKeyExchange{Form: wire.KXECDHE, CurveType: 3, Group: wire.GroupX25519, Point: fill(32),
			HasSignatureAlgorithm: v >= wire.VersionTLS12, SignatureAlgorithm: wire.PSSWithSHA256, Signature: fill(256)}
	case wire.TypeCertificateRequest:
		schemes := []wire.SignatureScheme{wire.ECDSAWithP256AndSHA256, wire.PSSWithSHA256}
		if tls13 {
			m = &wire.CertificateRequest13{Extensions: []wire.Extension{wire.SignatureAlgorithmsExt(schemes...)}}
		} else {
			m = &wire.CertificateRequest12{CertificateTypes: []uint8{1, 64}, HasSignatureAlgorithms: v >= wire.VersionTLS12, SignatureAlgorithms: schemes}
		}
	case wire.TypeServerHelloDone:
		m = &wire.ServerHelloDone{}
	case wire.TypeCertificateVerify:
		m = &wire.CertificateVerify{HasAlgorithm: v >= wire.VersionTLS12, Algorithm: wire.ECDSAWithP256AndSHA256, Signature: fill(72)}
	case wire.TypeClientKeyExchange:
		switch ctx.KeyExchange {
		case wire.KXRSA:
			m = &wire.ClientKeyExchange{Form: wire.KXRSA, Exchange: fill(256)}
		default:
			m = &wire.ClientKeyExchange{Form: wire.KXECDHE, Exchange: fill(32)}
		}
	case wire.TypeFinished:
		n := 12
		if tls13 {
			n = 32
			if hashLen > 0 {
				n = hashLen
			}
		}
		m = &wire.Finished{VerifyData: fill(n)}
	case wire.TypeCertificateStatus:
		m = &wire.CertificateStatus{StatusType: 1, Response: fill(16)}
	case wire.TypeKeyUpdate:
		m = &wire.KeyUpdate{RequestUpdate: 0}
	default:
		m = &wire.UnknownMessage{MsgType: t, Body: fill(4)}
	}
	return m, rerr
}

// SawHelloRetryRequest reports whether the target answered with a
// HelloRetryRequest.
func (cv *Conversation) SawHelloRetryRequest() bool { return cv.hs != nil && cv.hs.sawHRR }

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

// SendRequestedCertificate sends the client's empty Certificate now when
// the server asked for one (in TLS 1.3 under the client handshake key),
// and nothing when it did not; the ClientKeyExchange and Finished steps
// then leave it out. A check puts it before a message it sends out of
// place, so that the message lands where the ClientKeyExchange or the
// Finished is due whether or not the target requests a certificate.
func SendRequestedCertificate() Step {
	st := step(StepClientCertificate, func(cv *Conversation) error {
		hs := cv.hs
		if !hs.certRequested {
			return nil
		}
		hs.certRequested = false // sent: no later step sends it again
		if hs.c.version != wire.VersionTLS13 {
			return hs.send(StepCertificate, &wire.Certificate12{})
		}
		if !hs.c.out.Protected() {
			if err := hs.useClientHandshakeKeys(); err != nil {
				return err
			}
		}
		return hs.send(StepCertificate, &wire.Certificate13{})
	})
	st.Edits = []string{StepCertificate}
	return st
}
