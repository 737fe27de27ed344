package campaign

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// Config is one campaign.
type Config struct {
	// Target is builtin, openssl, gnutls or HOST:PORT; with TargetCmd it is
	// the HOST:PORT the command listens on.
	Target string
	// TargetCmd is a shell command line that starts the target: the
	// campaign starts it, sees it exit, keeps its output and starts it
	// again.
	TargetCmd string
	// Target2, when set, is a second target for the differential oracle.
	Target2 string
	// Duration is how long the campaign sends conversations.
	Duration time.Duration
	// Workers is how many conversations run at once (default 2; 1 for
	// openssl, whose s_server serves one connection at a time).
	Workers int
	Seed    uint64
	// ReportDir holds the findings and the state (campaign.json).
	ReportDir string
	// Mutators, when not empty, keeps only the changes whose name starts
	// with one of these prefixes ("client_hello/extensions/duplicate/",
	// "order/", "finished/").
	Mutators []string
	// Timeout bounds each read and write of a conversation: the hang
	// deadline. Default 2s.
	Timeout time.Duration
	// ProgressEvery and CheckpointEvery: default 5s each.
	ProgressEvery   time.Duration
	CheckpointEvery time.Duration
	// SampleEvery is the window of the conversations-per-second samples
	// of the summary (default 10s).
	SampleEvery time.Duration
	// Shard, when not the zero Shard, makes the campaign one of N parts
	// that do not repeat each other's inputs (see Shard).
	Shard Shard
	// MaxFindings bounds the dedupe set (default 4096): past it, new
	// signatures are counted, not saved.
	MaxFindings int
	// Expect are the target's known deviations, from the gate's
	// expected-deviations file: an acceptance they name is counted
	// (Summary.Expected), not saved. nil: none.
	Expect *Expected
	// Out gets the progress lines (default io.Discard).
	Out io.Writer
}

// Defaults.
const (
	DefaultTimeout     = 2 * time.Second
	DefaultWorkers     = 2
	defaultEvery       = 5 * time.Second
	defaultSampleEvery = 10 * time.Second
	defaultMaxFindings = 4096
	// findingBudget bounds the work on one finding (triage,
	// minimization, saving), which an interrupt lets finish.
	findingBudget = 30 * time.Second
	// maxTriage bounds the conversations triage sends again after a crash.
	maxTriage = 6
	// recentPerWorker is how many of each worker's last conversations a
	// crash considers.
	recentPerWorker = 2
)

// Summary is what a campaign did.
type Summary struct {
	Conversations uint64 // in this run
	NewFindings   int    // saved in this run
	Findings      int    // in REPORT_DIR
	Dropped       uint64 // not saved: the dedupe set was full
	// Hits counts conversations of this run that reached a finding saved
	// before (added to its inputs).
	Hits uint64
	// Expected counts acceptances of this run that Config.Expect names.
	Expected uint64
	// Allowed counts acceptances of this run dropped after minimization:
	// judged again, the changes that remain are allowed.
	Allowed uint64
	// Restarts counts the target's restarts in this run.
	Restarts uint64
	// OutsideShard counts conversations a shard sent although their
	// input is another shard's (see maxShardDraws): 0 unless -mutators
	// leaves too few changes to split.
	OutsideShard uint64
	// Interrupted: ctx ended the run before Duration.
	Interrupted bool
	Elapsed     time.Duration
}

func (cfg *Config) defaults() error {
	switch {
	case cfg.Target == "":
		return setupErr("TARGET is required: builtin, openssl, gnutls or HOST:PORT")
	case cfg.Duration <= 0:
		return setupErr("DURATION %v: want a positive duration such as 60s or 8h", cfg.Duration)
	case cfg.Workers < 0:
		return setupErr("WORKERS %d: want 1 or more", cfg.Workers)
	case cfg.ReportDir == "":
		return setupErr("REPORT_DIR is required")
	case cfg.Timeout < 0:
		return setupErr("timeout %v: want a positive duration", cfg.Timeout)
	case cfg.Target2 != "" && cfg.Target2 == cfg.Target:
		return setupErr("TARGET2 %q is TARGET: a differential needs two targets", cfg.Target2)
	}
	if cfg.Workers == 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = defaultEvery
	}
	if cfg.CheckpointEvery <= 0 {
		cfg.CheckpointEvery = defaultEvery
	}
	if cfg.SampleEvery <= 0 {
		cfg.SampleEvery = defaultSampleEvery
	}
	if cfg.MaxFindings <= 0 {
		cfg.MaxFindings = defaultMaxFindings
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	return nil
}

