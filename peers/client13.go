package peers

import (
	"crypto"
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// handleHRR answers a HelloRetryRequest (RFC 8446 §4.1.4): the transcript
// restarts with message_hash, and the second ClientHello carries the
// requested key share and the cookie.
func (hs *clientHS) handleHRR(hrr *wire.ServerHello) error {
	c, cfg := hs.c, hs.cfg
	if !cfg.offers(wire.VersionTLS13) {
		return faultErr(FaultHRRNotOffered, wire.AlertUnexpectedMessage, "HelloRetryRequest although TLS 1.3 was not offered")
	}
	if e, ok := wire.FindExtension(hrr.Extensions, wire.ExtSupportedVersions); !ok {
		return faultErr(FaultHRRWithoutVersions, wire.AlertIllegalParameter, "HelloRetryRequest without supported_versions (RFC 8446 §4.1.4)")
	} else if v, err := wire.ParseSupportedVersionsServer(e.Body); err != nil {
		return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "HelloRetryRequest supported_versions", Err: err, Fault: FaultDecode}
	} else if v != wire.VersionTLS13 {
		return faultErr(FaultHRRVersion, wire.AlertIllegalParameter, "HelloRetryRequest supported_versions selects %s, not TLS 1.3 (RFC 8446 §4.2.1)", v)
	}
	if !bytes13Equal(hrr.SessionID, hs.hello.SessionID) {
		return faultErr(FaultSessionIDEcho, wire.AlertIllegalParameter, "HelloRetryRequest legacy_session_id_echo differs from ours (RFC 8446 §4.1.3)")
	}
	spec, err := hs.checkSuite(hrr.CipherSuite, wire.VersionTLS13)
	if err != nil {
		return err
	}
	c.spec = spec
	ch := hs.hello
	changed := false
	if e, ok := wire.FindExtension(hrr.Extensions, wire.ExtKeyShare); ok {
		g, err := wire.ParseKeyShareHRR(e.Body)
		if err != nil {
			return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "HelloRetryRequest key_share", Err: err, Fault: FaultDecode}
		}
		if !slices.Contains(hs.cfg.groups(), g) {
			return faultErr(FaultHRRGroupNotOffered, wire.AlertIllegalParameter, "HelloRetryRequest asks for %s, which is not in our supported_groups (RFC 8446 §4.2.8)", g)
		}
		// The shares the first ClientHello carried as sent: a check may
		// have edited them away (an empty client_shares asks for this).
		if sent, ok := wire.FindExtension(ch.Extensions, wire.ExtKeyShare); ok {
			shares, _ := wire.ParseKeyShareClient(sent.Body)
			for _, s := range shares {
				if s.Group == g {
					return faultErr(FaultHRRGroupShared, wire.AlertIllegalParameter, "HelloRetryRequest asks for %s, for which we already sent a share (RFC 8446 §4.2.8)", g)
				}
			}
		}
		priv, err := kx.Generate(g, c.rand)
		if err != nil {
			return fmt.Errorf("peers: key share %s: %w", g, err)
		}
		hs.shares = []kx.Private{priv}
		setExtension(ch, wire.KeyShareClientExt(wire.KeyShareEntry{Group: g, KeyExchange: priv.Public()}))
		changed = true
	}
	if e, ok := wire.FindExtension(hrr.Extensions, wire.ExtCookie); ok {
		cookie, err := wire.ParseCookie(e.Body)
		if err != nil {
			return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "HelloRetryRequest cookie", Err: err, Fault: FaultDecode}
		}
		setExtension(ch, wire.CookieExt(cookie))
		changed = true
	}
	if !changed {
		return faultErr(FaultHRRChangesNothing, wire.AlertIllegalParameter, "HelloRetryRequest would not change the ClientHello (RFC 8446 §4.1.4)")
	}
	// A PSK must use the hash of the suite the server picked.
	if hs.session != nil && hs.session.Version == wire.VersionTLS13 {
		if s, ok := suites.Lookup(hs.session.Suite); !ok || s.PRF != spec.PRF {
			hs.session = nil
			removeExtension(ch, wire.ExtPreSharedKey)
		}
	}
	c.transcript.RewriteForHRR(spec.PRF)
	c.transcript.Add(hs.hrrRaw)
	hs.sawHRR = true
	c.SetRecordVersion(wire.VersionTLS12)
	return hs.sendHello()
}

