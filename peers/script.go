package peers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"time"

	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Step is one step of a conversation script: send something, or expect
// something from the target.
type Step struct {
	Name string
	Run  func(*Conversation) error
	// Edits names the edits (Conversation.Edit) the step applies besides
	// the one registered under its Name: the TLS 1.3 Finished step also
	// sends a requested client Certificate, edited as StepCertificate, and
	// its CertificateVerify (StepCertificateVerify). A step that wraps
	// another keeps its Edits.
	Edits []string
}

// Script is a conversation: steps run in order until one fails. A check is
// a default script (DefaultScript) plus a named change.
type Script []Step

// edited reports whether a step of s applies an edit registered as name:
// a step called name, or one that lists name in its Edits.
func (s Script) edited(name string) bool {
	return slices.ContainsFunc(s, func(st Step) bool { return st.Name == name || slices.Contains(st.Edits, name) })
}

// Index returns the position of the first step called name, or -1.
func (s Script) Index(name string) int {
	return slices.IndexFunc(s, func(st Step) bool { return st.Name == name })
}

func (s Script) must(name string) int {
	i := s.Index(name)
	if i < 0 {
		panic(fmt.Sprintf("peers: script has no step %q", name)) // a bug in a check definition
	}
	return i
}

// Replace returns a copy with the step called name replaced by steps.
func (s Script) Replace(name string, steps ...Step) Script {
	i := s.must(name)
	return slices.Concat(s[:i:i], steps, s[i+1:])
}

// InsertBefore returns a copy with steps inserted before the step name.
func (s Script) InsertBefore(name string, steps ...Step) Script {
	i := s.must(name)
	return slices.Concat(s[:i:i], steps, s[i:])
}

// InsertAfter returns a copy with steps inserted after the step name.
func (s Script) InsertAfter(name string, steps ...Step) Script {
	i := s.must(name)
	return slices.Concat(s[:i+1:i+1], steps, s[i+1:])
}

// Remove returns a copy without the step called name.
func (s Script) Remove(name string) Script {
	i := s.must(name)
	return slices.Concat(s[:i:i], s[i+1:])
}

// Through returns the steps up to and including name.
func (s Script) Through(name string) Script {
	i := s.must(name)
	return slices.Clone(s[:i+1])
}

// Before returns the steps before name.
func (s Script) Before(name string) Script {
	i := s.must(name)
	return slices.Clone(s[:i])
}

// Renamed is the step under another name, so that a script can hold it
// twice (a ChangeCipherSpec sent again). The copy still applies the edits
// the step applied, which are registered under the old name.
func (st Step) Renamed(name string) Step {
	return Step{Name: name, Run: st.Run, Edits: slices.Concat(st.Edits, []string{st.Name})}
}

// Then returns a copy with steps appended.
func (s Script) Then(steps ...Step) Script { return slices.Concat(s, steps) }

// Standard step names, shared by the default scripts and by checks that
// change them.
const (
	StepClientHello          = "ClientHello"
	StepServerHello          = "ServerHello"
	StepServerFlight         = "ServerFlight"
	StepClientKeyExchange    = "ClientKeyExchange"
	StepChangeCipherSpec     = "ChangeCipherSpec"
	StepFinished             = "Finished"
	StepServerFinished       = "ServerFinished"
	StepApplicationData      = "ApplicationData"
	StepExpectRejection      = "ExpectRejection"
	StepExpectServerFinished = StepServerFinished
	// StepCertificate is no step of its own: it is the name of the edit
	// of the client's Certificate when the server requests one, which the
	// TLS 1.3 Finished step and SendRequestedCertificate send (in TLS
	// 1.0-1.2 it goes in the ClientKeyExchange step's flight, under that
	// step's edit). See also StepCertificateVerify.
	StepCertificate = "Certificate"
)

// Pseudo-step names RunScript gives an Outcome that did not end inside a
// step of the script: a verdict compares Outcome.Step with them, so they
// are constants like the step names, never retyped strings.
const (
	// StepDial: the connection could not be opened (the target is
	// unreachable; see Outcome.Unreachable).
	StepDial = "dial"
	// StepFlush: every step ran, and sending what was still corked failed.
	StepFlush = "flush"
	// StepEnd: every step ran and the conversation completed.
	StepEnd = "end"
)