// campaign is one run.
type campaign struct {
	cfg    Config
	cat    *catalog
	ep     *endpoint
	ep2    *endpoint // differential, or nil
	env    *targetEnv
	env2   *targetEnv
	store  *store
	recent *recent
	log    *targetLog // the target's output
	ref    *referee   // the reference receiver that judges minimized acceptances
	start  time.Time

	iters         []atomic.Uint64 // per worker: the next iteration
	conversations atomic.Uint64   // this run, triage and minimization included
	earlier       uint64          // conversations of earlier runs
	newFindings   atomic.Int64
	hits          atomic.Uint64
	expected      atomic.Uint64
	allowed       atomic.Uint64
	outside       atomic.Uint64 // conversations outside the shard
	restarted     uint64        // restarts of earlier runs
	elapsedBefore time.Duration // campaign time of earlier runs

	// judgedCases remembers the verdict on cases judged again (true: a
	// finding; false: allowed, dropped), so that the same case drawn
	// again is neither minimized nor sent to the reference server again
	// (bounded).
	judgedMu    sync.Mutex
	judgedCases map[string]bool

	outMu   sync.Mutex
	lastSig string // guarded by outMu

	fatalOnce sync.Once
	fatal     error
	stop      context.CancelFunc
}

// Run runs a campaign until cfg.Duration has passed or ctx ends, then
// checkpoints and returns what it did. Setup problems are *SetupError.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	if err := cfg.defaults(); err != nil {
		return Summary{}, err
	}
	cat, err := newCatalog(cfg.Mutators)
	if err != nil {
		return Summary{}, err
	}
	for _, p := range cfg.Mutators {
		if !selects(p) {
			return Summary{}, setupErr("-mutators: no mutator, order/ or finished/ change starts with %q", p)
		}
	}
	if cat.empty() {
		return Summary{}, setupErr("-mutators %q selects nothing", strings.Join(cfg.Mutators, ","))
	}
	if cfg.Target == "openssl" && cfg.Workers > 1 {
		fmt.Fprintf(cfg.Out, "campaign: openssl s_server serves one connection at a time: 1 worker instead of %d\n", cfg.Workers)
		cfg.Workers = 1
	}
	st, err := openStore(cfg.ReportDir, cfg.Seed, cfg.Target, cfg.MaxFindings)
	if err != nil {
		return Summary{}, err
	}
	if err := st.claimShard(cfg.Shard.String()); err != nil {
		return Summary{}, err
	}
	log, err := openTargetLog(filepath.Join(cfg.ReportDir, fileTargetLog))
	if err != nil {
		return Summary{}, err
	}
	defer log.close()
	log.markf("campaign (seed %d) against %s", cfg.Seed, cfg.Target)
	cp := &campaign{cfg: cfg, cat: cat, store: st, recent: newRecent(cfg.Workers), log: log,
		ref: newReferee(cfg.Timeout), judgedCases: map[string]bool{}}
	defer cp.ref.close()
	if cp.ep, err = openEndpoint(ctx, cfg.Target, cfg.TargetCmd, cfg.Timeout); err != nil {
		return Summary{}, err
	}
	defer cp.ep.close()
	cp.ep.follow(log)
	cp.env = probe(ctx, cat, cp.ep.addr, cfg.Timeout)
	if ctx.Err() != nil {
		return Summary{}, fmt.Errorf("campaign: interrupted while probing the target: %w", context.Cause(ctx))
	}
	if len(cp.env.versions) == 0 {
		return Summary{}, setupErr("TARGET %s (%s) completed no TLS handshake at any version: %s%s", cfg.Target, cp.ep.addr, cp.env.describeFailures(), outputNote(cp.ep))
	}
	if cfg.Target2 != "" {
		if cp.ep2, err = openEndpoint(ctx, cfg.Target2, "", cfg.Timeout); err != nil {
			return Summary{}, err
		}
		defer cp.ep2.close()
		cp.env2 = probe(ctx, cat, cp.ep2.addr, cfg.Timeout)
		if ctx.Err() != nil {
			return Summary{}, fmt.Errorf("campaign: interrupted while probing the target: %w", context.Cause(ctx))
		}
		if len(cp.env2.versions) == 0 {
			return Summary{}, setupErr("TARGET2 %s completed no TLS handshake at any version: %s", cfg.Target2, cp.env2.describeFailures())
		}
		cp.env.intersect(cp.env2)
		if len(cp.env.versions) == 0 {
			return Summary{}, setupErr("TARGET and TARGET2 serve no TLS version in common")
		}
	}
	if !slices.ContainsFunc(kinds, func(k kindWeight) bool { return cp.kindPossible(k.name) }) {
		return Summary{}, setupErr("nothing %q selects applies to what %s serves (TLS %s)", strings.Join(cfg.Mutators, ","), cfg.Target, versionList(cp.env.versions))
	}
	return cp.run(ctx)
}

