package campaign

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/targets"
)

// Judging an acceptance again. The oracle fires on a conversation the
// target went on after, where the last change made calls for a rejection
// (verdictOf). Minimization then drops changes, and what remains may no
// longer be a malformation at all: two changes that undo each other (a
// key share cut short, then extended to its length), a length lie that
// swallows the rest of a hello into a well-formed one. So a minimized
// case is judged again with the gate's own rules before it is saved:
//
//  1. the expectation of the changes that remain, at the case's version:
//     only a must-reject change whose rule binds the receiver at MUST
//     level there makes a finding; a SHOULD, a MAY, a rule on the sender
//     is allowed (as the checks of the gate warn, never fail, there);
//  2. the message must still be malformed: the same case goes to the
//     reference server (in-process, the receiver that passes every check
//     of the gate); when it goes on too, the changes formed a valid
//     message, and the target was right to answer it.
//
// A case either rule allows is dropped and counted ("dropped after
// minimization: allowed"); replay judges the same way.

// verdict is a conversation judged as the gate judges a check.
type verdict struct {
	// Finding: the target went on where a MUST binding it says stop.
	Finding bool
	// Rule is the rule of the deciding change (ruleText).
	Rule string
	// Why says why it is, or is not, a finding.
	Why string
}

func (v verdict) String() string {
	if v.Finding {
		return "finding: " + v.Why
	}
	return "allowed: " + v.Why
}

// judgeAccept judges an acceptance r (at the case's version) with the
// gate's rules and, when a referee is given, against the reference
// receiver.
func (cat *catalog) judgeAccept(ctx context.Context, r *result, ref *referee) verdict {
	v := r.c.version()
	vd := verdict{Rule: cat.ruleText(r.applied, v)}
	if r.answer != AnswerAccept {
		vd.Why = "the target did not go on: " + r.describe()
		return vd
	}
	must, expected := cat.verdictOf(r.applied, v, r.multiShare)
	if !must {
		vd.Why = expected
		return vd
	}
	if ref != nil {
		rr, err := ref.converse(ctx, cat, r.c)
		switch {
		case err != nil:
			expected += fmt.Sprintf(" (the reference receiver could not judge the message: %v)", err)
		case rr.answer == AnswerAccept && len(rr.applied) == len(r.applied):
			vd.Why = fmt.Sprintf("the changes that remain (%s) form a valid message: the reference receiver, which passes every check of the gate, goes on too (%s)",
				strings.Join(r.applied, " + "), rr.describe())
			return vd
		}
	}
	vd.Finding, vd.Why = true, expected
	return vd
}

// deciding is the change that decides what the target must do: the last
// one applied (helloOrder puts the rejected ones last).
func deciding(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return names[len(names)-1]
}

// ruleKey names the rule the deciding change breaks, for the signature:
// its family and RFC label ("client_hello/session_id (RFC 5246
// §7.4.1.2; RFC 8446 §4.1.2)"), the same at every version and on every
// template, so that one bug is one finding.
func (cat *catalog) ruleKey(names []string) string {
	n := deciding(names)
	e := cat.expectation(n)
	return fmt.Sprintf("%s (%s)", familyOf(n), e.RFC)
}

// ruleText is the deciding change's rule in full: the change, its class
// and level at v, the RFC label and the receiver-duty sentence the
// catalogue quotes for it.
func (cat *catalog) ruleText(names []string, v wire.Version) string {
	n := deciding(names)
	if n == "" {
		return ""
	}
	e := cat.expectation(n)
	s := fmt.Sprintf("%s: %s, %s at TLS %s (%s)", n, e.Class, e.Level(v), v.Short(), e.RFC)
	if why := e.ShouldWhy(v); why != "" {
		s += ": " + why
	} else if r, ok := checks.RuleFor(e.RFC, v, e.Class == mutators.MustTolerate); ok && r.Text != "" {
		s += ": " + r.String()
	}
	return s
}

// answerOf is the target's answer for a rule signature: what it sent
// going on ("ServerHello"), or its alert.
func answerOf(r *result) string {
	o := r.outcome
	switch {
	case o.WentOn != "":
		return o.WentOn
	case o.Kind == peers.OutcomeAlert:
		return "alert " + o.Alert.Description.String()
	}
	return string(o.Kind)
}

// referee is the reference server run in-process, started on first use:
// the receiver that passes every check of the gate, which tells whether
// a minimized case is still malformed.
type referee struct {
	timeout time.Duration

	once sync.Once
	tgt  targets.Target
	err  error
}

func newReferee(timeout time.Duration) *referee { return &referee{timeout: timeout} }

// open starts the reference server (once): TLS 1.0-1.3, an ECDSA and an
// RSA certificate, on a loopback port.
func (rf *referee) open(ctx context.Context) (string, error) {
	rf.once.Do(func() {
		var pairs []*certs.Pair
		for _, kind := range []string{"ecdsa", "rsa"} {
			p, err := certs.Generate(kind, nil, rand.Reader, time.Now())
			if err != nil {
				rf.err = fmt.Errorf("campaign: reference receiver: %w", err)
				return
			}
			pairs = append(pairs, p)
		}
		srv, err := peers.NewServer(peers.ServerConfig{Certificates: pairs, Timeout: rf.timeout,
			Versions: []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10}})
		if err != nil {
			rf.err = fmt.Errorf("campaign: reference receiver: %w", err)
			return
		}
		rf.tgt, rf.err = targets.Serve(ctx, "reference", func(ctx context.Context, ln net.Listener) error { return srv.Serve(ctx, ln, nil) })
	})
	if rf.err != nil {
		return "", rf.err
	}
	return rf.tgt.Addr(), nil
}

// converse sends c to the reference receiver.
func (rf *referee) converse(ctx context.Context, cat *catalog, c Case) (*result, error) {
	addr, err := rf.open(ctx)
	if err != nil {
		return nil, err
	}
	return cat.converse(ctx, addr, c, rf.timeout), nil
}

// close stops the reference receiver, if it was started.
func (rf *referee) close() {
	if rf.tgt != nil {
		_ = rf.tgt.Close()
	}
}