// DefaultScript is the full handshake of version v followed by an
// application-data round trip: the baseline every check changes.
//
// TLS 1.0-1.2: ClientHello, ServerHello, ServerFlight (Certificate,
// [ServerKeyExchange], [CertificateRequest], ServerHelloDone),
// ClientKeyExchange ([Certificate], ClientKeyExchange,
// [CertificateVerify]), ChangeCipherSpec, Finished, ServerFinished
// ([NewSessionTicket], ChangeCipherSpec, Finished), ApplicationData.
//
// TLS 1.3: ClientHello, ServerHello, ServerFlight (EncryptedExtensions,
// [CertificateRequest], Certificate, CertificateVerify, Finished),
// ChangeCipherSpec (compatibility), Finished ([Certificate,
// [CertificateVerify]], Finished), ApplicationData.
func DefaultScript(v wire.Version) Script {
	if v == wire.VersionTLS13 {
		return Script{SendClientHello(), ExpectServerHello(), ExpectServerFlight(), SendChangeCipherSpec(), SendFinished(), ExchangeApplicationData()}
	}
	return Script{SendClientHello(), ExpectServerHello(), ExpectServerFlight(), SendClientKeyExchange(), SendChangeCipherSpec(), SendFinished(), ExpectServerFinished(), ExchangeApplicationData()}
}

// Conversation is one scripted exchange between the reference client and a
// target. Steps read and change it; the verdict reads its Outcome and
// Events.
type Conversation struct {
	hs     *clientHS
	script Script
	start  time.Time
	events []Event
	probe  []byte
	pushed string // how the client pushed a silent target (Outcome.Pushed)
	filled int    // the bytes it filled in first (Outcome.Filled)
	ctx    context.Context

	// Outcome is how the conversation ended.
	Outcome Outcome
}

// Conn is the record layer of the conversation (nil if the dial failed).
func (cv *Conversation) Conn() *Conn {
	if cv.hs == nil {
		return nil
	}
	return cv.hs.c
}

// Events is the transcript: every record sent and received, in order, plus
// a final pseudo-event saying how the connection ended ("closed",
// "timeout", "reset").
func (cv *Conversation) Events() []Event { return cv.events }

// Changes are what the conversation's edits changed in what it sent, in
// the order it sent them (the first only: maxChanges).
func (cv *Conversation) Changes() []Change {
	if cv.hs == nil {
		return nil
	}
	return cv.hs.changes
}

// Start is when the conversation began.
func (cv *Conversation) Start() time.Time { return cv.start }

// Hello is the ClientHello as built (before any edit of its bytes).
func (cv *Conversation) Hello() *wire.ClientHello {
	if cv.hs == nil {
		return nil
	}
	return cv.hs.hello
}

// ServerHello is the target's ServerHello, once read.
func (cv *Conversation) ServerHello() *wire.ServerHello {
	if cv.hs == nil {
		return nil
	}
	return cv.hs.server
}

// Version is the negotiated version (0 before the ServerHello).
func (cv *Conversation) Version() wire.Version {
	if cv.hs == nil {
		return 0
	}
	return cv.hs.c.version
}

// Edit registers an edit of the bytes that the named step sends. Steps
// built by this package honour it: ClientHello, ClientKeyExchange,
// ChangeCipherSpec, Finished, SendMessage steps, and the Certificate of a
// requested client certificate (StepCertificate) and its
// CertificateVerify (StepCertificateVerify).
//
// Edit panics when no step of the script applies an edit of that name
// (see Step.Edits), as Script.Replace does for a step the script lacks:
// the name is a typo in a check's definition, which would otherwise
// silently send the unchanged bytes and let the check judge a
// conversation it never made. A panic, not an Outcome, because every
// Outcome is read as something the target did: an error outcome would be
// judged against the target ("the target answered with something the
// client could not accept"). The edit names depend on the check alone,
// never on what the target sends, so the self-test's run of the
// catalogue against the reference server meets every one of them.
func (cv *Conversation) Edit(step string, e Edit) {
	if !cv.script.edited(step) {
		panic(fmt.Sprintf("peers: Edit(%q): no step of the script applies an edit of that name", step)) // a bug in a check definition
	}
	if cv.hs.edits == nil {
		cv.hs.edits = map[string]Edit{}
	}
	cv.hs.edits[step] = e
}

