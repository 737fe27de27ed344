package peers

import (
	"crypto"
	"crypto/hmac"
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
		return protoErr(wire.AlertUnexpectedMessage, "HelloRetryRequest although TLS 1.3 was not offered")
	}
	if e, ok := wire.FindExtension(hrr.Extensions, wire.ExtSupportedVersions); !ok {
		return protoErr(wire.AlertIllegalParameter, "HelloRetryRequest without supported_versions (RFC 8446 §4.1.4)")
	} else if v, err := wire.ParseSupportedVersionsServer(e.Body); err != nil || v != wire.VersionTLS13 {
		return protoErr(wire.AlertIllegalParameter, "HelloRetryRequest supported_versions is not TLS 1.3")
	}
	if !bytes13Equal(hrr.SessionID, hs.hello.SessionID) {
		return protoErr(wire.AlertIllegalParameter, "HelloRetryRequest legacy_session_id_echo differs from ours (RFC 8446 §4.1.3)")
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
			return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "HelloRetryRequest key_share", Err: err}
		}
		if !slices.Contains(hs.cfg.groups(), g) {
			return protoErr(wire.AlertIllegalParameter, "HelloRetryRequest asks for %s, which is not in our supported_groups (RFC 8446 §4.2.8)", g)
		}
		for _, p := range hs.shares {
			if p.Group() == g {
				return protoErr(wire.AlertIllegalParameter, "HelloRetryRequest asks for %s, for which we already sent a share (RFC 8446 §4.2.8)", g)
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
			return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "HelloRetryRequest cookie", Err: err}
		}
		setExtension(ch, wire.CookieExt(cookie))
		changed = true
	}
	if !changed {
		return protoErr(wire.AlertIllegalParameter, "HelloRetryRequest would not change the ClientHello (RFC 8446 §4.1.4)")
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

func (hs *clientHS) run13() error {
	c, sh := hs.c, hs.server
	if !bytes13Equal(sh.SessionID, hs.hello.SessionID) {
		return protoErr(wire.AlertIllegalParameter, "ServerHello legacy_session_id_echo differs from ours (RFC 8446 §4.1.3)")
	}
	if sh.CompressionMethod != 0 {
		return protoErr(wire.AlertIllegalParameter, "TLS 1.3 ServerHello compression method %d (RFC 8446 §4.1.3)", sh.CompressionMethod)
	}
	spec, err := hs.checkSuite(sh.CipherSuite, wire.VersionTLS13)
	if err != nil {
		return err
	}
	if hs.sawHRR && c.spec != nil && c.spec.ID != spec.ID {
		return protoErr(wire.AlertIllegalParameter, "ServerHello suite %s differs from the HelloRetryRequest's %s (RFC 8446 §4.1.4)", spec.ID, c.spec.ID)
	}
	c.spec = spec
	h := spec.PRF
	c.SetRecordVersion(wire.VersionTLS12)
	c.SetParseContext(wire.Context{Version: wire.VersionTLS13})

	// PSK acceptance.
	var psk []byte
	if e, ok := wire.FindExtension(sh.Extensions, wire.ExtPreSharedKey); ok {
		idx, err := wire.ParsePreSharedKeyServer(e.Body)
		if err != nil {
			return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "ServerHello pre_shared_key", Err: err}
		}
		if hs.session == nil || hs.session.Version != wire.VersionTLS13 || idx != 0 {
			return protoErr(wire.AlertIllegalParameter, "ServerHello selects PSK identity %d, which was not offered (RFC 8446 §4.2.11)", idx)
		}
		if s, _ := suites.Lookup(hs.session.Suite); s == nil || s.PRF != h {
			return protoErr(wire.AlertIllegalParameter, "server resumed with %s, whose hash differs from the session's", spec.ID)
		}
		psk = hs.session.PSK
		c.resumed = true
	}

	// Key share (we only offer psk_dhe_ke, so it is required).
	e, ok := wire.FindExtension(sh.Extensions, wire.ExtKeyShare)
	if !ok {
		return protoErr(wire.AlertMissingExtension, "ServerHello without key_share (RFC 8446 §4.2.8)")
	}
	entry, err := wire.ParseKeyShareServer(e.Body)
	if err != nil {
		return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "ServerHello key_share", Err: err}
	}
	var priv kx.Private
	for _, p := range hs.shares {
		if p.Group() == entry.Group {
			priv = p
		}
	}
	if priv == nil {
		return protoErr(wire.AlertIllegalParameter, "ServerHello key_share uses %s, for which we sent no share (RFC 8446 §4.2.8)", entry.Group)
	}
	shared, err := priv.Shared(entry.KeyExchange)
	if err != nil {
		return &ProtocolError{Alert: wire.AlertIllegalParameter, Reason: "server key share", Err: err}
	}
	c.group = entry.Group

	early := keys.NewEarlySecret(h, psk)
	hsSecret := early.Handshake(shared)
	th := c.transcript.Sum(uint16(wire.VersionTLS13), h)
	cHS := hsSecret.ClientTrafficSecret(th)
	sHS := hsSecret.ServerTrafficSecret(th)
	c.logKey(keys.LabelClientHandshakeTraffic, cHS)
	c.logKey(keys.LabelServerHandshakeTraffic, sHS)
	in, err := c.halfConn13(sHS)
	if err != nil {
		return err
	}
	c.in = in
	if c.hs.Buffered() > 0 {
		return protoErr(wire.AlertUnexpectedMessage, "handshake message spans the key change after ServerHello (RFC 8446 §5.1)")
	}

	m, _, err := c.expect(wire.TypeEncryptedExtensions, true)
	if err != nil {
		return err
	}
	if err := hs.checkEncryptedExtensions(m.(*wire.EncryptedExtensions)); err != nil {
		return err
	}

	certRequested := false
	if !c.resumed {
		m, raw, err := c.readHandshake(true)
		if err != nil {
			return err
		}
		if cr, ok := m.(*wire.CertificateRequest13); ok {
			_ = cr
			certRequested = true
			c.transcript.Add(raw)
			if m, raw, err = c.readHandshake(true); err != nil {
				return err
			}
		}
		cert, ok := m.(*wire.Certificate13)
		if !ok {
			return protoErr(wire.AlertUnexpectedMessage, "got %s, want Certificate", m.Type())
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
		cv := m.(*wire.CertificateVerify)
		if !slices.Contains(hs.cfg.schemes(), cv.Algorithm) {
			return protoErr(wire.AlertIllegalParameter, "CertificateVerify uses %s, which the client did not offer (RFC 8446 §4.4.3)", cv.Algorithm)
		}
		if err := kx.Verify(hs.serverCerts[0].PublicKey, cv.Algorithm, kx.CertificateVerifyInput13(true, th), cv.Signature); err != nil {
			return &VerifyError{What: "server CertificateVerify", Reason: cv.Algorithm.String(), Err: err}
		}
	}

	if err := hs.verifyFinished13(h, sHS); err != nil {
		return err
	}
	master := hsSecret.Master()
	th = c.transcript.Sum(uint16(wire.VersionTLS13), h)
	cAP := master.ClientTrafficSecret(th)
	sAP := master.ServerTrafficSecret(th)
	c.logKey(keys.LabelClientTraffic0, cAP)
	c.logKey(keys.LabelServerTraffic0, sAP)
	c.logKey(keys.LabelExporter, master.ExporterMasterSecret(th))

	// Our second flight: the compatibility CCS in the clear, then
	// [Certificate] Finished under the client handshake key.
	if err := c.WriteCCS(); err != nil {
		return err
	}
	out, err := c.halfConn13(cHS)
	if err != nil {
		return err
	}
	c.out = out
	var flight []wire.Message
	if certRequested {
		flight = append(flight, &wire.Certificate13{})
	}
	for _, m := range flight {
		b, err := m.Marshal()
		if err != nil {
			return err
		}
		c.transcript.Add(b)
		if err := c.WriteRecord(wire.ContentHandshake, b); err != nil {
			return err
		}
	}
	fin := &wire.Finished{VerifyData: keys.FinishedMAC(h, cHS, c.transcript.Sum(uint16(wire.VersionTLS13), h))}
	if err := c.WriteHandshake(fin); err != nil {
		return err
	}
	rms := master.ResumptionMasterSecret(c.transcript.Sum(uint16(wire.VersionTLS13), h))
	if c.out, err = c.halfConn13(cAP); err != nil {
		return err
	}
	if c.in, err = c.halfConn13(sAP); err != nil {
		return err
	}
	c.inSecret, c.outSecret = sAP, cAP
	c.onPostHS = hs.ticketHandler13(rms)
	return nil
}

func (hs *clientHS) checkEncryptedExtensions(ee *wire.EncryptedExtensions) error {
	if e, ok := wire.FindExtension(ee.Extensions, wire.ExtALPN); ok {
		protos, err := wire.ParseALPN(e.Body)
		if err != nil {
			return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "EncryptedExtensions ALPN", Err: err}
		}
		if len(protos) != 1 || !slices.Contains(hs.cfg.ALPN, protos[0]) {
			return protoErr(wire.AlertIllegalParameter, "server selected ALPN %q, which the client did not offer (RFC 7301 §3.2)", protos)
		}
		hs.c.alpn = protos[0]
	}
	for _, e := range ee.Extensions {
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
	m, _, err := c.expect(wire.TypeFinished, true)
	if err != nil {
		return err
	}
	got := m.(*wire.Finished).VerifyData
	if !hmac.Equal(got, want) {
		return &VerifyError{What: "server Finished", Reason: fmt.Sprintf("verify_data %x, want %x (RFC 8446 §4.4.4)", got, want)}
	}
	if c.hs.Buffered() > 0 {
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
