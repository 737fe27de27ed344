package campaign

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Answer is how a conversation ended, as the oracles see it.
type Answer string

const (
	AnswerAccept      Answer = "accept"      // the target went on after the change
	AnswerReject      Answer = "reject"      // an alert, a close or a reset
	AnswerRetry       Answer = "retry"       // a HelloRetryRequest: neither
	AnswerTimeout     Answer = "timeout"     // silence past the deadline
	AnswerError       Answer = "error"       // the client's own verdict on what came back
	AnswerUnreachable Answer = "unreachable" // no connection
	AnswerSkip        Answer = "skip"        // the change did not apply
	AnswerEarly       Answer = "early"       // the conversation ended before the change was sent
)

// Bounds on what a conversation keeps for a finding.
const (
	// maxCapture bounds the bytes kept of each direction (the largest
	// mutated flight, a ClientHello padded past 2^14, fits many times).
	maxCapture = 256 << 10
	// maxTranscript bounds the text transcript.
	maxTranscript = 256 << 10
	// maxRecordHex bounds the hex dump of one record in the transcript.
	maxRecordHex = 4 << 10
)

// capture keeps the first maxCapture bytes that went one way.
type capture struct {
	b       []byte
	dropped int
}

func (c *capture) add(p []byte) {
	n := min(len(p), maxCapture-len(c.b))
	c.b = append(c.b, p[:n]...)
	c.dropped += len(p) - n
}

// tapConn records what the client writes and reads.
type tapConn struct {
	net.Conn
	sent, recv *capture
}

func (t *tapConn) Write(p []byte) (int, error) {
	n, err := t.Conn.Write(p)
	t.sent.add(p[:n])
	return n, err
}

func (t *tapConn) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	t.recv.add(p[:n])
	return n, err
}

// result is one conversation as run.
type result struct {
	c Case
	// applied are the case's changes that were made, in order: the
	// mutators of the finding.
	applied  []string
	target   string
	outcome  peers.Outcome
	answer   Answer
	must     bool // going on violates a MUST
	expected string
	prompt   bool
	events   []peers.Event
	sent     capture
	recv     capture
	start    time.Time // when the conversation began: its output window opens here
	elapsed  time.Duration
	// multiShare: the ClientHello sent offered more than one key share.
	multiShare bool
	err        error // the case could not be built
}

// end is when the conversation ended.
func (r *result) end() time.Time { return r.start.Add(r.elapsed) }

// silent says whether the conversation ended the way a dead target ends
// one: no answer, a close without an alert, a reset, or no connection.
func (r *result) silent() bool {
	switch r.outcome.Kind {
	case peers.OutcomeTimeout, peers.OutcomeClosed, peers.OutcomeReset, peers.OutcomeRefused:
		return true
	}
	return r.answer == AnswerUnreachable
}

// converse runs case c against addr, each read and write under timeout.
func (cat *catalog) converse(ctx context.Context, addr string, c Case, timeout time.Duration) *result {
	r := &result{c: c, target: addr, start: time.Now()}
	p, err := cat.build(c, timeout)
	if err != nil {
		r.answer, r.err = AnswerSkip, err
		return r
	}
	dial := func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		return &tapConn{Conn: nc, sent: &r.sent, recv: &r.recv}, nil
	}
	r.start = time.Now()
	if p.first != nil {
		// The session the case offers, made by a valid handshake of its
		// own (not in the capture: client.bin is the case's
		// conversation; in the output window, which opens before it).
		fcfg := *p.cfg
		fcfg.Rand = caseRand(c.Seed ^ firstSalt)
		cache := peers.NewSessionCache()
		fcfg.Sessions, fcfg.SessionKey = cache, sessionKey
		fcv := peers.RunScript(ctx, peers.TCP(addr), &fcfg, p.first)
		s := cache.Get(sessionKey)
		if s == nil && fcv.Version() < wire.VersionTLS13 {
			s = fcv.Session()
		}
		if s == nil {
			r.elapsed, r.outcome, r.events = time.Since(r.start), fcv.Outcome, fcv.Events()
			r.answer, r.err = AnswerSkip, fmt.Errorf("campaign: the handshake that makes the session the case offers: %s", fcv.Outcome)
			if fcv.Outcome.Unreachable() {
				r.answer = AnswerUnreachable
			}
			return r
		}
		cache.Put(sessionKey, s)
		p.cfg.Sessions, p.cfg.SessionKey = cache, sessionKey
	}
	cv := peers.RunScript(ctx, dial, p.cfg, p.script, p.setup...)
	r.elapsed = time.Since(r.start)
	r.outcome = cv.Outcome
	r.events = cv.Events()
	r.applied = p.applied.names
	r.prompt = p.prompt
	r.multiShare = p.multiShare
	r.must, r.expected = cat.verdictOf(r.applied, c.version(), p.multiShare)
	r.answer = classify(cv, p)
	return r
}

