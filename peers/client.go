package peers

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Dial connects to addr over TCP and runs the client handshake. The dial
// and the handshake are bounded by ctx and by the config's timeout.
func Dial(ctx context.Context, addr string, cfg *ClientConfig) (*Conn, error) {
	if cfg == nil {
		cfg = &ClientConfig{}
	}
	d := net.Dialer{Timeout: timeoutOf(cfg.Timeout)}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("peers: dial %s: %w", addr, err)
	}
	c, err := Client(ctx, nc, cfg)
	if err != nil {
		nc.Close()
		return c, err
	}
	return c, nil
}

func timeoutOf(d time.Duration) time.Duration {
	if d <= 0 {
		return DefaultTimeout
	}
	return d
}

// Client runs the reference client's handshake over nc. On failure the
// returned Conn (when not nil) still says how far the handshake got.
func Client(ctx context.Context, nc net.Conn, cfg *ClientConfig) (*Conn, error) {
	if cfg == nil {
		cfg = &ClientConfig{}
	}
	c := newConn(nc, cfg.Timeout, cfg.Time, cfg.rand(), cfg.KeyLog, cfg.Observe)
	c.readsOtherKeys = true
	c.SetMaxFragment(cfg.MaxFragment)
	stop := withContext(ctx, nc)
	defer stop()
	hs := &clientHS{c: c, cfg: cfg, plan: cfg.plan(), sessionKey: sessionKey(cfg, nc)}
	c.unexpected, c.unexpectedRecord, c.clientRecord = hs.plan.Unexpected, hs.plan.UnexpectedRecord, hs.plan.Record
	c.unmarshal = hs.plan.ParseMessage
	c.earlyCCS = hs.earlyCCS
	if hs.plan.TrialDecrypt {
		c.trialKeys = hs.trialKeys
	}
	return c, c.runHandshake(hs.run)
}

func sessionKey(cfg *ClientConfig, nc net.Conn) string {
	if cfg.SessionKey != "" {
		return cfg.SessionKey
	}
	if cfg.ServerName != "" {
		return cfg.ServerName
	}
	return nc.RemoteAddr().String()
}

type clientHS struct {
	c          *Conn
	cfg        *ClientConfig
	plan       ClientPlan
	sessionKey string

	hello   *wire.ClientHello
	shares  []kx.Private
	session *Session // offered for resumption
	sawHRR  bool
	hrrs    int // HelloRetryRequests read
	hrrRaw  []byte

	server      *wire.ServerHello
	serverCerts []*x509.Certificate
	// ignoredVersions: the plan read the ServerHello as if it had no
	// supported_versions (ClientPlan.SelectedVersion).
	ignoredVersions bool

	// TLS 1.2 state.
	ems, ticketExpected, certRequested bool
	ske                                *wire.ServerKeyExchange
	pms, master                        []byte

	// Client authentication (client_auth.go): the TLS 1.3 request's
	// context, the scheme the CertificateVerify uses when the Certificate
	// carries the configured chain (authSign), and whether that
	// CertificateVerify is still to send.
	certContext         []byte
	authScheme          wire.SignatureScheme
	authSign, verifyDue bool

	// TLS 1.3 state.
	suiteHash          crypto.Hash
	hsSecret           *keys.HandshakeSecret
	cHS, sHS, cAP, sAP []byte
	master13           *keys.MasterSecret13

	// shared13, when set, replaces the TLS 1.3 (EC)DHE shared secret the
	// client computed (see Conversation.OverrideShared13).
	shared13 func(g wire.Group, computed []byte) []byte

	// Renegotiation (RFC 5746): the verify_data of the latest completed
	// handshake's Finished messages, whether the first ServerHello
	// carried renegotiation_info, the renegotiation in progress (nil
	// before one) and whether its ServerHello carried renegotiation_info.
	clientVD, serverVD     []byte
	secureReneg, renegInfo bool
	reneg                  *Renegotiation

	// edits, when set, rewrite the bytes of what a named step sends
	// (conversation scripts); nil for the plain client. changes records
	// what they (and a step's own edit of the ClientHello) changed.
	edits   map[string]Edit
	changes []Change
}

