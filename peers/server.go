package peers

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/record"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// ServerConfig configures the reference server. The zero value (with at
// least one certificate) serves TLS 1.3 and 1.2 with every suite and group
// the engine implements.
type ServerConfig struct {
	// Certificates: an RSA and an ECDSA pair serve every suite.
	Certificates []*certs.Pair
	// Versions served; default TLS 1.3 and 1.2.
	Versions []wire.Version
	// CipherSuites in server preference order; default suites.All().
	CipherSuites []wire.CipherSuite
	// Groups in server preference order; default kx.Groups().
	Groups []wire.Group
	ALPN   []string
	// NoTickets turns off session tickets (RFC 5077 and RFC 8446 §4.6.1).
	NoTickets bool
	// MaxFragment caps the plaintext of each record the server sends.
	MaxFragment int
	// Misbehaviours change named steps of the handshake (see Misbehaviour).
	Misbehaviours []Misbehaviour

	// ReadsOtherKeys makes the server read what a client under test
	// sends as the suite's client does: a TLS 1.3 record that does not
	// open under the current read key is tried under the earlier keys and
	// as an alert in the clear (a client that fails the server's flight
	// may send its alert before it moved its write side to the handshake
	// key). For a server that observes a client, not for one under test.
	ReadsOtherKeys bool

	Rand    io.Reader
	Time    func() time.Time
	KeyLog  *keys.KeyLog
	Timeout time.Duration
	Observe Observer
}

// Server is the reference server. It is safe for concurrent handshakes.
type Server struct {
	cfg       ServerConfig
	plan      ServerPlan
	ticketKey []byte
	rand      io.Reader
	// sessions are the TLS 1.0-1.2 sessions by session ID (RFC 5246
	// §7.4.1.2), for stateful resumption.
	sessions SessionCache
}

// NewServer checks cfg and builds a server.
func NewServer(cfg ServerConfig) (*Server, error) {
	if len(cfg.Certificates) == 0 {
		return nil, errors.New("peers: server needs at least one certificate")
	}
	if len(cfg.Versions) == 0 {
		cfg.Versions = []wire.Version{wire.VersionTLS13, wire.VersionTLS12}
	}
	for _, v := range cfg.Versions {
		if v < wire.VersionTLS10 || v > wire.VersionTLS13 {
			return nil, fmt.Errorf("peers: server cannot serve %s", v)
		}
	}
	if len(cfg.CipherSuites) == 0 {
		for _, s := range suites.All() {
			cfg.CipherSuites = append(cfg.CipherSuites, s.ID)
		}
	}
	for _, id := range cfg.CipherSuites {
		if _, ok := suites.Lookup(id); !ok {
			return nil, fmt.Errorf("peers: server cannot serve %s", id)
		}
	}
	if len(cfg.Groups) == 0 {
		cfg.Groups = kx.Groups()
	}
	for _, g := range cfg.Groups {
		if !kx.Supported(g) {
			return nil, fmt.Errorf("peers: server cannot serve group %s", g)
		}
	}
	s := &Server{cfg: cfg, rand: cfg.Rand, sessions: SessionCache{m: map[string]*Session{}}}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	s.ticketKey = make([]byte, 32)
	if _, err := io.ReadFull(s.rand, s.ticketKey); err != nil {
		return nil, fmt.Errorf("peers: ticket key: %w", err)
	}
	s.plan = DefaultServerPlan()
	for _, m := range cfg.Misbehaviours {
		m.Apply(&s.plan)
	}
	return s, nil
}

func (s *Server) now() time.Time {
	if s.cfg.Time != nil {
		return s.cfg.Time()
	}
	return time.Now()
}

func (s *Server) maxVersion() wire.Version { return slices.Max(s.cfg.Versions) }

// Versions are the versions the server is configured with.
func (st *ServerState) Versions() []wire.Version { return slices.Clone(st.srv.cfg.Versions) }

// SentHelloRetryRequest reports whether this handshake sent a
// HelloRetryRequest.
func (st *ServerState) SentHelloRetryRequest() bool { return st.hrrSent }

// MaxVersion is the highest version the server is configured with.
func (st *ServerState) MaxVersion() wire.Version { return st.srv.maxVersion() }

