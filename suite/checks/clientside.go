package checks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// ClientEnd is how one run of the client under test ended (the runner's
// copy of what package targets reports).
type ClientEnd struct {
	Started  bool   // false: the client could not be started (Err says why)
	ExitCode int    // its exit status; -1 when it was killed
	Killed   bool   // it still ran at the deadline and was killed
	Err      error  // why it could not start, or an in-process client's error
	Output   string // the end of what it printed
}

// String says how the client ended: "exit 0", "exit 1 (handshake
// failure: ...)", "killed at the deadline", "did not start: ...".
func (e ClientEnd) String() string {
	switch {
	case !e.Started:
		return fmt.Sprintf("did not start: %v", e.Err)
	case e.Killed:
		return "killed at the deadline"
	case e.Err != nil:
		return fmt.Sprintf("exit %d (%v)", e.ExitCode, e.Err)
	}
	return fmt.Sprintf("exit %d", e.ExitCode)
}

// Served is one run of the client under test against the reference
// server of one check: what the server sent and received, how its
// handshake ended, and how the client ended.
type Served struct {
	Start     time.Time
	Events    []peers.Event // Sent: by the server; Received: from the client
	ServerErr error         // how the server's handshake ended; nil when it completed
	Hello     *wire.ClientHello
	End       ClientEnd
	// Connections counts the connections the client opened (a client
	// that retries opens more than one; only the first is judged).
	Connections int
	// Version is the version the server served.
	Version wire.Version
	// ServerFirst: the server was done before the client ended (it gave
	// up waiting, or closed): the client's exit status came after that,
	// and says nothing about what it decided.
	ServerFirst bool
}

// SuitesOf are the suites of context c: those of its key exchange that
// its version allows.
func SuitesOf(c Context) []wire.CipherSuite {
	var out []wire.CipherSuite
	for _, s := range suites.All() {
		if s.SupportsVersion(c.Version) && KXOf(s) == c.KX {
			out = append(out, s.ID)
		}
	}
	return out
}

// Serve runs the client under test once against the reference server,
// serving context c (that version only, the suites of its key exchange)
// with the misbehaviours given, and returns what happened. The server
// handles the first connection (handshake, then an echo of application
// data) and closes any other; everything is bounded by ctx and the
// run's timeout.
func (e *Env) Serve(ctx context.Context, c Context, id string, mis ...peers.Misbehaviour) *Served {
	return e.ServeGroups(ctx, c, id, nil, mis...)
}

// ServeGroups is Serve with the server's groups limited to groups (nil:
// every group the engine has).
func (e *Env) ServeGroups(ctx context.Context, c Context, id string, groups []wire.Group, mis ...peers.Misbehaviour) *Served {
	return e.ServeWith(ctx, c, id, func(cfg *peers.ServerConfig) { cfg.Groups = groups }, mis...)
}

