package suite

import (
	"context"
	"crypto/tls"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/targets"
)

// Target is what a run checks; Addr, Config and Named make one.
type Target struct {
	name   string
	open   func(ctx context.Context, timeout time.Duration) (targets.Target, error)
	expect *Expectations // the expectations used when Options name none
}

// Addr is a server already listening at HOST:PORT, a net.Listener's
// address for one.
func Addr(addr string) Target {
	return Target{name: addr, open: func(ctx context.Context, _ time.Duration) (targets.Target, error) {
		return targets.Open(ctx, addr, targets.Options{})
	}}
}

// Config is an in-process crypto/tls server built from cfg, exactly as
// given (certificates, versions, suites, client authentication), which
// echoes application data: the configuration a Go developer ships,
// tested without a server of their own.
func Config(cfg *tls.Config) Target {
	return Target{name: "crypto/tls (your *tls.Config)", open: func(ctx context.Context, _ time.Duration) (targets.Target, error) {
		return targets.ServeTLS(ctx, "crypto/tls (your *tls.Config)", cfg)
	}}
}

// Named is a target the suite knows by name, as the -target flag takes
// it: builtin (whose expectations default to CryptoTLSExpectations),
// openssl, gnutls, nss, erlang, wolfssl, mbedtls, reference[:MISBEHAVIOUR],
// or HOST:PORT.
func Named(spec string) Target {
	t := Target{name: spec, open: func(ctx context.Context, timeout time.Duration) (targets.Target, error) {
		return OpenTarget(ctx, spec, timeout)
	}}
	if spec == "builtin" {
		t.expect = CryptoTLSExpectations()
	}
	return t
}

// String is the target as the user named it.
func (t Target) String() string { return t.name }

// Open starts the target (or, for an address, checks it is well formed);
// close it after the run.
func (t Target) Open(ctx context.Context, timeout time.Duration) (targets.Target, error) {
	if t.open == nil {
		return nil, fmt.Errorf("no target: make one with suite.Addr, suite.Config or suite.Named")
	}
	return t.open(ctx, timeout)
}

// DefaultExpectations are the expectations a run against t uses when its
// Options name none: crypto/tls's for the built-in target, none
// otherwise.
func (t Target) DefaultExpectations() *Expectations { return t.expect }

// WithDefaults is opts with what target implies where opts say nothing:
// the target's default expectations (Expect "none" turns them off) and
// the default timeout.
func WithDefaults(opts Options, target Target) Options { return opts.withDefaults(target) }

// withDefaults fills in the target's default expectations.
func (o Options) withDefaults(t Target) Options { return o.withExpect(t.expect) }

// withExpect fills in the default timeout and, when the options name no
// expectations, def ("none" names none).
func (o Options) withExpect(def *Expectations) Options {
	o.Timeout = o.timeout()
	if o.Expect == "none" {
		o.Expect, o.Expectations = "", nil
	} else if o.Expect == "" && o.Expectations == nil {
		o.Expectations = def
	}
	return o
}

// Test runs the catalogue against target as subtests of t, one per check
// named by its id, so that `go test -run 'TestTLS/finished/tls13'` runs
// the Finished checks of TLS 1.3. A check that fails its rule fails its
// subtest with the rule, what was expected and observed, and the
// conversation; an expected deviation (Options.Expect) passes with its
// reason logged; a warning or an inconclusive check is logged (a failure
// with Options.Strict); a check that does not apply is skipped with the
// reason. An expectation that no longer happens fails t, naming the entry
// to delete. Setting up (opening and probing the target, reading the
// expectations) failing fails t at once. Reports go to Options.ReportDir
// when it is set, and Options.Out (when nil, t's log) gets the profile.
//
// Options.Run and Options.Skip narrow the checks as the command's -run
// and -skip do; go test's own -run works on the subtest names as well.
func Test(t *testing.T, target Target, opts Options) {
	t.Helper()
	opts = opts.withDefaults(target)
	list, err := Select(Catalogue(), opts.Run, opts.Skip)
	if err != nil {
		t.Fatalf("tlsconform: %v", SetupFailed(opts, target.String(), err))
	}
	ctx := t.Context()
	tgt, err := target.Open(ctx, opts.timeout())
	if err != nil {
		t.Fatalf("tlsconform: %s", SetupError(SetupFailed(opts, target.String(), err)))
	}
	defer tgt.Close()
	if opts.Out == nil {
		opts.Out = testWriter{t}
	}
	r, err := Start(ctx, tgt, opts)
	if err != nil {
		t.Fatalf("tlsconform: %s", SetupError(err))
	}
	testChecks(t, r, list, opts)
}

