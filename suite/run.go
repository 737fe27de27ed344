package suite

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/targets"
)

// CheckTimeout bounds one check: a few conversations, each of a few reads
// under Options.Timeout.
const CheckTimeout = 30 * time.Second

// MaxCheckTime bounds Runner.Check as a whole: the check's own budget,
// then a liveness check, then (after checks in a row that timed out) a
// plain handshake of its own. A front that puts a deadline on each check
// (Ginkgo's SpecTimeout) gives it this much, so that the check's own
// budget runs out first and an unfinished check is inconclusive, not
// an interrupted run.
const MaxCheckTime = 2*CheckTimeout + aliveTimeout + 5*time.Second

// probeTimeout bounds probing, which is a few dozen short conversations.
const probeTimeout = 2 * time.Minute

// aliveTimeout bounds the liveness check after a failure.
const aliveTimeout = 5 * time.Second

// stallChecks is how many checks in a row must end in a timeout before a
// plain handshake decides whether the target still answers at all.
const stallChecks = 3

// Options are the settings of a run. The zero value is a run with the
// defaults: every version the target supports, seed 0, no reports
// written.
type Options struct {
	// Versions pins the versions to check; nil checks whatever the target
	// supports.
	Versions []wire.Version
	// Strict treats SHOULD-level warnings as failures in Failed and in
	// the reports.
	Strict bool
	// Seed fixes every random byte the client sends.
	Seed int64
	// Timeout is the deadline for each read and write of a conversation;
	// default 2 s.
	Timeout time.Duration
	// ServerName is sent as SNI when not empty.
	ServerName string
	// ReportDir, when not empty, is cleared when the run starts and
	// receives the reports at Close: report.json, summary.md, junit.xml,
	// report.html, conversations.pcapng and keylog.txt.
	ReportDir string
	// FullReport keeps every check's conversation in report.json and
	// conversations.pcapng; by default only the checks that did not pass
	// keep theirs.
	FullReport bool
	// Out, when not nil, receives the profile when probing is done.
	Out io.Writer
	// Progress, when not nil, is called by Run after each check with the
	// number judged so far, the number to judge, and the result.
	Progress func(done, total int, res Result)
	// Expect is the path of an expected-deviations file (see
	// Expectations): the failures it names are expected, reported with
	// its reasons, and do not fail the run; an entry that no longer
	// happens fails it. Expectations, when not nil, is used instead.
	Expect       string
	Expectations *Expectations
	// Run and Skip select, for Run, the checks whose id matches one of
	// Run's globs (comma-separated, * matching any run of characters;
	// every check when empty) and none of Skip's. See Select.
	Run, Skip string
	// ClientCertificate, when set, is presented to a target that asks
	// for one (a CertificateRequest). Without it the client answers with
	// an empty Certificate, and a target that requires one fails its
	// baselines (the failure says so).
	ClientCertificate *tls.Certificate
	// Independent judges every check on its own, even in a context whose
	// baseline handshake failed (the self-test uses it: a misbehaviour
	// that breaks the baseline must not hide what the other checks see).
	// A normal run leaves it false: a check whose baseline failed cannot
	// be trusted, and fails.
	Independent bool
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 2 * time.Second
}

// Runner is one conformance run against one target: Start probes it,
// Check judges one check at a time (in any order, from any goroutine),
// Close writes the reports. Run does all three for a list of checks.
type Runner struct {
	target  targets.Target
	opts    Options
	env     *checks.Env
	profile *checks.Profile
	keylog  io.WriteCloser
	started time.Time

	mu          sync.Mutex
	results     []reports.Check
	baselines   map[checks.Context]*baselineResult
	dead        error  // set once the target stopped answering
	interrupted string // set once the caller gave up on a check
	closed      bool

	// stalled counts the checks in a row that ended in a timeout, since
	// the first of them (stallSince); unresponsive is set once a plain
	// handshake timed out after them too: the target still listens but no
	// longer answers, and the remaining checks fail without a conversation.
	expect *expectState // nil without expectations

	client  bool     // the target is a client: its checks serve it (client.go)
	cleanup []func() // run at Close

	stalled      int
	stallSince   string
	unresponsive string

	lastRan string // the id of the last check that talked to the target
}

