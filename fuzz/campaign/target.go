package campaign

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/targets"
)

// SetupError is a campaign or a replay that cannot start: a bad setting,
// an unreachable target, a target command that does not start, a report
// directory that belongs to another campaign. The command line exits 2 on
// it.
type SetupError struct{ Err error }

func (e *SetupError) Error() string { return e.Err.Error() }
func (e *SetupError) Unwrap() error { return e.Err }

func setupErr(format string, args ...any) error {
	return &SetupError{fmt.Errorf("campaign: "+format, args...)}
}

// Bounds on starting and watching a target.
const (
	// readyWithin bounds the wait for TARGET_CMD to listen.
	readyWithin = 15 * time.Second
	// readyPoll is how often a starting target is tried.
	readyPoll = 20 * time.Millisecond
	// exitGrace is how long triage waits for a process to exit after a
	// conversation before it says that the conversation did not crash it.
	exitGrace = 400 * time.Millisecond
	// closeGrace is how long a conversation that ended in a close
	// without an alert waits to see whether the process exited.
	closeGrace = 20 * time.Millisecond
	// retryAfter is the pause before the second liveness probe.
	retryAfter = 500 * time.Millisecond
	// downPoll is how often a dead HOST:PORT is tried again.
	downPoll = time.Second
	// keepLines bounds the output kept of a started process.
	keepLines = 2000
	// outputTail bounds the output saved with a finding.
	outputTail = 64 << 10
)

// endpoint is one target and what the campaign knows of its life.
type endpoint struct {
	spec    string // as given: "builtin", "HOST:PORT"
	cmd     string // TARGET_CMD, or ""
	timeout time.Duration

	// mu is held shared by conversations and alone by a restart or a
	// crash triage, which so pauses every worker.
	mu   sync.RWMutex
	addr string
	gen  uint64 // incremented by every restart
	// restarts counts the restarts that brought the target back (read
	// without mu: a checkpoint must not wait for a triage).
	restarts atomic.Uint64
	tgt      targets.Target
	proc     *extproc.Proc
	stopProc context.CancelFunc
	// log follows the target's output (follow), or nil.
	log *targetLog
}

// follow sends every line the target prints, from its start and after
// every restart, to log: a started command's, or a tool's that targets
// started (openssl, gnutls, ...). An in-process target prints nothing.
func (e *endpoint) follow(log *targetLog) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = log
	e.hook()
}

// hook connects the current process's output to e.log; the caller holds
// mu or owns e.
func (e *endpoint) hook() {
	if e.log == nil {
		return
	}
	switch {
	case e.proc != nil:
		e.proc.OnLine(e.log.line)
	case e.tgt != nil:
		if f, ok := e.tgt.(targets.OutputFollower); ok {
			f.OnOutput(e.log.line)
		}
	}
}

// openEndpoint opens the target spec, or starts cmd and waits for it to
// listen at spec. Failures are SetupErrors naming the problem.
func openEndpoint(ctx context.Context, spec, cmd string, timeout time.Duration) (*endpoint, error) {
	e := &endpoint{spec: spec, cmd: cmd, timeout: timeout}
	if cmd == "" {
		t, err := targets.Open(ctx, spec, targets.Options{})
		if err != nil {
			return nil, setupErr("target %q: %v", spec, err)
		}
		e.tgt, e.addr = t, t.Addr()
		return e, nil
	}
	if _, port, err := net.SplitHostPort(spec); err != nil || port == "" {
		return nil, setupErr("with TARGET_CMD, TARGET must be the HOST:PORT the command listens on, not %q", spec)
	}
	e.addr = spec
	if connect(ctx, spec) == nil {
		return nil, setupErr("something already listens on %s: TARGET_CMD would not be the target (stop it, or leave TARGET_CMD out)", spec)
	}
	if err := e.start(ctx); err != nil {
		return nil, &SetupError{err}
	}
	return e, nil
}

