package peers

import (
	"crypto"
	"crypto/hmac"
	"encoding/binary"
	"slices"

	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
)

func hmacEqual(a, b []byte) bool { return hmac.Equal(a, b) }

// run13 is the TLS 1.3 server handshake (RFC 8446 §2, §4).
func (st *ServerState) run13() error {
	c := st.Conn
	c.SetRecordVersion(wire.VersionTLS12)
	if err := st.validateHello13(); err != nil {
		return err
	}
	spec, err := st.srv.plan.ChooseSuite(st)
	if err != nil {
		return err
	}
	st.Spec, c.spec = spec, spec
	group, share, err := st.keyShare13()
	if err != nil {
		return err
	}
	serverShare, shared, err := st.srv.plan.KeyShare13(st, group, share.KeyExchange)
	if err != nil {
		return &ProtocolError{Alert: wire.AlertIllegalParameter, Reason: "client key share", Err: err}
	}
	c.group = group
	psk, err := st.acceptPSK()
	if err != nil {
		return err
	}
	if psk == nil {
		if st.Cert, st.Scheme, err = st.pickCert13(); err != nil {
			return err
		}
	}
	if err := st.sendServerHello13(group, serverShare, psk != nil); err != nil {
		return err
	}
	hs := keys.NewEarlySecret(spec.PRF, psk).Handshake(shared)
	th := c.transcript.Sum(uint16(wire.VersionTLS13), spec.PRF)
	cHS, sHS := hs.ClientTrafficSecret(th), hs.ServerTrafficSecret(th)
	c.logKey(keys.LabelClientHandshakeTraffic, cHS)
	c.logKey(keys.LabelServerHandshakeTraffic, sHS)
	if c.out, err = c.halfConn13(sHS); err != nil {
		return err
	}
	st.hsOut, st.hs13, st.cHS, st.sHS = c.out, hs, cHS, sHS
	if err := st.sendFlight13(sHS, psk == nil); err != nil {
		return err
	}
	return st.finish13(hs, cHS)
}

// validateHello13 applies what RFC 8446 asks of a ClientHello that
// negotiates TLS 1.3, beyond the rules of every version.
func (st *ServerState) validateHello13() error {
	ch := st.Hello
	if err := st.spansKeyChange(wire.TypeClientHello); err != nil {
		return err
	}
	if !slices.Equal(ch.CompressionMethods, []uint8{0}) {
		return protoErr(wire.AlertIllegalParameter, "TLS 1.3 compression_methods %v, want [0] (RFC 8446 §4.1.2)", ch.CompressionMethods)
	}
	if n := len(ch.Extensions); n > 0 && wire.CountExtension(ch.Extensions, wire.ExtPreSharedKey) > 0 && ch.Extensions[n-1].Type != wire.ExtPreSharedKey {
		return protoErr(wire.AlertIllegalParameter, "pre_shared_key is not the last extension (RFC 8446 §4.2.11)")
	}
	return nil
}

// keyShare13 picks the group and the client's share for it, asking for
// one with a HelloRetryRequest when the client sent none the server can
// use (RFC 8446 §4.1.4).
func (st *ServerState) keyShare13() (wire.Group, *wire.KeyShareEntry, error) {
	group, share, err := st.pickKeyShare()
	if err != nil || share != nil {
		return group, share, err
	}
	if err := st.helloRetry(group); err != nil {
		return 0, nil, err
	}
	if _, share, err = st.pickKeyShare(); err != nil {
		return 0, nil, err
	}
	if share == nil || share.Group != group {
		return 0, nil, protoErr(wire.AlertIllegalParameter, "second ClientHello lacks the requested %s key share (RFC 8446 §4.1.2)", group)
	}
	return group, share, nil
}

