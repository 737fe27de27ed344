package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// envRunMain makes the test binary run the command itself: the campaign's
// TARGET_CMD starts `tlsconform serve -misbehave ...` that way, through
// run, as the real binary would.
const envRunMain = "TLSCONFORM_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// serveCmd is a shell command line that runs `tlsconform serve` (this test
// binary) on addr with misbehaviours.
func serveCmd(t *testing.T, addr, misbehave string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("exec env %s=1 '%s' serve -listen %s -timeout 5s -misbehave %s", envRunMain, exe, addr, misbehave)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := extproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// TestServeMisbehaveCrash: `serve -misbehave fuzz/crash-on-duplicate-key-share`
// exits with status 2 on a ClientHello with two key_share extensions.
func TestServeMisbehaveCrash(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-listen", "127.0.0.1:0", "-misbehave", "fuzz/crash-on-duplicate-key-share"}, pw, &errb)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("serve: %v", err)
	}
	go io.Copy(io.Discard, pr)
	addr := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	m, _ := mutators.ByName("client_hello/extensions/duplicate/key_share")
	raw, ok, err := mutators.MutateHello(m, mutators.SampleHello(wire.VersionTLS13), 1)
	if !ok || err != nil {
		t.Fatalf("mutate: %v %v", ok, err)
	}
	cv := peers.RunScript(ctx, peers.TCP(addr), &peers.ClientConfig{Timeout: 2 * time.Second},
		peers.Script{peers.SendClientHelloBytes(raw, 0), peers.ReadFirstAnswer()})
	if k := cv.Outcome.Kind; k != peers.OutcomeClosed && k != peers.OutcomeReset {
		t.Errorf("the crashing server answered %s", cv.Outcome)
	}
	limit := time.NewTimer(10 * time.Second)
	defer limit.Stop()
	select {
	case code := <-done:
		if code != 2 || !strings.Contains(errb.String(), "simulated crash") {
			t.Errorf("serve exited %d (%s), want 2 and a word of the crash", code, errb.String())
		}
	case <-limit.C:
		t.Fatal("serve did not exit after the crash")
	}
	var out, eb bytes.Buffer
	if code := run(ctx, []string{"serve", "-misbehave", "no/such"}, &out, &eb); code != 2 || !strings.Contains(eb.String(), "no/such") {
		t.Errorf("unknown misbehaviour: exit %d, %q", code, eb.String())
	}
}

func TestCampaignBadUsage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"campaign", "-duration", "8x"}, "DURATION"},
		{[]string{"campaign", "-duration", "-5s"}, "DURATION"},
		{[]string{"campaign", "-seed", "minus-one"}, "SEED"},
		{[]string{"campaign", "-workers", "0"}, "WORKERS"},
		{[]string{"campaign", "-duration", "1s", "-report-dir", dir, "-target", "127.0.0.1:1"}, "127.0.0.1:1"},
		{[]string{"campaign", "-duration", "1s", "-report-dir", dir, "-target", freeAddr(t), "-target-cmd", "exit 7"}, "exit status 7"},
		{[]string{"campaign", "-shard", "3/2"}, "SHARD"},
		{[]string{"campaign", "-client", "builtin", "-shard", "1/2"}, "-shard is for a server campaign"},
		{[]string{"campaign", "merge"}, "REPORT_DIR"},
		{[]string{"campaign", "merge", "-o", filepath.Join(dir, "m"), dir}, "not a campaign"},
		{[]string{"replay"}, "finding.json"},
		{[]string{"replay", filepath.Join(dir, "nonexistent.json")}, "nonexistent.json"},
	} {
		var out, errb bytes.Buffer
		start := time.Now()
		if code := run(context.Background(), tc.args, &out, &errb); code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message naming %q", tc.args, code, errb.String(), tc.want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%q: took %v", tc.args, d)
		}
	}
}

