// The Ginkgo front of the client gate, as `make conformance-client` runs
// it: flags (each defaulting to the variable make passes), the client
// catalogue as specs (specs.DescribeClient), JUnit from Ginkgo's
// reporter. Everything a run does is in suite.Runner.
package clientgate_test

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
	"github.com/onsi/gomega"

	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/specs"
)

var (
	flagClient   = flag.String("client", envOr("CLIENT", "builtin"), "the client under test: builtin, openssl, gnutls, curl, reference[:MISBEHAVIOUR], or a command with {addr} (also {host} {port} {servername} {ca})")
	flagVersions = flag.String("versions", os.Getenv("VERSIONS"), "select the versions to check, e.g. 1.2,1.3")
	flagStrict   = flag.Bool("strict", envBool("STRICT"), "treat SHOULD-level warnings (and inconclusive checks) as failures")
	flagReports  = flag.String("report-dir", envOr("REPORT_DIR", filepath.Join("..", "..", "reports", "out", "client")), "where to write junit.xml, report.json, summary.md and keylog.txt")
	flagSeed     = flag.Int64("seed", envInt("SEED", 1), "seed for the server's randomness")
	flagTimeout  = flag.Duration("op-timeout", envDuration("TIMEOUT", 2*time.Second), "deadline for each read and write of the suite's server")
	flagExpect   = flag.String("expect", os.Getenv("EXPECT"), "expected-deviations file (default: crypto/tls's client file for the builtin client; none for none)")
	flagRun      = flag.String("run-checks", os.Getenv("RUN"), "run only the checks whose id matches one of these globs (comma-separated)")
	flagSkip     = flag.String("skip-checks", os.Getenv("SKIP"), "skip the checks whose id matches one of these globs")
)

// envErrs are environment variables that could not be read; the run
// fails on them in BeforeSuite.
var envErrs []string

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envBool(k string) bool {
	v := os.Getenv(k)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		envErrs = append(envErrs, fmt.Sprintf("%s=%q: want 1, 0, true or false", k, v))
	}
	return b
}

func envInt(k string, def int64) int64 {
	v := os.Getenv(k)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		envErrs = append(envErrs, fmt.Sprintf("%s=%q: want a whole number", k, v))
		return def
	}
	return n
}

func envDuration(k string, def time.Duration) time.Duration {
	v := os.Getenv(k)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		envErrs = append(envErrs, fmt.Sprintf("%s=%q: want a positive duration such as 2s or 500ms", k, v))
		return def
	}
	return d
}

func TestClientConformance(t *testing.T) {
	gomega.RegisterFailHandler(Fail)
	RunSpecs(t, "tlsconform client conformance")
}

// setupErr is a flag that could not be read; BeforeSuite fails on it.
var setupErr error

var _ = specs.DescribeClient("tlsconform client", func() suite.ClientUnderTest { return suite.Client(*flagClient) }, func() suite.Options {
	opts := suite.Options{
		Strict: *flagStrict, Seed: *flagSeed, Timeout: *flagTimeout, ReportDir: *flagReports, Out: os.Stdout,
		Expect: *flagExpect, Run: *flagRun, Skip: *flagSkip,
	}
	if *flagVersions != "" {
		pin, err := suite.ParseVersions(*flagVersions)
		if err != nil {
			setupErr = fmt.Errorf("-versions: %w", err)
		}
		opts.Versions = pin
	}
	return opts
})

var _ = BeforeSuite(func() {
	if len(envErrs) > 0 {
		Fail("tlsconform: " + strings.Join(envErrs, "; "))
	}
	if setupErr != nil {
		Fail("tlsconform: " + setupErr.Error())
	}
	if err := os.MkdirAll(*flagReports, 0o755); err != nil {
		Fail("tlsconform: report dir: " + err.Error())
	}
})

var _ = ReportAfterSuite("tlsconform client reports", func(rep Report) {
	if err := os.MkdirAll(*flagReports, 0o755); err != nil {
		fmt.Fprintf(os.Stderr, "tlsconform: %v\n", err)
		return
	}
	if err := reporters.GenerateJUnitReport(rep, filepath.Join(*flagReports, reports.JUnitFile)); err != nil {
		fmt.Fprintf(os.Stderr, "tlsconform: junit: %v\n", err)
	}
})
