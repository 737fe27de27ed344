//go:debug tls10server=1

// The Ginkgo front of the runner (package suite), as `make conformance`
// runs it: flags, the catalogue as specs (package specs, the Ginkgo
// entry point a user's own suite calls too), JUnit from Ginkgo's
// reporter. Everything a run does is in suite.Runner.
package suite_test

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

// Flags; each defaults to the environment variable make passes.
var (
	flagTarget     = flag.String("target", env.String("TARGET", "builtin"), "target: builtin, openssl, gnutls, nss, erlang, wolfssl, mbedtls, HOST:PORT, or reference[:MISBEHAVIOUR] (the suite's own server)")
	flagVersions   = flag.String("versions", os.Getenv("VERSIONS"), "select the versions to check, e.g. 1.2,1.3 (default: whatever the target supports)")
	flagStrict     = flag.Bool("strict", env.Bool("STRICT"), "treat SHOULD-level warnings (and inconclusive checks) as failures")
	flagReports    = flag.String("report-dir", env.String("REPORT_DIR", filepath.Join("..", "reports", "out")), "where to write junit.xml, report.json, summary.md and keylog.txt")
	flagSeed       = flag.Int64("seed", env.Int("SEED", 1), "seed for the client's randomness (and Ginkgo's order with --seed)")
	flagTimeout    = flag.Duration("op-timeout", env.Duration("TIMEOUT", 2*time.Second), "deadline for each read and write of a conversation")
	flagSNI        = flag.String("sni", os.Getenv("SNI"), "server_name to send")
	flagExpect     = flag.String("expect", os.Getenv("EXPECT"), "expected-deviations file (default: crypto/tls's for the builtin target; none for none)")
	flagRun        = flag.String("run-checks", os.Getenv("RUN"), "run only the checks whose id matches one of these globs (comma-separated)")
	flagSkip       = flag.String("skip-checks", os.Getenv("SKIP"), "skip the checks whose id matches one of these globs")
	flagClientCert = flag.String("client-cert", os.Getenv("CLIENT_CERT"), "PEM certificate chain to present when the target asks for a client certificate")
	flagClientKey  = flag.String("client-key", os.Getenv("CLIENT_KEY"), "PEM private key of -client-cert")
	flagFull       = flag.Bool("full-report", env.Bool("FULL_REPORT"), "keep every check's conversation in report.json and conversations.pcapng")
)

// env reads the variables make passes; what it could not read fails the
// run in BeforeSuite.
var env envflag.Env

func TestConformance(t *testing.T) {
	gomega.RegisterFailHandler(Fail)
	RunSpecs(t, "tlsconform conformance")
}

// options are the run's options from the flags; a bad flag value fails
// the run (as a selects-checks spec) with what was wrong.
func options() suite.Options {
	opts := suite.Options{
		Strict:     *flagStrict,
		Seed:       *flagSeed,
		Timeout:    *flagTimeout,
		ServerName: *flagSNI,
		ReportDir:  *flagReports,
		FullReport: *flagFull,
		Out:        os.Stdout,
		Expect:     *flagExpect,
		Run:        *flagRun,
		Skip:       *flagSkip,
	}
	return opts
}

var _ = specs.Describe("tlsconform", func() suite.Target { return suite.Named(*flagTarget) }, func() suite.Options {
	opts := options()
	if *flagVersions != "" {
		pin, err := suite.ParseVersions(*flagVersions)
		if err != nil {
			// Reported by the BeforeAll below, which fails the run.
			setupErr = fmt.Errorf("-versions: %w", err)
		}
		opts.Versions = pin
	}
	if *flagClientCert != "" || *flagClientKey != "" {
		c, err := suite.LoadClientCertificate(*flagClientCert, *flagClientKey)
		if err != nil {
			setupErr = err
		}
		opts.ClientCertificate = c
	}
	return opts
})

// setupErr is a flag that could not be read; BeforeSuite fails on it.
var setupErr error

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
