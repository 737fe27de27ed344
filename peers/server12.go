package peers

import (
	"fmt"
	"io"
	"slices"

	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/record"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// run12 is the TLS 1.0-1.2 server handshake (RFC 5246 §7.3), with ticket
// resumption (RFC 5077).
func (st *ServerState) run12() error {
	c, ch := st.Conn, st.Hello
	v := c.version
	c.SetRecordVersion(v)
	if !slices.Contains(ch.CompressionMethods, 0) {
		return protoErr(wire.AlertIllegalParameter, "compression_methods without null (RFC 5246 §7.4.1.2)")
	}
	spec, err := st.srv.plan.ChooseSuite(st)
	if err != nil {
		return err
	}
	st.Spec, c.spec = spec, spec
	shExt, err := st.serverExtensions12()
	if err != nil {
		return err
	}
	ticketExt, wantsTicket := wire.FindExtension(ch.Extensions, wire.ExtSessionTicket)
	wantsTicket = wantsTicket && !st.srv.cfg.NoTickets

	// Resumption from a ticket (RFC 5077 §3.1), or else (RFC 5077 §3.4:
	// never from the session ID when a ticket came) from the session ID
	// (RFC 5246 §7.4.1.2).
	switch {
	case wantsTicket && len(ticketExt.Body) > 0:
		if sess, ok := st.srv.openTicket(ticketExt.Body); ok && len(ch.SessionID) > 0 && st.srv.plan.Resume12(st, sess) {
			return st.resume12(sess, shExt)
		}
	case len(ch.SessionID) > 0:
		if sess := st.srv.sessions.Get(string(ch.SessionID)); sess != nil && st.srv.plan.Resume12(st, sess) {
			return st.resume12(sess, shExt)
		}
	}
	if wantsTicket {
		shExt = append(shExt, wire.SessionTicketExt(nil))
	}
	// A new session, cached under a new session ID once the client's
	// Finished verifies.
	sessionID := make([]byte, 32)
	if _, err := io.ReadFull(st.rand, sessionID); err != nil {
		return fmt.Errorf("peers: session id: %w", err)
	}
	random, ecdhe, err := st.sendFlight12(shExt, sessionID)
	if err != nil {
		return err
	}
	leaf, err := st.readClientCertificate()
	if err != nil {
		return err
	}
	pms, err := st.readKeyExchange12(ecdhe)
	if err != nil {
		return err
	}
	h := spec.PRF
	var master []byte
	if st.EMS {
		master = keys.ExtendedMasterSecret(uint16(v), h, pms, c.transcript.Sum(uint16(v), h))
	} else {
		master = keys.MasterSecret(uint16(v), h, pms, ch.Random, random)
	}
	c.logKey(keys.LabelClientRandom, master)
	kb := keys.DeriveKeyBlock(uint16(v), h, master, ch.Random, random, spec.MACLen, spec.KeyLen, spec.FixedIVLen)
	if err := st.readClientCertificateVerify(leaf); err != nil {
		return err
	}
	if err := st.readClientFinished12(master, kb); err != nil {
		return err
	}
	st.srv.sessions.Put(string(sessionID), &Session{Version: v, Suite: spec.ID, SessionID: sessionID, Master: master, EMS: st.EMS})
	if wantsTicket {
		if err := st.sendTicket12(master); err != nil {
			return err
		}
	}
	return st.sendFinished12(master, kb)
}

// serverExtensions12 are the extensions the ServerHello answers with
// (TLS 1.0-1.2), a session ticket aside: extended_master_secret,
// renegotiation_info, ALPN, ec_point_formats.
func (st *ServerState) serverExtensions12() ([]wire.Extension, error) {
	ch := st.Hello
	var shExt []wire.Extension
	if e, ok := wire.FindExtension(ch.Extensions, wire.ExtExtendedMasterSecret); ok {
		if len(e.Body) != 0 {
			return nil, protoErr(wire.AlertDecodeError, "extended_master_secret with a body (RFC 7627 §5.1)")
		}
		st.EMS = true
		shExt = append(shExt, wire.ExtendedMasterSecretExt())
	}
	ri, ok, err := st.renegotiationInfo12()
	if err != nil {
		return nil, err
	}
	if ok {
		shExt = append(shExt, ri)
	}
	if p := st.alpn(); p != "" {
		shExt = append(shExt, wire.ALPNExt(p))
		st.Conn.alpn = p
	}
	if st.Spec.KX == suites.KXECDHE {
		if _, ok := wire.FindExtension(ch.Extensions, wire.ExtECPointFormats); ok {
			shExt = append(shExt, wire.ECPointFormatsExt(0))
		}
	}
	return shExt, nil
}

// sendFlight12 sends ServerHello, Certificate, ServerKeyExchange (for an
// ECDHE suite, with the ephemeral key it returns; for a DHE suite, with
// the key kept in st.dhe) and ServerHelloDone,
// and returns the server random.
func (st *ServerState) sendFlight12(shExt []wire.Extension, sessionID []byte) ([]byte, kx.Private, error) {
	c, ch, spec, v := st.Conn, st.Hello, st.Spec, st.version
	random, err := st.ServerRandom()
	if err != nil {
		return nil, nil, err
	}
	st.serverRandom = random
	sh := &wire.ServerHello{Version: v, Random: random, SessionID: sessionID, CipherSuite: spec.ID, Extensions: shExt}
	if len(shExt) == 0 {
		sh.Extensions = nil
	}
	cert := st.certFor(spec.Auth)
	st.Cert = cert
	flight := []wire.Message{sh, &wire.Certificate12{Certificates: cert.Chain}}

	var ecdhe kx.Private
	var ske *wire.ServerKeyExchange
	switch spec.KX {
	case suites.KXECDHE:
		g := st.ecdheGroup()
		if ecdhe, err = kx.Generate(g, st.rand); err != nil {
			return nil, nil, err
		}
		c.group = g
		ske = &wire.ServerKeyExchange{Form: wire.KXECDHE, CurveType: 3, Group: g, Point: ecdhe.Public()}
	case suites.KXDHE:
		// RFC 5246 §7.4.3 ServerDHParams, in the RFC 7919 group dheGroup
		// picked.
		g := st.dheGroup()
		p, gen, ys, priv, err := kx.DHEServer(g, st.rand)
		if err != nil {
			return nil, nil, err
		}
		st.dhe, c.group = priv, g
		ske = &wire.ServerKeyExchange{Form: wire.KXDHE, P: p, G: gen, Ys: ys}
	}
	if ske != nil {
		st.srv.plan.ServerKeyExchange12(st, ske)
		scheme := wire.SignatureScheme(0)
		if v >= wire.VersionTLS12 {
			if scheme, err = st.srv.plan.SignatureScheme(st, cert.Leaf.PublicKey, st.clientSchemes()); err != nil {
				return nil, nil, &ProtocolError{Alert: wire.AlertHandshakeFailure, Reason: "no signature scheme in common", Err: err}
			}
			ske.HasSignatureAlgorithm, ske.SignatureAlgorithm = true, scheme
		}
		st.Scheme = scheme
		sig, err := kx.Sign(cert.Key, scheme, kx.SignedParams12(ch.Random, random, ske.Params()), st.rand)
		if err != nil {
			return nil, nil, err
		}
		ske.Signature = sig
		flight = append(flight, ske)
	}
	flight = append(flight, &wire.ServerHelloDone{})
	return random, ecdhe, st.send(flight...)
}

// readKeyExchange12 reads the client's key exchange through the plan and
// returns the pre-master secret: the RSA decryption, or the ECDHE or DHE
// shared secret with the server's ephemeral key.
func (st *ServerState) readKeyExchange12(ecdhe kx.Private) ([]byte, error) {
	parse := wire.Context{Version: st.version, KeyExchange: wire.KXRSA}
	switch st.Spec.KX {
	case suites.KXECDHE:
		parse.KeyExchange = wire.KXECDHE
	case suites.KXDHE:
		parse.KeyExchange = wire.KXDHE
	}
	st.SetParseContext(parse)
	return st.srv.plan.ClientKeyExchange(st, func(cke *wire.ClientKeyExchange) ([]byte, error) {
		switch st.Spec.KX {
		case suites.KXECDHE:
			return st.srv.plan.ECDHEShared(st, ecdhe, cke.Exchange)
		case suites.KXDHE:
			pms, err := st.dhe.Shared(cke.Exchange)
			if err != nil {
				// RFC 7919 §4: "If dh_Yc is out of range, the server MUST
				// terminate the connection with a fatal handshake_failure(40)
				// alert."
				return nil, &ProtocolError{Alert: wire.AlertHandshakeFailure, Reason: "client DHE public", Err: err}
			}
			return pms, nil
		}
		return st.srv.plan.DecryptPMS(st, cke.Exchange)
	})
}

func (st *ServerState) resume12(sess *Session, shExt []wire.Extension) error {
	c, ch := st.Conn, st.Hello
	v := c.version
	random, err := st.ServerRandom()
	if err != nil {
		return err
	}
	st.serverRandom = random
	c.resumed = true
	sh := &wire.ServerHello{Version: v, Random: random, SessionID: ch.SessionID, CipherSuite: st.Spec.ID, Extensions: shExt}
	if len(shExt) == 0 {
		sh.Extensions = nil
	}
	if err := st.send(sh); err != nil {
		return err
	}
	master := sess.Master
	c.logKey(keys.LabelClientRandom, master)
	kb := keys.DeriveKeyBlock(uint16(v), st.Spec.PRF, master, ch.Random, random, st.Spec.MACLen, st.Spec.KeyLen, st.Spec.FixedIVLen)
	if err := st.sendFinished12(master, kb); err != nil {
		return err
	}
	return st.readClientFinished12(master, kb)
}

// readClientFinished12 reads CCS and Finished and verifies verify_data.
func (st *ServerState) readClientFinished12(master []byte, kb keys.KeyBlock) error {
	c := st.Conn
	if err := c.expectCCS(); err != nil {
		return err
	}
	in, err := newHalfConn12(c, kb.ClientKey, kb.ClientIV, kb.ClientMAC)
	if err != nil {
		return err
	}
	c.in = in
	want := keys.FinishedVerifyData(uint16(c.version), c.spec.PRF, master, true, c.transcript.Sum(uint16(c.version), c.spec.PRF))
	// Nothing may follow the client's Finished in its flight (RFC 5246 §7.4).
	return st.verifyClientFinished(want, "handshake data after the client Finished")
}

// verifyClientFinished reads the client's Finished, checks it against
// want through the plan, and requires that no handshake bytes follow it
// (afterwards says why, for the alert's reason).
func (st *ServerState) verifyClientFinished(want []byte, afterwards string) error {
	m, _, err := st.expectClient(wire.TypeFinished)
	if err != nil {
		return err
	}
	if err := st.srv.plan.VerifyFinished(st, m.(*wire.Finished).VerifyData, want); err != nil {
		return err
	}
	st.ClientVerifyData = m.(*wire.Finished).VerifyData
	if st.Conn.hs.Buffered() > 0 {
		return protoErr(wire.AlertUnexpectedMessage, "%s", afterwards)
	}
	return nil
}

func (st *ServerState) sendFinished12(master []byte, kb keys.KeyBlock) error {
	c := st.Conn
	vd := keys.FinishedVerifyData(uint16(c.version), c.spec.PRF, master, false, c.transcript.Sum(uint16(c.version), c.spec.PRF))
	st.ServerVerifyData = vd
	return st.srv.plan.ServerFinished12(st, kb, &wire.Finished{VerifyData: vd})
}

// ChangeCipherSpec12 sends a ChangeCipherSpec and moves the write side
// to the server's keys of kb (TLS 1.0-1.2, RFC 5246 §7.1).
func (st *ServerState) ChangeCipherSpec12(kb keys.KeyBlock) error {
	if err := st.Conn.WriteCCS(); err != nil {
		return err
	}
	return st.SetWriteKeys12(kb, false)
}

// SetWriteKeys12 moves the write side to fresh record protection (TLS
// 1.0-1.2, sequence number 0) with the server's keys of kb, or with the
// client's when client is set (a misbehaviour that writes under the
// wrong direction's keys).
func (st *ServerState) SetWriteKeys12(kb keys.KeyBlock, client bool) error {
	key, iv, mac := kb.ServerKey, kb.ServerIV, kb.ServerMAC
	if client {
		key, iv, mac = kb.ClientKey, kb.ClientIV, kb.ClientMAC
	}
	out, err := newHalfConn12(st.Conn, key, iv, mac)
	if err != nil {
		return err
	}
	st.Conn.out = out
	return nil
}

// SetWriteNull moves the write side back to no record protection (a
// misbehaviour that writes in the clear after its ChangeCipherSpec).
func (st *ServerState) SetWriteNull() { st.Conn.out = record.NewNull() }

// KeyBlock12 is the TLS 1.0-1.2 key block the connection's suite,
// version and randoms derive from master (RFC 5246 §6.3): for a
// misbehaviour that keys records with another master secret.
func (st *ServerState) KeyBlock12(master []byte) keys.KeyBlock {
	c := st.Conn
	return keys.DeriveKeyBlock(uint16(c.version), c.spec.PRF, master, st.Hello.Random, st.serverRandom, c.spec.MACLen, c.spec.KeyLen, c.spec.FixedIVLen)
}

func (st *ServerState) sendTicket12(master []byte) error {
	ticket, err := st.srv.sealTicket(&Session{Version: st.version, Suite: st.Spec.ID, Master: master, EMS: st.EMS})
	if err != nil {
		return fmt.Errorf("peers: seal ticket: %w", err)
	}
	return st.send(&wire.NewSessionTicket12{LifetimeHint: 7200, Ticket: ticket})
}