// sendServerHello13 sends the ServerHello (and the compatibility
// ChangeCipherSpec the client's session ID calls for).
func (st *ServerState) sendServerHello13(group wire.Group, serverShare []byte, resumed bool) error {
	random, err := st.ServerRandom()
	if err != nil {
		return err
	}
	sh := &wire.ServerHello{
		Version:     wire.VersionTLS12,
		Random:      random,
		SessionID:   st.Hello.SessionID,
		CipherSuite: st.Spec.ID,
		Extensions: []wire.Extension{
			wire.SupportedVersionsServerExt(wire.VersionTLS13),
			wire.KeyShareServerExt(wire.KeyShareEntry{Group: group, KeyExchange: serverShare}),
		},
	}
	if resumed {
		sh.Extensions = append(sh.Extensions, wire.PreSharedKeyServerExt(0))
		st.resumed = true
	}
	if err := st.send(sh); err != nil {
		return err
	}
	return st.compatCCS()
}

// sendFlight13 sends EncryptedExtensions, then (with a certificate)
// Certificate and CertificateVerify, then Finished, under the server
// handshake traffic key sHS.
func (st *ServerState) sendFlight13(sHS []byte, withCert bool) error {
	c, h := st.Conn, st.Spec.PRF
	ee := &wire.EncryptedExtensions{Extensions: []wire.Extension{}}
	if p := st.alpn(); p != "" {
		ee.Extensions = append(ee.Extensions, wire.ALPNExt(p))
		c.alpn = p
	}
	flight := []wire.Message{ee}
	if withCert {
		cert := &wire.Certificate13{}
		for _, der := range st.Cert.Chain {
			cert.Entries = append(cert.Entries, wire.CertificateEntry{Data: der})
		}
		flight = append(flight, cert)
	}
	// CertificateVerify and Finished cover the transcript so far, so the
	// flight is marshalled message by message.
	for _, m := range st.srv.plan.Outgoing(st, flight) {
		if err := c.WriteHandshake(m); err != nil {
			return err
		}
	}
	if withCert {
		th := c.transcript.Sum(uint16(wire.VersionTLS13), h)
		sig, err := kx.Sign(st.Cert.Key, st.Scheme, kx.CertificateVerifyInput13(true, th), st.rand)
		if err != nil {
			return err
		}
		if err := st.send(&wire.CertificateVerify{HasAlgorithm: true, Algorithm: st.Scheme, Signature: sig}); err != nil {
			return err
		}
	}
	return st.srv.plan.ServerFinished13(st, &wire.Finished{VerifyData: keys.FinishedMAC(h, sHS, c.transcript.Sum(uint16(wire.VersionTLS13), h))})
}

// HandshakeTrafficSecrets13 are the client and server handshake traffic
// secrets of the TLS 1.3 handshake in progress (nil before the
// ServerHello).
func (st *ServerState) HandshakeTrafficSecrets13() (client, server []byte) { return st.cHS, st.sHS }

// ApplicationTrafficSecrets13 are the client and server application
// traffic secrets over the transcript so far followed by pending (the
// messages a misbehaviour is about to send), as RFC 8446 §7.1 derives
// them from the transcript through the server's Finished.
func (st *ServerState) ApplicationTrafficSecrets13(pending ...[]byte) (client, server []byte) {
	t := st.transcript.Clone()
	for _, p := range pending {
		t.Add(p)
	}
	th := t.Sum(uint16(wire.VersionTLS13), st.Spec.PRF)
	m := st.hs13.Master()
	return m.ClientTrafficSecret(th), m.ServerTrafficSecret(th)
}

// SetWriteSecret13 moves the write side to fresh TLS 1.3 record
// protection (sequence number 0) under the traffic secret given: for a
// misbehaviour that protects a message with another key than the one
// due.
func (st *ServerState) SetWriteSecret13(secret []byte) error {
	out, err := st.halfConn13(secret)
	if err != nil {
		return err
	}
	st.Conn.out = out
	return nil
}