func bytes13Equal(a, b []byte) bool { return string(a) == string(b) }

// setExtension replaces the extension of e's type in place, or appends it
// before pre_shared_key, which must stay last (RFC 8446 §4.2.11).
func setExtension(ch *wire.ClientHello, e wire.Extension) {
	for i := range ch.Extensions {
		if ch.Extensions[i].Type == e.Type {
			ch.Extensions[i] = e
			return
		}
	}
	n := len(ch.Extensions)
	if n > 0 && ch.Extensions[n-1].Type == wire.ExtPreSharedKey {
		ch.Extensions = slices.Insert(ch.Extensions, n-1, e)
		return
	}
	ch.Extensions = append(ch.Extensions, e)
}

func removeExtension(ch *wire.ClientHello, t wire.ExtensionType) {
	ch.Extensions = slices.DeleteFunc(ch.Extensions, func(e wire.Extension) bool { return e.Type == t })
}

// addPSK sets the pre_shared_key extension with a correct binder
// (RFC 8446 §4.2.11.2): the binder covers the transcript up to and
// including the ClientHello without its binders list.
func (hs *clientHS) addPSK() error {
	c, s := hs.c, hs.session
	spec, ok := suites.Lookup(s.Suite)
	if !ok {
		return fmt.Errorf("peers: session suite %s unknown", s.Suite)
	}
	h := spec.PRF
	age := uint32(hs.cfg.now().Sub(s.Received).Milliseconds()) + s.AgeAdd
	psk := wire.PreSharedKeyClient{
		Identities: []wire.PSKIdentity{{Identity: s.Ticket, ObfuscatedTicketAge: age}},
		Binders:    [][]byte{make([]byte, h.Size())},
	}
	removeExtension(hs.hello, wire.ExtPreSharedKey)
	hs.hello.Extensions = append(hs.hello.Extensions, psk.Extension())
	raw, err := hs.hello.Marshal()
	if err != nil {
		return fmt.Errorf("peers: marshal ClientHello: %w", err)
	}
	partial := raw[:len(raw)-psk.BindersLen()]
	t := c.transcript.Clone()
	t.Add(partial)
	binderKey := keys.NewEarlySecret(h, s.PSK).BinderKey(true)
	psk.Binders[0] = keys.BinderMAC(h, binderKey, t.Sum(uint16(wire.VersionTLS13), h))
	hs.hello.Extensions[len(hs.hello.Extensions)-1] = psk.Extension()
	return nil
}

