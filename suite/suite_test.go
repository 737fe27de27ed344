//go:debug tls10server=1

package suite_test

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	. "github.com/onsi/gomega"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/targets"
)

// Flags; each defaults to the environment variable make passes.
var (
	flagTarget   = flag.String("target", envOr("TARGET", "builtin"), "target: builtin, openssl, gnutls, HOST:PORT, or reference[:MISBEHAVIOUR] (the suite's own server)")
	flagVersions = flag.String("versions", os.Getenv("VERSIONS"), "pin the versions to check, e.g. 1.2,1.3 (default: whatever the target supports)")
	flagStrict   = flag.Bool("strict", envBool("STRICT"), "treat SHOULD-level warnings as failures")
	flagReports  = flag.String("report-dir", envOr("REPORT_DIR", filepath.Join("..", "reports", "out")), "where to write junit.xml, report.json, summary.md and keylog.txt")
	flagSeed     = flag.Int64("seed", envInt("SEED", 1), "seed for the client's randomness (and Ginkgo's order with --seed)")
	flagTimeout  = flag.Duration("op-timeout", 2*time.Second, "deadline for each read and write of a conversation")
	flagSNI      = flag.String("sni", os.Getenv("SNI"), "server_name to send")
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envBool(k string) bool {
	b, _ := strconv.ParseBool(os.Getenv(k))
	return b
}

func envInt(k string, def int64) int64 {
	if n, err := strconv.ParseInt(os.Getenv(k), 10, 64); err == nil {
		return n
	}
	return def
}

func TestConformance(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "tlsconform conformance")
}

// run is the state of one conformance run, set up in BeforeSuite.
type run struct {
	target  targets.Target
	env     *checks.Env
	profile *checks.Profile
	keylog  interface{ Close() error }
	started time.Time

	mu        sync.Mutex
	results   []reports.Check
	baselines map[checks.Context]*baselineResult
	dead      error // set once the target stopped answering
}

type baselineResult struct {
	once sync.Once
	v    checks.Verdict
}

var current *run

var _ = BeforeSuite(func(ctx SpecContext) {
	r := &run{started: time.Now(), baselines: map[checks.Context]*baselineResult{}}
	Expect(os.MkdirAll(*flagReports, 0o755)).To(Succeed(), "report dir %s", *flagReports)
	kl, err := reports.OpenKeyLog(*flagReports)
	Expect(err).NotTo(HaveOccurred())
	r.keylog = kl
	tgt, err := openTarget(ctx, *flagTarget)
	Expect(err).NotTo(HaveOccurred(), "target %q", *flagTarget)
	r.target = tgt
	DeferCleanup(func() { tgt.Close(); kl.Close() })
	r.env = &checks.Env{
		Dial:       tgt.Dial,
		Timeout:    *flagTimeout,
		KeyLog:     keys.NewKeyLog(kl),
		Seed:       *flagSeed,
		ServerName: *flagSNI,
	}
	prof, err := checks.Probe(ctx, r.env)
	Expect(err).NotTo(HaveOccurred(), "probing %s (%s): the target must complete at least one handshake", tgt.Name(), tgt.Addr())
	if *flagVersions != "" {
		var pin []wire.Version
		for _, s := range strings.Split(*flagVersions, ",") {
			v, err := wire.ParseVersion(strings.TrimSpace(s))
			Expect(err).NotTo(HaveOccurred(), "-versions")
			pin = append(pin, v)
		}
		prof.Pin(pin)
	}
	prof.Notes = append(prof.Notes, tgt.Notes()...)
	r.profile, r.env.Profile = prof, prof
	fmt.Fprint(os.Stdout, "\n"+reports.ProfileText(prof.Report(), fmt.Sprintf("%s (%s)", tgt.Name(), tgt.Addr()))+"\n")
	current = r
}, NodeTimeout(2*time.Minute))

var _ = ReportAfterSuite("tlsconform reports", func(rep Report) {
	dir := *flagReports
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "tlsconform: %v\n", err)
		return
	}
	if err := reporters.GenerateJUnitReport(rep, filepath.Join(dir, reports.JUnitFile)); err != nil {
		fmt.Fprintf(os.Stderr, "tlsconform: junit: %v\n", err)
	}
	r := current
	if r == nil {
		fmt.Fprintf(os.Stdout, "\ntlsconform: no checks ran (the target could not be set up); JUnit report in %s\n", dir)
		return
	}
	out := &reports.Report{
		Target:  fmt.Sprintf("%s (%s)", r.target.Name(), r.target.Addr()),
		Profile: r.profile.Report(),
		Seed:    *flagSeed,
		Strict:  *flagStrict,
		Started: r.started,
		Elapsed: time.Since(r.started).Seconds(),
		Checks:  r.results,
	}
	if err := reports.WriteAll(dir, out); err != nil {
		fmt.Fprintf(os.Stderr, "tlsconform: %v\n", err)
	}
	fmt.Fprint(os.Stdout, "\n"+reports.ConsoleSummary(out, dir, *flagStrict))
})

// record keeps a check's result for the reports.
func (r *run) record(ch checks.Check, v checks.Verdict, took time.Duration) {
	rc := reports.Check{
		ID: ch.ID, Area: ch.Area, Row: ch.Row, Mutator: ch.Mutator, RFC: ch.RFC, Level: string(ch.Level), Title: ch.Title,
		Version: ch.Ctx.Version.Short(), KX: string(ch.Ctx.KX),
		Status: v.Status, Expected: v.Expected, Observed: v.Observed, Reason: v.Reason,
		Millis: float64(took.Microseconds()) / 1000,
	}
	for _, cv := range v.Conversations {
		rc.Transcript = append(rc.Transcript, transcript(cv)...)
	}
	r.mu.Lock()
	r.results = append(r.results, rc)
	r.mu.Unlock()
}