// selects says whether prefix names anything at all (a typo check).
func selects(prefix string) bool {
	cat, err := newCatalog([]string{prefix})
	return err == nil && !cat.empty()
}

func outputNote(e *endpoint) string {
	if out := e.output(); out != "" {
		return "; target output:\n" + out
	}
	return ""
}

func versionList(vs []wire.Version) string {
	var s []string
	for _, v := range vs {
		s = append(s, v.Short())
	}
	return strings.Join(s, ", ")
}

func (cp *campaign) run(ctx context.Context) (Summary, error) {
	cfg := cp.cfg
	cp.start = time.Now()
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	cp.stop = cancel
	cp.earlier = cp.store.conversations()
	cp.restarted = cp.store.restarts()
	cp.elapsedBefore = cp.store.elapsedBefore()
	cp.iters = make([]atomic.Uint64, cfg.Workers)
	for w, it := range cp.store.iterations(cfg.Workers) {
		cp.iters[w].Store(it)
	}
	shard := ""
	if !cfg.Shard.whole() {
		shard = fmt.Sprintf(", shard %s", cfg.Shard)
	}
	cp.logf("campaign: target %s (%s) serves TLS %s; %d workers, seed %d%s, %s; findings so far %d; report dir %s",
		cfg.Target, cp.ep.addr, versionList(cp.env.versions), cfg.Workers, cfg.Seed, shard, cfg.Duration, cp.store.count(), cfg.ReportDir)
	if cfg.Expect != nil {
		cp.logf("campaign: the expected deviations of %s (%d entries) are counted, not saved", cfg.Expect.Name, len(cfg.Expect.Deviations))
	}
	if cfg.Target2 != "" {
		cp.logf("campaign: differential against %s (%s); common versions TLS %s", cfg.Target2, cp.ep2.addr, versionList(cp.env.versions))
	}
	var wg sync.WaitGroup
	for w := range cfg.Workers {
		wg.Go(func() { cp.worker(runCtx, w) })
	}
	done := make(chan struct{})
	var tickers sync.WaitGroup
	tickers.Go(func() { cp.tick(runCtx, done) })
	wg.Wait()
	close(done)
	tickers.Wait()
	elapsed := time.Since(cp.start)
	err := cp.checkpoint()
	sum := Summary{Conversations: cp.conversations.Load(), NewFindings: int(cp.newFindings.Load()),
		Findings: cp.store.count(), Hits: cp.hits.Load(), Expected: cp.expected.Load(), Allowed: cp.allowed.Load(),
		Restarts: cp.ep.restarts.Load(), OutsideShard: cp.outside.Load(), Interrupted: ctx.Err() != nil, Elapsed: elapsed}
	cp.store.mu.Lock()
	sum.Dropped = cp.store.state.Dropped
	cp.store.mu.Unlock()
	if lerr := cp.log.flush(); err == nil {
		err = lerr
	}
	cp.logf("campaign: done after %s: %d conversations (%.1f/s), %d new findings, %d in all; %d hits of findings saved before; expected: %d; dropped after minimization: allowed: %d",
		elapsed.Round(time.Millisecond), sum.Conversations, float64(sum.Conversations)/elapsed.Seconds(), sum.NewFindings, sum.Findings,
		sum.Hits, sum.Expected, sum.Allowed)
	// The summary is written last, also after an interrupt (ctx ended):
	// the run's own figures, the campaign's from campaign.json.
	model, serr := cp.store.writeSummary(cfg.ReportDir, runInfo{
		newFindings: sum.NewFindings, interrupted: sum.Interrupted, duration: cfg.Duration, ran: elapsed,
		expectOf: expectName(cfg.Expect),
	})
	if serr != nil && err == nil {
		err = serr
	}
	if model != nil {
		cp.outMu.Lock()
		fmt.Fprint(cfg.Out, reports.CampaignResultBlock(model, cfg.ReportDir))
		cp.outMu.Unlock()
	}
	if cp.fatal != nil {
		return sum, cp.fatal
	}
	return sum, err
}