// Handshake runs the server handshake over nc.
func (s *Server) Handshake(ctx context.Context, nc net.Conn) (*Conn, error) {
	c := newConn(nc, s.cfg.Timeout, s.cfg.Time, s.rand, s.cfg.KeyLog, s.cfg.Observe)
	c.SetMaxFragment(s.cfg.MaxFragment)
	c.readsOtherKeys = s.cfg.ReadsOtherKeys
	stop := withContext(ctx, nc)
	defer stop()
	st := &ServerState{Conn: c, srv: s}
	c.recordPolicy = func(typ wire.ContentType, v wire.Version, open RecordOpener) (wire.ContentType, []byte, error) {
		return s.plan.Record(st, typ, v, open)
	}
	c.unmarshal = st.unmarshal
	c.onPostHS = st.postHandshake
	return c, c.runHandshake(st.run)
}

// Serve accepts connections until ctx ends or ln fails, runs the handshake
// on each, then echoes application data back until the peer closes. Every
// read and write is under the config's timeout. errs, when not nil, gets
// each connection's handshake error.
func (s *Server) Serve(ctx context.Context, ln net.Listener, errs func(error)) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("peers: accept: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer nc.Close()
			c, err := s.Handshake(ctx, nc)
			if err != nil {
				if errs != nil {
					errs(err)
				}
				return
			}
			echo(c)
		}()
	}
}

// echo copies application data back to the peer until it closes.
func echo(c *Conn) {
	buf := make([]byte, 16384)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				_ = c.Close()
			}
			return
		}
	}
}

// ServerState is one server-side handshake in progress. Misbehaviours see
// and may change it.
type ServerState struct {
	*Conn
	srv *Server

	renegotiations int // done on this connection

	Hello        *wire.ClientHello
	HelloRaw     []byte
	Spec         *suites.Spec
	Cert         *certs.Pair
	Scheme       wire.SignatureScheme
	EMS          bool
	sentCCS      bool
	hrrSent      bool
	hsOut        *record.HalfConn // TLS 1.3: the write side under the server handshake traffic key, once replaced
	serverRandom []byte           // TLS 1.0-1.2: the random of the ServerHello sent
	// certRequested: a CertificateRequest went out (CertificateRequest),
	// so the client's Certificate is read before its key exchange (TLS
	// 1.0-1.2) or its Finished (TLS 1.3).
	certRequested bool
	// TLS 1.3: the handshake secret and the handshake traffic secrets.
	hs13     *keys.HandshakeSecret
	cHS, sHS []byte
	preHello *keys.Transcript // the transcript before the latest ClientHello, for PSK binders
	records  recordCounts     // what serverRecord has seen
	dhe      *kx.DHPrivate    // TLS 1.0-1.2 DHE: the server's key

	// ClientVerifyData and ServerVerifyData are the verify_data of the
	// latest completed handshake's Finished messages (RFC 5746 §3.1);
	// Renegotiating says the handshake in progress is a renegotiation.
	ClientVerifyData, ServerVerifyData []byte
	Renegotiating                      bool
	secureReneg                        bool // the connection's secure_renegotiation flag (RFC 5746 §3.6)
}

func (st *ServerState) run() error {
	if err := st.firstRecord(); err != nil {
		return err
	}
	m, raw, err := st.readClient(wire.TypeClientHello)
	if err != nil {
		return err
	}
	ch, ok := m.(*wire.ClientHello)
	if !ok {
		return protoErr(wire.AlertUnexpectedMessage, "got %s, want ClientHello", m.Type())
	}
	st.preHello = st.transcript.Clone()
	st.transcript.Add(raw)
	st.Hello, st.HelloRaw = ch, raw
	if len(ch.Random) == 32 {
		st.clientRandom = ch.Random
	}
	if err := st.srv.plan.ValidateClientHello(st, ch, raw); err != nil {
		return err
	}
	v, err := st.srv.plan.ChooseVersion(st)
	if err != nil {
		return err
	}
	st.version = v
	if slices.Contains(ch.CipherSuites, wire.TLS_FALLBACK_SCSV) && v < st.srv.maxVersion() {
		if err := st.srv.plan.OnFallbackSCSV(st); err != nil {
			return err
		}
	}
	if v == wire.VersionTLS13 {
		return st.run13()
	}
	return st.run12()
}

