package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Exit statuses of tlsconform conformance, for a CI to branch on.
const (
	exitPass  = 0 // no unexpected MUST failure (no unexpected warning with -strict)
	exitFail  = 1 // conformance failures, or stale expectations
	exitSetup = 2 // usage or setup error: bad flags, target, expectations file
)

// conformance runs the conformance gate through the runner of package
// suite, without Ginkgo or the Go toolchain.
func conformance(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "builtin", "the server under test: builtin, openssl, gnutls, nss, erlang, wolfssl, mbedtls, HOST:PORT, or reference[:MISBEHAVIOUR]")
	client := fs.String("client", "", "a client under test instead of a server: builtin, openssl, gnutls, curl, reference[:MISBEHAVIOUR], or a command with {addr} (also {host} {port} {servername} {ca}), started once per check")
	strict := fs.Bool("strict", false, "treat SHOULD-level warnings (and inconclusive checks) as failures")
	versions := fs.String("versions", "", "select the versions to check, e.g. 1.2,1.3 (default: whatever the target supports)")
	reportDir := fs.String("report-dir", "reports/out", "where report.json, summary.md, junit.xml, report.html, conversations.pcapng and keylog.txt go (replaced at each run)")
	fullReport := fs.Bool("full-report", false, "keep every check's conversation in report.json and conversations.pcapng, not only those of the checks that did not pass")
	seed := fs.Int64("seed", 1, "seed for the client's randomness")
	sni := fs.String("sni", "", "server_name to send")
	timeout := fs.Duration("timeout", 2*time.Second, "deadline for each read and write of a conversation")
	clientCert := fs.String("client-cert", "", "PEM certificate chain to present when the target asks for a client certificate")
	clientKey := fs.String("client-key", "", "PEM private key of -client-cert")
	expect := fs.String("expect", "", "expected-deviations file (JSON); default: crypto/tls's for -target builtin, none otherwise; \"none\" for none")
	updateExpect := fs.Bool("update-expect", false, "rewrite the -expect file from this run: drop stale entries, add unexpected failures")
	runGlob := fs.String("run", "", "run only the checks whose id matches one of these globs (comma-separated; * matches any run of characters)")
	skipGlob := fs.String("skip", "", "skip the checks whose id matches one of these globs")
	if err := fs.Parse(args); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			// The directory the flags name so far (the default, at
			// worst) may hold an earlier run's reports.
			suite.SetupFailed(suite.Options{ReportDir: *reportDir}, *target, fmt.Errorf("bad flags: %v", err))
		}
		return exitSetup
	}
	fail := func(format string, a ...any) int {
		msg := fmt.Sprintf(format, a...)
		fmt.Fprintf(stderr, "tlsconform conformance: %s\n", msg)
		// Whatever reports the directory held are an earlier run's: they
		// are replaced by reports that say this one failed, and why.
		name := *target
		if *client != "" {
			name = *client
		}
		suite.SetupFailed(suite.Options{ReportDir: *reportDir}, name, errors.New(msg))
		return exitSetup
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q (flags come before it? see tlsconform conformance -h)", fs.Arg(0))
	}
	targetSet := false
	fs.Visit(func(f *flag.Flag) { targetSet = targetSet || f.Name == "target" })
	if targetSet && *client != "" {
		return fail("-target names a server under test and -client a client under test: give one of them")
	}
	pin, err := suite.ParseVersions(*versions)
	if err != nil {
		return fail("-versions: %v", err)
	}
	if *updateExpect && (*expect == "" || *expect == "none") {
		return fail("-update-expect needs -expect FILE: the file to rewrite (it may not exist yet)")
	}
	opts := suite.Options{
		Versions: pin, Strict: *strict, Seed: *seed, Timeout: *timeout, ServerName: *sni, ReportDir: *reportDir, FullReport: *fullReport, Out: stdout,
		Expect: *expect, Run: *runGlob, Skip: *skipGlob,
	}
	if *updateExpect {
		// The file is rewritten from what the run sees: it may not exist
		// yet, and its old entries must not excuse anything meanwhile.
		if _, err := os.Stat(*expect); err == nil {
			if opts.Expectations, err = suite.LoadExpectations(*expect); err != nil {
				return fail("%v", err)
			}
		} else {
			opts.Expectations = &suite.Expectations{}
		}
	}
	if *clientCert != "" || *clientKey != "" {
		if opts.ClientCertificate, err = suite.LoadClientCertificate(*clientCert, *clientKey); err != nil {
			return fail("%v", err)
		}
	}
	var counts reports.Counts
	opts.Progress = func(done, total int, res suite.Result) {
		counts.Add(res.Status)
		if done%250 == 0 {
			fmt.Fprintln(stdout, reports.Progress(done, total, counts))
		}
	}
	var rep *reports.Report
	if *client != "" {
		rep, err = suite.RunClient(ctx, suite.Client(*client), opts)
	} else {
		rep, err = suite.RunTarget(ctx, suite.Named(*target), opts)
	}
	if rep == nil { // the target could not be tested at all
		return fail("%s", suite.SetupError(err))
	}
	fmt.Fprint(stdout, "\n"+reports.ConsoleSummary(rep, *reportDir, *strict))
	if err != nil { // interrupted, or the reports could not be written
		return fail("%v", err)
	}
	if reports.Judged(rep) == 0 {
		return fail("every selected check was skipped (see the skip reasons in %s), so nothing was checked: select checks that apply to the target with -run, -skip and -versions", filepath.Join(*reportDir, reports.SummaryFile))
	}
	if *updateExpect {
		up, err := opts.Expectations.Updated(rep, *strict)
		if err != nil {
			return fail("%v", err)
		}
		if err := up.Write(*expect); err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(stdout, "rewrote %s from this run: review the reasons of the entries it added\n", *expect)
		if up.Rejudge(rep, *strict) {
			// What no entry can record (an inconclusive check in strict
			// mode) still fails the run.
			fmt.Fprintf(stdout, "the run still fails with the rewritten file: an inconclusive check cannot be an expected deviation\n")
			return exitFail
		}
		return exitPass
	}
	if reports.Failed(rep, *strict) {
		return exitFail
	}
	return exitPass
}