// Dialer opens a connection to the target.
type Dialer func(ctx context.Context) (net.Conn, error)

// TCP dials addr.
func TCP(addr string) Dialer {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", addr)
	}
}

// Setup runs before the first step: it may register edits.
type Setup func(*Conversation)

// RunScript dials the target and runs script with cfg, each read and write
// under cfg's timeout and the whole under ctx. It never panics on what the
// target sends; the returned Conversation says how it ended.
func RunScript(ctx context.Context, dial Dialer, cfg *ClientConfig, script Script, setup ...Setup) *Conversation {
	if cfg == nil {
		cfg = &ClientConfig{}
	}
	cv := &Conversation{start: time.Now(), probe: DefaultProbe}
	user := cfg.Observe
	local := *cfg
	local.Observe = func(e Event) {
		cv.events = append(cv.events, e)
		if user != nil {
			user(e)
		}
	}
	dctx, cancel := context.WithTimeout(ctx, timeoutOf(cfg.Timeout))
	nc, err := dial(dctx)
	cancel()
	if err != nil {
		cv.Outcome = OutcomeOf(fmt.Errorf("peers: dial: %w", err))
		cv.Outcome.Step = StepDial
		return cv
	}
	defer nc.Close()
	c := newConn(nc, local.Timeout, local.Time, local.rand(), local.KeyLog, local.Observe)
	c.readsOtherKeys = true
	c.SetMaxFragment(local.MaxFragment)
	c.Cork()
	stop := withContext(ctx, nc)
	defer stop()
	cv.hs = &clientHS{c: c, cfg: &local, plan: local.plan(), sessionKey: sessionKey(&local, nc)}
	c.unexpected, c.unexpectedRecord = cv.hs.plan.Unexpected, cv.hs.plan.UnexpectedRecord
	cv.script, cv.ctx = script, ctx
	for _, f := range setup {
		f(cv)
	}
	for _, st := range script {
		if err := st.Run(cv); err != nil {
			cv.end(st.Name, err)
			return cv
		}
	}
	if err := c.Flush(); err != nil {
		cv.end(StepFlush, err)
		return cv
	}
	if cv.Outcome.Kind == "" {
		cv.Outcome = Outcome{Kind: OutcomeCompleted, Step: StepEnd, Filled: cv.filled}
	}
	return cv
}

// end records how the conversation ended at step, with a closing
// pseudo-event, and sends our alert when the verdict was ours.
func (cv *Conversation) end(step string, err error) {
	defer func() { cv.Outcome.Pushed, cv.Outcome.Filled = cv.pushed, cv.filled }()
	var done *doneErr
	if errors.As(err, &done) {
		cv.Outcome = done.o
		cv.Outcome.Step = step
		return
	}
	c := cv.hs.c
	// Our own verdict: tell the target, as a real client would.
	_ = c.fail(err)
	_ = c.Flush()
	cv.Outcome = OutcomeOf(err)
	cv.Outcome.Step = step
	switch cv.Outcome.Kind {
	case OutcomeClosed, OutcomeTimeout, OutcomeReset:
		cv.events = append(cv.events, Event{Dir: Received, Time: time.Now(), Note: string(cv.Outcome.Kind)})
	}
}

