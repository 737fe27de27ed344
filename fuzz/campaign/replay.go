package campaign

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/targets"
)

// ReplayOptions override what a finding says about where to send it.
type ReplayOptions struct {
	// Target replaces the finding's target; a finding's TARGET_CMD is
	// then not started unless TargetCmd says so.
	Target    string
	TargetCmd string
	// Target2 replaces a differential finding's second target.
	Target2 string
	// Timeout replaces the finding's per-read deadline.
	Timeout time.Duration
	// Out gets the report (default io.Discard).
	Out io.Writer
}

// Replay sends a finding's conversation again (the same Case: the same
// client bytes up to what the target's own randomness changes) and judges
// it again, as the campaign did: an acceptance with the gate's rules and
// the reference receiver (judgeAccept: a SHOULD, a MAY or a valid message
// is allowed), a crash or hang by the site the target's output names
// when the finding has one. It prints the verdict with the rule, and
// reports whether the finding reproduces: "reproduced: yes" only when the
// verdict is still a finding. Problems with the file or the target are
// *SetupError.
func Replay(ctx context.Context, path string, opts ReplayOptions) (bool, error) {
	out := opts.Out
	if out == nil {
		out = io.Discard
	}
	f, err := LoadFinding(path)
	if err != nil {
		return false, &SetupError{err}
	}
	if f.Case.Kind == KindClientFlight {
		return replayClient(ctx, f, opts, out)
	}
	target, cmd := f.Target, f.TargetCmd
	if opts.Target != "" {
		target, cmd = opts.Target, ""
	}
	if opts.TargetCmd != "" {
		cmd = opts.TargetCmd
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		if timeout, err = time.ParseDuration(f.Timeout); err != nil || timeout <= 0 {
			timeout = DefaultTimeout
		}
	}
	cat, err := newCatalog(nil)
	if err != nil {
		return false, err
	}
	if _, err := cat.build(f.Case, timeout); err != nil {
		return false, &SetupError{fmt.Errorf("campaign: %s: %w", path, err)}
	}
	ep, err := openEndpoint(ctx, target, cmd, timeout)
	if err != nil {
		return false, err
	}
	defer ep.close()
	log, _ := openTargetLog("") // in memory: the site of a crash or hang
	ep.follow(log)
	fmt.Fprintf(out, "replay: %s\n", f.Signature)
	from := ""
	if f.Case.Template != "" {
		from = " on the " + f.Case.Template + " ClientHello"
	}
	fmt.Fprintf(out, "case: %s at TLS %s%s, mutators %s, seed %#x\n", f.Case.Kind, f.Case.Version, from,
		strings.Join(f.Case.Mutators, " + "), f.Case.Seed)
	fmt.Fprintf(out, "target: %s (%s)\n", target, ep.addr)
	r := cat.converse(ctx, ep.addr, f.Case, timeout)
	fmt.Fprintf(out, "outcome: %s (%s)\n", r.describe(), r.answer)
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	v := f.Case.version()
	env := &targetEnv{versions: []wire.Version{v}, appData: map[wire.Version]bool{v: f.Case.AppData}}
	if g, err := wire.ParseGroup(f.Case.Group); err == nil && f.Case.Group != "" {
		env.group13 = g
	}
	var ok bool
	var why string
	// atSite checks the site the output since the conversation's start
	// names against the finding's.
	atSite := func() {
		if f.Site == nil {
			return
		}
		lines, _ := log.since(r.start)
		s, found := siteOf(outputText(lines))
		switch {
		case !found:
			fmt.Fprintf(out, "site: the output names none (the finding's: %s)\n", f.Site.Key())
			_, tool := ep.tgt.(targets.OutputFollower)
			ok = ep.proc == nil && !tool // no output followed: the site cannot be told
		case s.Key() != f.Site.Key():
			fmt.Fprintf(out, "site: %s\n  another site than the finding's: %s\n", s.Key(), f.Site.Key())
			ok = false
		default:
			fmt.Fprintf(out, "site: %s\n", s.Key())
		}
	}
	switch f.Oracle {
	case OracleAccept:
		ref := newReferee(timeout)
		defer ref.close()
		vd := cat.judgeAccept(ctx, r, ref)
		fmt.Fprintf(out, "rule: %s\nverdict: %s\n", vd.Rule, vd)
		ok = vd.Finding
		why = "the target went on where a MUST binding it says stop"
	case OracleHang:
		ok = r.answer == AnswerTimeout && r.prompt && !ep.exited()
		why = "the target held the connection silent past the " + timeout.String() + " deadline"
		if ok {
			atSite()
		}
	case OracleCrash:
		if ep.proc != nil {
			ok = ep.waitExit(ctx, exitGrace)
			why = "the target process exited"
			if ok {
				why += " (" + ep.exitStatus() + ")"
				atSite()
			}
			break
		}
		ok = !env.alive(ctx, ep.addr, timeout)
		if ok {
			pause := time.NewTimer(retryAfter)
			select {
			case <-pause.C:
			case <-ctx.Done():
				pause.Stop()
			}
			ok = !env.alive(ctx, ep.addr, timeout)
		}
		why = "the target stopped completing valid handshakes"
	case OracleDifferential:
		t2 := f.Target2
		if opts.Target2 != "" {
			t2 = opts.Target2
		}
		ep2, err := openEndpoint(ctx, t2, "", timeout)
		if err != nil {
			return false, err
		}
		defer ep2.close()
		r2 := cat.converse(ctx, ep2.addr, f.Case, timeout)
		fmt.Fprintf(out, "target2: %s (%s)\noutcome2: %s (%s)\n", t2, ep2.addr, r2.describe(), r2.answer)
		ok = disagree(r, r2) && r.answer == f.Answer
		why = fmt.Sprintf("the targets disagree: %s versus %s", r.answer, r2.answer)
	default:
		return false, &SetupError{fmt.Errorf("campaign: %s: unknown oracle %q", path, f.Oracle)}
	}
	if ok {
		fmt.Fprintf(out, "reproduced: yes: %s\n", why)
	} else {
		fmt.Fprintf(out, "reproduced: no (finding: %s; expected: %s)\n", f.Outcome, f.Expected)
	}
	return ok, nil
}