// run13 is the TLS 1.3 client handshake after the ServerHello (RFC 8446
// §2). Each call is one step of the default script (see Script13).
func (hs *clientHS) run13() error {
	for _, step := range []func() error{hs.readServerFlight13, hs.sendCCS13, hs.sendFinished13} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// processServerHello13 checks a TLS 1.3 ServerHello, computes the shared
// secret and moves the read side to the server handshake traffic key.
func (hs *clientHS) processServerHello13() error {
	c, sh := hs.c, hs.server
	if !bytes13Equal(sh.SessionID, hs.hello.SessionID) {
		return faultErr(FaultSessionIDEcho, wire.AlertIllegalParameter, "ServerHello legacy_session_id_echo differs from ours (RFC 8446 §4.1.3)")
	}
	if sh.CompressionMethod != 0 {
		return faultErr(FaultCompression, wire.AlertIllegalParameter, "TLS 1.3 ServerHello compression method %d (RFC 8446 §4.1.3)", sh.CompressionMethod)
	}
	spec, err := hs.checkSuite(sh.CipherSuite, wire.VersionTLS13)
	if err != nil {
		return err
	}
	if hs.sawHRR && c.spec != nil && c.spec.ID != spec.ID {
		return faultErr(FaultHRRSuiteChanged, wire.AlertIllegalParameter, "ServerHello suite %s differs from the HelloRetryRequest's %s (RFC 8446 §4.1.4)", spec.ID, c.spec.ID)
	}
	c.spec = spec
	h := spec.PRF
	hs.suiteHash = h
	c.SetRecordVersion(wire.VersionTLS12)
	c.SetParseContext(wire.Context{Version: wire.VersionTLS13})

	// PSK acceptance.
	var psk []byte
	if e, ok := wire.FindExtension(sh.Extensions, wire.ExtPreSharedKey); ok {
		idx, err := wire.ParsePreSharedKeyServer(e.Body)
		if err != nil {
			return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "ServerHello pre_shared_key", Err: err, Fault: FaultDecode}
		}
		if hs.session == nil || hs.session.Version != wire.VersionTLS13 || idx != 0 {
			return faultErr(FaultUnsolicitedPSK, wire.AlertIllegalParameter, "ServerHello selects PSK identity %d, which was not offered (RFC 8446 §4.2.11)", idx)
		}
		if s, _ := suites.Lookup(hs.session.Suite); s == nil || s.PRF != h {
			return faultErr(FaultPSKHash, wire.AlertIllegalParameter, "server resumed with %s, whose hash differs from the session's", spec.ID)
		}
		psk = hs.session.PSK
		c.resumed = true
	}

	// Key share (we only offer psk_dhe_ke, so it is required).
	e, ok := wire.FindExtension(sh.Extensions, wire.ExtKeyShare)
	if !ok {
		return faultErr(FaultNoKeyShare, wire.AlertMissingExtension, "ServerHello without key_share (RFC 8446 §4.2.8)")
	}
	entry, err := wire.ParseKeyShareServer(e.Body)
	if err != nil {
		return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "ServerHello key_share", Err: err, Fault: FaultDecode}
	}
	priv, err := hs.plan.KeyShareFor(hs.shares, entry.Group)
	if err != nil {
		return err
	}
	shared, err := hs.plan.PeerShare(priv, entry.KeyExchange)
	if err != nil {
		return &ProtocolError{Alert: wire.AlertIllegalParameter, Reason: "server key share", Err: err, Fault: FaultKeyShareValue}
	}
	if hs.shared13 != nil {
		shared = hs.shared13(entry.Group, shared)
	}
	c.group = entry.Group

	hs.hsSecret = keys.NewEarlySecret(h, psk).Handshake(shared)
	th := c.transcript.Sum(uint16(wire.VersionTLS13), h)
	hs.cHS = hs.hsSecret.ClientTrafficSecret(th)
	hs.sHS = hs.hsSecret.ServerTrafficSecret(th)
	c.logKey(keys.LabelClientHandshakeTraffic, hs.cHS)
	c.logKey(keys.LabelServerHandshakeTraffic, hs.sHS)
	in, err := c.halfConn13(hs.sHS)
	if err != nil {
		return err
	}
	c.setReadKey(in, "server handshake traffic key")
	if c.hs.Buffered() > 0 {
		return faultErr(FaultSpansKeyChange, wire.AlertUnexpectedMessage, "handshake message spans the key change after ServerHello (RFC 8446 §5.1)")
	}
	return nil
}

// readServerFlight13 reads EncryptedExtensions, [CertificateRequest],
// Certificate, CertificateVerify and Finished in that order (RFC 8446 §2),
// verifies the signature and the Finished, and derives the application
// traffic secrets.
func (hs *clientHS) readServerFlight13() error {
	c, h := hs.c, hs.suiteHash
	read := hs.readFlight13
	if hs.plan.AnyOrder {
		read = hs.readFlight13AnyOrder
	}
	if err := read(); err != nil {
		return err
	}
	hs.master13 = hs.hsSecret.Master()
	th := c.transcript.Sum(uint16(wire.VersionTLS13), h)
	hs.cAP = hs.master13.ClientTrafficSecret(th)
	hs.sAP = hs.master13.ServerTrafficSecret(th)
	c.logKey(keys.LabelClientTraffic0, hs.cAP)
	c.logKey(keys.LabelServerTraffic0, hs.sAP)
	c.logKey(keys.LabelExporter, hs.master13.ExporterMasterSecret(th))
	// The server writes under its application key from its Finished on
	// (RFC 8446 §4.4.4): tickets, data and alerts alike.
	in, err := c.halfConn13(hs.sAP)
	if err != nil {
		return err
	}
	c.setReadKey(in, "server application traffic key")
	return nil
}

