// Package specs is the Ginkgo entry point of the conformance suite, for
// test suites that already use Ginkgo: Describe adds the check catalogue
// to the spec tree, one It per check, labelled with suite.Labels, run
// through the runner of package suite against a target the caller names.
//
//	var _ = specs.Describe("my TLS server",
//		func() suite.Target { return suite.Addr(addr) }, // addr: set in a BeforeSuite
//		func() suite.Options { return suite.Options{Expect: "testdata/tls.expect.json", ReportDir: "out"} })
//
// A check that fails its rule fails its It with the rule, what was
// expected and observed; an expected deviation passes with a report entry
// that gives its reason; a warning or an inconclusive check is a report
// entry (a failure with Options.Strict); a check that does not apply is
// skipped with the reason. The target is opened and probed once, in a
// BeforeAll, when the first selected check runs; the reports are written
// in its AfterAll, and a stale expectation fails the suite (in a
// ReportAfterSuite: call Describe at the top level of the suite). Ginkgo's
// label filters (--label-filter='tls1.3 && finished') and focus work on
// the Its.
//
// Ginkgo stays in this folder: package suite itself does not import it.
package specs

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// SetupTimeout bounds opening and probing the target.
const SetupTimeout = 3 * time.Minute

// Describe adds the checks the options select (Run, Skip; the whole
// catalogue by default) under a container named text: one Describe per
// area, one Context per version and key exchange, one It per check named
// by its title and id. options is called when Ginkgo builds the tree
// (after flags are parsed); target once, when the first selected check
// is about to run, so that it may name a server a BeforeSuite started.
// The profile and the closing summary go to Options.Out (default
// GinkgoWriter). decorators are added to the container (Label, ...).
func Describe(text string, target func() suite.Target, options func() suite.Options, decorators ...any) bool {
	return describe(text, suite.Catalogue, func(ctx ginkgo.SpecContext, opts suite.Options) *runState {
		return open(ctx, target(), opts)
	}, func() string { return target().String() }, options, decorators...)
}

// DescribeClient is Describe for a client under test: the client
// catalogue, each check serving the client from a reference server of
// its own (see suite.Client, suite.ClientConfig, suite.ClientFunc).
func DescribeClient(text string, client func() suite.ClientUnderTest, options func() suite.Options, decorators ...any) bool {
	return describe(text, suite.ClientCatalogue, func(ctx ginkgo.SpecContext, opts suite.Options) *runState {
		return openClient(ctx, client(), opts)
	}, func() string { return client().String() }, options, decorators...)
}

// describe builds the container of a catalogue's checks.
func describe(text string, catalogue func() []checks.Check, start func(ginkgo.SpecContext, suite.Options) *runState, name func() string, options func() suite.Options, decorators ...any) bool {
	var run *runState
	var gate string // why the run fails as a whole, once it is closed
	var opts suite.Options
	args := append([]any{ginkgo.Ordered, ginkgo.ContinueOnFailure}, decorators...)
	args = append(args, func() {
		opts = options()
		list, err := suite.Select(catalogue(), opts.Run, opts.Skip)
		if err != nil {
			ginkgo.It("selects checks", func() { ginkgo.Fail("tlsconform: " + err.Error()) })
			return
		}
		ginkgo.BeforeAll(func(ctx ginkgo.SpecContext) {
			run = start(ctx, opts)
		}, ginkgo.NodeTimeout(SetupTimeout))
		ginkgo.AfterAll(func() {
			if run != nil {
				gate = run.close()
			}
		})
		tree(list, func(ctx ginkgo.SpecContext, ch checks.Check) {
			if run == nil {
				ginkgo.Fail("tlsconform: the target was not set up (see the first failure)")
			}
			judge(run.r.Check(ctx, ch), opts.Strict)
		})
	})
	// What fails the run as a whole (a stale expectation, reports not
	// written, nothing judged) is told after every spec: a failure in the
	// AfterAll would land on the last spec, and is lost when that one was
	// skipped.
	ginkgo.ReportAfterSuite("tlsconform: "+text, func(rep ginkgo.Report) {
		if run == nil && opts.ReportDir != "" && !anySpecRan(rep) {
			// The run never started (a BeforeSuite or the setup failed, or
			// nothing was selected): the reports say so and why, rather
			// than keep an earlier run's.
			suite.SetupFailed(opts, name(), errors.New(firstFailure(rep)))
		}
		if gate != "" {
			ginkgo.Fail(gate)
		}
	})
	return ginkgo.Describe(text, args...)
}