// ServeWith is Serve with the server's configuration changed by edit
// (other certificates, groups).
func (e *Env) ServeWith(ctx context.Context, c Context, id string, edit func(*peers.ServerConfig), mis ...peers.Misbehaviour) *Served {
	s := &Served{Start: time.Now(), Version: c.Version}
	if e.RunClient == nil {
		s.End = ClientEnd{Err: errors.New("no client under test")}
		return s
	}
	var mu sync.Mutex
	cfg := peers.ServerConfig{
		Certificates:  e.ServerCerts,
		Versions:      []wire.Version{c.Version},
		CipherSuites:  SuitesOf(c),
		Misbehaviours: mis,
		// What the client sends is observed, not judged: its alert may
		// come in the clear before it moved to its handshake key.
		ReadsOtherKeys: true,
		Timeout:        e.timeout(),
		Rand:           e.Rand(id),
		KeyLog:         e.KeyLog,
		Observe: func(ev peers.Event) {
			mu.Lock()
			s.Events = append(s.Events, ev)
			mu.Unlock()
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	srv, err := peers.NewServer(cfg)
	if err != nil {
		s.End = ClientEnd{Err: fmt.Errorf("reference server: %w", err)}
		return s
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		s.End = ClientEnd{Err: fmt.Errorf("reference server: %w", err)}
		return s
	}
	first := make(chan net.Conn, 1)
	served := make(chan error, 1)
	go func() {
		n := 0
		for {
			nc, err := ln.Accept()
			if err != nil {
				if n == 0 {
					served <- errNoConnection
				}
				return
			}
			n++
			mu.Lock()
			s.Connections = n
			mu.Unlock()
			if n > 1 {
				nc.Close()
				continue
			}
			first <- nc
			go func() { served <- serveOne(ctx, srv, nc) }()
		}
	}()
	// The client's run is bounded: a handshake is a few round trips, and
	// a process start costs little.
	cctx, cancel := context.WithTimeout(ctx, clientRuns*e.timeout())
	defer cancel()
	ended := make(chan ClientEnd, 1)
	go func() { ended <- e.RunClient(cctx, ln.Addr().String()) }()
	var end ClientEnd
	serverDone := false
	select {
	case end = <-ended:
	case s.ServerErr = <-served:
		// The server is done first (the client went silent, or waits
		// after its answer): the client gets one timeout to end on its
		// own, then is killed.
		serverDone = true
		grace := time.NewTimer(e.timeout())
		select {
		case end = <-ended:
		case <-grace.C:
			cancel()
			end = <-ended
		}
		grace.Stop()
	}
	ln.Close()
	if !serverDone {
		// The client has ended: its socket is closed, so the server's
		// next read ends at once; a client that left it open (a child
		// process) costs at most one timeout.
		select {
		case nc := <-first:
			_ = nc.SetDeadline(time.Now().Add(e.timeout()))
		default:
		}
		s.ServerErr = <-served
	}
	// The server stopped on its own (it gave up waiting, or refused
	// something itself) rather than on the client's alert or close: then
	// the client's exit followed the server's end, and decides nothing.
	var gaveUp *serverGaveUp
	if errors.As(s.ServerErr, &gaveUp) {
		s.ServerFirst, s.ServerErr = true, nil // the handshake had completed
	} else if k := peers.Classify(s.ServerErr); k == peers.OutcomeTimeout || k == peers.OutcomeError && !errors.Is(s.ServerErr, errNoConnection) {
		s.ServerFirst = true
	}
	mu.Lock()
	defer mu.Unlock()
	s.End = end
	s.Hello = helloOf(s.Events)
	return s
}

// serverGaveUp is serveOne's end when the handshake completed and the
// echo then stopped on the server's own deadline (the handshake's own
// result is nil).
type serverGaveUp struct{ err error }

func (e *serverGaveUp) Error() string { return "the server gave up waiting: " + e.err.Error() }

// EditServerFlight is a server misbehaviour for a client check: edit
// changes each flight the server sends (after the plan's own changes),
// with the server's state at hand.
func EditServerFlight(name string, edit func(st *peers.ServerState, msgs []wire.Message) []wire.Message) peers.Misbehaviour {
	return peers.Misbehaviour{Name: "client-check/" + name, Apply: func(p *peers.ServerPlan) {
		next := p.Outgoing
		p.Outgoing = func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
			return edit(st, next(st, msgs))
		}
	}}
}

// ClientCheck is a client check: the reference server serves context c
// with the misbehaviour mis, and the client must reject the server's
// message at with one of want, under rule at level.
func ClientCheck(area string, c Context, name, rfc string, rule Rule, level Level, title string, mis peers.Misbehaviour, at wire.HandshakeType, want ...wire.AlertDescription) Check {
	id := area + "/" + c.Slug() + "/" + name
	return Check{
		Source: DefinedAt(),
		ID:     id, Area: area, RFC: rfc, Level: level, Ctx: c, Rule: rule, Title: title,
		Run: func(ctx context.Context, env *Env) Verdict {
			v := ClientRejects(env.Serve(ctx, c, id, mis), at, want...)
			if v.Status == reports.Fail && level == SHOULD {
				v.Status = reports.Warn
			}
			return v
		},
	}
}

// clientRuns bounds one run of a client under test, in timeouts.
const clientRuns = 5

// errNoConnection is the server's end when the client never connected.
var errNoConnection = errors.New("the client never connected")

// serveOne runs the server's handshake on nc, then echoes application
// data until the client closes or stops (each read under the server's
// timeout). It returns the handshake's error.
func serveOne(ctx context.Context, srv *peers.Server, nc net.Conn) error {
	defer nc.Close()
	c, err := srv.Handshake(ctx, nc)
	if err != nil {
		return err
	}
	buf := make([]byte, 16384)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return nil
			}
		}
		if err != nil {
			if peers.Classify(err) == peers.OutcomeTimeout {
				return &serverGaveUp{err: err}
			}
			return nil
		}
	}
}