// pushing runs read, a step's read of the target's answer; when the
// target says nothing before the deadline, the client pushes it to decide
// and runs read again. A target may be silent because it waits for bytes
// a message promised (an SSL 2.0 header read as a TLS record header, a
// length that lies long, a message it buffers). Where the client knows
// what is due, it sends that first: the bytes its last handshake message's
// length promised (zeros, up to one record; Outcome.Filled), after which
// the target has the whole message to judge, and what it says answers
// that message. Then, or else, the client half-closes its write side: the
// target reads the end of the stream, and a conformant one then closes or
// alerts (Outcome.Pushed). Only once per conversation, only when the
// stream is whole (the silence began between records), each push bounded
// by the conversation's deadline.
func (cv *Conversation) pushing(read func() error) error {
	err := read()
	if !cv.pushable(err) {
		return err
	}
	if n := cv.hs.c.owedHandshake(); n > 0 && n <= maxFiller && cv.filled == 0 {
		c := cv.hs.c
		if werr := c.WriteRecord(wire.ContentHandshake, make([]byte, n)); werr == nil && c.Flush() == nil {
			cv.filled = n
			if last := len(cv.events) - 1; last >= 0 && cv.events[last].Dir == Sent {
				cv.events[last].Note = fmt.Sprintf("filler: the %d zero bytes the last handshake message's length promised (pushing a silent target to decide)", n)
			}
			if err = read(); !cv.pushable(err) {
				return err
			}
		}
	}
	if !cv.halfClose() {
		return err
	}
	return read()
}

// pushable reports whether err, a read's end, is silence the client may
// push: a timeout of the target's, on a whole stream, not yet pushed with
// a half-close.
func (cv *Conversation) pushable(err error) bool {
	if err == nil || Classify(err) != OutcomeTimeout || cv.pushed != "" || cv.hs.c.torn {
		return false
	}
	if cv.ctx != nil && cv.ctx.Err() != nil {
		// The silence is our own cancel (withContext's past deadline),
		// not the target's: no push, and no second wait.
		return false
	}
	var done *doneErr
	return !errors.As(err, &done)
}

// halfClose sends what is corked and closes the write side of the
// connection (TCP FIN), noting it in the transcript. It reports false
// when the connection cannot be half-closed.
func (cv *Conversation) halfClose() bool {
	c := cv.hs.c
	cw, ok := c.nc.(interface{ CloseWrite() error })
	if !ok {
		return false
	}
	_ = c.Flush()
	if err := cw.CloseWrite(); err != nil {
		return false
	}
	cv.pushed = PushHalfClose
	cv.events = append(cv.events, Event{Dir: Sent, Time: time.Now(), Note: "half-close: the client sends nothing more (pushing a silent target to decide)"})
	return true
}

// doneErr ends a script early with a decided outcome (not a failure).
type doneErr struct{ o Outcome }

func (d *doneErr) Error() string { return d.o.String() }

func step(name string, run func(*Conversation) error) Step { return Step{Name: name, Run: run} }

// SendClientHello builds the ClientHello from the config, lets edit change
// it (when not nil) and sends it.
func SendClientHello(edit ...func(*wire.ClientHello)) Step {
	return step(StepClientHello, func(cv *Conversation) error {
		hs := cv.hs
		if hs.hello == nil {
			if err := hs.buildHello(); err != nil {
				return err
			}
			if len(edit) > 0 {
				before, _ := hs.hello.Marshal()
				for _, e := range edit {
					e(hs.hello)
				}
				if after, err := hs.hello.Marshal(); err == nil && before != nil {
					hs.noteChange(StepClientHello, before, after)
				}
			}
		}
		return hs.sendHello()
	})
}

// ExpectServerHello reads the ServerHello (answering one HelloRetryRequest)
// and checks it: version, suite, session ID echo, extensions, key share.
func ExpectServerHello() Step {
	// Silence here is pushed too: a target that took what came before
	// the ClientHello as the start of something longer (a HelloRequest it
	// holds until the next message) may be waiting.
	st := step(StepServerHello, func(cv *Conversation) error { return cv.pushing(cv.hs.serverHello) })
	st.Edits = []string{StepClientHello} // the second ClientHello, after a HelloRetryRequest
	return st
}

// ExpectServerFlight reads the rest of the server's first flight in RFC
// order and verifies its signature (and, in TLS 1.3, its Finished).
func ExpectServerFlight() Step {
	return step(StepServerFlight, func(cv *Conversation) error {
		if cv.hs.c.version == wire.VersionTLS13 {
			return cv.hs.readServerFlight13()
		}
		return cv.hs.readServerFlight12()
	})
}

// SendClientKeyExchange sends the ClientKeyExchange (TLS 1.0-1.2), after
// the client Certificate when the server requested one, derives the
// master secret, then sends the CertificateVerify when the Certificate
// carried a chain (its own record, under the StepCertificateVerify edit).
func SendClientKeyExchange() Step {
	st := step(StepClientKeyExchange, func(cv *Conversation) error {
		return cv.hs.sendClientKeyExchange12()
	})
	st.Edits = []string{StepCertificateVerify}
	return st
}