// list prints the catalogue: id, area, level, RFC section and what each
// check sends, as a table or as JSON.
func list(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runGlob := fs.String("run", "", "list only the checks whose id matches one of these globs (comma-separated; * matches any run of characters)")
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	clients := fs.Bool("client", false, "list the client checks (-client of conformance) instead of the server checks")
	if err := fs.Parse(args); err != nil {
		return exitSetup
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tlsconform list: unexpected argument %q\n", fs.Arg(0))
		return exitSetup
	}
	var catalogue []checks.Check
	if *clients {
		catalogue = suite.ClientCatalogue()
	} else {
		catalogue = suite.Catalogue()
	}
	chs, err := suite.Select(catalogue, *runGlob, "")
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform list: -run: %v\n", err)
		return exitSetup
	}
	type row struct {
		ID    string `json:"id"`
		Area  string `json:"area"`
		Level string `json:"level"`
		RFC   string `json:"rfc"`
		Title string `json:"title"`
		Sends string `json:"sends"`
		Rule  string `json:"rule,omitempty"`
		// Source is where the check is defined: "suite/order/checks.go:231".
		Source string `json:"source,omitempty"`
	}
	rows := make([]row, 0, len(chs))
	for _, ch := range chs {
		sends := ch.Sends()
		if sends == "" {
			sends = ch.Title
		}
		rows = append(rows, row{ID: ch.ID, Area: ch.Area, Level: string(ch.Level), RFC: ch.RFC, Title: oneLine(ch.Title), Sends: oneLine(sends), Rule: oneLine(ruleOf(ch.Rule)), Source: ch.Source})
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rows); err != nil {
			fmt.Fprintf(stderr, "tlsconform list: %v\n", err)
			return 1
		}
		return exitPass
	}
	for _, r := range rows {
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Area, r.Level, r.RFC, r.Sends)
	}
	return exitPass
}

// oneLine squeezes s onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// ruleOf is a check's quoted rule, "" when it has none.
func ruleOf(r checks.Rule) string {
	if r.Text == "" {
		return ""
	}
	return r.String()
}

// reportCmd prints the result block of the run whose reports a directory
// holds: what make conformance ends with, after Ginkgo's own summary.
func reportCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("report-dir", "reports/out", "the directory a run wrote its reports to")
	if err := fs.Parse(args); err != nil {
		return exitSetup
	}
	rep, err := reports.ReadJSON(filepath.Join(*dir, reports.JSONFile))
	if err != nil {
		fmt.Fprintf(stderr, "tlsconform report: no readable report in %s (%v): run tlsconform conformance -report-dir %s first\n", *dir, err, *dir)
		return exitSetup
	}
	fmt.Fprint(stdout, "\n"+reports.ResultBlock(rep, *dir, rep.Strict))
	if rep.SetupError != "" {
		return exitSetup // as the run itself exited
	}
	if reports.Failed(rep, rep.Strict) {
		return exitFail
	}
	return exitPass
}