func expectName(e *Expected) string {
	if e == nil {
		return ""
	}
	return e.Name
}

// fail stops the campaign with err.
func (cp *campaign) fail(err error) {
	cp.fatalOnce.Do(func() {
		cp.fatal = err
		cp.stop()
	})
}

// tick prints progress and checkpoints until done.
func (cp *campaign) tick(ctx context.Context, done <-chan struct{}) {
	progress := time.NewTicker(cp.cfg.ProgressEvery)
	defer progress.Stop()
	check := time.NewTicker(cp.cfg.CheckpointEvery)
	defer check.Stop()
	sample := time.NewTicker(cp.cfg.SampleEvery)
	defer sample.Stop()
	last, lastAt := uint64(0), cp.start
	sampled, sampledAt := uint64(0), cp.start
	addSample := func(now time.Time) {
		n := cp.conversations.Load()
		cp.store.sample(RateSample{At: (cp.elapsedBefore + now.Sub(cp.start)).Seconds(), Seconds: now.Sub(sampledAt).Seconds(), Conversations: n - sampled})
		sampled, sampledAt = n, now
	}
	for {
		select {
		case <-done:
			// The last window, unless it is too short to say anything
			// (a run shorter than one window keeps it all the same).
			if now := time.Now(); now.Sub(sampledAt) >= cp.cfg.SampleEvery/4 || sampledAt.Equal(cp.start) {
				addSample(now)
			}
			return
		case now := <-sample.C:
			addSample(now)
		case now := <-progress.C:
			n := cp.conversations.Load()
			rate := float64(n-last) / now.Sub(lastAt).Seconds()
			last, lastAt = n, now
			cp.outMu.Lock()
			sig := cp.lastSig
			cp.outMu.Unlock()
			if sig == "" {
				sig = "-"
			}
			cp.logf("campaign: %s: %d conversations, %.1f/s, %d findings (%d new, %d hits), expected %d, allowed %d, last %s",
				now.Sub(cp.start).Round(time.Second), n, rate, cp.store.count(), cp.newFindings.Load(), cp.hits.Load(),
				cp.expected.Load(), cp.allowed.Load(), sig)
		case <-check.C:
			if err := cp.checkpoint(); err != nil {
				cp.logf("campaign: %v", err)
			}
		}
	}
}

func (cp *campaign) checkpoint() error {
	if err := cp.log.flush(); err != nil {
		cp.logf("campaign: %v", err)
	}
	iters := make([]uint64, len(cp.iters))
	for w := range cp.iters {
		iters[w] = cp.iters[w].Load()
	}
	return cp.store.checkpoint(iters, cp.earlier+cp.conversations.Load(), cp.restarted+cp.ep.restarts.Load(), time.Since(cp.start))
}