// SendChangeCipherSpec sends ChangeCipherSpec: in TLS 1.2 it switches the
// write side to the new keys; in TLS 1.3 it is the compatibility CCS.
func SendChangeCipherSpec() Step {
	return step(StepChangeCipherSpec, func(cv *Conversation) error {
		if cv.hs.c.version == wire.VersionTLS13 {
			return cv.hs.sendCCS13()
		}
		return cv.hs.sendCCS12()
	})
}

// SendFinished sends the client's Finished (in TLS 1.3 under the client
// handshake key, then moving to the application keys).
func SendFinished() Step {
	st := step(StepFinished, func(cv *Conversation) error {
		if cv.hs.c.version == wire.VersionTLS13 {
			return cv.hs.sendFinished13()
		}
		return cv.hs.sendFinished12()
	})
	st.Edits = []string{StepCertificate, StepCertificateVerify}
	return st
}

// ExpectServerFinished reads the server's [NewSessionTicket],
// ChangeCipherSpec and Finished (TLS 1.0-1.2) and verifies the Finished.
func ExpectServerFinished() Step {
	return step(StepServerFinished, func(cv *Conversation) error {
		return cv.hs.readServerFinished12()
	})
}

// ExchangeApplicationData sends the probe and waits for application data
// back.
func ExchangeApplicationData() Step {
	return step(StepApplicationData, func(cv *Conversation) error {
		c := cv.hs.c
		if _, err := c.Write(cv.probe); err != nil {
			return err
		}
		buf := make([]byte, 1024)
		n, err := c.Read(buf)
		if n > 0 {
			return nil
		}
		return err
	})
}

// ExpectRejection reads what the target sends next and ends the
// conversation: an alert, a close, a reset or a timeout is recorded as it
// is; a handshake message, ChangeCipherSpec or application data means the
// target went on (OutcomeCompleted with WentOn set); TLS 1.3
// NewSessionTicket messages, and below TLS 1.3 warning alerts other than
// close_notify, are passed over. With probe, the application-data probe
// goes out (under the keys in place) when the target has not answered
// within a glance (a quarter of the deadline), so that a target that
// silently accepted answers it; a target that already answered is sent
// nothing more, since a target that closes with unread input resets the
// connection, and the reset can destroy the alert it wrote. Silence is
// pushed (see Outcome.Pushed).
func ExpectRejection(probe bool) Step { return expectRejection(probe, true) }

func expectRejection(probe, push bool) Step {
	return step(StepExpectRejection, func(cv *Conversation) error {
		c := cv.hs.c
		probed := !probe
		read := func() error {
			for n := 0; ; n++ {
				if n > maxPassedOver {
					return errPassedOver
				}
				if !probed && !c.answered(c.timeout/4) {
					// A write error here means the target already closed:
					// read what it said before that.
					_, _ = c.Write(cv.probe)
					probed = true
				}
				it, err := c.nextItem()
				// A TLS 1.3 server may send its tickets before it reads the
				// client's Finished (crypto/tls does): they say nothing yet.
				if err == nil && it.Type == wire.ContentHandshake && it.Msg.Type() == wire.TypeNewSessionTicket && c.version == wire.VersionTLS13 {
					continue
				}
				return rejectionOutcome(it, err)
			}
		}
		if !push {
			return read()
		}
		return cv.pushing(read)
	})
}

// rejectionOutcome turns what ExpectRejection read into the end of the
// conversation.
func rejectionOutcome(it Item, err error) error {
	// A received record that does not open under any key the conversation
	// had: often an alert under keys the client does not know. (Only the
	// read path makes a recordOpenError: our own sealing failing is our
	// error.)
	var oe *recordOpenError
	if errors.As(err, &oe) {
		return &doneErr{o: Outcome{Kind: OutcomeError, Undecryptable: true, Err: err}}
	}
	if err != nil {
		return err
	}
	o := Outcome{Kind: OutcomeCompleted}
	switch it.Type {
	case wire.ContentAlert:
		o = Outcome{Kind: OutcomeAlert, Alert: it.Alert}
	case wire.ContentHandshake:
		o.WentOn = it.Msg.Type().String()
	case wire.ContentChangeCipherSpec:
		o.WentOn = "ChangeCipherSpec"
	default:
		o.WentOn = it.Type.String()
	}
	return &doneErr{o: o}
}

