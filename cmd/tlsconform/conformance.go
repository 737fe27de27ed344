package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
)

// conformance runs the conformance gate through the runner of package
// suite, without Ginkgo: 0 when no MUST check failed (no SHOULD check
// warned either, with -strict), 1 when one did, 2 on bad usage or a
// target that cannot be opened or probed.
func conformance(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "builtin", "builtin, openssl, gnutls, HOST:PORT, or reference[:MISBEHAVIOUR]")
	strict := fs.Bool("strict", false, "treat SHOULD-level warnings as failures")
	versions := fs.String("versions", "", "pin the versions to check, e.g. 1.2,1.3 (default: whatever the target supports)")
	reportDir := fs.String("report-dir", "reports/out", "where report.json, summary.md and keylog.txt go")
	seed := fs.Int64("seed", 1, "seed for the client's randomness")
	sni := fs.String("sni", "", "server_name to send")
	timeout := fs.Duration("timeout", 2*time.Second, "deadline for each read and write of a conversation")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tlsconform conformance: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var pin []wire.Version
	for _, s := range strings.Split(*versions, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		v, err := wire.ParseVersion(s)
		if err != nil {
			fmt.Fprintf(stderr, "tlsconform conformance: -versions: %v\n", err)
			return 2
		}
		pin = append(pin, v)
	}
	tgt, err := suite.OpenTarget(ctx, *target, *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform conformance: %v\n", err)
		return 2
	}
	defer tgt.Close()
	var counts reports.Counts
	rep, err := suite.Run(ctx, tgt, suite.Options{
		Versions: pin, Strict: *strict, Seed: *seed, Timeout: *timeout, ServerName: *sni, ReportDir: *reportDir, Out: stdout,
		Progress: func(done, total int, res suite.Result) {
			counts.Add(res.Status)
			if done%250 == 0 {
				fmt.Fprintln(stdout, reports.Progress(done, total, counts))
			}
		},
	}, nil)
	if rep == nil { // the target could not be tested at all
		fmt.Fprintf(stderr, "tlsconform conformance: %v\n", err)
		return 2
	}
	fmt.Fprint(stdout, "\n"+reports.ConsoleSummary(rep, *reportDir, *strict))
	if err != nil { // interrupted, or the reports could not be written
		fmt.Fprintf(stderr, "tlsconform conformance: %v\n", err)
		return 2
	}
	if reports.Failed(rep, *strict) {
		return 1
	}
	return 0
}