// readFlight13 reads the server's flight up to its Finished, in the
// order RFC 8446 §2 gives, and verifies it.
func (hs *clientHS) readFlight13() error {
	c, h := hs.c, hs.suiteHash
	m, _, err := c.expect(wire.TypeEncryptedExtensions, true)
	if err != nil {
		return err
	}
	if err := hs.checkEncryptedExtensions(m.(*wire.EncryptedExtensions)); err != nil {
		return err
	}
	if !c.resumed {
		m, raw, err := c.readHandshake(true)
		if err != nil {
			return err
		}
		if req, ok := m.(*wire.CertificateRequest13); ok {
			if err := hs.certificateRequest13(req); err != nil {
				return err
			}
			c.transcript.Add(raw)
			if m, raw, err = c.readHandshake(true); err != nil {
				return err
			}
		}
		cert, ok := m.(*wire.Certificate13)
		if !ok {
			return protoErr(wire.AlertUnexpectedMessage, "got %s, want Certificate (RFC 8446 §2)", m.Type())
		}
		c.transcript.Add(raw)
		chain := make([][]byte, len(cert.Entries))
		for i, e := range cert.Entries {
			chain[i] = e.Data
		}
		if err := hs.parseCertificates(chain); err != nil {
			return err
		}
		th := c.transcript.Sum(uint16(wire.VersionTLS13), h)
		m, _, err = c.expect(wire.TypeCertificateVerify, true)
		if err != nil {
			return err
		}
		if err := hs.verifyCertificateVerify13(m.(*wire.CertificateVerify), th); err != nil {
			return err
		}
	}
	return hs.verifyFinished13(h, hs.sHS)
}

// verifyCertificateVerify13 checks the server's CertificateVerify
// against the transcript hash th it covers (RFC 8446 §4.4.3).
func (hs *clientHS) verifyCertificateVerify13(cv *wire.CertificateVerify, th []byte) error {
	if err := hs.plan.SignatureScheme(hs.cfg.schemes(), cv.Algorithm, "CertificateVerify"); err != nil {
		return err
	}
	return hs.plan.VerifySignature("CertificateVerify", func() error {
		if err := kx.Verify(hs.serverCerts[0].PublicKey, cv.Algorithm, kx.CertificateVerifyInput13(true, th), cv.Signature); err != nil {
			return &VerifyError{What: "server CertificateVerify", Reason: cv.Algorithm.String(), Err: err}
		}
		return nil
	})
}

// sendCCS13 sends the middlebox-compatibility ChangeCipherSpec in the
// clear (RFC 8446 Appendix D.4).
func (hs *clientHS) sendCCS13() error {
	return hs.sendCCS(StepChangeCipherSpec)
}

// useClientHandshakeKeys moves the write side to the client handshake
// traffic key, for the client's second flight.
func (hs *clientHS) useClientHandshakeKeys() error {
	out, err := hs.c.halfConn13(hs.cHS)
	if err != nil {
		return err
	}
	hs.c.out = out
	return nil
}

// finished13 is the client's correct Finished over the transcript so far
// (RFC 8446 §4.4.4).
func (hs *clientHS) finished13() *wire.Finished {
	return &wire.Finished{VerifyData: keys.FinishedMAC(hs.suiteHash, hs.cHS, hs.c.transcript.Sum(uint16(wire.VersionTLS13), hs.suiteHash))}
}