// ValidateHelloFields applies the rules every version shares: field
// ranges and no duplicate extension.
func ValidateHelloFields(ch *wire.ClientHello) error {
	if len(ch.SessionID) > 32 {
		return protoErr(wire.AlertDecodeError, "session_id of %d bytes (RFC 5246 §7.4.1.2)", len(ch.SessionID))
	}
	if len(ch.Random) != 32 {
		return protoErr(wire.AlertDecodeError, "random of %d bytes", len(ch.Random))
	}
	if len(ch.CipherSuites) == 0 {
		return protoErr(wire.AlertDecodeError, "empty cipher_suites (RFC 5246 §7.4.1.2)")
	}
	seen := map[wire.ExtensionType]bool{}
	for _, e := range ch.Extensions {
		if seen[e.Type] {
			return protoErr(wire.AlertIllegalParameter, "duplicate %s extension (RFC 8446 §4.2)", e.Type)
		}
		seen[e.Type] = true
	}
	return nil
}

// chooseVersion is the correct version negotiation (RFC 8446 §4.2.1,
// RFC 5246 Appendix E.1).
func chooseVersion(st *ServerState) (wire.Version, error) {
	ch, served := st.Hello, st.srv.cfg.Versions
	if e, ok := wire.FindExtension(ch.Extensions, wire.ExtSupportedVersions); ok {
		offered, err := wire.ParseSupportedVersionsClient(e.Body)
		if err != nil {
			return 0, &ProtocolError{Alert: wire.AlertDecodeError, Reason: "supported_versions", Err: err}
		}
		best := wire.Version(0)
		for _, v := range offered {
			if slices.Contains(served, v) && v > best {
				best = v
			}
		}
		// Appendix D.5: a legacy_version of 0x0300 or less aborts, whatever
		// the extension offers.
		if ch.Version <= wire.VersionSSL30 {
			return 0, protoErr(wire.AlertProtocolVersion, "legacy_version %s with supported_versions (RFC 8446 Appendix D.5)", ch.Version)
		}
		if best == 0 {
			return 0, protoErr(wire.AlertProtocolVersion, "no common version in supported_versions %v", offered)
		}
		return best, nil
	}
	v := min(ch.Version, wire.VersionTLS12)
	for !slices.Contains(served, v) {
		if v <= wire.VersionTLS10 || v > wire.VersionTLS12 {
			return 0, protoErr(wire.AlertProtocolVersion, "client offers at most %s", ch.Version)
		}
		v--
	}
	return v, nil
}

// chooseSuite picks the server's most preferred suite among the client's
// that fits the version, a certificate we hold, and a shared group.
func chooseSuite(st *ServerState) (*suites.Spec, error) {
	for _, id := range st.srv.cfg.CipherSuites {
		if !slices.Contains(st.Hello.CipherSuites, id) {
			continue
		}
		spec, ok := suites.Lookup(id)
		if !ok || !spec.SupportsVersion(st.version) {
			continue
		}
		if st.version == wire.VersionTLS13 {
			return spec, nil
		}
		if spec.KX == suites.KXECDHE && st.ecdheGroup() == 0 {
			continue
		}
		if spec.KX == suites.KXDHE && st.dheGroup() == 0 {
			continue
		}
		if st.certFor(spec.Auth) == nil {
			continue
		}
		return spec, nil
	}
	return nil, protoErr(wire.AlertHandshakeFailure, "no cipher suite in common (RFC 8446 §4.1.1)")
}

func (st *ServerState) certFor(auth suites.Auth) *certs.Pair {
	for _, p := range st.srv.cfg.Certificates {
		switch p.Leaf.PublicKeyAlgorithm {
		case x509.RSA:
			if auth == suites.AuthRSA {
				return p
			}
		case x509.ECDSA:
			if auth == suites.AuthECDSA && st.acceptsKeyCurve(p) {
				return p
			}
		}
	}
	return nil
}