// TestClient is Test for a client under test: the client catalogue as
// subtests of t, one per check, each serving the client from a reference
// server of its own (see Client, ClientConfig and ClientFunc).
func TestClient(t *testing.T, client ClientUnderTest, opts Options) {
	t.Helper()
	opts = opts.withClientDefaults(client)
	list, err := Select(ClientCatalogue(), opts.Run, opts.Skip)
	if err != nil {
		t.Fatalf("tlsconform: %v", SetupFailed(opts, client.String(), err))
	}
	ctx := t.Context()
	cl, err := client.open(ctx)
	if err != nil {
		t.Fatalf("tlsconform: %s", SetupError(SetupFailed(opts, client.String(), err)))
	}
	defer cl.Close()
	if opts.Out == nil {
		opts.Out = testWriter{t}
	}
	r, err := StartClient(ctx, cl, opts)
	if err != nil {
		t.Fatalf("tlsconform: %s", SetupError(err))
	}
	testChecks(t, r, list, opts)
}

// testChecks judges list as subtests of t and closes the run.
func testChecks(t *testing.T, r *Runner, list []checks.Check, opts Options) {
	t.Helper()
	for _, ch := range list {
		t.Run(ch.ID, func(t *testing.T) {
			judgeTest(t, r.Check(t.Context(), ch), opts.Strict)
		})
	}
	rep, err := r.Close()
	if err != nil {
		t.Errorf("tlsconform: %v", err)
	}
	for _, d := range rep.Stale {
		t.Error(reports.StaleLine(rep, d))
	}
	if reports.Judged(rep) == 0 {
		t.Errorf("tlsconform: no check was judged (every one that ran was skipped, or none ran), so nothing was checked")
	}
	if rep.Expectations != "" {
		summary := ""
		if opts.ReportDir != "" {
			summary = filepath.Join(opts.ReportDir, reports.SummaryFile)
		}
		t.Log(reports.ExpectationsLine(rep, summary, opts.Strict))
	}
}

// judgeTest turns one result into a subtest outcome.
func judgeTest(t *testing.T, res Result, strict bool) {
	t.Helper()
	switch {
	case res.IsExpected():
		t.Logf("expected deviation (entry %q: %s): %s", res.Deviation.ID, res.Deviation.Reason, res.Message())
	case res.Status == reports.Fail:
		t.Errorf("%s\n%s", res.Message(), reports.Ladder(res.Transcript))
	case res.Status == reports.Warn && strict:
		t.Errorf("SHOULD (strict): %s", res.Message())
	case res.Status == reports.Inconclusive && strict:
		t.Errorf("inconclusive (strict): %s", res.Message())
	case res.Status == reports.Warn, res.Status == reports.Inconclusive:
		t.Logf("%s: %s", strings.ToUpper(string(res.Status)), res.Message())
	case res.Status == reports.Skip:
		t.Skip(res.Reason)
	case res.Status != reports.Pass:
		// A status nobody can read never passes (fail closed).
		t.Errorf("unknown status %q: %s", res.Status, res.Message())
	}
}

// testWriter writes to a test's log, line by line.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	for line := range strings.SplitSeq(strings.TrimRight(string(p), "\n"), "\n") {
		if strings.TrimSpace(line) != "" {
			w.t.Log(line)
		}
	}
	return len(p), nil
}