func (cp *campaign) logf(format string, args ...any) {
	cp.outMu.Lock()
	defer cp.outMu.Unlock()
	fmt.Fprintf(cp.cfg.Out, format+"\n", args...)
}

// worker runs iterations until ctx ends. An iteration counts once its
// findings are saved: one cut short runs again when the campaign resumes.
func (cp *campaign) worker(ctx context.Context, w int) {
	for ctx.Err() == nil {
		it := cp.iters[w].Load()
		c, ok := cp.nextCase(w, it)
		if ok {
			cp.iteration(ctx, w, it, c)
		}
		if ctx.Err() != nil {
			return
		}
		cp.iters[w].Add(1)
	}
}

// iteration sends one case and applies the oracles.
func (cp *campaign) iteration(ctx context.Context, w int, it uint64, c Case) {
	cp.store.ran(c.Mutators)
	r, gen, dead := cp.ep.run(ctx, cp.cat, c, func(r *result) {
		if ctx.Err() == nil { // cut by the end of the campaign: says nothing
			cp.recent.add(w, it, r)
		}
	})
	cp.conversations.Add(1)
	if ctx.Err() != nil {
		return // cut by the end of the campaign: says nothing
	}
	if dead {
		cp.crashed(ctx, gen)
		return
	}
	if cp.ep.cmd == "" && r.silent() && !cp.alive(ctx) {
		cp.down(ctx, gen)
		return
	}
	if ctx.Err() != nil {
		return
	}
	var r2 *result
	if cp.ep2 != nil && (r.answer == AnswerAccept || r.answer == AnswerReject) {
		r2, _, _ = cp.ep2.run(ctx, cp.cat, c, nil)
		cp.conversations.Add(1)
		if ctx.Err() != nil {
			return
		}
	}
	switch {
	case r.answer == AnswerTimeout && r.prompt:
		cp.report(ctx, OracleHang, w, it, r, nil)
	case r.answer == AnswerAccept && r.must:
		cp.report(ctx, OracleAccept, w, it, r, nil)
	}
	if r2 != nil && disagree(r, r2) {
		cp.report(ctx, OracleDifferential, w, it, r, r2)
	}
}

// alive checks the target with a valid handshake, under the shared lock.
func (cp *campaign) alive(ctx context.Context) bool {
	cp.ep.mu.RLock()
	defer cp.ep.mu.RUnlock()
	cp.conversations.Add(1)
	return cp.env.alive(ctx, cp.ep.addr, cp.cfg.Timeout)
}

// disagree: one target went on, the other refused.
func disagree(a, b *result) bool {
	return (a.answer == AnswerAccept && b.answer == AnswerReject) || (a.answer == AnswerReject && b.answer == AnswerAccept)
}

// recent keeps each worker's last conversations, for crash triage.
type recent struct {
	mu  sync.Mutex
	seq uint64
	per [][]entry
}

type entry struct {
	w   int
	it  uint64
	seq uint64
	r   *result
}

func newRecent(workers int) *recent { return &recent{per: make([][]entry, workers)} }

func (rc *recent) add(w int, it uint64, r *result) {
	if r.answer == AnswerUnreachable || r.answer == AnswerSkip {
		return // cannot have crashed anything: keep those that could
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.seq++
	l := append(rc.per[w], entry{w: w, it: it, seq: rc.seq, r: r})
	if len(l) > recentPerWorker {
		l = slices.Delete(l, 0, len(l)-recentPerWorker)
	}
	rc.per[w] = l
}

// candidates are the kept conversations that reached the target, newest
// first, each case once.
func (rc *recent) candidates() []entry {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var all []entry
	for _, l := range rc.per {
		all = append(all, l...)
	}
	slices.SortFunc(all, func(a, b entry) int { return int(b.seq) - int(a.seq) })
	seen := map[string]bool{}
	var out []entry
	for _, e := range all {
		if e.r.answer == AnswerUnreachable || e.r.answer == AnswerSkip || len(e.r.applied) == 0 || seen[e.r.c.key()] {
			continue
		}
		seen[e.r.c.key()] = true
		out = append(out, e)
	}
	return out
}