// anySpecRan reports whether a spec ran, in this process or another (in
// Ginkgo's parallel mode another process may have run the checks, and
// written the reports).
func anySpecRan(rep ginkgo.Report) bool {
	for _, sp := range rep.SpecReports {
		if sp.LeafNodeType == types.NodeTypeIt && !sp.StartTime.IsZero() {
			return true
		}
	}
	return false
}

// firstFailure is the message of the report's first failure, or why no
// check ran.
func firstFailure(rep ginkgo.Report) string {
	for _, sp := range rep.SpecReports {
		if sp.Failed() && sp.Failure.Message != "" {
			return strings.TrimPrefix(sp.Failure.Message, "tlsconform: ")
		}
	}
	return "no check ran (nothing was selected, or the run was interrupted before its setup)"
}

// runState is one run: the runner, and how to end it.
type runState struct {
	r *suite.Runner
	// close writes the reports and the summary; it returns why the run
	// fails as a whole, "" when it does not.
	close func() string
}

// open opens and probes the target; a failure fails the BeforeAll with
// the setup error in plain words.
func open(ctx ginkgo.SpecContext, target suite.Target, opts suite.Options) *runState {
	opts = withOut(suite.WithDefaults(opts, target))
	tgt, err := target.Open(ctx, opts.Timeout)
	if err != nil {
		ginkgo.Fail("tlsconform: " + suite.SetupError(suite.SetupFailed(opts, target.String(), err)))
	}
	r, err := suite.Start(ctx, tgt, opts)
	if err != nil {
		tgt.Close()
		ginkgo.Fail("tlsconform: " + suite.SetupError(err))
	}
	return newRunState(r, opts, tgt.Close)
}

// openClient opens and probes a client under test.
func openClient(ctx ginkgo.SpecContext, client suite.ClientUnderTest, opts suite.Options) *runState {
	opts = withOut(suite.WithClientDefaults(opts, client))
	cl, err := client.Open(ctx)
	if err != nil {
		ginkgo.Fail("tlsconform: " + suite.SetupError(suite.SetupFailed(opts, client.String(), err)))
	}
	r, err := suite.StartClient(ctx, cl, opts)
	if err != nil {
		cl.Close()
		ginkgo.Fail("tlsconform: " + suite.SetupError(err))
	}
	return newRunState(r, opts, cl.Close)
}

// withOut sends the profile and the summary to GinkgoWriter unless the
// options say where.
func withOut(opts suite.Options) suite.Options {
	if opts.Out == nil {
		opts.Out = ginkgo.GinkgoWriter
	}
	return opts
}

// newRunState is a run whose end writes the reports and the summary,
// then releases what release owns.
func newRunState(r *suite.Runner, opts suite.Options, release func() error) *runState {
	out := opts.Out
	return &runState{r: r, close: func() string {
		defer release()
		rep, err := r.Close()
		fmt.Fprint(out, "\n"+reports.ConsoleSummary(rep, opts.ReportDir, opts.Strict))
		var lines []string
		if err != nil {
			lines = append(lines, "tlsconform: "+err.Error())
		}
		for _, d := range rep.Stale {
			lines = append(lines, reports.StaleLine(rep, d))
		}
		if reports.Judged(rep) == 0 {
			lines = append(lines, "tlsconform: every check that ran was skipped, so nothing was checked: select checks that apply to the target")
		}
		return strings.Join(lines, "\n")
	}}
}