// connect opens and closes a TCP connection, bounded by a read deadline.
func connect(ctx context.Context, addr string) error {
	cctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(cctx, "tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// start runs the target command under sh and waits until it listens. The
// process outlives ctx (which bounds the start only) until close.
func (e *endpoint) start(ctx context.Context) error {
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p, err := extproc.Start(pctx, "/bin/sh", []string{"-c", e.cmd}, extproc.Options{MaxLines: keepLines, Group: true})
	if err != nil {
		cancel()
		return fmt.Errorf("campaign: TARGET_CMD %q does not start: %w", e.cmd, err)
	}
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	limit := time.NewTimer(readyWithin)
	defer limit.Stop()
	for {
		select {
		case <-p.Exited():
			cancel()
			return fmt.Errorf("campaign: TARGET_CMD %q exited (%v) before listening on %s; output:\n%s", e.cmd, p.Err(), e.addr, tail(p.Output()))
		case <-limit.C:
			p.Stop()
			cancel()
			return fmt.Errorf("campaign: TARGET_CMD %q did not listen on %s within %s; output:\n%s", e.cmd, e.addr, readyWithin, tail(p.Output()))
		case <-ctx.Done():
			p.Stop()
			cancel()
			return fmt.Errorf("campaign: starting TARGET_CMD: %w", context.Cause(ctx))
		case <-tick.C:
			if connect(ctx, e.addr) == nil {
				e.proc, e.stopProc = p, cancel
				e.hook()
				return nil
			}
		}
	}
}

func tail(s string) string {
	if len(s) > outputTail {
		return "...\n" + s[len(s)-outputTail:]
	}
	return s
}

// exited says, without waiting, whether the started process has exited.
func (e *endpoint) exited() bool {
	if e.proc == nil {
		return false
	}
	select {
	case <-e.proc.Exited():
		return true
	default:
		return false
	}
}

// waitExit waits at most d for the started process to exit.
func (e *endpoint) waitExit(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-e.proc.Exited():
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return e.exited()
	}
}

// exitStatus classes how the process ended: "exit-2", "signal-killed".
func (e *endpoint) exitStatus() string {
	err := e.proc.Err()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "exit-0"
	case errors.As(err, &ee) && ee.ExitCode() >= 0:
		return fmt.Sprintf("exit-%d", ee.ExitCode())
	case errors.As(err, &ee):
		return "signal-" + strings.ReplaceAll(strings.TrimPrefix(ee.Error(), "signal: "), " ", "-")
	}
	return "exited"
}

// output is what the target printed, when it runs here.
func (e *endpoint) output() string {
	switch {
	case e.proc != nil:
		return tail(e.proc.Output())
	case e.tgt != nil:
		return e.tgt.Output()
	}
	return ""
}

// restart brings the target back; the caller holds mu. A started command
// is started again; builtin, openssl and gnutls are opened again (on a
// new port); a HOST:PORT is waited for until it answers a handshake or
// ctx ends.
func (e *endpoint) restart(ctx context.Context, alive func(context.Context) bool) error {
	e.gen++
	switch {
	case e.proc != nil:
		e.proc.Stop()
		e.stopProc()
		if e.log != nil {
			e.log.markf("the campaign starts the target again: %s", e.cmd)
		}
		if err := e.start(ctx); err != nil {
			return err
		}
		e.restarts.Add(1)
		return nil
	case slices.Contains(targets.Names(), e.spec):
		_ = e.tgt.Close() // it is dead: how it closes does not matter
		t, err := targets.Open(ctx, e.spec, targets.Options{})
		if err != nil {
			return fmt.Errorf("campaign: restart %s: %w", e.spec, err)
		}
		e.tgt, e.addr = t, t.Addr()
		e.hook()
		e.restarts.Add(1)
		return nil
	}
	tick := time.NewTicker(downPoll)
	defer tick.Stop()
	for !alive(ctx) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("campaign: %s did not come back: %w", e.spec, context.Cause(ctx))
		case <-tick.C:
		}
	}
	e.restarts.Add(1)
	return nil
}

// close stops what open started.
func (e *endpoint) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.proc != nil {
		e.proc.Stop()
		e.stopProc()
	}
	if e.tgt != nil {
		_ = e.tgt.Close()
	}
}