// acceptsKeyCurve: below TLS 1.3 the client's supported_groups also bounds
// the curve of an ECDSA key (RFC 8422 §5.1); without the extension any
// curve goes (RFC 8422 §4).
func (st *ServerState) acceptsKeyCurve(p *certs.Pair) bool {
	if st.version >= wire.VersionTLS13 || wire.CountExtension(st.Hello.Extensions, wire.ExtSupportedGroups) == 0 {
		return true
	}
	pub, ok := p.Leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return false
	}
	var g wire.Group
	switch pub.Curve {
	case elliptic.P256():
		g = wire.GroupSecp256r1
	case elliptic.P384():
		g = wire.GroupSecp384r1
	case elliptic.P521():
		g = wire.GroupSecp521r1
	default:
		return false
	}
	return slices.Contains(st.clientGroups(), g)
}

// clientSchemes is the client's signature_algorithms, or the RFC 5246
// §7.4.1.4.1 default when it sent none.
func (st *ServerState) clientSchemes() []wire.SignatureScheme {
	if e, ok := wire.FindExtension(st.Hello.Extensions, wire.ExtSignatureAlgorithms); ok {
		if s, err := wire.ParseSignatureAlgorithms(e.Body); err == nil {
			return s
		}
	}
	return []wire.SignatureScheme{wire.PKCS1WithSHA1, wire.ECDSAWithSHA1}
}

func (st *ServerState) clientGroups() []wire.Group {
	if e, ok := wire.FindExtension(st.Hello.Extensions, wire.ExtSupportedGroups); ok {
		if g, err := wire.ParseSupportedGroups(e.Body); err == nil {
			return g
		}
	}
	return nil
}

// ecdheGroup is the server's preferred curve the client supports (an absent
// extension means any, RFC 8422 §4). Hybrids are TLS 1.3 only.
func (st *ServerState) ecdheGroup() wire.Group {
	client, ok := st.clientGroups(), wire.CountExtension(st.Hello.Extensions, wire.ExtSupportedGroups) > 0
	for _, g := range st.srv.cfg.Groups {
		switch g {
		case wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1:
			if !ok || slices.Contains(client, g) {
				return g
			}
		}
	}
	return 0
}

// dheGroup is the RFC 7919 group of a DHE suite (TLS 1.0-1.2), 0 for
// none: a client whose supported_groups names FFDHE groups gets the
// server's preferred one among them, and none when it names none the
// server has (RFC 7919 §4: "the server MUST NOT select an FFDHE cipher
// suite"); any other client the server's preferred FFDHE group (it "MAY
// select an FFDHE cipher suite and offer an FFDHE group of its choice").
func (st *ServerState) dheGroup() wire.Group {
	var named []wire.Group
	for _, g := range st.clientGroups() {
		if g >= 256 && g <= 511 {
			named = append(named, g)
		}
	}
	for _, g := range st.srv.cfg.Groups {
		if _, _, ok := kx.FFDHEParams(g); ok && (len(named) == 0 || slices.Contains(named, g)) {
			return g
		}
	}
	return 0
}

// Misbehaviour is a named way for the reference server to break the
// protocol, for the suite's self-test. Apply edits the plan's steps.
type Misbehaviour struct {
	Name  string
	Apply func(*ServerPlan)
}

