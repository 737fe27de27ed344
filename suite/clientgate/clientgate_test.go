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
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/tlsconform/tlsconform/internal/envflag"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/specs"
)

var (
	flagClient   = flag.String("client", env.String("CLIENT", "builtin"), "the client under test: builtin, openssl, gnutls, curl, reference[:MISBEHAVIOUR], or a command with {addr} (also {host} {port} {servername} {ca})")
	flagVersions = flag.String("versions", os.Getenv("VERSIONS"), "select the versions to check, e.g. 1.2,1.3")
	flagStrict   = flag.Bool("strict", env.Bool("STRICT"), "treat SHOULD-level warnings (and inconclusive checks) as failures")
	flagReports  = flag.String("report-dir", env.String("REPORT_DIR", filepath.Join("..", "..", "reports", "out", "client")), "where to write junit.xml, report.json, summary.md and keylog.txt")
	flagSeed     = flag.Int64("seed", env.Int("SEED", 1), "seed for the server's randomness")
	flagTimeout  = flag.Duration("op-timeout", env.Duration("TIMEOUT", 2*time.Second), "deadline for each read and write of the suite's server")
	flagExpect   = flag.String("expect", os.Getenv("EXPECT"), "expected-deviations file (default: crypto/tls's client file for the builtin client; none for none)")
	flagRun      = flag.String("run-checks", os.Getenv("RUN"), "run only the checks whose id matches one of these globs (comma-separated)")
	flagSkip     = flag.String("skip-checks", os.Getenv("SKIP"), "skip the checks whose id matches one of these globs")
	flagFull     = flag.Bool("full-report", env.Bool("FULL_REPORT"), "keep every check's conversation in report.json and conversations.pcapng")
)

// env reads the variables make passes; what it could not read fails the
// run in BeforeSuite.
var env envflag.Env

func TestClientConformance(t *testing.T) {
	gomega.RegisterFailHandler(Fail)
	RunSpecs(t, "tlsconform client conformance")
}

// setupErr is a flag that could not be read; BeforeSuite fails on it.
var setupErr error

var _ = specs.DescribeClient("tlsconform client", func() suite.ClientUnderTest { return suite.Client(*flagClient) }, func() suite.Options {
	opts := suite.Options{
		Strict: *flagStrict, Seed: *flagSeed, Timeout: *flagTimeout, ReportDir: *flagReports, FullReport: *flagFull, Out: os.Stdout,
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
	if len(env.Errs) > 0 {
		Fail("tlsconform: " + strings.Join(env.Errs, "; "))
	}
	if setupErr != nil {
		Fail("tlsconform: " + setupErr.Error())
	}
	if err := os.MkdirAll(*flagReports, 0o755); err != nil {
		Fail("tlsconform: report dir: " + err.Error())
	}
})