// Change is what an edit changed in what a step sends: the bytes as built
// and as sent.
type Change struct {
	Step          string
	Before, After []byte
}

// edit applies the edit registered for step to raw (if any) and records
// what it changed.
func (hs *clientHS) edit(step string, raw []byte) []byte {
	e := hs.edits[step]
	if e == nil {
		return raw
	}
	before := bytes.Clone(raw)
	out := e(raw)
	hs.noteChange(step, before, out)
	return out
}

// noteChange records a change of what step sends, when there is one.
func (hs *clientHS) noteChange(step string, before, after []byte) {
	if !bytes.Equal(before, after) && len(hs.changes) < maxChanges {
		hs.changes = append(hs.changes, Change{Step: step, Before: before, After: bytes.Clone(after)})
	}
}

// maxChanges bounds what a conversation records of its edits: the
// reports show the first.
const maxChanges = 1

func (hs *clientHS) run() error {
	if err := hs.buildHello(); err != nil {
		return err
	}
	if err := hs.sendHello(); err != nil {
		return err
	}
	if err := hs.serverHello(); err != nil {
		return err
	}
	if hs.c.version == wire.VersionTLS13 {
		return hs.run13()
	}
	return hs.run12()
}

// serverHello reads the ServerHello (answering one HelloRetryRequest),
// settles the version and checks the ServerHello for it.
func (hs *clientHS) serverHello() error {
	if hs.reneg != nil && hs.server == nil {
		if err := hs.renegotiationAnswer(); err != nil {
			return err
		}
	}
	sh, err := hs.readServerHello()
	if err != nil {
		return err
	}
	if sh.IsHelloRetryRequest() {
		if err := hs.handleHRR(sh); err != nil {
			return err
		}
		if sh, err = hs.readServerHello(); err != nil {
			return err
		}
		if sh.IsHelloRetryRequest() {
			return faultErr(FaultHRRTwice, wire.AlertUnexpectedMessage, "second HelloRetryRequest (RFC 8446 §4.1.4)")
		}
	}
	hs.server = sh
	v, err := hs.negotiatedVersion(sh)
	if err != nil {
		return err
	}
	hs.c.version = v
	if v == wire.VersionTLS13 {
		return hs.processServerHello13()
	}
	return hs.processServerHello12()
}