// run sends case c under the shared lock. gen is the target's generation
// the conversation ran against; dead says that the started process had
// exited by its end.
//
// keep, when not nil, gets r before the shared lock is released: a crash
// triage, which takes the lock alone, then sees every conversation that
// ran against the process it saw exit, this one included.
func (e *endpoint) run(ctx context.Context, cat *catalog, c Case, keep func(*result)) (r *result, gen uint64, dead bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.exited() {
		return &result{c: c, target: e.addr, answer: AnswerUnreachable}, e.gen, true
	}
	r = cat.converse(ctx, e.addr, c, e.timeout)
	if keep != nil {
		defer keep(r)
	}
	dead = e.exited()
	switch {
	case dead || e.proc == nil:
	case r.answer == AnswerUnreachable:
		// A started target that refuses a connection has exited, or is
		// about to be seen to.
		dead = e.waitExit(ctx, exitGrace)
	case r.outcome.Kind == peers.OutcomeClosed || r.outcome.Kind == peers.OutcomeReset:
		// A process that exits closes its connections before its parent
		// learns of the exit: give it a moment, so that this answer (or
		// another worker's, cut by the same crash) is not taken for the
		// target's.
		dead = e.waitExit(ctx, closeGrace)
	}
	return r, e.gen, dead
}

// targetEnv is what a probe learnt of a target: what the cases choose
// among.
type targetEnv struct {
	versions []wire.Version                 // served, oldest first
	appData  map[wire.Version]bool          // the target answers the application-data probe
	group13  wire.Group                     // the group a TLS 1.3 handshake used
	kx       map[wire.Version][]string      // "rsa", "ecdhe" below TLS 1.3
	tpls     map[wire.Version][]string      // corpus templates the target answered, unchanged
	failures map[wire.Version]peers.Outcome // why a version is not served
	// retry: the target answers a TLS 1.3 ClientHello without key
	// shares with a HelloRetryRequest (KindRetry).
	retry bool
	// resume: at that version the target resumed a session it issued
	// (KindResume).
	resume map[wire.Version]bool
}

// templates is the corpus templates at v.
func (env *targetEnv) templatesAt(v wire.Version) []string { return env.tpls[v] }

// probe learns, one conversation at a time (s_server serves one at a
// time), which versions the target completes a handshake at, whether it
// answers application data, its TLS 1.3 group, its key exchanges below
// TLS 1.3, and which corpus ClientHellos it answers.
func probe(ctx context.Context, cat *catalog, addr string, timeout time.Duration) *targetEnv {
	env := &targetEnv{appData: map[wire.Version]bool{}, kx: map[wire.Version][]string{},
		tpls: map[wire.Version][]string{}, failures: map[wire.Version]peers.Outcome{}, resume: map[wire.Version]bool{}}
	dial := peers.TCP(addr)
	cfg := func(v wire.Version, seed uint64) *peers.ClientConfig {
		return &peers.ClientConfig{Versions: []wire.Version{v}, Timeout: timeout, Rand: caseRand(seed)}
	}
	completed := func(cv *peers.Conversation) bool {
		return cv.Outcome.Kind == peers.OutcomeCompleted && cv.Outcome.WentOn == ""
	}
	for _, v := range []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13} {
		cv := peers.RunScript(ctx, dial, cfg(v, uint64(v)), peers.DefaultScript(v))
		app := completed(cv)
		if !app && cv.Outcome.Step == peers.StepApplicationData {
			cv = peers.RunScript(ctx, dial, cfg(v, uint64(v)), checks.FullScript(v, false))
		}
		if !completed(cv) {
			env.failures[v] = cv.Outcome
			continue
		}
		env.versions = append(env.versions, v)
		env.appData[v] = app
		if v == wire.VersionTLS13 && cv.Conn() != nil {
			env.group13 = cv.Conn().Group()
		}
		if v < wire.VersionTLS13 {
			for _, k := range []string{KXRSA, KXECDHE} {
				c := cfg(v, uint64(v)<<8)
				c.CipherSuites = suitesOf(k, v)
				if completed(peers.RunScript(ctx, dial, c, checks.FullScript(v, false))) {
					env.kx[v] = append(env.kx[v], k)
				}
			}
		}
		env.resume[v] = probeResumption(ctx, dial, cfg(v, uint64(v)<<16), v, app)
	}
	if slices.Contains(env.versions, wire.VersionTLS13) {
		c := cfg(wire.VersionTLS13, 13<<16)
		if env.group13 != 0 {
			c.Groups = []wire.Group{env.group13}
		}
		cv := peers.RunScript(ctx, dial, c, peers.Script{peers.SendClientHello(noShares), peers.ReadFirstAnswer()})
		env.retry = cv.Outcome.Kind == peers.OutcomeCompleted && cv.Outcome.WentOn == "HelloRetryRequest"
	}
	names := make([]string, 0, len(cat.templates))
	for n := range cat.templates {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		t := cat.templates[n]
		script := peers.Script{peers.SendClientHelloBytes(t.Raw, t.RecordVersion()), peers.ReadFirstAnswer()}
		cv := peers.RunScript(ctx, dial, cfg(wire.VersionTLS13, 1), script)
		if cv.Outcome.WentOn != "ServerHello" || cv.Conn() == nil || cv.ServerHello() == nil {
			continue
		}
		sh := cv.ServerHello()
		v := sh.Version
		if e, ok := wire.FindExtension(sh.Extensions, wire.ExtSupportedVersions); ok {
			if sv, err := wire.ParseSupportedVersionsServer(e.Body); err == nil {
				v = sv
			}
		}
		if slices.Contains(env.versions, v) {
			env.tpls[v] = append(env.tpls[v], templateCorpus+n)
		}
	}
	return env
}

