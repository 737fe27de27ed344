//go:debug tls10server=1

// The Ginkgo front of the runner (package suite): flags, one spec per
// check (specs_test.go), JUnit from Ginkgo's reporter. Everything a run
// does is in suite.Runner.
package suite_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	. "github.com/onsi/gomega"

	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
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

// current is the run BeforeSuite started; nil when setting up failed.
var current *suite.Runner

var _ = BeforeSuite(func(ctx SpecContext) {
	Expect(os.MkdirAll(*flagReports, 0o755)).To(Succeed(), "report dir %s", *flagReports)
	var pin []wire.Version
	if *flagVersions != "" {
		for _, s := range strings.Split(*flagVersions, ",") {
			v, err := wire.ParseVersion(strings.TrimSpace(s))
			Expect(err).NotTo(HaveOccurred(), "-versions")
			pin = append(pin, v)
		}
	}
	tgt, err := suite.OpenTarget(ctx, *flagTarget, *flagTimeout)
	Expect(err).NotTo(HaveOccurred(), "target %q", *flagTarget)
	DeferCleanup(tgt.Close)
	r, err := suite.Start(ctx, tgt, suite.Options{
		Versions:   pin,
		Strict:     *flagStrict,
		Seed:       *flagSeed,
		Timeout:    *flagTimeout,
		ServerName: *flagSNI,
		ReportDir:  *flagReports,
		Out:        os.Stdout,
	})
	Expect(err).NotTo(HaveOccurred())
	current = r
}, NodeTimeout(3*time.Minute))

var _ = ReportAfterSuite("tlsconform reports", func(rep Report) {
	dir := *flagReports
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "tlsconform: %v\n", err)
		return
	}
	if err := reporters.GenerateJUnitReport(rep, filepath.Join(dir, reports.JUnitFile)); err != nil {
		fmt.Fprintf(os.Stderr, "tlsconform: junit: %v\n", err)
	}
	if current == nil {
		fmt.Fprintf(os.Stdout, "\ntlsconform: no checks ran (the target could not be set up); JUnit report in %s\n", dir)
		return
	}
	out, err := current.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "tlsconform: %v\n", err)
	}
	fmt.Fprint(os.Stdout, "\n"+reports.ConsoleSummary(out, dir, *flagStrict))
})

// judge runs one check through the runner and turns its result into a
// Ginkgo outcome.
func judge(ctx SpecContext, ch checks.Check) {
	res := current.Check(ctx, ch)
	switch res.Status {
	case reports.Fail:
		Fail(res.Message())
	case reports.Warn:
		if *flagStrict {
			Fail("SHOULD (strict): " + res.Message())
		}
		AddReportEntry("warning", res.Message(), ReportEntryVisibilityFailureOrVerbose)
	case reports.Inconclusive:
		// Like a warning: it proves nothing either way, so it never
		// passes the gate in strict mode.
		if *flagStrict {
			Fail("inconclusive (strict): " + res.Message())
		}
		AddReportEntry("inconclusive", res.Message(), ReportEntryVisibilityFailureOrVerbose)
	case reports.Skip:
		Skip(res.Reason)
	}
}