// SendRecord sends payload as one record of type typ under the current
// write state (protected once keys are in place).
func SendRecord(name string, typ wire.ContentType, payload func(*Conversation) []byte) Step {
	return step(name, func(cv *Conversation) error {
		return cv.hs.c.WriteRecord(typ, payload(cv))
	})
}

// SendRaw sends bytes as they are, bypassing the record layer.
func SendRaw(name string, b func(*Conversation) []byte) Step {
	return step(name, func(cv *Conversation) error { return cv.hs.c.WriteRaw(b(cv)) })
}

// SendMessage marshals the message build returns, adds it to the
// transcript and sends it under the current write state.
func SendMessage(name string, build func(*Conversation) (wire.Message, error)) Step {
	return step(name, func(cv *Conversation) error {
		m, err := build(cv)
		if err != nil {
			return err
		}
		return cv.hs.send(name, m)
	})
}

// Finished is the client's correct Finished for the conversation so far:
// what SendFinished would send now.
func (cv *Conversation) Finished() (*wire.Finished, error) {
	hs := cv.hs
	switch {
	case hs.c.version == wire.VersionTLS13 && hs.cHS != nil:
		return hs.finished13(), nil
	case hs.c.version != 0 && hs.c.version < wire.VersionTLS13 && hs.master != nil:
		return hs.finished12(), nil
	}
	return nil, errors.New("peers: no Finished before the keys are known")
}

// OverrideShared13 makes the TLS 1.3 client key its handshake with the
// secret f returns (given the group and the secret it computed) instead
// of the (EC)DHE secret: a check that sent a key share the server must
// refuse keys the handshake with what a server that took the share
// derives, so that a completed handshake proves the server took it.
// Call it from a Setup.
func (cv *Conversation) OverrideShared13(f func(g wire.Group, computed []byte) []byte) {
	cv.hs.shared13 = f
}

// UseClientHandshakeKeys moves the write side to the TLS 1.3 client
// handshake traffic key (what SendFinished does first).
func (cv *Conversation) UseClientHandshakeKeys() error { return cv.hs.useClientHandshakeKeys() }

// UseApplicationKeys moves both sides to the TLS 1.3 application traffic
// keys (what SendFinished does last).
func (cv *Conversation) UseApplicationKeys() error { return cv.hs.useApplicationKeys13() }

// ClientKeyExchange computes the pre-master secret and returns the message
// SendClientKeyExchange would send; DeriveMaster must follow it once the
// message is in the transcript.
func (cv *Conversation) ClientKeyExchange() (*wire.ClientKeyExchange, error) {
	return cv.hs.clientKeyExchange12()
}

// KeyExchangeFlight is what SendClientKeyExchange would send (TLS
// 1.0-1.2) up to the ClientKeyExchange: the Certificate of a requested
// client certificate, then the ClientKeyExchange, its pre-master secret
// chosen. A step that sends it adds each message to the transcript,
// calls DeriveMaster, then sends CertificateVerify's message (when not
// nil).
func (cv *Conversation) KeyExchangeFlight() ([]wire.Message, error) {
	return cv.hs.keyExchangeFlight12()
}

// CertificateRequested reports whether the server sent a
// CertificateRequest in this conversation.
func (cv *Conversation) CertificateRequested() bool { return cv.hs != nil && cv.hs.certRequested }

// CertificateVerify is the client's CertificateVerify, signed over the
// transcript so far, when one is due (the client's Certificate went out
// with a chain and no CertificateVerify yet), else nil. Once it returns
// a message the conversation counts it as sent: the step adds it to the
// transcript and sends it.
func (cv *Conversation) CertificateVerify() (*wire.CertificateVerify, error) {
	hs := cv.hs
	if !hs.verifyDue {
		return nil, nil
	}
	m, err := hs.certificateVerify()
	if err != nil {
		return nil, err
	}
	hs.verifyDue = false
	return m, nil
}