func (hs *clientHS) buildHello() error {
	cfg, c := hs.cfg, hs.c
	maxV := cfg.maxVersion()
	legacy := min(maxV, wire.VersionTLS12)
	random := make([]byte, 32)
	if _, err := io.ReadFull(c.rand, random); err != nil {
		return fmt.Errorf("peers: client random: %w", err)
	}
	c.clientRandom = random
	ch := &wire.ClientHello{
		Version:            legacy,
		Random:             random,
		CipherSuites:       slices.Clone(cfg.suites()),
		CompressionMethods: []uint8{0},
		Extensions:         []wire.Extension{},
	}
	offers13 := cfg.offers(wire.VersionTLS13)
	offersOld := slices.ContainsFunc(cfg.versions(), func(v wire.Version) bool { return v < wire.VersionTLS13 })
	if offers13 {
		// Middlebox compatibility mode (RFC 8446 Appendix D.4).
		ch.SessionID = make([]byte, 32)
		if _, err := io.ReadFull(c.rand, ch.SessionID); err != nil {
			return fmt.Errorf("peers: session id: %w", err)
		}
	}
	hs.session = cfg.Sessions.Get(hs.sessionKey)
	if hs.session != nil && !cfg.offers(hs.session.Version) {
		hs.session = nil
	}
	ext := func(e wire.Extension) { ch.Extensions = append(ch.Extensions, e) }
	if cfg.ServerName != "" && net.ParseIP(cfg.ServerName) == nil {
		ext(wire.ServerNameExt(cfg.ServerName))
	}
	if offersOld {
		ext(wire.ECPointFormatsExt(0))
		ext(wire.RenegotiationInfoExt(nil))
		if !cfg.DisableEMS {
			ext(wire.ExtendedMasterSecretExt())
		}
		var ticket []byte
		if hs.session != nil && hs.session.Version < wire.VersionTLS13 && len(hs.session.Ticket) == 0 {
			ch.SessionID = hs.session.SessionID
		} else if hs.session != nil && hs.session.Version < wire.VersionTLS13 {
			ticket = hs.session.Ticket
			if len(ch.SessionID) == 0 {
				// RFC 5077 §3.4: a session ID lets the client see acceptance.
				ch.SessionID = make([]byte, 32)
				if _, err := io.ReadFull(c.rand, ch.SessionID); err != nil {
					return fmt.Errorf("peers: session id: %w", err)
				}
			}
		}
		ext(wire.SessionTicketExt(ticket))
	}
	ext(wire.SupportedGroupsExt(cfg.groups()...))
	ext(wire.SignatureAlgorithmsExt(cfg.schemes()...))
	if len(cfg.ALPN) > 0 {
		ext(wire.ALPNExt(cfg.ALPN...))
	}
	if offers13 {
		var vs []wire.Version
		for _, v := range []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10} {
			if cfg.offers(v) {
				vs = append(vs, v)
			}
		}
		ext(wire.SupportedVersionsClientExt(vs...))
		var entries []wire.KeyShareEntry
		for _, g := range cfg.keyShares() {
			priv, err := kx.Generate(g, c.rand)
			if err != nil {
				return fmt.Errorf("peers: key share %s: %w", g, err)
			}
			hs.shares = append(hs.shares, priv)
			entries = append(entries, wire.KeyShareEntry{Group: g, KeyExchange: priv.Public()})
		}
		ext(wire.KeyShareClientExt(entries...))
		ext(wire.PSKKeyExchangeModesExt(1)) // psk_dhe_ke
	}
	hs.hello = ch
	return nil
}

// sendHello marshals the ClientHello (with PSK binders when resuming 1.3)
// and sends it.
func (hs *clientHS) sendHello() error {
	c := hs.c
	raw, err := hs.helloBytes()
	if err != nil {
		return err
	}
	c.transcript.Add(raw)
	return c.WriteRecord(wire.ContentHandshake, raw)
}

// helloBytes is the ClientHello to send: with PSK binders when resuming
// TLS 1.3, marshalled, then changed by the ClientHello step's edit.
func (hs *clientHS) helloBytes() ([]byte, error) {
	if hs.session != nil && hs.session.Version == wire.VersionTLS13 {
		if err := hs.addPSK(); err != nil {
			return nil, err
		}
	}
	raw, err := hs.hello.Marshal()
	if err != nil {
		return nil, fmt.Errorf("peers: marshal ClientHello: %w", err)
	}
	return hs.edit(StepClientHello, raw), nil
}

func (hs *clientHS) readServerHello() (*wire.ServerHello, error) {
	// After a HelloRetryRequest the middlebox-compatibility CCS may come
	// before the second ServerHello (RFC 8446 Appendix D.4).
	m, raw, err := hs.c.readHandshake(hs.sawHRR)
	if err != nil {
		return nil, err
	}
	sh, ok := m.(*wire.ServerHello)
	if !ok {
		return nil, faultErr(FaultUnexpectedMessage, wire.AlertUnexpectedMessage, "got %s, want ServerHello", m.Type())
	}
	if !sh.IsHelloRetryRequest() {
		hs.c.transcript.Add(raw)
	} else {
		hs.hrrRaw = raw
		hs.hrrs++
	}
	return sh, nil
}