type baselineResult struct {
	once sync.Once
	v    checks.Verdict
}

// Start probes the target and returns a runner for its checks. An error
// means no check can be trusted: the target is unreachable, completes no
// handshake, or the report directory cannot be written. The runner does
// not own the target: close it after the runner.
func Start(ctx context.Context, tgt targets.Target, opts Options) (*Runner, error) {
	return start(ctx, tgt, opts, nil, Probe)
}

// start makes a runner: setEnv (when not nil) completes the checks' Env
// before probe learns the target's profile.
func start(ctx context.Context, tgt targets.Target, opts Options, setEnv func(*checks.Env), probe func(context.Context, *checks.Env) (*checks.Profile, error)) (_ *Runner, err error) {
	r := &Runner{target: tgt, opts: opts, started: time.Now(), baselines: map[checks.Context]*baselineResult{}}
	if opts.ReportDir != "" {
		// The reports of a run are this run's: an earlier run's go first,
		// and a run that fails here writes reports that say so.
		if err := reports.Clear(opts.ReportDir); err != nil {
			return nil, fmt.Errorf("suite: report directory: %w", err)
		}
		defer func() {
			if err != nil {
				reports.WriteSetupFailure(opts.ReportDir, r.targetText(), r.started, err)
			}
		}()
	}
	exp := opts.Expectations
	if exp == nil && opts.Expect != "" {
		var err error
		if exp, err = LoadExpectations(opts.Expect); err != nil {
			return nil, err
		}
	}
	r.expect = newExpectState(exp)
	var kl *keys.KeyLog
	if opts.ReportDir != "" {
		w, err := reports.OpenKeyLog(opts.ReportDir)
		if err != nil {
			return nil, fmt.Errorf("suite: %w", err)
		}
		r.keylog, kl = w, keys.NewKeyLog(w)
	}
	clientCert, err := certPair(opts.ClientCertificate)
	if err != nil {
		r.closeKeyLog()
		return nil, err
	}
	r.env = &checks.Env{
		ClientCert: clientCert,
		Dial:       tgt.Dial,
		Timeout:    opts.timeout(),
		KeyLog:     kl,
		Seed:       opts.Seed,
		ServerName: opts.ServerName,
	}
	if setEnv != nil {
		setEnv(r.env)
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	prof, err := probe(pctx, r.env)
	if err != nil {
		r.closeKeyLog()
		return nil, probeError(r.targetText(), err)
	}
	if len(opts.Versions) > 0 {
		has := slices.Clone(prof.Versions) // Pin filters the slice in place
		prof.Pin(opts.Versions)
		if len(prof.Versions) == 0 {
			r.closeKeyLog()
			return nil, fmt.Errorf("none of the selected versions (%s) is one %s completes a handshake with (it does %s): select one of those with -versions",
				versionList(opts.Versions), tgt.Name(), versionList(has))
		}
	}
	prof.Notes = append(prof.Notes, tgt.Notes()...)
	r.profile, r.env.Profile = prof, prof
	if opts.Out != nil {
		fmt.Fprint(opts.Out, "\n"+reports.ProfileText(prof.Report(), r.targetText())+"\n")
	}
	return r, nil
}

// Profile is what probing learned the target supports.
func (r *Runner) Profile() *checks.Profile { return r.profile }

// Env is the checks' view of the run (how to dial, what the target
// supports, the seed), for a check run by hand.
func (r *Runner) Env() *checks.Env { return r.env }

func (r *Runner) targetText() string { return fmt.Sprintf("%s (%s)", r.target.Name(), r.target.Addr()) }

// Result is one check's result: the record the reports show, and the
// verdict with its conversations.
type Result struct {
	reports.Check
	Verdict checks.Verdict
}

// Message is the one-line verdict a test failure shows: the rule, what was
// expected, what was observed, and why.
func (res Result) Message() string {
	msg := fmt.Sprintf("[%s %s] expected %s; observed %s", res.RFC, reports.DeviationLevel(res.Check), res.Expected, res.Observed)
	if res.Reason != "" {
		msg += "; " + res.Reason
	}
	if res.Rule != "" {
		msg += "\nrule: " + res.Rule
	}
	return msg
}

// Check judges one check: it is skipped when the target lacks what it
// needs, fails without a conversation when the target already died,
// fails when its context's baseline failed (unless Options.Independent),
// and otherwise runs. A failure, a conversation that ended in a close, a
// reset or silence, and one that ended in the target's alert (a pass,
// most often) are followed by a liveness check: a target that died on
// what it was sent fails this check (a crash is never a mere warning,
// nor a pass) and every check after it. A target that still listens but
// no longer answers (checks in a row ending in a timeout, then a plain
// handshake timing out too) is as dead: every later check fails at once
// with "target unresponsive since check X".
func (r *Runner) Check(ctx context.Context, ch checks.Check) Result {
	if ok, why := r.profile.Applies(ch); !ok {
		return r.record(ch, checks.Verdict{Status: reports.Skip, Reason: why}, 0, true)
	}
	r.mu.Lock()
	dead, unresponsive := r.dead, r.unresponsive
	r.mu.Unlock()
	if dead != nil {
		return r.record(ch, checks.Verdict{Status: reports.Fail, Expected: "the target answers", Observed: "target unreachable", Reason: dead.Error()}, 0, false)
	}
	if unresponsive != "" {
		return r.record(ch, checks.Verdict{Status: reports.Fail, Expected: "the target answers", Observed: "target unresponsive", Reason: unresponsive}, 0, false)
	}
	cctx, cancel := context.WithTimeout(ctx, CheckTimeout)
	defer cancel()
	start := time.Now()
	var v checks.Verdict
	ran := true // the check talked to the target (not only its cached baseline)
	if ch.Baseline {
		v = r.baseline(cctx, ch.Ctx)
	} else if b := r.dependsOnBaseline(cctx, ch); b != nil && b.Status == reports.Fail {
		v = checks.Verdict{Status: reports.Fail, Expected: "a valid handshake completes first", Observed: b.Observed,
			Reason: "the baseline handshake of " + ch.Ctx.String() + " failed, so this check cannot be trusted"}
		if hint := r.clientCertHint(*b); hint != "" {
			v.Reason += "; " + hint
		}
		ran = false
	} else {
		v = ch.Run(cctx, r.env)
	}
	if cctx.Err() != nil && ctx.Err() == nil && v.Status != reports.Pass && v.Status != reports.Skip {
		// The check used up its own budget: a dial or a read cut short by
		// it proves nothing about the target.
		v.Status, v.Reason = reports.Inconclusive, fmt.Sprintf("the check used up its budget of %s before it could decide (%s)", CheckTimeout, v.Reason)
	}
	if err := ctx.Err(); err != nil {
		// The caller gave up (an interrupt): what the check saw proves
		// nothing about the target, and the run is incomplete.
		r.interrupt(err)
		return r.record(ch, checks.Verdict{Status: reports.Skip, Expected: v.Expected, Observed: "not judged: the run was interrupted",
			Reason: err.Error(), Conversations: v.Conversations}, time.Since(start), false)
	}
	if v.Status == reports.Fail || endedAbruptly(v) || endedInAlert(v) {
		// Under a context of its own: a check that used up its budget says
		// nothing about whether the target still answers. After an alert
		// too, the one a check most often passes on: a target that sends
		// the alert it owes and then dies (a crash in its error path) has
		// not passed, and the crash belongs to this check, not the next.
		actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), aliveTimeout)
		err := r.target.Alive(actx)
		acancel()
		if err != nil {
			r.mu.Lock()
			if r.dead == nil {
				r.dead = err
			}
			prev := r.lastRan
			r.mu.Unlock()
			observed := "target unreachable after this check (did it crash?)"
			if v.Status == reports.Pass {
				observed = "target unreachable after this check, which it had answered as it should (" + v.Observed + "): did it crash after its answer?"
			}
			reason := err.Error()
			if len(v.Conversations) > 0 && v.Conversations[0].Outcome.Unreachable() && prev != "" {
				// Nothing of this check reached the target: it died before.
				observed = "target unreachable from this check's first connection: it died before this check, after " + prev
			}
			v.Status = reports.Fail
			v.Observed, v.Reason = observed, reason
			ran = false // a crash is never an expected deviation
		}
	}
	if ran {
		r.mu.Lock()
		r.lastRan = ch.ID
		r.mu.Unlock()
	}
	if ran {
		r.watchStall(ctx, ch, v)
	}
	return r.record(ch, v, time.Since(start), ran)
}