// transcript turns a conversation's events into the report's form.
func transcript(cv *peers.Conversation) []reports.Event {
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
			Type: typ, Summary: e.Summary(), Raw: fmt.Sprintf("%x", e.Raw), Plaintext: fmt.Sprintf("%x", e.Plaintext),
		})
	}
	return out
}

// baseline runs (once) the baseline check of a context.
func (r *run) baseline(ctx context.Context, c checks.Context) checks.Verdict {
	r.mu.Lock()
	b := r.baselines[c]
	if b == nil {
		b = &baselineResult{}
		r.baselines[c] = b
	}
	r.mu.Unlock()
	b.once.Do(func() { b.v = checks.Baseline(c).Run(ctx, r.env) })
	return b.v
}

// judge runs one check and turns its verdict into a Ginkgo outcome.
func (r *run) judge(ctx context.Context, ch checks.Check) {
	if ok, why := r.profile.Applies(ch); !ok {
		r.record(ch, checks.Verdict{Status: reports.Skip, Reason: why}, 0)
		Skip(why)
	}
	if r.dead != nil {
		v := checks.Verdict{Status: reports.Fail, Expected: "the target answers", Observed: "target unreachable", Reason: r.dead.Error()}
		r.record(ch, v, 0)
		Fail("target unreachable: " + r.dead.Error())
	}
	start := time.Now()
	var v checks.Verdict
	if ch.Baseline {
		v = r.baseline(ctx, ch.Ctx)
	} else if b := r.baseline(ctx, ch.Ctx); b.Status == reports.Fail && !r.outsideProfile(ch) {
		v = checks.Verdict{Status: reports.Fail, Expected: "a valid handshake completes first", Observed: b.Observed,
			Reason: "the baseline handshake of " + ch.Ctx.String() + " failed, so this check cannot be trusted"}
	} else {
		v = ch.Run(ctx, r.env)
	}
	// A failure, or a warning that ended in a close, a reset or silence,
	// may be the target dying on what it was sent: then this check fails
	// (a crash is never a mere warning) and the rest fail as unreachable.
	if v.Status == reports.Fail || endedAbruptly(v) {
		if err := r.target.Alive(ctx); err != nil {
			r.dead = err
			v.Status = reports.Fail
			v.Observed, v.Reason = "target unreachable after this check (did it crash?)", err.Error()
		}
	}
	r.record(ch, v, time.Since(start))
	msg := fmt.Sprintf("[%s %s] expected %s; observed %s", ch.RFC, ch.Level, v.Expected, v.Observed)
	if v.Reason != "" {
		msg += "; " + v.Reason
	}
	switch v.Status {
	case reports.Fail:
		Fail(msg)
	case reports.Warn:
		if *flagStrict {
			Fail("SHOULD (strict): " + msg)
		}
		AddReportEntry("warning", msg, ReportEntryVisibilityFailureOrVerbose)
	case reports.Skip:
		Skip(v.Reason)
	}
}

// checkTimeout bounds one check: a few conversations, each of a few reads.
func checkTimeout() time.Duration { return 30 * time.Second }

// openTarget opens the target: the names targets knows, or "reference"
// (the suite's own reference server in-process, well behaved) and
// "reference:NAME" (with one of its named misbehaviours).
func openTarget(ctx context.Context, spec string) (targets.Target, error) {
	name, ok := strings.CutPrefix(spec, "reference")
	if !ok || (name != "" && !strings.HasPrefix(name, ":")) {
		return targets.Open(ctx, spec, targets.Options{})
	}
	var mis []peers.Misbehaviour
	if name = strings.TrimPrefix(name, ":"); name != "" {
		m, ok := peers.MisbehaviourByName(name)
		if !ok {
			var names []string
			for _, m := range peers.Misbehaviours() {
				names = append(names, m.Name)
			}
			return nil, fmt.Errorf("unknown misbehaviour %q: want one of %s", name, strings.Join(names, ", "))
		}
		mis = append(mis, m)
	}
	return startReference(ctx, spec, mis)
}

// referenceTarget is the in-process reference server as a target.
type referenceTarget struct {
	targets.Target
	name string
	stop func()
}

func (r *referenceTarget) Name() string { return r.name }
func (r *referenceTarget) Close() error {
	err := r.Target.Close()
	r.stop()
	return err
}

func startReference(ctx context.Context, name string, mis []peers.Misbehaviour) (targets.Target, error) {
	var pairs []*certs.Pair
	for _, kind := range []string{"ecdsa", "rsa"} {
		p, err := certs.Generate(kind, nil, rand.Reader, time.Now())
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, p)
	}
	srv, err := peers.NewServer(peers.ServerConfig{
		Certificates:  pairs,
		Versions:      []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10},
		Misbehaviours: mis,
		Timeout:       *flagTimeout,
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(sctx, ln, nil) }()
	stop := func() { cancel(); <-done }
	tgt, err := targets.Open(ctx, ln.Addr().String(), targets.Options{})
	if err != nil {
		stop()
		return nil, err
	}
	return &referenceTarget{Target: tgt, name: name, stop: stop}, nil
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

// outsideProfile: a check that runs whatever the profile says (Always)
// in a context the target does not support has no baseline to depend on.
func (r *run) outsideProfile(ch checks.Check) bool {
	if !ch.Always {
		return false
	}
	ok, _ := r.profile.Applies(checks.Check{Ctx: ch.Ctx})
	return !ok
}