// finish13 moves the write side to the application keys, reads and
// verifies the client Finished under the client handshake traffic key
// cHS, moves the read side on, and issues a ticket.
func (st *ServerState) finish13(hs *keys.HandshakeSecret, cHS []byte) error {
	c, h := st.Conn, st.Spec.PRF
	master := hs.Master()
	th := c.transcript.Sum(uint16(wire.VersionTLS13), h)
	cAP := master.ClientTrafficSecret(th)
	sAP := master.ServerTrafficSecret(th)
	c.logKey(keys.LabelClientTraffic0, cAP)
	c.logKey(keys.LabelServerTraffic0, sAP)
	c.logKey(keys.LabelExporter, master.ExporterMasterSecret(th))
	// The server's write side moves to application keys right after its
	// Finished (RFC 8446 §4.4.4), so an alert about the client's Finished
	// goes out under the server application traffic key.
	var err error
	if c.out, err = c.halfConn13(sAP); err != nil {
		return err
	}
	if c.in, err = c.halfConn13(cHS); err != nil {
		return err
	}
	c.SetParseContext(wire.Context{Version: wire.VersionTLS13})
	leaf, err := st.readClientCertificate()
	if err != nil {
		return err
	}
	if err := st.readClientCertificateVerify(leaf); err != nil {
		return err
	}

	want := keys.FinishedMAC(h, cHS, c.transcript.Sum(uint16(wire.VersionTLS13), h))
	if err := st.verifyClientFinished(want, "handshake message spans the key change after Finished (RFC 8446 §5.1)"); err != nil {
		return err
	}
	if c.in, err = c.halfConn13(cAP); err != nil {
		return err
	}
	c.inSecret, c.outSecret = cAP, sAP
	rms := master.ResumptionMasterSecret(c.transcript.Sum(uint16(wire.VersionTLS13), h))
	return st.sendTicket13(rms)
}

// WriteUnderHandshakeKey moves the TLS 1.3 write side back to the server
// handshake traffic key, at the sequence number its Finished left: what
// the server sends next (an alert about the client's Finished) goes out
// as some stacks send it, though RFC 8446 §4.4.4 moved the write side to
// the application key after the server's Finished. It does nothing before
// that move.
func (st *ServerState) WriteUnderHandshakeKey() {
	if st.hsOut != nil {
		st.Conn.out = st.hsOut
	}
}

// compatCCS sends the middlebox-compatibility ChangeCipherSpec once, after
// the first ServerHello or HelloRetryRequest, when the client sent a
// session ID (RFC 8446 Appendix D.4).
func (st *ServerState) compatCCS() error {
	if st.sentCCS || len(st.Hello.SessionID) == 0 {
		return nil
	}
	st.sentCCS = true
	return st.WriteCCS()
}

// pickKeyShare returns the server's preferred group with a client share,
// or (when the client sent none usable) a group to ask for in a
// HelloRetryRequest with a nil share.
func (st *ServerState) pickKeyShare() (wire.Group, *wire.KeyShareEntry, error) {
	e, ok := wire.FindExtension(st.Hello.Extensions, wire.ExtKeyShare)
	if !ok {
		return 0, nil, protoErr(wire.AlertMissingExtension, "TLS 1.3 ClientHello without key_share (RFC 8446 §9.2)")
	}
	shares, err := wire.ParseKeyShareClient(e.Body)
	if err != nil {
		return 0, nil, &ProtocolError{Alert: wire.AlertDecodeError, Reason: "key_share", Err: err}
	}
	if wire.CountExtension(st.Hello.Extensions, wire.ExtSupportedGroups) == 0 {
		return 0, nil, protoErr(wire.AlertMissingExtension, "key_share without supported_groups (RFC 8446 §9.2)")
	}
	groups := st.clientGroups()
	seen := map[wire.Group]bool{}
	for _, s := range shares {
		if seen[s.Group] {
			return 0, nil, protoErr(wire.AlertIllegalParameter, "two key shares for %s (RFC 8446 §4.2.8)", s.Group)
		}
		seen[s.Group] = true
		if !slices.Contains(groups, s.Group) {
			return 0, nil, protoErr(wire.AlertIllegalParameter, "key share for %s, which is not in supported_groups (RFC 8446 §4.2.8)", s.Group)
		}
	}
	for _, g := range st.srv.cfg.Groups {
		for i := range shares {
			if shares[i].Group == g {
				return g, &shares[i], nil
			}
		}
	}
	for _, g := range st.srv.cfg.Groups {
		if slices.Contains(groups, g) {
			return g, nil, nil
		}
	}
	return 0, nil, protoErr(wire.AlertHandshakeFailure, "no group in common (RFC 8446 §4.1.1)")
}