// watchStall counts the checks in a row that ended in a timeout. After
// stallChecks of them a plain baseline handshake of the check's context
// (run afresh, under a context of its own) decides: if it times out too,
// the target still listens but no longer answers, which is as dead as one
// that refuses; every later check fails at once with one message, and the
// run ends in seconds instead of a deadline per conversation.
func (r *Runner) watchStall(ctx context.Context, ch checks.Check, v checks.Verdict) {
	r.mu.Lock()
	if !endedInTimeout(v) {
		r.stalled, r.stallSince = 0, ""
		r.mu.Unlock()
		return
	}
	if r.stalled == 0 {
		r.stallSince = ch.ID
	}
	r.stalled++
	decide := r.stalled >= stallChecks && r.unresponsive == ""
	since := r.stallSince
	r.mu.Unlock()
	if !decide {
		return
	}
	// A context the target supports: a check that runs whatever the
	// profile says (Always) may be in one it does not, whose baseline
	// would prove nothing about whether the target still answers.
	c := ch.Ctx
	if !r.env.SupportsCtx(c) {
		for _, x := range checks.Contexts() {
			if r.env.SupportsCtx(x) {
				c = x
				break
			}
		}
	}
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CheckTimeout)
	b := r.baselineCheck(c).Run(bctx, r.env)
	cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	if endedInTimeout(b) {
		r.unresponsive = fmt.Sprintf("target unresponsive since check %s: %d checks in a row ended in a timeout, and so did a plain %s handshake", since, r.stalled, c)
		return
	}
	r.stalled, r.stallSince = 0, ""
}