// ServerPlan is the server's decisions as replaceable steps. The defaults
// are the correct behaviour; a Misbehaviour swaps one out.
type ServerPlan struct {
	ChooseVersion func(*ServerState) (wire.Version, error)
	ChooseSuite   func(*ServerState) (*suites.Spec, error)
	// OnFallbackSCSV runs when TLS_FALLBACK_SCSV arrives with a version below
	// the server's highest (RFC 7507 §3).
	OnFallbackSCSV func(*ServerState) error
	// FirstRecord sees the first bytes of the connection (up to a record
	// header, at least three) before the ClientHello is read: the
	// record-layer version and the SSL 2.0 CLIENT-HELLO.
	FirstRecord func(st *ServerState, hdr []byte) error
	// DowngradeSentinel writes RFC 8446 §4.1.3's sentinel into random.
	DowngradeSentinel func(st *ServerState, random []byte)
	// VerifyFinished compares the client's verify_data with ours.
	VerifyFinished func(st *ServerState, got, want []byte) error
	// Outgoing sees every handshake flight before it is sent and may change,
	// drop or add messages.
	Outgoing func(st *ServerState, msgs []wire.Message) []wire.Message
	// Unexpected decides what to do with what arrives where the client's
	// handshake message want is due (a ChangeCipherSpec, another message,
	// application data): nil drops it and reads on, an error ends the
	// handshake (see unexpected).
	Unexpected func(st *ServerState, want wire.HandshakeType, got Item) error
	// ClientKeyExchange reads the client's key exchange (TLS 1.0-1.2) and
	// returns the pre-master secret, which pms computes from the message.
	ClientKeyExchange func(st *ServerState, pms func(*wire.ClientKeyExchange) ([]byte, error)) ([]byte, error)
	// DecryptPMS recovers the RSA pre-master secret (TLS 1.0-1.2 RSA key
	// transport) from the EncryptedPreMasterSecret.
	DecryptPMS func(st *ServerState, ciphertext []byte) ([]byte, error)
	// ServerKeyExchange12 sees the TLS 1.0-1.2 ServerKeyExchange's
	// parameters (ServerECDHParams or ServerDHParams) before they are
	// signed, and may change them.
	ServerKeyExchange12 func(st *ServerState, ske *wire.ServerKeyExchange)
	// SignatureScheme picks the scheme of the server's signature (the
	// TLS 1.2 ServerKeyExchange's, the TLS 1.3 CertificateVerify's) for
	// the key pub, from the client's signature_algorithms offered (RFC
	// 5246 §7.4.3, RFC 8446 §4.4.3); an error rules the key out.
	SignatureScheme func(st *ServerState, pub crypto.PublicKey, offered []wire.SignatureScheme) (wire.SignatureScheme, error)
	// ECDHEShared validates the client's ECDHE point and derives the
	// pre-master secret with the server's ephemeral key (TLS 1.0-1.2).
	ECDHEShared func(st *ServerState, priv kx.Private, point []byte) ([]byte, error)
	// Record decides what becomes of each record the client sends, from
	// its header, with open to read and unprotect the rest (see
	// serverRecord): content types, versions, size limits, zero-length and
	// warning records.
	Record func(st *ServerState, typ wire.ContentType, v wire.Version, open RecordOpener) (wire.ContentType, []byte, error)
	// KeyShare13 validates the client's TLS 1.3 key share for group and
	// answers it: the server's share and the shared secret (RFC 8446
	// §4.2.8.2, §7.4.2).
	KeyShare13 func(st *ServerState, group wire.Group, share []byte) (serverShare, shared []byte, err error)
	// Resume12 decides whether to resume a TLS 1.0-1.2 session the
	// ClientHello offers (by ticket or session ID), after the server chose
	// the version, suite and extended_master_secret of a new handshake
	// (RFC 5246 §7.4.1.3, RFC 7627 §5.3).
	Resume12 func(st *ServerState, sess *Session) bool
	// ResumePSK13 decides whether to resume the TLS 1.3 session of the
	// ClientHello's first PSK identity, and returns its PSK (nil for a
	// full handshake); binderOK verifies the identity's binder with a
	// hash (RFC 8446 §4.2.11).
	ResumePSK13 func(st *ServerState, sess *Session, binderOK func(crypto.Hash) bool) ([]byte, error)
	// ParseClientHello reads a ClientHello message as received (header
	// included); ValidateClientHello then applies the rules every ClientHello
	// must follow before the server chooses anything (see
	// server_hello_validate.go).
	ParseClientHello    func(st *ServerState, raw []byte) (*wire.ClientHello, error)
	ValidateClientHello func(st *ServerState, ch *wire.ClientHello, raw []byte) error
	// Renegotiation decides whether a ClientHello that arrives after a
	// TLS 1.0-1.2 handshake starts a renegotiation (nil) or ends the
	// connection (the error's alert): RFC 5746 §3.7 on a connection with
	// secure renegotiation, §4.4 without.
	Renegotiation func(st *ServerState, ch *wire.ClientHello) error
	// ServerFinished12 sends the server's ChangeCipherSpec and Finished
	// (TLS 1.0-1.2): fin is the correct Finished, kb the connection's key
	// block (ChangeCipherSpec12 sends the CCS and moves the write side to
	// the server's keys of it).
	ServerFinished12 func(st *ServerState, kb keys.KeyBlock, fin *wire.Finished) error
	// ServerFinished13 sends the server's TLS 1.3 Finished, fin, under
	// the server handshake traffic key the write side is on. What it
	// adds to the transcript is what the application traffic secrets
	// (and the client's Finished) then cover.
	ServerFinished13 func(st *ServerState, fin *wire.Finished) error
}