// sendFinished13 sends [Certificate [CertificateVerify]] Finished under
// the client handshake key (RFC 8446 §4.4), then moves both sides to the
// application traffic keys. A script that already sent records under the
// handshake key keeps it (and its sequence number).
func (hs *clientHS) sendFinished13() error {
	if !hs.c.out.Protected() {
		if err := hs.useClientHandshakeKeys(); err != nil {
			return err
		}
	}
	if hs.certRequested {
		if err := hs.send(StepCertificate, hs.clientCertificate()); err != nil {
			return err
		}
		hs.certificateSent()
	}
	if err := hs.sendCertificateVerify(); err != nil {
		return err
	}
	if err := hs.send(StepFinished, hs.finished13()); err != nil {
		return err
	}
	return hs.useApplicationKeys13()
}

// useApplicationKeys13 moves both directions to the application traffic
// keys, after the client's Finished.
func (hs *clientHS) useApplicationKeys13() error {
	c, err := hs.c, error(nil)
	rms := hs.master13.ResumptionMasterSecret(c.transcript.Sum(uint16(wire.VersionTLS13), hs.suiteHash))
	if c.out, err = c.halfConn13(hs.cAP); err != nil {
		return err
	}
	c.inSecret, c.outSecret = hs.sAP, hs.cAP
	c.onPostHS = hs.ticketHandler13(rms)
	return nil
}

func (hs *clientHS) checkEncryptedExtensions(ee *wire.EncryptedExtensions) error {
	for _, e := range ee.Extensions {
		if e.Type == wire.ExtALPN {
			if err := hs.alpn(e.Body); err != nil {
				return err
			}
			continue
		}
		if !hs.requested(e.Type) {
			return protoErr(wire.AlertUnsupportedExtension, "EncryptedExtensions carries %s, which the client did not request (RFC 8446 §4.2)", e.Type)
		}
		switch e.Type {
		case wire.ExtSupportedVersions, wire.ExtKeyShare, wire.ExtPreSharedKey, wire.ExtCookie:
			return protoErr(wire.AlertIllegalParameter, "%s in EncryptedExtensions (RFC 8446 §4.2)", e.Type)
		}
	}
	return nil
}

// verifyFinished13 reads the server's Finished and checks it against the
// transcript up to CertificateVerify (RFC 8446 §4.4.4).
func (hs *clientHS) verifyFinished13(h crypto.Hash, sHS []byte) error {
	c := hs.c
	want := keys.FinishedMAC(h, sHS, c.transcript.Sum(uint16(wire.VersionTLS13), h))
	f, err := hs.readFinished(true)
	if err != nil || f == nil {
		return err
	}
	return hs.checkFinished13(f, want)
}

// checkFinished13 verifies the server's Finished against want and that
// it ends its record (RFC 8446 §4.4.4, §5.1).
func (hs *clientHS) checkFinished13(f *wire.Finished, want []byte) error {
	if err := hs.plan.VerifyServerFinished(f.VerifyData, want, "RFC 8446 §4.4.4"); err != nil {
		return err
	}
	if hs.c.hs.Buffered() > 0 {
		return protoErr(wire.AlertUnexpectedMessage, "handshake message spans the key change after Finished (RFC 8446 §5.1)")
	}
	return nil
}

// ticketHandler13 stores NewSessionTicket messages for resumption.
func (hs *clientHS) ticketHandler13(rms []byte) func(*Conn, wire.Message, []byte) error {
	return func(c *Conn, m wire.Message, raw []byte) error {
		nst, ok := m.(*wire.NewSessionTicket13)
		if !ok {
			return protoErr(wire.AlertUnexpectedMessage, "unexpected %s after the handshake", m.Type())
		}
		if hs.cfg.Sessions == nil || len(nst.Ticket) == 0 {
			return nil
		}
		hs.cfg.Sessions.Put(hs.sessionKey, &Session{
			Version:  wire.VersionTLS13,
			Suite:    c.spec.ID,
			Ticket:   nst.Ticket,
			PSK:      keys.ResumptionPSK(c.spec.PRF, rms, nst.Nonce),
			AgeAdd:   nst.AgeAdd,
			Lifetime: nst.Lifetime,
			Received: hs.cfg.now(),
		})
		return nil
	}
}