// helloOf parses the first ClientHello the server received.
func helloOf(events []peers.Event) *wire.ClientHello {
	var buf []byte
	for _, ev := range events {
		if ev.Dir != peers.Received || ev.Type != wire.ContentHandshake {
			continue
		}
		buf = append(buf, ev.Plaintext...)
		if len(buf) < 4 {
			continue
		}
		n := int(buf[1])<<16 | int(buf[2])<<8 | int(buf[3])
		if len(buf) < 4+n {
			continue
		}
		if wire.HandshakeType(buf[0]) != wire.TypeClientHello {
			return nil
		}
		ch, err := wire.UnmarshalClientHello(buf[:4+n])
		if err != nil {
			return nil
		}
		return ch
	}
	return nil
}

// AtHelloRetryRequest names, for ReactionTo and ClientRejects, the last
// HelloRetryRequest the server sent (it has no handshake type of its
// own: it is a ServerHello with a special random).
const AtHelloRetryRequest = wire.HandshakeType(0xFE)

// AtApplicationData names, for ReactionTo and ClientRejects, the first
// application_data record the server sent (a check that sends data where
// a handshake message is due).
const AtApplicationData = wire.HandshakeType(0xFD)

// sentAt is the index of the first event in which the server sent a
// handshake message of type t (for ServerHello, a real one: not a
// HelloRetryRequest; for AtHelloRetryRequest, the last
// HelloRetryRequest), -1 when it never did.
func sentAt(events []peers.Event, t wire.HandshakeType) int {
	if t == AtApplicationData {
		return slices.IndexFunc(events, func(ev peers.Event) bool {
			return ev.Dir == peers.Sent && ev.Type == wire.ContentApplicationData
		})
	}
	if t == AtHelloRetryRequest {
		last := -1
		for i, ev := range events {
			if ev.Dir == peers.Sent && ev.Type == wire.ContentHandshake && isHRR(ev.Plaintext) {
				last = i
			}
		}
		return last
	}
	for i, ev := range events {
		if ev.Dir != peers.Sent || ev.Type != wire.ContentHandshake || !slices.Contains(handshakeTypes(ev.Plaintext), t) {
			continue
		}
		if t == wire.TypeServerHello && isHRR(ev.Plaintext) {
			continue
		}
		return i
	}
	return -1
}

// isHRR reports whether a record starts with a HelloRetryRequest.
func isHRR(p []byte) bool {
	return len(p) >= 4+2+32 && wire.HandshakeType(p[0]) == wire.TypeServerHello && string(p[6:38]) == string(wire.HelloRetryRequestRandom[:])
}

// handshakeTypes are the types of the handshake messages a record
// carries (a fragment's, for the first).
func handshakeTypes(p []byte) []wire.HandshakeType {
	var out []wire.HandshakeType
	for len(p) >= 4 {
		out = append(out, wire.HandshakeType(p[0]))
		n := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
		if len(p) < 4+n {
			break
		}
		p = p[4+n:]
	}
	return out
}