// probeResumption says whether the target resumes at v a session it
// issued (a ticket or a session ID, a TLS 1.3 PSK): one handshake that
// makes it, one that offers it (app: the target answers application
// data, which a TLS 1.3 ticket comes before).
func probeResumption(ctx context.Context, dial peers.Dialer, cfg *peers.ClientConfig, v wire.Version, app bool) bool {
	cache := peers.NewSessionCache()
	cfg.Sessions, cfg.SessionKey = cache, sessionKey
	first := peers.RunScript(ctx, dial, cfg, checks.FullScript(v, app))
	s := cache.Get(sessionKey)
	if s == nil && v < wire.VersionTLS13 {
		s = first.Session()
	}
	if s == nil {
		return false
	}
	cache.Put(sessionKey, s)
	second := *cfg
	second.Rand = caseRand(uint64(v) << 20)
	cv := peers.RunScript(ctx, dial, &second, peers.Script{peers.SendClientHello(), peers.ExpectServerHello(), restAfterHello(v, app)})
	return cv.Outcome.Kind == peers.OutcomeCompleted && cv.Outcome.WentOn == "" && cv.Conn() != nil && cv.Conn().Resumed()
}

// describeFailures says why no version was served.
func (env *targetEnv) describeFailures() string {
	var parts []string
	for _, v := range []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13} {
		if o, ok := env.failures[v]; ok {
			s := o.String()
			if o.Step != "" {
				s += " at " + o.Step
			}
			parts = append(parts, "TLS "+v.Short()+": "+s)
		}
	}
	return strings.Join(parts, "; ")
}

// intersect keeps what both targets have, for a differential campaign.
func (env *targetEnv) intersect(o *targetEnv) {
	env.versions = slices.DeleteFunc(env.versions, func(v wire.Version) bool { return !slices.Contains(o.versions, v) })
	for v := range env.appData {
		env.appData[v] = env.appData[v] && o.appData[v]
	}
	for v, ks := range env.kx {
		env.kx[v] = slices.DeleteFunc(ks, func(k string) bool { return !slices.Contains(o.kx[v], k) })
	}
	for v, ts := range env.tpls {
		env.tpls[v] = slices.DeleteFunc(ts, func(t string) bool { return !slices.Contains(o.tpls[v], t) })
	}
	env.retry = env.retry && o.retry
	for v := range env.resume {
		env.resume[v] = env.resume[v] && o.resume[v]
	}
}

// alive runs one valid handshake at the highest version the target serves.
func (env *targetEnv) alive(ctx context.Context, addr string, timeout time.Duration) bool {
	if len(env.versions) == 0 {
		return false
	}
	v := env.versions[len(env.versions)-1]
	cfg := &peers.ClientConfig{Versions: []wire.Version{v}, Timeout: timeout, Rand: caseRand(1)}
	if v == wire.VersionTLS13 && env.group13 != 0 {
		cfg.Groups = []wire.Group{env.group13}
	}
	cv := peers.RunScript(ctx, peers.TCP(addr), cfg, checks.FullScript(v, env.appData[v]))
	return cv.Outcome.Kind == peers.OutcomeCompleted && cv.Outcome.WentOn == ""
}