// TestCampaignAndReplay runs the command end to end: a campaign whose
// TARGET_CMD is `tlsconform serve -misbehave fuzz/crash-on-duplicate-key-share`
// finds the crash (exit 1: a finding), and replay reproduces it (exit 0),
// and does not against crypto/tls (exit 1).
func TestCampaignAndReplay(t *testing.T) {
	addr := freeAddr(t)
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"campaign", "-target", addr,
		"-target-cmd", serveCmd(t, addr, "fuzz/crash-on-duplicate-key-share"), "-duration", "2s", "-workers", "1",
		"-seed", "9", "-report-dir", dir, "-mutators", "client_hello/extensions/duplicate/key_share", "-timeout", "1s"}, &out, &errb)
	if code != 1 {
		t.Fatalf("campaign exit %d, want 1 (findings); stdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	finding := filepath.Join(dir, "findings", "crash_client_hello_extensions_duplicate_key_share_exit-2", "finding.json")
	if _, err := os.Stat(finding); err != nil {
		t.Fatalf("%v; campaign output:\n%s", err, out.String())
	}
	var rep bytes.Buffer
	if code := run(context.Background(), []string{"replay", finding}, &rep, &errb); code != 0 || !strings.Contains(rep.String(), "reproduced: yes") {
		t.Errorf("replay: exit %d:\n%s\n%s", code, rep.String(), errb.String())
	}
	rep.Reset()
	if code := run(context.Background(), []string{"replay", finding, "-target", "builtin"}, &rep, &errb); code != 1 || !strings.Contains(rep.String(), "reproduced: no") {
		t.Errorf("replay against crypto/tls: exit %d, want 1:\n%s\n%s", code, rep.String(), errb.String())
	}
}

// TestCampaignExpect: against builtin the gate's crypto/tls expectations
// are the default: crypto/tls taking a long session_id is counted as
// expected (exit 0, nothing new); with -expect none it is a finding
// (exit 1); a file that is not an expectations file is a setup error.
func TestCampaignExpect(t *testing.T) {
	args := func(dir string, more ...string) []string {
		return append([]string{"campaign", "-target", "builtin", "-duration", "1s", "-seed", "4", "-report-dir", dir,
			"-mutators", "client_hello/session_id/", "-timeout", "1s"}, more...)
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), args(t.TempDir()), &out, &errb); code != 0 || !regexp.MustCompile(`expected: [1-9]`).MatchString(out.String()) {
		t.Errorf("default expectations: exit %d, want 0 and expected acceptances counted:\n%s\n%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(context.Background(), args(t.TempDir(), "-expect", "none"), &out, &errb); code != 1 || !strings.Contains(out.String(), "finding accept:client_hello/session_id") {
		t.Errorf("-expect none: exit %d, want 1 and the session_id finding:\n%s\n%s", code, out.String(), errb.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"deviations": [{"id": "no/such/check", "status": "fail", "reason": "x"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run(context.Background(), args(t.TempDir(), "-expect", bad), &out, &errb); code != 2 || !strings.Contains(errb.String(), "no/such/check") {
		t.Errorf("a bad expectations file: exit %d, want 2 naming the entry: %s", code, errb.String())
	}
}

// TestCampaignShardsAndMerge: two shards of one campaign against
// `tlsconform serve -misbehave fuzz/panic-on-large-client-hello` each
// find the panic (exit 1) and write their summaries; `campaign merge`
// makes them one finding whose inputs are both shards' (exit 1), with
// the summary of the whole.
func TestCampaignShardsAndMerge(t *testing.T) {
	root := t.TempDir()
	var dirs []string
	inputs, most := 0, 0
	for k := 1; k <= 2; k++ {
		addr := freeAddr(t)
		dir := filepath.Join(root, fmt.Sprintf("shard-%d", k))
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"campaign", "-target", addr,
			"-target-cmd", serveCmd(t, addr, "fuzz/panic-on-large-client-hello"), "-duration", "3s", "-workers", "1",
			"-seed", "2", "-shard", fmt.Sprintf("%d/2", k), "-report-dir", dir, "-mutators", "client_hello/size/,client_hello/extensions/unknown/large",
			"-timeout", "1s"}, &out, &errb)
		if code != 1 || !strings.Contains(out.String(), "tlsconform campaign result: 1 finding (crash 1, hang 0, accept 0)") {
			t.Fatalf("shard %d/2: exit %d, want 1 and the panic:\n%s\n%s", k, code, out.String(), errb.String())
		}
		if _, err := os.Stat(filepath.Join(dir, "summary.md")); err != nil {
			t.Errorf("shard %d/2: %v", k, err)
		}
		n := findingInputs(t, dir)
		inputs += n
		most = max(most, n)
		dirs = append(dirs, dir)
	}
	merged := filepath.Join(root, "merged")
	var out, errb bytes.Buffer
	if code := run(context.Background(), append([]string{"campaign", "merge", "-o", merged}, dirs...), &out, &errb); code != 1 {
		t.Fatalf("merge: exit %d, want 1 (findings):\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "tlsconform campaign result: 1 finding (crash 1, hang 0, accept 0)") || !strings.Contains(out.String(), "merged: ") {
		t.Errorf("merge output:\n%s", out.String())
	}
	// The shards drew disjoint inputs (minimization may make the same
	// shorter chain in both): the merged finding has their union.
	if got := findingInputs(t, merged); got < most || got > inputs || got < 2 {
		t.Errorf("merged finding: %d inputs, want the union of the shards' (%d in all, %d in the larger)", got, inputs, most)
	}
	md, err := os.ReadFile(filepath.Join(merged, "summary.md"))
	if err != nil || !strings.Contains(string(md), "## Merged campaigns") || !strings.Contains(string(md), "| 2/2 |") {
		t.Errorf("merged summary.md (%v):\n%s", err, md)
	}
}

// findingInputs is the number of inputs of the one finding in dir.
func findingInputs(t *testing.T, dir string) int {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "findings", "*", "finding.json"))
	if len(paths) != 1 {
		t.Fatalf("%s: %d findings, want 1", dir, len(paths))
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Inputs []json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return len(f.Inputs)
}
