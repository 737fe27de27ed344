package order

import (
	"bytes"
	"fmt"
	"io"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// The steps only this family sends: a handshake message where none is
// due, and a message begun in the record of the one before a key change.

// sendOutOfPlace sends the message build returns as one handshake record
// under the current write state, and leaves it out of the transcript: a
// message where it does not belong. A target that drops it wholly then
// completes the handshake; one that hashes it fails the Finished. Either
// way a check sees that it did not reject the message.
func sendOutOfPlace(name string, build func(*peers.Conversation) (wire.Message, error)) peers.Step {
	return peers.Step{Name: name, Run: func(cv *peers.Conversation) error {
		m, err := build(cv)
		if err != nil {
			return err
		}
		raw, err := m.Marshal()
		if err != nil {
			return fmt.Errorf("order: marshal %s: %w", m.Type(), err)
		}
		return cv.Conn().WriteRecord(wire.ContentHandshake, raw)
	}}
}

// sendClientHelloTrailing sends the ClientHello with extra bytes after it
// in the same record; only the ClientHello goes into the transcript. In
// TLS 1.3 a key change follows the ClientHello, so a message may not
// begin in its record (RFC 8446 §5.1).
func sendClientHelloTrailing(extra []byte) peers.Step {
	return peers.Step{Name: peers.StepClientHello, Run: func(cv *peers.Conversation) error {
		raw, err := cv.ClientHelloBytes()
		if err != nil {
			return err
		}
		cv.Conn().Transcript().Add(raw)
		return cv.Conn().WriteRecord(wire.ContentHandshake, append(bytes.Clone(raw), extra...))
	}}
}

// sendClientKeyExchangeTrailing sends the ClientKeyExchange (TLS 1.0-1.2)
// (with the requested client Certificate before it and, when that
// carries a chain, the CertificateVerify after it) with extra bytes after
// it in the same record, and derives the master secret; only the messages
// go into the transcript. A ChangeCipherSpec follows, so the bytes begin
// a message that would span it.
func sendClientKeyExchangeTrailing(extra []byte) peers.Step {
	return peers.Step{Name: peers.StepClientKeyExchange, Run: func(cv *peers.Conversation) error {
		flight, err := cv.KeyExchangeFlight()
		if err != nil {
			return err
		}
		var payload []byte
		add := func(m wire.Message) error {
			raw, err := m.Marshal()
			if err != nil {
				return fmt.Errorf("order: marshal %s: %w", m.Type(), err)
			}
			cv.Conn().Transcript().Add(raw)
			payload = append(payload, raw...)
			return nil
		}
		for _, m := range flight {
			if err := add(m); err != nil {
				return err
			}
		}
		// The extended master secret's session hash ends at the
		// ClientKeyExchange (RFC 7627 §3).
		cv.DeriveMaster()
		certVerify, err := cv.CertificateVerify()
		if err != nil {
			return err
		}
		if certVerify != nil {
			if err := add(certVerify); err != nil {
				return err
			}
		}
		return cv.Conn().WriteRecord(wire.ContentHandshake, append(payload, extra...))
	}}
}

// sendFinishedRest sends the client's Finished without its first skip
// bytes, which an earlier step sent as a trailer (they must match); the
// whole message goes into the transcript. In TLS 1.3 it goes under the
// client handshake key and both sides move to the application keys, as
// SendFinished does. A client Certificate the target requested is not
// sent: the trailer went out before the request was known, so a target
// that reassembles across the key change then meets a Finished where the
// Certificate is due and stops there instead of completing.
func sendFinishedRest(skip int, sent []byte) peers.Step {
	return peers.Step{Name: peers.StepFinished, Run: func(cv *peers.Conversation) error {
		c := cv.Conn()
		v := c.Version()
		if v == wire.VersionTLS13 && !c.WriteProtected() {
			if err := cv.UseClientHandshakeKeys(); err != nil {
				return err
			}
		}
		f, err := cv.Finished()
		if err != nil {
			return err
		}
		raw, err := f.Marshal()
		if err != nil {
			return fmt.Errorf("order: marshal Finished: %w", err)
		}
		if skip > len(raw) || !bytes.Equal(raw[:skip], sent) {
			return fmt.Errorf("order: Finished begins %x, not the %x sent before", raw[:min(skip, len(raw))], sent)
		}
		c.Transcript().Add(raw)
		if err := c.WriteRecord(wire.ContentHandshake, raw[skip:]); err != nil {
			return err
		}
		if v == wire.VersionTLS13 {
			return cv.UseApplicationKeys()
		}
		return nil
	}}
}

// finishedPrefix is the first three bytes of a client Finished (type and
// the high bytes of its length, which are zero for every hash): what a
// trailer can carry before the rest is known.
var finishedPrefix = []byte{byte(wire.TypeFinished), 0, 0}

// sampleMessageOf is a well-formed message of type t with plausible
// content, in the form the parse context ctx calls for (Version 0 is the
// form before a version is negotiated), for checks that send it where it
// does not belong. A ClientHello is the conversation's own, once built.
// Types the engine does not model give a short opaque body.
func sampleMessageOf(cv *peers.Conversation, t wire.HandshakeType, ctx wire.Context) (wire.Message, error) {
	if t == wire.TypeClientHello && cv.Hello() != nil {
		return cv.Hello(), nil
	}
	hashLen := 0
	if s := cv.Conn().Suite(); s != nil && cv.Version() == wire.VersionTLS13 {
		hashLen = s.PRF.Size()
	}
	return sampleMessage(t, ctx, cv.Rand(), hashLen)
}

// sampleMessage builds SampleMessage's message with random bytes from
// rnd; hashLen is the TLS 1.3 Finished length (0: 32).
func sampleMessage(t wire.HandshakeType, ctx wire.Context, rnd io.Reader, hashLen int) (wire.Message, error) {
	var rerr error
	fill := func(n int) []byte {
		b := make([]byte, n)
		if _, err := io.ReadFull(rnd, b); err != nil && rerr == nil {
			rerr = fmt.Errorf("order: sample %s: %w", t, err)
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