// classify turns a conversation's outcome into an Answer.
func classify(cv *peers.Conversation, p *plan) Answer {
	o := cv.Outcome
	switch {
	case o.Unreachable():
		return AnswerUnreachable
	case errors.Is(o.Err, errNotApplicable) || len(p.applied.names) == 0:
		return AnswerSkip
	}
	if end, at := p.script.Index(o.Step), p.script.Index(p.change); end >= 0 && at >= 0 && end < at {
		return AnswerEarly
	}
	switch o.Kind {
	case peers.OutcomeCompleted:
		if o.WentOn == "HelloRetryRequest" {
			return AnswerRetry
		}
		return AnswerAccept
	case peers.OutcomeAlert, peers.OutcomeClosed, peers.OutcomeReset:
		return AnswerReject
	case peers.OutcomeTimeout:
		return AnswerTimeout
	case peers.OutcomeError:
		if o.Undecryptable {
			return AnswerReject
		}
	}
	return AnswerError
}

// describe is the outcome in words, with the step it ended at.
func (r *result) describe() string {
	if r.err != nil {
		return "not run: " + r.err.Error()
	}
	s := r.outcome.String()
	if r.outcome.Step != "" && r.outcome.Step != peers.StepEnd {
		s += " (at " + r.outcome.Step + ")"
	}
	return s
}

// transcript is the conversation as text: every record each way, with a
// hex dump, and how it ended.
func (r *result) transcript() string {
	var b strings.Builder
	from := ""
	if r.c.Template != "" {
		from = " on the " + r.c.Template + " ClientHello"
	}
	fmt.Fprintf(&b, "# case %s at TLS %s%s, mutators %s, seed %#x\n", r.c.Kind, r.c.Version, from, strings.Join(r.c.Mutators, " + "), r.c.Seed)
	fmt.Fprintf(&b, "# target %s; applied %s; answer %s; %s\n", r.target, strings.Join(r.applied, " + "), r.answer, r.describe())
	var start time.Time
	for _, e := range r.events {
		if b.Len() > maxTranscript {
			b.WriteString("... (transcript cut)\n")
			break
		}
		if start.IsZero() {
			start = e.Time
		}
		dir := "->"
		if e.Dir == peers.Received {
			dir = "<-"
		}
		fmt.Fprintf(&b, "%s %8.3fms %s", dir, float64(e.Time.Sub(start).Microseconds())/1000, e.Summary())
		if e.Note != "" && e.Note != e.Summary() {
			fmt.Fprintf(&b, " [%s]", e.Note)
		}
		b.WriteByte('\n')
		if len(e.Raw) > 0 {
			raw := e.Raw[:min(len(e.Raw), maxRecordHex)]
			b.WriteString(hex.Dump(raw))
			if len(e.Raw) > len(raw) {
				fmt.Fprintf(&b, "  ... %d more bytes\n", len(e.Raw)-len(raw))
			}
		}
	}
	if r.sent.dropped > 0 || r.recv.dropped > 0 {
		fmt.Fprintf(&b, "# capture cut: %d bytes sent and %d received not kept\n", r.sent.dropped, r.recv.dropped)
	}
	return b.String()
}