// helloRetry sends a HelloRetryRequest for group and reads the second
// ClientHello (RFC 8446 §4.1.4).
func (st *ServerState) helloRetry(group wire.Group) error {
	c := st.Conn
	if st.hrrSent {
		return protoErr(wire.AlertUnexpectedMessage, "second HelloRetryRequest")
	}
	st.hrrSent = true
	hrr := &wire.ServerHello{
		Version:     wire.VersionTLS12,
		Random:      wire.HelloRetryRequestRandom[:],
		SessionID:   st.Hello.SessionID,
		CipherSuite: st.Spec.ID,
		Extensions: []wire.Extension{
			wire.SupportedVersionsServerExt(wire.VersionTLS13),
			wire.KeyShareHRRExt(group),
		},
	}
	c.transcript.RewriteForHRR(st.Spec.PRF)
	if err := st.send(hrr); err != nil {
		return err
	}
	if err := st.compatCCS(); err != nil {
		return err
	}
	m, raw, err := st.readClient(wire.TypeClientHello)
	if err != nil {
		return err
	}
	if err := st.spansKeyChange(wire.TypeClientHello); err != nil {
		return err
	}
	ch, ok := m.(*wire.ClientHello)
	if !ok {
		return protoErr(wire.AlertUnexpectedMessage, "got %s, want the second ClientHello", m.Type())
	}
	st.preHello = c.transcript.Clone()
	c.transcript.Add(raw)
	if err := st.srv.plan.ValidateClientHello(st, ch, raw); err != nil {
		return err
	}
	if !slices.Contains(ch.CipherSuites, st.Spec.ID) {
		return protoErr(wire.AlertIllegalParameter, "second ClientHello drops %s (RFC 8446 §4.1.2)", st.Spec.ID)
	}
	if string(ch.Random) != string(st.Hello.Random) || string(ch.SessionID) != string(st.Hello.SessionID) {
		return protoErr(wire.AlertIllegalParameter, "second ClientHello changes random or session_id (RFC 8446 §4.1.2)")
	}
	st.Hello, st.HelloRaw = ch, raw
	return nil
}

// pickCert13 chooses a certificate and scheme from the client's
// signature_algorithms (RFC 8446 §4.4.2.2).
func (st *ServerState) pickCert13() (*certs.Pair, wire.SignatureScheme, error) {
	offered := st.clientSchemes()
	if wire.CountExtension(st.Hello.Extensions, wire.ExtSignatureAlgorithms) == 0 {
		return nil, 0, protoErr(wire.AlertMissingExtension, "TLS 1.3 ClientHello without signature_algorithms (RFC 8446 §9.2)")
	}
	for _, p := range st.srv.cfg.Certificates {
		if s, err := st.srv.plan.SignatureScheme(st, p.Leaf.PublicKey, offered); err == nil {
			return p, s, nil
		}
	}
	return nil, 0, protoErr(wire.AlertHandshakeFailure, "no certificate fits the client's signature_algorithms")
}