// judge turns one result into the It's outcome.
func judge(res suite.Result, strict bool) {
	// Ginkgo's counts agree with junit.xml's and the tool's: a spec passes
	// when its check passed; a warning, an inconclusive check and an
	// expected deviation do not fail the gate and are skipped with what
	// they are (failures in strict mode); a check that does not apply is
	// skipped with the reason.
	switch {
	case res.IsExpected():
		ginkgo.Skip(fmt.Sprintf("EXPECTED DEVIATION (entry %q: %s): %s", res.Deviation.ID, res.Deviation.Reason, res.Message()))
	case res.Status == reports.Fail:
		ginkgo.Fail(res.Message())
	case res.Status == reports.Warn && strict:
		ginkgo.Fail("strict: " + res.Message())
	case res.Status == reports.Inconclusive && strict:
		// It proves nothing either way, so it never passes a strict gate.
		ginkgo.Fail("strict: " + res.Message())
	case res.Status == reports.Warn:
		ginkgo.Skip("WARNING: " + res.Message())
	case res.Status == reports.Inconclusive:
		ginkgo.Skip("INCONCLUSIVE: " + res.Message())
	case res.Status == reports.Skip:
		ginkgo.Skip(res.Reason)
	case res.Status != reports.Pass:
		// A status nobody can read never passes (fail closed).
		ginkgo.Fail(fmt.Sprintf("unknown status %q: %s", res.Status, res.Message()))
	}
}

// tree builds the spec tree from list: one Describe per area, one Context
// (or, for the malformation families, one DescribeTable) per version and
// key exchange, one It (or Entry) per check.
func tree(list []checks.Check, check func(ginkgo.SpecContext, checks.Check)) {
	titles := map[string]string{"baseline": checks.BaselineTitle}
	tables := map[string]bool{}
	for _, f := range suite.Families() {
		titles[f.Area], tables[f.Area] = f.Title, f.Table
	}
	var areas []string
	byArea := map[string][]checks.Check{}
	for _, ch := range list {
		if _, ok := byArea[ch.Area]; !ok {
			areas = append(areas, ch.Area)
		}
		byArea[ch.Area] = append(byArea[ch.Area], ch)
	}
	for _, area := range areas {
		title := titles[area]
		if title == "" {
			title = area
		}
		ginkgo.Describe(title, func() {
			var ctxs []checks.Context
			byCtx := map[checks.Context][]checks.Check{}
			for _, ch := range byArea[area] {
				if _, ok := byCtx[ch.Ctx]; !ok {
					ctxs = append(ctxs, ch.Ctx)
				}
				byCtx[ch.Ctx] = append(byCtx[ch.Ctx], ch)
			}
			for _, c := range ctxs {
				if tables[area] {
					var entries []ginkgo.TableEntry
					for _, ch := range byCtx[c] {
						entries = append(entries, ginkgo.Entry(name(ch), labels(ch), ginkgo.SpecTimeout(suite.MaxCheckTime), ch))
					}
					ginkgo.DescribeTable(c.String(), check, entries)
					continue
				}
				ginkgo.Context(c.String(), func() {
					for _, ch := range byCtx[c] {
						ginkgo.It(name(ch), labels(ch), func(ctx ginkgo.SpecContext) { check(ctx, ch) }, ginkgo.SpecTimeout(suite.MaxCheckTime))
					}
				})
			}
		})
	}
}

// name is an It's text: the check's title and, in brackets, its id.
func name(ch checks.Check) string { return strings.TrimSpace(ch.Title) + " [" + ch.ID + "]" }

// labels is the check's closed label set (suite.Labels) for Ginkgo.
func labels(ch checks.Check) ginkgo.Labels { return ginkgo.Labels(suite.Labels(ch)) }