// ClientReaction is what the client did after the server's message at:
// the first thing it sent that decides (an alert, a handshake message,
// application data), or nothing.
type ClientReaction struct {
	Alert   *wire.Alert // a fatal alert, or close_notify
	WentOn  string      // the handshake message or application data it sent instead
	Reached bool        // the server sent the message at all
	// MaybeFalseStart: WentOn is application data after a TLS 1.0-1.2
	// server Finished, which a False Start client sends before it reads
	// that Finished: alone, it proves no acceptance.
	MaybeFalseStart bool
}

// ReactionTo reads what the client sent after the server's first
// message of type at: ChangeCipherSpec (the TLS 1.3 compatibility one
// included) and, below TLS 1.3, warning alerts other than close_notify
// decide nothing and are passed over (in TLS 1.3 every alert but
// close_notify and user_canceled is an error, whatever its level: RFC
// 8446 §6). Application data a client may have sent before it read the
// message proves nothing by itself: below TLS 1.3, once the client has
// sent its ChangeCipherSpec it may send data before it reads the
// server's last flight (False Start, RFC 7918): application data
// followed by an alert is the alert's rejection. In TLS 1.3, once the
// client has sent its Finished, its application data never waits for
// what the server sends after it: it is passed over, and only an alert
// or a handshake message (an answer to a later KeyUpdate) decides.
func ReactionTo(s *Served, at wire.HandshakeType) ClientReaction {
	i := sentAt(s.Events, at)
	if i < 0 {
		return ClientReaction{}
	}
	r := ClientReaction{Reached: true}
	falseStart := s.Version < wire.VersionTLS13 && clientSentBefore(s.Events[:i], wire.ContentChangeCipherSpec, 0)
	postHandshake := s.Version == wire.VersionTLS13 && clientSentBefore(s.Events[:i], wire.ContentHandshake, wire.TypeFinished)
	for _, ev := range s.Events[i+1:] {
		if ev.Dir != peers.Received {
			continue
		}
		switch ev.Type {
		case wire.ContentAlert:
			a, err := wire.UnmarshalAlert(ev.Plaintext)
			if err != nil {
				continue
			}
			if a.Level == wire.AlertLevelWarning && a.Description != wire.AlertCloseNotify &&
				(s.Version < wire.VersionTLS13 || a.Description == wire.AlertUserCanceled) {
				continue
			}
			if r.WentOn != "" && a.Description == wire.AlertCloseNotify {
				return r // it went on, then closed
			}
			if postHandshake && a.Description == wire.AlertCloseNotify {
				continue // its data sent and answered, it may close without reading on
			}
			r.WentOn, r.Alert, r.MaybeFalseStart = "", &a, false
			return r
		case wire.ContentHandshake:
			if r.WentOn == "" || r.MaybeFalseStart {
				r.WentOn, r.MaybeFalseStart = ev.Summary(), false
			}
			return r
		case wire.ContentApplicationData:
			if ev.Plaintext == nil || postHandshake {
				continue
			}
			if r.WentOn == "" {
				r.WentOn = fmt.Sprintf("application data (%d bytes)", len(ev.Plaintext))
				r.MaybeFalseStart = falseStart
			}
			if !falseStart {
				return r
			}
		}
	}
	return r
}

// clientSentBefore reports whether the client sent a record of type t
// (for handshake records, one starting with a message of type ht) among
// events.
func clientSentBefore(events []peers.Event, t wire.ContentType, ht wire.HandshakeType) bool {
	return slices.ContainsFunc(events, func(ev peers.Event) bool {
		return ev.Dir == peers.Received && ev.Type == t && (t != wire.ContentHandshake || len(ev.Plaintext) > 0 && wire.HandshakeType(ev.Plaintext[0]) == ht)
	})
}