func (st *ServerState) alpn() string {
	e, ok := wire.FindExtension(st.Hello.Extensions, wire.ExtALPN)
	if !ok {
		return ""
	}
	protos, err := wire.ParseALPN(e.Body)
	if err != nil {
		return ""
	}
	for _, p := range st.srv.cfg.ALPN {
		if slices.Contains(protos, p) {
			return p
		}
	}
	return ""
}

// acceptPSK resumes from a ticket when the binder verifies (RFC 8446
// §4.2.11). A ticket we cannot read is ignored: full handshake.
func (st *ServerState) acceptPSK() ([]byte, error) {
	ch := st.Hello
	e, ok := wire.FindExtension(ch.Extensions, wire.ExtPreSharedKey)
	if !ok || st.srv.cfg.NoTickets {
		return nil, nil
	}
	modes := []uint8{}
	if me, ok := wire.FindExtension(ch.Extensions, wire.ExtPSKKeyExchangeModes); ok {
		modes, _ = wire.ParsePSKKeyExchangeModes(me.Body)
	}
	if !slices.Contains(modes, 1) {
		return nil, nil // we only do psk_dhe_ke
	}
	p, err := wire.ParsePreSharedKeyClient(e.Body)
	if err != nil {
		return nil, &ProtocolError{Alert: wire.AlertDecodeError, Reason: "pre_shared_key", Err: err}
	}
	if len(p.Identities) == 0 || len(p.Identities) != len(p.Binders) {
		return nil, protoErr(wire.AlertIllegalParameter, "pre_shared_key has %d identities and %d binders", len(p.Identities), len(p.Binders))
	}
	sess, ok := st.srv.openTicket(p.Identities[0].Identity)
	if !ok || sess.Version != wire.VersionTLS13 {
		return nil, nil
	}
	// The binder covers the transcript with this ClientHello cut before the
	// binders list.
	raw := st.HelloRaw
	if p.BindersLen() > len(raw) {
		return nil, protoErr(wire.AlertDecodeError, "pre_shared_key binders longer than the ClientHello")
	}
	binderOK := func(h crypto.Hash) bool {
		t := st.preHello.Clone()
		t.Add(raw[:len(raw)-p.BindersLen()])
		binderKey := keys.NewEarlySecret(h, sess.PSK).BinderKey(true)
		return hmac.Equal(keys.BinderMAC(h, binderKey, t.Sum(uint16(wire.VersionTLS13), h)), p.Binders[0])
	}
	return st.srv.plan.ResumePSK13(st, sess, binderOK)
}

// resumePSK13 resumes a session whose hash is the chosen suite's (RFC 8446
// §4.2.11: "The server MUST ensure that it selects a compatible PSK (if
// any) and cipher suite"), once its binder verifies.
func resumePSK13(st *ServerState, sess *Session, binderOK func(crypto.Hash) bool) ([]byte, error) {
	if sess.suitePRF() != st.Spec.PRF {
		return nil, nil
	}
	if !binderOK(st.Spec.PRF) {
		return nil, protoErr(wire.AlertDecryptError, "PSK binder does not verify (RFC 8446 §4.2.11.2)")
	}
	return sess.PSK, nil
}

func (st *ServerState) sendTicket13(rms []byte) error {
	if st.srv.cfg.NoTickets {
		return nil
	}
	c := st.Conn
	nonce := []byte{0}
	ageAdd := make([]byte, 4)
	if _, err := st.rand.Read(ageAdd); err != nil {
		return err
	}
	sess := &Session{Version: wire.VersionTLS13, Suite: c.spec.ID, PSK: keys.ResumptionPSK(c.spec.PRF, rms, nonce)}
	ticket, err := st.srv.sealTicket(sess)
	if err != nil {
		return err
	}
	return st.send(&wire.NewSessionTicket13{
		Lifetime:   7200,
		AgeAdd:     binary.BigEndian.Uint32(ageAdd),
		Nonce:      nonce,
		Ticket:     ticket,
		Extensions: []wire.Extension{},
	})
}