// negotiatedVersion applies RFC 8446 §4.1.3 and §4.2.1 to the ServerHello.
func (hs *clientHS) negotiatedVersion(sh *wire.ServerHello) (wire.Version, error) {
	cfg := hs.cfg
	if e, ok := wire.FindExtension(sh.Extensions, wire.ExtSupportedVersions); ok {
		sel, err := wire.ParseSupportedVersionsServer(e.Body)
		if err != nil {
			return 0, &ProtocolError{Alert: wire.AlertDecodeError, Reason: "ServerHello supported_versions", Err: err, Fault: FaultDecode}
		}
		v, ignore, err := hs.plan.SelectedVersion(cfg, sh.Version, sel)
		if err != nil {
			return 0, err
		}
		if !ignore {
			return v, nil
		}
		hs.ignoredVersions = true
	}
	v := sh.Version
	if !cfg.offers(v) || v >= wire.VersionTLS13 {
		return 0, faultErr(FaultVersionNotOffered, wire.AlertProtocolVersion, "server negotiated %s, which the client did not offer", v)
	}
	// Downgrade protection (RFC 8446 §4.1.3).
	if len(sh.Random) == 32 {
		if err := hs.plan.DowngradeSentinel(cfg, [8]byte(sh.Random[24:]), v); err != nil {
			return 0, err
		}
	}
	return v, nil
}

// checkSuite requires the server's suite to be one we offered and to fit v.
func (hs *clientHS) checkSuite(id wire.CipherSuite, v wire.Version) (*suites.Spec, error) {
	if !slices.Contains(hs.hello.CipherSuites, id) {
		return nil, faultErr(FaultSuiteNotOffered, wire.AlertIllegalParameter, "server chose %s, which the client did not offer (RFC 5246 §7.4.1.3)", id)
	}
	spec, ok := suites.Lookup(id)
	if !ok || !spec.SupportsVersion(v) {
		return nil, faultErr(FaultSuiteVersion, wire.AlertIllegalParameter, "server chose %s, which does not fit %s", id, v)
	}
	return spec, nil
}

func (hs *clientHS) parseCertificates(chain [][]byte) error {
	if len(chain) == 0 {
		return protoErr(wire.AlertDecodeError, "server sent an empty Certificate")
	}
	certs := make([]*x509.Certificate, 0, len(chain))
	for i, der := range chain {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return &ProtocolError{Alert: wire.AlertBadCertificate, Reason: fmt.Sprintf("certificate %d does not parse", i), Err: err}
		}
		certs = append(certs, cert)
	}
	hs.serverCerts = certs
	if hs.cfg.RootCAs == nil {
		return nil
	}
	inter := x509.NewCertPool()
	for _, cert := range certs[1:] {
		inter.AddCert(cert)
	}
	opts := x509.VerifyOptions{Roots: hs.cfg.RootCAs, Intermediates: inter, CurrentTime: hs.cfg.now()}
	if hs.cfg.ServerName != "" {
		opts.DNSName = hs.cfg.ServerName
	}
	if _, err := certs[0].Verify(opts); err != nil {
		return &VerifyError{What: "certificate chain", Reason: "x509", Err: err}
	}
	return nil
}

func equalBytes(a, b []byte) bool { return bytes.Equal(a, b) }

// Edit rewrites the bytes one step of a conversation sends: for a
// handshake step, its messages as marshalled (headers included, several
// messages back to back); for a ChangeCipherSpec step, the CCS body. What
// it returns is sent as the payload of the step's record(s), and added to
// the transcript as it is.
type Edit func(raw []byte) []byte

// send marshals msgs, applies the edit registered for the step (if any),
// adds the result to the transcript and sends it as handshake records.
func (hs *clientHS) send(step string, msgs ...wire.Message) error {
	c := hs.c
	if hs.edits[step] == nil {
		return c.WriteHandshake(msgs...)
	}
	var raw []byte
	for _, m := range msgs {
		b, err := m.Marshal()
		if err != nil {
			return fmt.Errorf("peers: marshal %s: %w", m.Type(), err)
		}
		raw = append(raw, b...)
	}
	raw = hs.edit(step, raw)
	c.transcript.Add(raw)
	return c.WriteRecord(wire.ContentHandshake, raw)
}

// sendCCS sends a ChangeCipherSpec record, edited if the step has an edit.
func (hs *clientHS) sendCCS(step string) error {
	body := hs.edit(step, append([]byte(nil), wire.ChangeCipherSpecPayload...))
	return hs.c.WriteRecord(wire.ContentChangeCipherSpec, body)
}
