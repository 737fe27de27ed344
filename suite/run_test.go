package suite_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/targets"
)

// The files in testdata/golden hold the catalogue and the status of every
// check against four targets with make conformance's defaults (seed 1,
// 2 s per read), first recorded from main at 8aff8ea, before the runner
// left suite_test.go (issue 8). A change that is meant to change no
// verdict keeps them; a change that fixes a verdict rewrites them
// (go test ./suite -run 'TestCatalogueUnchanged|TestStatusesUnchanged'
// -update) and says in its commit which lines changed and why.

var update = flag.Bool("update", false, "rewrite testdata/golden from this run instead of comparing")

// writeTSV rewrites a testdata file with a header comment and one line
// per id, sorted.
func writeTSV(t *testing.T, name, header string, rows map[string]string) {
	t.Helper()
	ids := make([]string, 0, len(rows))
	for id := range rows {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	b.WriteString("# " + header + "\n")
	for _, id := range ids {
		b.WriteString(id + "\t" + rows[id] + "\n")
	}
	if err := os.WriteFile(filepath.Join("testdata", "golden", name), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("rewrote testdata/golden/%s (%d ids)", name, len(rows))
}

// readTSV reads a testdata file: tab-separated fields, '#' comments.
func readTSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestCatalogueUnchanged: the same check ids, with the same area, row,
// level, RFC labels, mutator, version and key exchange as recorded.
func TestCatalogueUnchanged(t *testing.T) {
	want := map[string]string{}
	for _, f := range readTSV(t, "catalogue.tsv") {
		want[f[0]] = strings.Join(f[1:], "\t")
	}
	got := map[string]string{}
	for _, ch := range suite.Catalogue() {
		got[ch.ID] = strings.Join([]string{ch.Area, strconv.Itoa(ch.Row), string(ch.Level), ch.RFC, ch.Mutator, ch.Ctx.Version.Short(), string(ch.Ctx.KX)}, "\t")
	}
	if *update {
		writeTSV(t, "catalogue.tsv", "id\tarea\trow\tlevel\trfc\tmutator\tversion\tkx", got)
		return
	}
	diff(t, "catalogue", want, got)
}

// diff reports every id whose value differs, is missing or is new.
func diff(t *testing.T, what string, want, got map[string]string) {
	t.Helper()
	n := 0
	for id, w := range want {
		if g, ok := got[id]; !ok {
			t.Errorf("%s: %s is gone (was %q)", what, id, w)
			n++
		} else if g != w {
			t.Errorf("%s: %s is %q, was %q", what, id, g, w)
			n++
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: %s is new (%q)", what, id, g)
			n++
		}
	}
	if n == 0 {
		t.Logf("%s: %d ids, no difference", what, len(got))
	}
}

// TestStatusesUnchanged runs the whole catalogue through the runner
// against each recorded target and compares the status of every check.
// openssl and gnutls are skipped when not installed (and fail under
// CI=true, which installs them).
func TestStatusesUnchanged(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: four full runs")
	}
	for _, name := range []string{"reference", "builtin", "openssl", "gnutls"} {
		t.Run(name, func(t *testing.T) {
			switch name {
			case "openssl":
				extproc.Require(t, "openssl")
			case "gnutls":
				extproc.Require(t, "gnutls-serv")
			}
			want := map[string]string{}
			for _, f := range readTSV(t, "status-"+name+".tsv") {
				want[f[0]] = f[1]
			}
			ctx := context.Background()
			tgt, err := suite.OpenTarget(ctx, name, 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer tgt.Close()
			rep, err := suite.Run(ctx, tgt, suite.Options{Seed: 1, Timeout: 2 * time.Second}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, c := range rep.Checks {
				got[c.ID] = string(c.Status)
			}
			if *update {
				writeTSV(t, "status-"+name+".tsv", "id\tstatus (make conformance TARGET="+name+", seed 1)", got)
				return
			}
			diff(t, name, want, got)
		})
	}
}

// someChecks is a few checks of TLS 1.2 and 1.3, for the runner tests.
func someChecks(n int) []checks.Check {
	var out []checks.Check
	for _, ch := range suite.Catalogue() {
		if len(out) < n && (ch.Ctx.Version.Short() == "1.2" || ch.Ctx.Version.Short() == "1.3") && !ch.Baseline {
			out = append(out, ch)
		}
	}
	return out
}

// TestRunUnreachable: a target that no longer listens fails Start with
// ErrUnreachable, and no check is judged.
func TestRunUnreachable(t *testing.T) {
	ctx := context.Background()
	tgt, err := suite.Reference(ctx, suite.ReferenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tgt.Close()
	rep, err := suite.Run(ctx, tgt, suite.Options{Timeout: 200 * time.Millisecond}, someChecks(5))
	if !errors.Is(err, suite.ErrUnreachable) {
		t.Errorf("Run against a closed port: %v, want ErrUnreachable", err)
	}
	if rep != nil {
		t.Errorf("a report with %d checks for a closed port", len(rep.Checks))
	}
}

// startRun starts the reference server and a run against it.
func startRun(t *testing.T) (targets.Target, *suite.Runner) {
	t.Helper()
	tgt, err := suite.Reference(context.Background(), suite.ReferenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	r, err := suite.Start(context.Background(), tgt, suite.Options{Seed: 1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return tgt, r
}

// TestRunTargetDies: once the target stops answering, the check that saw
// it fails as unreachable and every later check fails without a
// conversation; none passes.
func TestRunTargetDies(t *testing.T) {
	ctx := context.Background()
	tgt, r := startRun(t)
	list := someChecks(6)
	for _, ch := range list[:3] {
		if res := r.Check(ctx, ch); res.Status != reports.Pass {
			t.Fatalf("%s against the live reference server: %s", ch.ID, res.Message())
		}
	}
	tgt.Close()
	for i, ch := range list[3:] {
		res := r.Check(ctx, ch)
		if res.Status != reports.Fail || !strings.Contains(res.Observed, "unreachable") {
			t.Errorf("%s after the target died: %s (%s)", ch.ID, res.Status, res.Message())
		}
		if i > 0 && len(res.Transcript) != 0 {
			t.Errorf("%s: a conversation with a target known dead", ch.ID)
		}
	}
	rep, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Checks) != len(list) || !reports.Failed(rep, false) {
		t.Errorf("report: %d checks, failed=%v", len(rep.Checks), reports.Failed(rep, false))
	}
}

// TestRunWritesReports: with a report directory, Run writes report.json,
// summary.md and the key log, and report.json holds every check judged.
func TestRunWritesReports(t *testing.T) {
	ctx := context.Background()
	tgt, err := suite.Reference(ctx, suite.ReferenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	dir := t.TempDir()
	list := someChecks(4)
	rep, err := suite.Run(ctx, tgt, suite.Options{Seed: 1, ReportDir: dir}, list)
	if err != nil {
		t.Fatal(err)
	}
	if reports.Failed(rep, true) {
		t.Errorf("the reference server failed: %+v", rep.Checks)
	}
	back, err := reports.ReadJSON(filepath.Join(dir, reports.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Checks) != len(list) {
		t.Errorf("report.json has %d checks, want %d", len(back.Checks), len(list))
	}
	for _, f := range []string{reports.SummaryFile, reports.JUnitFile, reports.HTMLFile, reports.PcapFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, fmt.Sprint(err))
		}
	}
	// The key log holds the secrets of the conversations the reports
	// keep: none of a run that passed; every one with FullReport.
	if st, err := os.Stat(filepath.Join(dir, reports.KeyLogFile)); err != nil {
		t.Errorf("keylog.txt: %v", err)
	} else if st.Size() != 0 {
		t.Errorf("keylog.txt of a passing run has %d bytes, want none", st.Size())
	}
	if _, err := suite.Run(ctx, tgt, suite.Options{Seed: 1, ReportDir: dir, FullReport: true}, list); err != nil {
		t.Fatal(err)
	}
	kl, err := os.ReadFile(filepath.Join(dir, reports.KeyLogFile))
	if err != nil || bytes.Count(kl, []byte("\n")) < len(list) {
		t.Errorf("keylog.txt with FullReport: %v, %d lines for %d checks", err, bytes.Count(kl, []byte("\n")), len(list))
	}
	back, err = reports.ReadJSON(filepath.Join(dir, reports.JSONFile))
	if err != nil || len(back.Checks[0].Transcript) == 0 {
		t.Errorf("FullReport keeps a passing check's transcript: %v", err)
	}
}

// BenchmarkRun is a whole run of the catalogue against the built-in
// target (crypto/tls in-process): probing, baselines, every check, no
// report files. Compare runs with benchstat.
func BenchmarkRun(b *testing.B) {
	ctx := context.Background()
	tgt, err := suite.OpenTarget(ctx, "builtin", 2*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer tgt.Close()
	all := suite.Catalogue()
	for b.Loop() {
		rep, err := suite.Run(ctx, tgt, suite.Options{Seed: 1}, all)
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Checks) != len(all) {
			b.Fatalf("%d of %d checks", len(rep.Checks), len(all))
		}
	}
}

// BenchmarkRunReports is BenchmarkRun writing every report (report.json,
// summary.md, junit.xml, report.html, conversations.pcapng, keylog.txt):
// compared with BenchmarkRun, what the reports add to a run.
func BenchmarkRunReports(b *testing.B) {
	ctx := context.Background()
	tgt, err := suite.OpenTarget(ctx, "builtin", 2*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer tgt.Close()
	all := suite.Catalogue()
	dir := b.TempDir()
	for b.Loop() {
		if _, err := suite.Run(ctx, tgt, suite.Options{Seed: 1, ReportDir: dir}, all); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLabels: a check's labels name its version, key exchange, area,
// level and every RFC with its section.
func TestLabels(t *testing.T) {
	ch := checks.Check{Area: "finished", Level: checks.MUST, RFC: "RFC 8446 §6.2; RFC 5246 §7.4.9",
		Ctx: checks.Context{Version: wire.VersionTLS13, KX: checks.KXTLS13}}
	got := strings.Join(suite.Labels(ch), " ")
	if want := "tls1.3 ecdhe finished MUST rfc8446 rfc8446-6.2 rfc5246 rfc5246-7.4.9"; got != want {
		t.Errorf("labels %q, want %q", got, want)
	}
}

// TestProbeCutShortIsAnError: probing that runs out of time is an error,
// never a partial profile (whose missing versions and suites would skip
// the checks that need them).
func TestProbeCutShortIsAnError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tgt, err := suite.Reference(ctx, suite.ReferenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	dials := 0
	env := &checks.Env{Timeout: time.Second, Dial: func(ctx context.Context) (net.Conn, error) {
		if dials++; dials == 3 {
			cancel() // the deadline passes during the third probe
		}
		return tgt.Dial(ctx)
	}}
	if prof, err := suite.Probe(ctx, env); err == nil {
		t.Errorf("a probe cut short returned a profile (%d versions, %d suites) and no error", len(prof.Versions), len(prof.Suites))
	}
}

// TestInterruptedCheck: a check whose caller gives up is not judged and
// makes the run incomplete (and failed), but it does not make the live
// target look dead to the checks after it.
func TestInterruptedCheck(t *testing.T) {
	ctx := context.Background()
	_, r := startRun(t)
	list := someChecks(2)
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if res := r.Check(gone, list[0]); res.Status == reports.Pass || res.Status == reports.Fail {
		t.Errorf("%s with its caller gone: %s (%s), want it not judged", list[0].ID, res.Status, res.Message())
	}
	if res := r.Check(ctx, list[1]); res.Status != reports.Pass {
		t.Errorf("%s after an interrupted check: %s (%s): the target is alive", list[1].ID, res.Status, res.Message())
	}
	rep, err := r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Incomplete == "" || !reports.Failed(rep, false) {
		t.Errorf("an interrupted run: incomplete %q, failed %v", rep.Incomplete, reports.Failed(rep, false))
	}
}

// TestRunInterrupted: Run stops when its context ends and says so: an
// error, and a report marked incomplete that fails.
func TestRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tgt, err := suite.Reference(ctx, suite.ReferenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	list := someChecks(10)
	rep, err := suite.Run(ctx, tgt, suite.Options{Seed: 1, Timeout: time.Second, Progress: func(done, _ int, _ suite.Result) {
		if done == 3 {
			cancel()
		}
	}}, list)
	if err == nil || rep == nil {
		t.Fatalf("Run interrupted after 3 checks: report %v, error %v", rep != nil, err)
	}
	if len(rep.Checks) >= len(list) || rep.Incomplete == "" || !reports.Failed(rep, false) {
		t.Errorf("report of an interrupted run: %d of %d checks, incomplete %q, failed %v", len(rep.Checks), len(list), rep.Incomplete, reports.Failed(rep, false))
	}
}

// TestPinnedVersionsTheTargetLacks: pinning only versions the target
// does not speak is a setup error, not a green run of skips.
func TestPinnedVersionsTheTargetLacks(t *testing.T) {
	ctx := context.Background()
	tgt, err := targets.Open(ctx, "builtin", targets.Options{Versions: []string{"1.2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	if _, err := suite.Run(ctx, tgt, suite.Options{Versions: []wire.Version{wire.VersionTLS13}}, someChecks(3)); err == nil || !strings.Contains(err.Error(), "selected versions (1.3)") || !strings.Contains(err.Error(), "(it does 1.2)") {
		t.Errorf("TLS 1.3 pinned against a TLS 1.2 server: %v, want an error about the pinned versions", err)
	}
}

// TestSends: what a check sends can be listed without running it, for
// the checks generated from mutators and those made of one script; the
// changed step is marked.
func TestSends(t *testing.T) {
	n, listed := 0, 0
	for _, ch := range suite.Catalogue() {
		n++
		s := ch.Sends()
		if s != "" {
			listed++
		}
		if ch.Change != "" && !strings.Contains(s, "["+ch.Change+"]") {
			t.Errorf("%s: %q does not mark the changed step %s", ch.ID, s, ch.Change)
		}
	}
	if listed*10 < n*8 {
		t.Errorf("only %d of %d checks say what they send", listed, n)
	}
	t.Logf("%d of %d checks say what they send", listed, n)
}

// TestEveryMustHasARule: every MUST check of the catalogue rests on a
// sentence of an RFC that puts a duty on the receiver, quoted with its
// RFC and section (the review of issue 9). A MUST check without one is a
// check that may fail a target for what the RFC does not ask of it.
func TestEveryMustHasARule(t *testing.T) {
	missing := map[string][]string{}
	n := 0
	for _, ch := range append(suite.Catalogue(), suite.ClientCatalogue()...) {
		if ch.Level != checks.MUST {
			continue
		}
		n++
		r := ch.Rule
		if r.Text == "" || !strings.HasPrefix(r.Cite, "RFC ") || !strings.Contains(r.Cite, "§") && !strings.Contains(r.Cite, "App. ") {
			missing[ch.RFC] = append(missing[ch.RFC], ch.ID)
			continue
		}
		// A sentence without a key word (a definition, a "cannot") or with
		// a sender's MAY states no duty of the receiver. What a sender MAY
		// send, a receiver must take: that duty is RFC 2119 §5's, quoted.
		if !strings.Contains(r.Text, "MUST") && !strings.Contains(r.Text, "fatal error") {
			t.Errorf("%s: its rule (%s) states no duty", ch.ID, r)
		}
	}
	for label, ids := range missing {
		t.Errorf("%d MUST checks labelled %q have no receiver-duty sentence, e.g. %s", len(ids), label, ids[0])
	}
	t.Logf("%d MUST checks, each with its rule", n)
}

// crashAfterAlert is a fake server in front of tgt that, once armed, dies
// as soon as the target sends an alert: it stops listening before the
// alert reaches the client (so that the death is there to see when the
// client has read it), passes the alert on and drops the connection.
type crashAfterAlert struct {
	ln    net.Listener
	armed atomic.Bool
	// late makes the death come later instead: at the next connection
	// after the armed alert (the liveness check's), which the kernel has
	// already accepted.
	late atomic.Bool
	died atomic.Bool
	wg   sync.WaitGroup
}

func startCrashAfterAlert(t *testing.T, tgt targets.Target) (*crashAfterAlert, targets.Target) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &crashAfterAlert{ln: ln}
	t.Cleanup(func() { ln.Close(); f.wg.Wait() })
	f.wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			if f.died.Load() {
				ln.Close()
				nc.Close()
				return
			}
			f.wg.Go(func() { f.relay(nc, tgt) })
		}
	})
	remote, err := targets.Open(context.Background(), ln.Addr().String(), targets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { remote.Close() })
	return f, remote
}

// relay passes bytes both ways, the target's record by record.
func (f *crashAfterAlert) relay(nc net.Conn, tgt targets.Target) {
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
	up, err := tgt.Dial(context.Background())
	if err != nil {
		return
	}
	defer up.Close()
	_ = up.SetDeadline(time.Now().Add(5 * time.Second))
	go func() { _, _ = io.Copy(up, nc) }()
	var buf []byte
	chunk := make([]byte, 32<<10)
	for {
		n, err := up.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for len(buf) >= wire.RecordHeaderLen {
			end := wire.RecordHeaderLen + (int(buf[3])<<8 | int(buf[4]))
			if len(buf) < end {
				break
			}
			if wire.ContentType(buf[0]) == wire.ContentAlert && f.armed.Load() {
				if f.late.Load() {
					f.died.Store(true)
				} else {
					f.ln.Close() // the crash: nothing listens any more
				}
				_, _ = nc.Write(buf[:end])
				return
			}
			if _, err := nc.Write(buf[:end]); err != nil {
				return
			}
			buf = buf[end:]
		}
		if err != nil {
			return
		}
	}
}

// TestCrashAfterTheExpectedAlert: a target that answers a bad Finished
// with the alert it owes and then dies has not passed: the check that
// drew the alert fails as a crash, and the next check, which finds the
// target gone, does not take the blame.
func TestCrashAfterTheExpectedAlert(t *testing.T) {
	for _, late := range []bool{false, true} {
		t.Run(fmt.Sprintf("late=%v", late), func(t *testing.T) { crashAfterTheExpectedAlert(t, late) })
	}
}

// crashAfterTheExpectedAlert: with late, the target dies only after the
// liveness check saw it alive: the next check, which no longer reaches
// it, fails saying the target died before it, after the check that drew
// the alert.
func crashAfterTheExpectedAlert(t *testing.T, late bool) {
	f, tgt := startCrashAfterAlert(t, reference(t))
	f.late.Store(late)
	ctx := context.Background()
	r, err := suite.Start(ctx, tgt, suite.Options{Seed: 1, Timeout: time.Second, Versions: []wire.Version{wire.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	var flip, next checks.Check
	for _, ch := range suite.Catalogue() {
		switch ch.ID {
		case "finished/tls12/ecdhe_rsa/flip-bit-0":
			flip = ch
		case "finished/tls12/ecdhe_rsa/flip-bit-1":
			next = ch
		}
	}
	if control := r.Check(ctx, next); control.Status != reports.Pass {
		t.Fatalf("%s before the crash: %s", next.ID, control.Message())
	}
	f.armed.Store(true)
	res := r.Check(ctx, flip)
	after := r.Check(ctx, next)
	switch {
	case !late && (res.Status != reports.Fail || !strings.Contains(res.Observed, "did it crash after its answer?")):
		t.Errorf("%s, whose expected alert the target sent before it died: %s, want a failure as a crash (%s)", flip.ID, res.Status, res.Message())
	case !late && (after.Status != reports.Fail || len(after.Transcript) != 0):
		t.Errorf("%s after the crash: %s with %d events, want a failure without a conversation (%s)", next.ID, after.Status, len(after.Transcript), after.Message())
	case late && res.Status != reports.Pass:
		t.Errorf("%s, after which the target still answered the liveness check: %s (%s)", flip.ID, res.Status, res.Message())
	case late && (after.Status != reports.Fail || !strings.Contains(after.Observed, "it died before this check, after "+flip.ID)):
		t.Errorf("%s, which found the target gone: %s, want a failure that says it died after %s (%s)", next.ID, after.Status, flip.ID, after.Message())
	}
	if _, err := r.Close(); err != nil {
		t.Fatal(err)
	}
}