// endedInTimeout reports whether the verdict's last conversation ended in
// silence past the deadline, or in a close that only answered the
// client's own half-close (a silent target that reads to the end).
func endedInTimeout(v checks.Verdict) bool {
	n := len(v.Conversations)
	if n == 0 {
		return false
	}
	o := v.Conversations[n-1].Outcome
	return o.Kind == peers.OutcomeTimeout || o.Kind == peers.OutcomeClosed && o.Pushed != ""
}

// baselineCheck is the positive control of context c: the server
// baseline, or the client baseline when the target is a client.
func (r *Runner) baselineCheck(c checks.Context) checks.Check {
	if r.client {
		return checks.ClientBaseline(c)
	}
	return checks.Baseline(c)
}

// baseline runs (once) the baseline check of a context.
func (r *Runner) baseline(ctx context.Context, c checks.Context) checks.Verdict {
	r.mu.Lock()
	b := r.baselines[c]
	if b == nil {
		b = &baselineResult{}
		r.baselines[c] = b
	}
	r.mu.Unlock()
	// Under a context of its own: the baseline is shared by every check
	// of the context, and one caller giving up must not fail it for all.
	b.once.Do(func() {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), CheckTimeout)
		defer cancel()
		b.v = r.baselineCheck(c).Run(bctx, r.env)
		if hint := r.clientCertHint(b.v); hint != "" {
			b.v.Reason = strings.TrimPrefix(b.v.Reason+"; "+hint, "; ")
		}
	})
	return b.v
}