// ClientRejects judges a run in which the server's message at was one
// the client MUST reject (the check's rule says why), with one of the
// alerts want. Only proof counts: the client's alert (or, without one,
// a failing exit status) is a rejection; a handshake message or
// application data after the bad message proves acceptance; a client
// that ends without either, or is still waiting at the deadline, proves
// nothing and is inconclusive.
func ClientRejects(s *Served, at wire.HandshakeType, want ...wire.AlertDescription) Verdict {
	v := Verdict{Expected: expectText(want), Served: []*Served{s}}
	switch {
	case !s.End.Started:
		v.Status, v.Observed = reports.Fail, "the client did not start"
		v.Reason = fmt.Sprint(s.End.Err)
		return v
	case errors.Is(s.ServerErr, errNoConnection):
		v.Status, v.Observed = reports.Fail, "the client never connected ("+s.End.String()+")"
		return v
	}
	r := ReactionTo(s, at)
	switch {
	case !r.Reached:
		v.Status, v.Observed = reports.Inconclusive, fmt.Sprintf("the handshake ended before the server sent its %s (%s; client %s)", atName(at), ServerEnd(s.ServerErr), s.End)
		v.Reason = "the change was never sent, so the client's answer to it is unknown"
	case r.WentOn != "" && r.MaybeFalseStart && (s.End.ExitCode != 0 || s.End.Killed):
		v.Status, v.Observed = reports.Inconclusive, fmt.Sprintf("%s after the server's %s, then no alert (client %s)", r.WentOn, atName(at), s.End)
		v.Reason = "a False Start client (RFC 7918) sends application data before it reads the server's Finished, and it reports no success: nothing proves it accepted"
	case r.WentOn != "":
		v.Status, v.Observed = reports.Fail, fmt.Sprintf("the client went on: sent %s after the server's %s", r.WentOn, atName(at))
		v.Reason = "the client accepted what it must reject"
	case r.Alert != nil && r.Alert.Description == wire.AlertCloseNotify:
		v.Status, v.Observed = reports.Warn, fmt.Sprintf("close_notify (client %s)", s.End)
		v.Reason = "the client stopped, but with close_notify, not an error alert"
	case r.Alert != nil && (len(want) == 0 || slices.Contains(want, r.Alert.Description)):
		v.Status, v.Observed = reports.Pass, r.Alert.String()
	case r.Alert != nil:
		v.Status, v.Observed = reports.Warn, r.Alert.String()
		v.Reason = fmt.Sprintf("the client stopped, but with %s where the RFC names %s", r.Alert.Description, wantText(want))
	case s.End.Killed:
		v.Status, v.Observed = reports.Inconclusive, "nothing until the deadline (the client was killed)"
		v.Reason = "silence proves neither acceptance nor rejection"
	case s.ServerFirst:
		v.Status, v.Observed = reports.Inconclusive, fmt.Sprintf("nothing until the server gave up waiting (%s); then client %s", ServerEnd(s.ServerErr), s.End)
		v.Reason = "the client ended only after the server did: its exit status says nothing about what it decided"
	case s.End.ExitCode != 0:
		v.Status, v.Observed = reports.Warn, fmt.Sprintf("closed without an alert (client %s)", s.End)
		v.Reason = "the client stopped, but without an alert"
	default:
		v.Status, v.Observed = reports.Inconclusive, fmt.Sprintf("closed without an alert or data (client %s)", s.End)
		v.Reason = "the client neither sent an alert nor went on, yet reports success: nothing proves what it decided"
	}
	return v
}

// RawMessage is a handshake message a server misbehaviour sends as
// given (header included): a message the codec would not write.
type RawMessage struct {
	T   wire.HandshakeType
	Raw []byte
}

func (m RawMessage) Type() wire.HandshakeType { return m.T }
func (m RawMessage) Marshal() ([]byte, error) { return m.Raw, nil }