// DefaultServerPlan is the plan of a well-behaved server: what
// Misbehaviours change, and what a misbehaviour wraps to keep the rest.
func DefaultServerPlan() ServerPlan {
	return ServerPlan{
		ChooseVersion: chooseVersion,
		ChooseSuite:   chooseSuite,
		OnFallbackSCSV: func(*ServerState) error {
			return protoErr(wire.AlertInappropriateFallback, "TLS_FALLBACK_SCSV with a version below the server's highest (RFC 7507 §3)")
		},
		FirstRecord: validateFirstRecord,
		DowngradeSentinel: func(st *ServerState, random []byte) {
			// TLS 1.3 servers MUST, TLS 1.2 servers SHOULD, mark a lower
			// version (RFC 8446 §4.1.3).
			switch top := st.srv.maxVersion(); {
			case top == wire.VersionTLS13 && st.version == wire.VersionTLS12:
				copy(random[24:], wire.DowngradeTLS12[:])
			case top >= wire.VersionTLS12 && st.version <= wire.VersionTLS11:
				copy(random[24:], wire.DowngradeTLS11[:])
			}
		},
		VerifyFinished: func(_ *ServerState, got, want []byte) error {
			if len(got) != len(want) {
				return protoErr(wire.AlertDecodeError, "client Finished verify_data is %d bytes, want %d (RFC 8446 §6.2)", len(got), len(want))
			}
			if !hmacEqual(got, want) {
				return &ProtocolError{Alert: wire.AlertDecryptError, Reason: fmt.Sprintf("client Finished verify_data %x, want %x", got, want)}
			}
			return nil
		},
		Outgoing:            func(_ *ServerState, msgs []wire.Message) []wire.Message { return msgs },
		Unexpected:          unexpected,
		ClientKeyExchange:   readClientKeyExchange,
		DecryptPMS:          decryptPMS,
		ECDHEShared:         ecdheShared,
		ServerKeyExchange12: func(*ServerState, *wire.ServerKeyExchange) {},
		SignatureScheme: func(st *ServerState, pub crypto.PublicKey, offered []wire.SignatureScheme) (wire.SignatureScheme, error) {
			return kx.PickScheme(pub, st.version, offered)
		},
		Resume12: func(st *ServerState, sess *Session) bool {
			return sess.Version == st.version && sess.Suite == st.Spec.ID && sess.EMS == st.EMS
		},
		ResumePSK13: resumePSK13,
		KeyShare13: func(st *ServerState, g wire.Group, share []byte) ([]byte, []byte, error) {
			return kx.Respond(g, share, st.rand)
		},
		Record:              serverRecord,
		ParseClientHello:    parseClientHello,
		ValidateClientHello: validateClientHello,
		Renegotiation:       renegotiation,
		ServerFinished12: func(st *ServerState, kb keys.KeyBlock, fin *wire.Finished) error {
			if err := st.ChangeCipherSpec12(kb); err != nil {
				return err
			}
			return st.send(fin)
		},
		ServerFinished13: func(st *ServerState, fin *wire.Finished) error { return st.send(fin) },
	}
}

// send passes a flight through the plan and writes it as one record run;
// a flight the plan emptied (it sent what it meant itself) writes
// nothing.
func (st *ServerState) send(msgs ...wire.Message) error {
	out := st.srv.plan.Outgoing(st, msgs)
	if len(out) == 0 {
		return nil
	}
	return st.WriteHandshake(out...)
}

// ServerRandom is a fresh ServerHello.random, with the downgrade sentinel
// the plan writes into it.
func (st *ServerState) ServerRandom() ([]byte, error) {
	r := make([]byte, 32)
	if _, err := io.ReadFull(st.rand, r); err != nil {
		return nil, fmt.Errorf("peers: server random: %w", err)
	}
	st.srv.plan.DowngradeSentinel(st, r)
	return r, nil
}