// clientCertHint says, for a failed verdict whose target asked for a
// client certificate the run did not have, that this is the likely
// cause and how to give one; "" otherwise.
func (r *Runner) clientCertHint(v checks.Verdict) string {
	if v.Status != reports.Fail || r.env.ClientCert != nil {
		return ""
	}
	for _, cv := range v.Conversations {
		if cv.CertificateRequested() {
			return "the target asked for a client certificate (CertificateRequest) and the client had none to give: if it requires one, give it with -client-cert and -client-key (Options.ClientCertificate)"
		}
	}
	return ""
}

// dependsOnBaseline is the baseline verdict ch depends on, or nil when it
// depends on none: in Independent mode, and for a check that runs whatever
// the profile says (Always) in a context the target does not support.
func (r *Runner) dependsOnBaseline(ctx context.Context, ch checks.Check) *checks.Verdict {
	if r.opts.Independent || (ch.Always && !r.env.SupportsCtx(ch.Ctx)) {
		return nil
	}
	b := r.baseline(ctx, ch.Ctx)
	return &b
}

// endedInAlert reports whether the verdict's last conversation ended in an
// alert from the target.
func endedInAlert(v checks.Verdict) bool {
	n := len(v.Conversations)
	return n > 0 && v.Conversations[n-1].Outcome.Kind == peers.OutcomeAlert
}

// endedAbruptly reports whether the verdict's last conversation ended in a
// close, a reset or a timeout.
func endedAbruptly(v checks.Verdict) bool {
	if len(v.Conversations) == 0 {
		return false
	}
	switch v.Conversations[len(v.Conversations)-1].Outcome.Kind {
	case peers.OutcomeClosed, peers.OutcomeReset, peers.OutcomeTimeout:
		return true
	}
	return false
}

// record keeps a check's result for the reports. own says the verdict
// comes from the check's own conversation: only such a verdict can be an
// expected deviation (a target found dead, unresponsive or without a
// working baseline is never one) or make an expectation stale.
func (r *Runner) record(ch checks.Check, v checks.Verdict, took time.Duration, own bool) Result {
	if v.Rule.Text != "" {
		ch.Rule = v.Rule
	}
	rc := reports.Check{
		ID: ch.ID, Area: ch.Area, Row: ch.Row, Mutator: ch.Mutator, Source: ch.Source, RFC: ch.RFC, Level: string(ch.Level), Title: ch.Title, Rule: ruleText(ch.Rule),
		Version: ch.Ctx.Version.Short(), KX: string(ch.Ctx.KX),
		Status: v.Status, Expected: v.Expected, Observed: v.Observed, Reason: v.Reason,
		Millis: float64(took.Microseconds()) / 1000,
	}
	if v.Status != reports.Pass || r.opts.FullReport {
		// Only the reports of a check that did not pass show its change
		// (a passing one is a compact record): parsing it for the
		// 1,400 others is work thrown away.
		rc.Change = checkChange(ch.Ctx, v.Conversations)
	}
	n := len(v.Conversations) + len(v.Served)
	for _, cv := range v.Conversations {
		rc.Transcript = append(rc.Transcript, conv(Transcript(cv), len(rc.Conversations))...)
		rc.Conversations = append(rc.Conversations, reports.Conversation{Start: cv.Start(), Label: convLabel(len(rc.Conversations), n)})
	}
	for _, sv := range v.Served {
		rc.Transcript = append(rc.Transcript, conv(servedTranscript(sv), len(rc.Conversations))...)
		rc.Conversations = append(rc.Conversations, reports.Conversation{Start: sv.Start, Label: convLabel(len(rc.Conversations), n)})
	}
	r.mu.Lock()
	rc.Deviation = r.expect.note(ch.ID, v.Status, own)
	r.results = append(r.results, rc)
	r.mu.Unlock()
	return Result{Check: rc, Verdict: v}
}

// conv marks events as those of the check's i-th conversation.
func conv(events []reports.Event, i int) []reports.Event {
	for j := range events {
		events[j].Conv = i
	}
	return events
}

