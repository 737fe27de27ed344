package peers

import (
	"crypto/rsa"
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/record"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// run12 is the TLS 1.0-1.2 client handshake after the ServerHello, full
// (RFC 5246 §7.3) or abbreviated with a ticket (RFC 5077 §3.1). Each call is
// one step of the default script (see Script12).
func (hs *clientHS) run12() error {
	if hs.c.resumed {
		return hs.resume12()
	}
	for _, step := range []func() error{
		hs.readServerFlight12, hs.sendClientKeyExchange12, hs.sendCCS12, hs.sendFinished12, hs.readServerFinished12,
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// processServerHello12 checks the ServerHello of a TLS 1.0-1.2 handshake
// and notes what it negotiated.
func (hs *clientHS) processServerHello12() error {
	c, sh := hs.c, hs.server
	v := c.version
	spec, err := hs.checkSuite(sh.CipherSuite, v)
	if err != nil {
		return err
	}
	c.spec = spec
	c.SetRecordVersion(v)
	if sh.CompressionMethod != 0 {
		return protoErr(wire.AlertIllegalParameter, "server chose compression method %d, which the client did not offer", sh.CompressionMethod)
	}
	for _, e := range sh.Extensions {
		if e.Type == wire.ExtALPN {
			if err := hs.alpn(e.Body); err != nil {
				return err
			}
			continue
		}
		if !hs.requested(e.Type) {
			return protoErr(wire.AlertUnsupportedExtension, "ServerHello carries %s, which the client did not request (RFC 5246 §7.4.1.4)", e.Type)
		}
		switch e.Type {
		case wire.ExtExtendedMasterSecret:
			if hs.cfg.DisableEMS {
				return protoErr(wire.AlertUnsupportedExtension, "ServerHello extended_master_secret, which the client did not offer (RFC 7627 §5.2)")
			}
			if len(e.Body) != 0 {
				return protoErr(wire.AlertDecodeError, "ServerHello extended_master_secret with a body (RFC 7627 §5.1: its extension_data is empty)")
			}
			hs.ems = true
		case wire.ExtECPointFormats:
			if _, err := wire.ParseECPointFormats(e.Body); err != nil {
				return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "ServerHello ec_point_formats", Err: err}
			}
		case wire.ExtRenegotiationInfo:
			if err := hs.renegotiationInfo12(e.Body); err != nil {
				return err
			}
		case wire.ExtSessionTicket:
			if len(e.Body) != 0 {
				return protoErr(wire.AlertDecodeError, "ServerHello session_ticket with a body (RFC 5077 §3.2: it is empty)")
			}
			hs.ticketExpected = true
		case wire.ExtSupportedVersions, wire.ExtKeyShare, wire.ExtPreSharedKey:
			if e.Type == wire.ExtSupportedVersions && hs.ignoredVersions {
				continue
			}
			return protoErr(wire.AlertUnsupportedExtension, "%s in a %s ServerHello", e.Type, v)
		}
	}
	if hs.reneg != nil && !hs.reneg.Legacy && !hs.renegInfo {
		return protoErr(wire.AlertHandshakeFailure, "renegotiation ServerHello without renegotiation_info (RFC 5746 §3.5)")
	}
	parse := wire.Context{Version: v}
	switch spec.KX {
	case suites.KXRSA:
		parse.KeyExchange = wire.KXRSA
	case suites.KXECDHE:
		parse.KeyExchange = wire.KXECDHE
	case suites.KXDHE:
		parse.KeyExchange = wire.KXDHE
	}
	c.SetParseContext(parse)

	s := hs.session
	if s != nil && s.Version < wire.VersionTLS13 && len(sh.SessionID) > 0 && equalBytes(sh.SessionID, hs.hello.SessionID) {
		if s.Version != v || s.Suite != spec.ID {
			return protoErr(wire.AlertIllegalParameter, "server resumed with %s %s, the session was %s %s", v, spec.ID, s.Version, s.Suite)
		}
		if s.EMS != hs.ems {
			return protoErr(wire.AlertHandshakeFailure, "resumption changes extended_master_secret (RFC 7627 §5.3)")
		}
		c.resumed = true
		hs.master = s.Master
	}
	return nil
}

// readServerFlight12 reads Certificate, ServerKeyExchange (when the key
// exchange needs it), an optional CertificateRequest and ServerHelloDone,
// in that order (RFC 5246 §7.3), and verifies the key exchange signature.
func (hs *clientHS) readServerFlight12() error {
	if hs.plan.AnyOrder {
		return hs.readFlight12AnyOrder()
	}
	c, spec := hs.c, hs.c.spec
	m, _, err := c.expect(wire.TypeCertificate, false)
	if err != nil {
		return err
	}
	if err := hs.parseCertificates(m.(*wire.Certificate12).Certificates); err != nil {
		return err
	}
	if spec.KX == suites.KXECDHE || spec.KX == suites.KXDHE {
		m, _, err := c.expect(wire.TypeServerKeyExchange, false)
		if err != nil {
			return err
		}
		hs.ske = m.(*wire.ServerKeyExchange)
		if err := hs.verifySKE(hs.ske, hs.serverCerts[0].PublicKey); err != nil {
			return err
		}
	}
	m, raw, err := c.readHandshake(false)
	if err != nil {
		return err
	}
	if req, ok := m.(*wire.CertificateRequest12); ok {
		if err := hs.certificateRequest12(req); err != nil {
			return err
		}
		c.transcript.Add(raw)
		if m, raw, err = c.readHandshake(false); err != nil {
			return err
		}
	}
	if m.Type() != wire.TypeServerHelloDone {
		return protoErr(wire.AlertUnexpectedMessage, "got %s, want ServerHelloDone (RFC 5246 §7.3)", m.Type())
	}
	c.transcript.Add(raw)
	return nil
}

// clientKeyExchange12 computes the pre-master secret and the message that
// carries it (RFC 5246 §7.4.7).
func (hs *clientHS) clientKeyExchange12() (*wire.ClientKeyExchange, error) {
	c, spec := hs.c, hs.c.spec
	pub := hs.serverCerts[0].PublicKey
	switch spec.KX {
	case suites.KXRSA:
		rsaPub, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, protoErr(wire.AlertUnsupportedCertificate, "RSA key exchange with a %T certificate key", pub)
		}
		// The PMS carries the version the client offered (RFC 5246 §7.4.7.1).
		pms, err := kx.NewPreMasterSecret(hs.hello.Version, c.rand)
		if err != nil {
			return nil, err
		}
		enc, err := kx.EncryptPMS(rsaPub, pms, c.rand)
		if err != nil {
			return nil, fmt.Errorf("peers: encrypt pre-master secret: %w", err)
		}
		hs.pms = pms
		return &wire.ClientKeyExchange{Form: wire.KXRSA, Exchange: enc}, nil
	case suites.KXECDHE:
		ske := hs.ske
		if err := hs.plan.ServerCurve(hs.offeredGroups(), ske.CurveType, ske.Group); err != nil {
			return nil, err
		}
		priv, err := kx.Generate(ske.Group, c.rand)
		if err != nil {
			return nil, &ProtocolError{Alert: wire.AlertIllegalParameter, Reason: "ServerKeyExchange group", Err: err}
		}
		if hs.pms, err = hs.plan.PeerShare(priv, ske.Point); err != nil {
			return nil, &ProtocolError{Alert: wire.AlertIllegalParameter, Reason: "server ECDHE public", Err: err}
		}
		c.group = ske.Group
		return &wire.ClientKeyExchange{Form: wire.KXECDHE, Exchange: priv.Public()}, nil
	case suites.KXDHE:
		ffdhe := slices.ContainsFunc(hs.offeredGroups(), func(g wire.Group) bool { return g >= 256 && g <= 511 })
		yc, shared, err := hs.plan.DHE(hs.ske.P, hs.ske.G, hs.ske.Ys, ffdhe, c.rand)
		if err != nil {
			return nil, err
		}
		hs.pms = shared
		c.group = kx.FFDHEGroup(hs.ske.P, hs.ske.G)
		return &wire.ClientKeyExchange{Form: wire.KXDHE, Exchange: yc}, nil
	}
	return nil, fmt.Errorf("peers: no key exchange for %s", spec.ID)
}

// sendClientKeyExchange12 sends [Certificate] ClientKeyExchange, derives
// the master secret (the extended master secret's session hash ends at
// the ClientKeyExchange, RFC 7627 §3), then sends the CertificateVerify
// when the Certificate carried a chain (RFC 5246 §7.3), signed over the
// transcript as sent.
func (hs *clientHS) sendClientKeyExchange12() error {
	flight, err := hs.keyExchangeFlight12()
	if err != nil {
		return err
	}
	if err := hs.send(StepClientKeyExchange, flight...); err != nil {
		return err
	}
	hs.deriveMaster12()
	return hs.sendCertificateVerify()
}

// keyExchangeFlight12 is the client's flight up to its ClientKeyExchange:
// the Certificate when the server asked for one (the configured chain, or
// empty), then the ClientKeyExchange (its pre-master secret chosen). A
// CertificateVerify is then due after the ClientKeyExchange when the
// Certificate carries a chain.
func (hs *clientHS) keyExchangeFlight12() ([]wire.Message, error) {
	cke, err := hs.clientKeyExchange12()
	if err != nil {
		return nil, err
	}
	if hs.certRequested {
		cert := hs.clientCertificate()
		hs.certificateSent()
		return []wire.Message{cert, cke}, nil
	}
	return []wire.Message{cke}, nil
}

// deriveMaster12 computes the (extended) master secret from the PMS and
// the transcript so far (RFC 5246 §8.1, RFC 7627 §4).
func (hs *clientHS) deriveMaster12() {
	c := hs.c
	v, h := uint16(c.version), c.spec.PRF
	if hs.ems {
		hs.master = keys.ExtendedMasterSecret(v, h, hs.pms, c.transcript.Sum(v, h))
	} else {
		hs.master = keys.MasterSecret(v, h, hs.pms, hs.hello.Random, hs.server.Random)
	}
	c.logKey(keys.LabelClientRandom, hs.master)
}

// resume12 is the abbreviated handshake: the server's CCS and Finished
// come first (RFC 5246 §7.3, Figure 2).
func (hs *clientHS) resume12() error {
	hs.c.logKey(keys.LabelClientRandom, hs.master)
	if err := hs.readServerFinished12(); err != nil {
		return err
	}
	if err := hs.sendCCS12(); err != nil {
		return err
	}
	return hs.sendFinished12()
}

func (hs *clientHS) keyBlock(master []byte) keys.KeyBlock {
	c := hs.c
	return keys.DeriveKeyBlock(uint16(c.version), c.spec.PRF, master, hs.hello.Random, hs.server.Random,
		c.spec.MACLen, c.spec.KeyLen, c.spec.FixedIVLen)
}

// sendCCS12 sends ChangeCipherSpec and switches the write side to the new
// keys (RFC 5246 §7.1).
func (hs *clientHS) sendCCS12() error {
	c := hs.c
	if err := hs.sendCCS(StepChangeCipherSpec); err != nil {
		return err
	}
	kb := hs.keyBlock(hs.master)
	out, err := newHalfConn12(c, kb.ClientKey, kb.ClientIV, kb.ClientMAC)
	if err != nil {
		return err
	}
	c.out = out
	return nil
}

// finished12 is the client's correct Finished (RFC 5246 §7.4.9).
func (hs *clientHS) finished12() *wire.Finished {
	c := hs.c
	vd := keys.FinishedVerifyData(uint16(c.version), c.spec.PRF, hs.master, true, c.transcript.Sum(uint16(c.version), c.spec.PRF))
	return &wire.Finished{VerifyData: vd}
}

func (hs *clientHS) sendFinished12() error {
	fin := hs.finished12()
	hs.clientVD = fin.VerifyData
	return hs.send(StepFinished, fin)
}

func (hs *clientHS) readTicket12() error {
	c := hs.c
	m, _, err := c.expect(wire.TypeNewSessionTicket, false)
	if err != nil {
		return err
	}
	nst := m.(*wire.NewSessionTicket12)
	if len(nst.Ticket) > 0 {
		hs.cfg.Sessions.Put(hs.sessionKey, &Session{
			Version:  c.version,
			Suite:    c.spec.ID,
			Ticket:   nst.Ticket,
			Master:   hs.master,
			EMS:      hs.ems,
			Lifetime: nst.LifetimeHint,
			Received: hs.cfg.now(),
		})
	}
	return nil
}

// readServerFinished12 reads the server's [NewSessionTicket], CCS and
// Finished and checks verify_data (RFC 5246 §7.4.9).
func (hs *clientHS) readServerFinished12() error {
	c := hs.c
	master := hs.master
	if hs.ticketExpected {
		if err := hs.readTicket12(); err != nil {
			return err
		}
	}
	kb := hs.keyBlock(master)
	want := keys.FinishedVerifyData(uint16(c.version), c.spec.PRF, master, false, c.transcript.Sum(uint16(c.version), c.spec.PRF))
	if done, err := hs.finishedOptional12(want, kb); done || err != nil {
		return err
	}
	if err := c.expectCCS(); err != nil {
		return err
	}
	in, err := newHalfConn12(c, kb.ServerKey, kb.ServerIV, kb.ServerMAC)
	if err != nil {
		return err
	}
	c.in = in
	f, err := hs.readFinished(false)
	if err != nil || f == nil {
		return err
	}
	got := f.VerifyData
	if err := hs.plan.VerifyServerFinished(got, want, "RFC 5246 §7.4.9"); err != nil {
		return err
	}
	hs.serverVD = got
	return nil
}

// finishedOptional12 is where the server's ChangeCipherSpec is due: a
// plan that takes the Finished as optional (ClientPlan.FinishedOptional)
// may take application data there as the end of the handshake, or read
// a Finished that comes before the ChangeCipherSpec in the clear and the
// ChangeCipherSpec after it. done says it did; otherwise what arrived is
// left for the correct reading.
func (hs *clientHS) finishedOptional12(want []byte, kb keys.KeyBlock) (done bool, err error) {
	c := hs.c
	it, err := c.nextItem()
	if err != nil {
		return false, err
	}
	switch {
	case it.Type == wire.ContentApplicationData && hs.plan.FinishedOptional("application data"):
		c.Unread(it)
		return true, nil
	case it.Type == wire.ContentHandshake && it.Msg.Type() == wire.TypeFinished && hs.plan.FinishedOptional("Finished before ChangeCipherSpec"):
		c.transcript.Add(it.Raw)
		got := it.Msg.(*wire.Finished).VerifyData
		if err := hs.plan.VerifyServerFinished(got, want, "RFC 5246 §7.4.9"); err != nil {
			return true, err
		}
		hs.serverVD = got
		if err := c.expectCCS(); err != nil {
			return true, err
		}
		in, err := newHalfConn12(c, kb.ServerKey, kb.ServerIV, kb.ServerMAC)
		if err != nil {
			return true, err
		}
		c.in = in
		return true, nil
	}
	c.Unread(it)
	return false, nil
}

// readFinished reads the server's Finished where it is due. Anything
// else goes to the plan: FinishedOptional may take application data or
// another handshake message as the end of the handshake (nil, nil: no
// Finished; the item is left for after the handshake); otherwise a
// handshake message goes to Unexpected (which may drop it) and a record
// to UnexpectedRecord, as expect does. skipCCS passes over one TLS 1.3
// compatibility ChangeCipherSpec.
func (hs *clientHS) readFinished(skipCCS bool) (*wire.Finished, error) {
	c := hs.c
	for {
		it, err := c.nextItem()
		if err != nil {
			return nil, err
		}
		switch it.Type {
		case wire.ContentHandshake:
			if f, ok := it.Msg.(*wire.Finished); ok {
				c.transcript.Add(it.Raw)
				return f, nil
			}
			if hs.plan.FinishedOptional(it.Msg.Type().String()) {
				c.Unread(it)
				return nil, nil
			}
			if err := hs.plan.Unexpected(it.Msg.Type(), wire.TypeFinished); err != nil {
				return nil, err
			}
		case wire.ContentAlert:
			return nil, c.alertErr(it.Alert)
		case wire.ContentChangeCipherSpec:
			if skipCCS && !it.Protected && len(it.Raw) == 1 && it.Raw[0] == 1 {
				skipCCS = false
				continue
			}
			return nil, protoErr(wire.AlertUnexpectedMessage, "unexpected ChangeCipherSpec")
		default:
			if it.Type == wire.ContentApplicationData && hs.plan.FinishedOptional("application data") {
				c.Unread(it)
				return nil, nil
			}
			if err := hs.plan.UnexpectedRecord(it.Type); err != nil {
				return nil, err
			}
		}
		skipCCS = false
	}
}

// earlyCCS is the plan's decision on a ChangeCipherSpec that arrives
// where a handshake message is due, before the client has a master
// secret (TLS 1.0-1.2): taken, it moves the read side to the keys of the
// master secret the client has then, none (an empty one); dropped, it
// changes nothing.
func (hs *clientHS) earlyCCS() error {
	c := hs.c
	if c.version == 0 || c.version >= wire.VersionTLS13 || c.spec == nil || hs.master != nil || hs.server == nil {
		return protoErr(wire.AlertUnexpectedMessage, "unexpected ChangeCipherSpec")
	}
	take, err := hs.plan.EarlyCCS()
	if err != nil || !take {
		return err
	}
	kb := hs.keyBlock(nil)
	in, err := newHalfConn12(c, kb.ServerKey, kb.ServerIV, kb.ServerMAC)
	if err != nil {
		return err
	}
	c.in = in
	return nil
}

// trialKeys are the keys a misbehaving client (ClientPlan.TrialDecrypt)
// tries a record under when it does not open under the read key: in
// TLS 1.3, while the server's flight is read, its own handshake traffic
// key and the server application traffic key that follows the Finished
// it expects; below it, after the server's ChangeCipherSpec, its own
// write keys; and no protection at all (for a record not sent as
// application data in TLS 1.3).
func (hs *clientHS) trialKeys(outer wire.ContentType) []readKey {
	c := hs.c
	var out []readKey
	fresh := func(name string, hc *record.HalfConn, err error) {
		if err == nil {
			out = append(out, readKey{hc: hc, name: name})
		}
	}
	switch {
	case c.version == wire.VersionTLS13 && hs.cHS != nil && hs.cAP == nil:
		hc, err := c.halfConn13(hs.cHS)
		fresh("the client handshake traffic key", hc, err)
		fin, ferr := (&wire.Finished{VerifyData: keys.FinishedMAC(hs.suiteHash, hs.sHS, c.transcript.Sum(uint16(wire.VersionTLS13), hs.suiteHash))}).Marshal()
		if ferr == nil {
			t := c.transcript.Clone()
			t.Add(fin)
			hc, err := c.halfConn13(hs.hsSecret.Master().ServerTrafficSecret(t.Sum(uint16(wire.VersionTLS13), hs.suiteHash)))
			fresh("the server application traffic key", hc, err)
		}
	case c.version != 0 && c.version < wire.VersionTLS13 && hs.master != nil && c.in.Protected():
		kb := hs.keyBlock(hs.master)
		hc, err := newHalfConn12(c, kb.ClientKey, kb.ClientIV, kb.ClientMAC)
		fresh("the client write keys", hc, err)
	default:
		return nil
	}
	if c.version < wire.VersionTLS13 || outer != wire.ContentApplicationData {
		out = append(out, readKey{hc: record.NewNull(), name: "no protection"})
	}
	return out
}

func newHalfConn12(c *Conn, key, iv, mac []byte) (*record.HalfConn, error) {
	hc, err := record.NewHalfConn12(c.version, c.spec, key, iv, mac)
	if err != nil {
		return nil, fmt.Errorf("peers: record keys: %w", err)
	}
	hc.SetRand(c.rand)
	return hc, nil
}

// requested reports whether the ClientHello asked for a ServerHello (or
// EncryptedExtensions) extension of type t: it carried one, or, for
// renegotiation_info, the SCSV that stands for it (RFC 5746 §3.4).
func (hs *clientHS) requested(t wire.ExtensionType) bool {
	if wire.CountExtension(hs.hello.Extensions, t) > 0 {
		return true
	}
	return t == wire.ExtRenegotiationInfo && slices.Contains(hs.hello.CipherSuites, wire.CipherSuite(0x00FF))
}

// verifySKE checks the ServerKeyExchange signature (RFC 5246 §7.4.3,
// RFC 8422 §5.4).
func (hs *clientHS) verifySKE(ske *wire.ServerKeyExchange, pub any) error {
	c := hs.c
	scheme := wire.SignatureScheme(0)
	if c.version >= wire.VersionTLS12 {
		if !ske.HasSignatureAlgorithm {
			return protoErr(wire.AlertDecodeError, "TLS 1.2 ServerKeyExchange without a signature algorithm")
		}
		scheme = ske.SignatureAlgorithm
		if err := hs.plan.SignatureScheme(hs.cfg.schemes(), scheme, "ServerKeyExchange"); err != nil {
			return err
		}
	}
	msg := kx.SignedParams12(hs.hello.Random, hs.server.Random, ske.Params())
	return hs.plan.VerifySignature("ServerKeyExchange", func() error {
		if err := kx.Verify(pub, scheme, msg, ske.Signature); err != nil {
			return &VerifyError{What: "ServerKeyExchange signature", Reason: scheme.String(), Err: err}
		}
		return nil
	})
}

// offeredGroups is the ClientHello's supported_groups as sent (a script
// may have edited it).
func (hs *clientHS) offeredGroups() []wire.Group {
	if e, ok := wire.FindExtension(hs.hello.Extensions, wire.ExtSupportedGroups); ok {
		if gs, err := wire.ParseSupportedGroups(e.Body); err == nil {
			return gs
		}
	}
	return nil
}

// alpn takes the server's ALPN answer through the plan, against the
// protocols the ClientHello offered (nil when it sent no ALPN).
func (hs *clientHS) alpn(body []byte) error {
	var offered []string
	if e, ok := wire.FindExtension(hs.hello.Extensions, wire.ExtALPN); ok {
		offered, _ = wire.ParseALPN(e.Body)
		if offered == nil {
			offered = []string{}
		}
	}
	selected, err := wire.ParseALPN(body)
	if err != nil {
		return &ProtocolError{Alert: wire.AlertDecodeError, Reason: "server ALPN", Err: err}
	}
	p, err := hs.plan.ALPN(offered, selected)
	if err != nil {
		return err
	}
	hs.c.alpn = p
	return nil
}