// Reframe is a message's bytes with its body replaced by body and its
// length field set to body's length.
func Reframe(raw []byte, body []byte) []byte {
	n := len(body)
	return append([]byte{raw[0], byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

// OfferedVersions are the versions a ClientHello offers:
// supported_versions when present, else every version from TLS 1.0 to
// legacy_version (below TLS 1.3).
func OfferedVersions(hello *wire.ClientHello) []wire.Version {
	if e, ok := wire.FindExtension(hello.Extensions, wire.ExtSupportedVersions); ok {
		if vs, err := wire.ParseSupportedVersionsClient(e.Body); err == nil {
			return vs
		}
	}
	var out []wire.Version
	for _, v := range Versions {
		if v <= hello.Version && v < wire.VersionTLS13 {
			out = append(out, v)
		}
	}
	return out
}

// Unchanged is the verdict of a run in which the server could not make
// the check's change (why says what was missing): whatever the client
// did proves nothing about the rule.
func Unchanged(s *Served, why string) Verdict {
	return Verdict{Status: reports.Inconclusive, Expected: "the check's change reaches the client", Observed: why,
		Reason: "the server could not make the change this check is about", Served: []*Served{s}}
}

// SentHRRs counts the HelloRetryRequests the server sent, and gives the
// cipher suites of the last one and of the ServerHello (0 when absent).
func SentHRRs(s *Served) (n int, hrrSuite, shSuite wire.CipherSuite) {
	for _, ev := range s.Events {
		if ev.Dir != peers.Sent || ev.Type != wire.ContentHandshake || len(ev.Plaintext) < 4 || wire.HandshakeType(ev.Plaintext[0]) != wire.TypeServerHello {
			continue
		}
		n4 := int(ev.Plaintext[1])<<16 | int(ev.Plaintext[2])<<8 | int(ev.Plaintext[3])
		if len(ev.Plaintext) < 4+n4 {
			continue
		}
		sh, err := wire.UnmarshalServerHello(ev.Plaintext[:4+n4])
		if err != nil {
			continue
		}
		if sh.IsHelloRetryRequest() {
			n++
			hrrSuite = sh.CipherSuite
		} else {
			shSuite = sh.CipherSuite
		}
	}
	return n, hrrSuite, shSuite
}

// ClientCompletes judges a run with a well-behaved server: the client
// must complete the handshake and exchange application data.
func ClientCompletes(s *Served) Verdict {
	v := Verdict{Expected: "the client completes the handshake and sends application data", Served: []*Served{s}}
	app := slices.ContainsFunc(s.Events, func(ev peers.Event) bool {
		return ev.Dir == peers.Received && ev.Type == wire.ContentApplicationData && len(ev.Plaintext) > 0
	})
	switch {
	case !s.End.Started:
		v.Status, v.Observed, v.Reason = reports.Fail, "the client did not start", fmt.Sprint(s.End.Err)
	case s.ServerErr == nil && app:
		v.Status, v.Observed = reports.Pass, "completed, application data exchanged (client "+s.End.String()+")"
	case s.ServerErr == nil:
		v.Status, v.Observed = reports.Fail, "completed, but the client sent no application data (client "+s.End.String()+")"
		v.Reason = "the client contract: connect, complete the handshake, send some application data"
	default:
		v.Status, v.Observed = reports.Fail, fmt.Sprintf("%v (client %s)", s.ServerErr, s.End)
	}
	return v
}

// atName names the message a check changed.
func atName(at wire.HandshakeType) string {
	switch at {
	case AtHelloRetryRequest:
		return "HelloRetryRequest"
	case AtApplicationData:
		return "application data"
	}
	return at.String()
}

func expectText(want []wire.AlertDescription) string {
	return "the client aborts the handshake, with " + wantText(want)
}

func wantText(want []wire.AlertDescription) string {
	var names []string
	for _, a := range want {
		names = append(names, a.String())
	}
	if len(names) == 0 {
		return "an alert"
	}
	return joinOr(names)
}

func joinOr(xs []string) string {
	switch len(xs) {
	case 1:
		return xs[0]
	case 2:
		return xs[0] + " or " + xs[1]
	}
	out := ""
	for i, x := range xs {
		switch {
		case i == len(xs)-1:
			out += ", or " + x
		case i > 0:
			out += ", " + x
		default:
			out = x
		}
	}
	return out
}

// ServerEnd says how the suite's server's handshake ended: its error, or
// that it completed.
func ServerEnd(err error) string {
	if err == nil {
		return "the server's handshake completed"
	}
	return err.Error()
}