// convLabel names the i-th of a check's n conversations.
func convLabel(i, n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf("conversation %d of %d", i+1, n)
}

// Transcript turns a conversation's events into the reports' form.
func Transcript(cv *peers.Conversation) []reports.Event {
	var out []reports.Event
	for _, e := range cv.Events() {
		dir := "client"
		if e.Dir == peers.Received {
			dir = "server"
		}
		typ := e.Type.String()
		if e.Raw == nil {
			typ = e.Note // closed, timeout, reset
		}
		out = append(out, reports.Event{
			Dir: dir, Ms: float64(e.Time.Sub(cv.Start()).Microseconds()) / 1000,
			Type: typ, Summary: e.Summary(), Raw: fmt.Sprintf("%x", e.Raw), Plaintext: plaintextHex(e), Encrypted: encrypted(e),
		})
	}
	return out
}

// encrypted reports whether a record was protected: its content is not
// the payload sent.
func encrypted(e peers.Event) bool {
	return len(e.Raw) > 5 && !bytes.Equal(e.Raw[5:], e.Plaintext)
}

// plaintextHex is a record's decrypted payload in hex, "" when it is the
// record's own payload (a record sent in the clear).
func plaintextHex(e peers.Event) string {
	if !encrypted(e) {
		return ""
	}
	return fmt.Sprintf("%x", e.Plaintext)
}

// servedTranscript turns a client check's run into the reports' form:
// the server's side of it, with the client's end last.
func servedTranscript(sv *checks.Served) []reports.Event {
	var out []reports.Event
	for _, e := range sv.Events {
		dir := "server"
		if e.Dir == peers.Received {
			dir = "client"
		}
		typ := e.Type.String()
		if e.Raw == nil {
			typ = e.Note
		}
		out = append(out, reports.Event{
			Dir: dir, Ms: float64(e.Time.Sub(sv.Start).Microseconds()) / 1000,
			Type: typ, Summary: e.Summary(), Raw: fmt.Sprintf("%x", e.Raw), Plaintext: plaintextHex(e), Encrypted: encrypted(e),
		})
	}
	end := "client " + sv.End.String()
	if sv.End.Output != "" {
		end += ": " + strings.Join(strings.Fields(tail(sv.End.Output, 200)), " ")
	}
	return append(out, reports.Event{Dir: "client", Type: "end", Summary: end})
}

// Report is the run so far, in the form report.json holds.
func (r *Runner) Report() *reports.Report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return &reports.Report{
		Target:     r.targetText(),
		Profile:    r.profile.Report(),
		Seed:       r.opts.Seed,
		Strict:     r.opts.Strict,
		Started:    r.started,
		Elapsed:    time.Since(r.started).Seconds(),
		Checks:     append([]reports.Check(nil), r.results...),
		Incomplete: r.interrupted,

		Expectations:     r.expect.name(),
		ExpectationsFile: r.expect.file(),
		Stale:            r.expect.stale(),
		TargetLost:       r.lost(),
		Full:             r.opts.FullReport,
	}
}

// lost says why the target stopped answering during the run, "" when it
// did not. Called with r.mu held.
func (r *Runner) lost() string {
	switch {
	case r.dead != nil:
		return "target unreachable: " + r.dead.Error()
	case r.unresponsive != "":
		return r.unresponsive
	}
	return ""
}

// Close ends the run: it writes report.json and summary.md to
// Options.ReportDir (when set) and closes the key log. It returns the
// report. Call it after the last Check has returned; closing twice is
// harmless (the second call writes nothing).
func (r *Runner) Close() (*reports.Report, error) {
	rep := r.Report()
	r.mu.Lock()
	closed := r.closed
	r.closed = true
	r.mu.Unlock()
	if closed {
		return rep, nil
	}
	var errs []error
	if err := r.closeKeyLog(); err != nil {
		errs = append(errs, fmt.Errorf("suite: %w", err))
	}
	if dir := r.opts.ReportDir; dir != "" {
		if err := reports.WriteAll(dir, rep); err != nil {
			errs = append(errs, fmt.Errorf("suite: %w", err))
		}
		keylog, err := os.ReadFile(filepath.Join(dir, reports.KeyLogFile))
		if err == nil {
			err = reports.WriteCapture(dir, rep, keylog)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("suite: packet capture: %w", err))
		}
	}
	for _, f := range r.cleanup {
		f()
	}
	return rep, errors.Join(errs...)
}