// ClientHelloBytes is the ClientHello as SendClientHello sends it (built
// from the config the first time, with PSK binders when resuming TLS 1.3
// and the ClientHello step's edit applied), for a step that sends it
// another way. The step adds it to the transcript.
func (cv *Conversation) ClientHelloBytes() ([]byte, error) {
	if cv.hs.hello == nil {
		if err := cv.hs.buildHello(); err != nil {
			return nil, err
		}
	}
	return cv.hs.helloBytes()
}

// Rand is the conversation's randomness (the config's, deterministic for
// a seed): a step that makes up bytes takes them from here.
func (cv *Conversation) Rand() io.Reader { return cv.hs.c.rand }

// DeriveMaster computes the TLS 1.2 master secret from the pre-master
// secret and the transcript so far.
func (cv *Conversation) DeriveMaster() { cv.hs.deriveMaster12() }

// SwitchWriteKeys12 moves the TLS 1.2 write side to the key block (what
// SendChangeCipherSpec does after sending the CCS).
func (cv *Conversation) SwitchWriteKeys12() error {
	kb := cv.hs.keyBlock(cv.hs.master)
	out, err := newHalfConn12(cv.hs.c, kb.ClientKey, kb.ClientIV, kb.ClientMAC)
	if err != nil {
		return err
	}
	cv.hs.c.out = out
	return nil
}

// SetProbe sets the application data sent by ExchangeApplicationData and
// ExpectRejection(true).
func (cv *Conversation) SetProbe(b []byte) { cv.probe = b }

// TranscriptBytes is the handshake transcript so far (full messages back
// to back, as hashed).
func (cv *Conversation) TranscriptBytes() []byte { return cv.hs.c.transcript.Bytes() }

// EMS reports whether extended_master_secret was negotiated (TLS 1.0-1.2).
func (cv *Conversation) EMS() bool { return cv.hs != nil && cv.hs.ems }

// ClientVerifyData computes the client's verify_data over transcript (full
// handshake messages) instead of the real transcript, with master when
// not nil (TLS 1.0-1.2) instead of the negotiated master secret. In TLS
// 1.3 master is ignored: the client handshake traffic secret is used.
func (cv *Conversation) ClientVerifyData(transcript, master []byte) ([]byte, error) {
	hs := cv.hs
	t := keys.NewTranscript()
	t.Add(transcript)
	v := hs.c.version
	switch {
	case v == wire.VersionTLS13 && hs.cHS != nil:
		return keys.FinishedMAC(hs.suiteHash, hs.cHS, t.Sum(uint16(v), hs.suiteHash)), nil
	case v != 0 && v < wire.VersionTLS13 && hs.master != nil:
		if master == nil {
			master = hs.master
		}
		return keys.FinishedVerifyData(uint16(v), hs.c.spec.PRF, master, true, t.Sum(uint16(v), hs.c.spec.PRF)), nil
	}
	return nil, errors.New("peers: no verify_data before the keys are known")
}

// LegacyMaster is the TLS 1.0-1.2 master secret computed without
// extended_master_secret (RFC 5246 §8.1), whatever was negotiated.
func (cv *Conversation) LegacyMaster() ([]byte, error) {
	hs := cv.hs
	if hs.pms == nil || hs.server == nil {
		return nil, errors.New("peers: no pre-master secret yet")
	}
	return keys.MasterSecret(uint16(hs.c.version), hs.c.spec.PRF, hs.pms, hs.hello.Random, hs.server.Random), nil
}

// Session is what a client would keep to resume this conversation's
// session (TLS 1.0-1.2): the ServerHello's session ID and the master
// secret, whether or not the handshake completed. Nil when there is
// nothing to resume.
func (cv *Conversation) Session() *Session {
	hs := cv.hs
	if hs == nil || hs.server == nil || hs.master == nil || hs.c.spec == nil || len(hs.server.SessionID) == 0 {
		return nil
	}
	return &Session{
		Version:   hs.c.version,
		Suite:     hs.c.spec.ID,
		SessionID: hs.server.SessionID,
		Master:    hs.master,
		EMS:       hs.ems,
		Received:  hs.cfg.now(),
	}
}