func (r *Runner) closeKeyLog() error {
	if r.keylog == nil {
		return nil
	}
	return r.keylog.Close()
}

// Failed reports whether the run fails the gate: a MUST check failed, or
// (with Options.Strict) a SHOULD check warned.
func (r *Runner) Failed() bool { return reports.Failed(r.Report(), r.opts.Strict) }

// Run probes the target, judges every check of list in order (the whole
// catalogue when list is nil) and writes the reports. The error is about
// the run (an unreachable target, reports that could not be written),
// never about a check: read the report's statuses, or reports.Failed, for
// the verdict.
func Run(ctx context.Context, tgt targets.Target, opts Options, list []checks.Check) (*reports.Report, error) {
	if list == nil {
		list = Catalogue()
	}
	if opts.Run != "" || opts.Skip != "" {
		var err error
		if list, err = Select(list, opts.Run, opts.Skip); err != nil {
			return nil, err
		}
	}
	r, err := Start(ctx, tgt, opts)
	if err != nil {
		return nil, err
	}
	return r.runList(ctx, list, opts)
}

// runList judges every check of list in order and closes the run.
func (r *Runner) runList(ctx context.Context, list []checks.Check, opts Options) (*reports.Report, error) {
	for i, ch := range list {
		if err := ctx.Err(); err != nil {
			r.interrupt(err)
			break
		}
		res := r.Check(ctx, ch)
		if opts.Progress != nil {
			opts.Progress(i+1, len(list), res)
		}
	}
	rep, err := r.Close()
	if err == nil && rep.Incomplete != "" {
		err = fmt.Errorf("suite: run %s after %d of %d checks", rep.Incomplete, len(rep.Checks), len(list))
	}
	return rep, err
}

// RunTarget opens target, runs the checks Options select (the whole
// catalogue by default) with the target's default expectations unless
// Options name some, and closes it. The error is as Run's.
func RunTarget(ctx context.Context, target Target, opts Options) (*reports.Report, error) {
	opts = opts.withDefaults(target)
	list := Catalogue() // built once: Run selects from it
	if opts.Run != "" || opts.Skip != "" {
		var err error
		if list, err = Select(list, opts.Run, opts.Skip); err != nil {
			return nil, SetupFailed(opts, target.String(), err)
		}
	}
	tgt, err := target.Open(ctx, opts.timeout())
	if err != nil {
		return nil, SetupFailed(opts, target.String(), err)
	}
	defer tgt.Close()
	return Run(ctx, tgt, opts, list)
}

// SetupFailed writes the reports of a run that failed before its runner
// started (a target that would not open or start, a -run pattern that
// selects nothing) into Options.ReportDir, when set, and returns err: the
// reports say the run failed and why, never an earlier run's result. The
// runner's own setup (probing) writes them itself.
func SetupFailed(opts Options, target string, err error) error {
	if opts.ReportDir != "" && err != nil {
		reports.WriteSetupFailure(opts.ReportDir, target, time.Now(), errors.New(SetupError(err)))
	}
	return err
}

// interrupt marks the run incomplete: the caller gave up.
func (r *Runner) interrupt(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.interrupted == "" {
		r.interrupted = "interrupted (" + err.Error() + ")"
	}
}

// versionList renders versions as "1.2, 1.3".
func versionList(vs []wire.Version) string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Short())
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// ruleText is a check's rule as the reports show it, "" when it has none.
func ruleText(r checks.Rule) string {
	if r.Text == "" {
		return ""
	}
	return r.String()
}
