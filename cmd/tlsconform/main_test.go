package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/targets"
)

// startServe runs `tlsconform serve` in-process on a free port and waits
// for its "listening on" line.
func startServe(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-listen", "127.0.0.1:0"}, pw, io.Discard)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d", code)
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	select {
	case line := <-lines:
		addr, ok := strings.CutPrefix(line, "listening on ")
		if !ok {
			t.Fatalf("serve printed %q", line)
		}
		return addr
	case code := <-done:
		t.Fatalf("serve exited %d before listening", code)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not listen within 30s")
	}
	return ""
}

type result struct {
	Outcome string `json:"outcome"`
	Version string `json:"version"`
	Suite   string `json:"suite"`
	Group   string `json:"group"`
	Alert   string `json:"alert"`
	Error   string `json:"error"`
}

func handshakeJSON(t *testing.T, args ...string) (result, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"handshake"}, args...), &out, &errb)
	var r result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("output %q (stderr %q) is not one JSON object: %v", out.String(), errb.String(), err)
	}
	return r, code
}

func TestHandshakeAgainstServe(t *testing.T) {
	addr := startServe(t)
	keylog := filepath.Join(t.TempDir(), "keys.txt")
	cases := []struct {
		args                  []string
		version, suite, group string
	}{
		{[]string{"-version", "1.3", "-group", "X25519MLKEM768"}, "1.3", "TLS_AES_128_GCM_SHA256", "X25519MLKEM768"},
		{[]string{"-version", "1.3", "-suite", "TLS_CHACHA20_POLY1305_SHA256", "-group", "secp384r1"}, "1.3", "TLS_CHACHA20_POLY1305_SHA256", "secp384r1"},
		{[]string{"-version", "1.2", "-suite", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "-group", "secp256r1"}, "1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "secp256r1"},
		{[]string{"-suite", "TLS_RSA_WITH_AES_256_CBC_SHA"}, "1.2", "TLS_RSA_WITH_AES_256_CBC_SHA", ""},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := append([]string{"-target", addr, "-keylog", keylog}, tc.args...)
			r, code := handshakeJSON(t, args...)
			if code != 0 || r.Outcome != "completed" {
				t.Fatalf("exit %d, %+v", code, r)
			}
			if r.Version != tc.version || r.Suite != tc.suite || r.Group != tc.group {
				t.Errorf("got %s %s %q, want %s %s %q", r.Version, r.Suite, r.Group, tc.version, tc.suite, tc.group)
			}
		})
	}
	b, err := os.ReadFile(keylog)
	if err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"CLIENT_HANDSHAKE_TRAFFIC_SECRET ", "CLIENT_TRAFFIC_SECRET_0 ", "CLIENT_RANDOM "} {
		if !bytes.Contains(b, []byte(label)) {
			t.Errorf("key log lacks %s lines", label)
		}
	}
}

func TestHandshakeOutcomes(t *testing.T) {
	// A port with nothing listening: refused, an error outcome, exit 1.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	r, code := handshakeJSON(t, "-target", dead, "-timeout", "2s")
	if code != 1 || r.Outcome != "error" || r.Error == "" {
		t.Errorf("dead target: exit %d, %+v", code, r)
	}

	// A server that accepts and says nothing: timeout.
	silent, err := targets.Serve(context.Background(), "silent", func(ctx context.Context, ln net.Listener) error {
		c, err := ln.Accept()
		if err != nil {
			return nil // Close
		}
		defer c.Close()
		context.AfterFunc(ctx, func() { c.Close() })
		_, _ = io.Copy(io.Discard, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	r, code = handshakeJSON(t, "-target", silent.Addr(), "-timeout", "200ms")
	if code != 1 || r.Outcome != "timeout" {
		t.Errorf("silent target: exit %d, %+v", code, r)
	}
}

func TestBadUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"handshake"},
		{"handshake", "-target", "nocolon"},
		{"handshake", "-target", "127.0.0.1:1", "-version", "1.9"},
		{"handshake", "-target", "127.0.0.1:1", "-suite", "TLS_NOT_A_SUITE"},
		{"handshake", "-target", "127.0.0.1:1", "-group", "curve9"},
		{"handshake", "-target", "127.0.0.1:1", "-version", "1.3", "-suite", "TLS_RSA_WITH_AES_128_CBC_SHA"},
		{"serve", "-cert", "only-cert.pem"},
		{"serve", "-cert", "/nonexistent/c.pem", "-key", "/nonexistent/k.pem"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if errb.Len() == 0 {
			t.Errorf("%q: no message on stderr", args)
		}
	}
}

// TestConformanceExitCodes: the gate through the runner exits 0 against
// the well-behaved reference server, 1 against one with a misbehaviour
// the catalogue catches (and writes the reports either way), and 2 when
// the target cannot be tested.
func TestConformanceExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: two full runs")
	}
	for _, tc := range []struct {
		target string
		want   int
	}{
		{"reference", 0},
		{"reference:finished/skip-verify", 1},
	} {
		dir := t.TempDir()
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"conformance", "-target", tc.target, "-report-dir", dir, "-versions", "1.2,1.3"}, &out, &errb)
		if code != tc.want {
			t.Errorf("%s: exit %d, want %d; stderr: %s", tc.target, code, tc.want, errb.String())
		}
		if !strings.Contains(out.String(), "result: ") {
			t.Errorf("%s: no result line:\n%s", tc.target, out.String())
		}
		if _, err := os.Stat(filepath.Join(dir, "report.json")); err != nil {
			t.Errorf("%s: %v", tc.target, err)
		}
	}
	badExpect := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(badExpect, []byte(`{"deviations": [{"id": "no/such/*", "status": "fail", "reason": "r"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string // in the message
	}{
		{[]string{"conformance", "-target", "127.0.0.1:1"}, "cannot connect to 127.0.0.1:1"},
		{[]string{"conformance", "-target", "nocolon"}, "unknown target"},
		{[]string{"conformance", "-target", "reference:no-such-misbehaviour"}, "unknown misbehaviour"},
		{[]string{"conformance", "-versions", "1.9"}, "-versions"},
		{[]string{"conformance", "-expect", badExpect}, "names no check"},
		{[]string{"conformance", "-expect", filepath.Join(t.TempDir(), "missing.json")}, "does not exist"},
		{[]string{"conformance", "-run", "no/such/check"}, "names no check"},
		{[]string{"conformance", "-client-cert", "c.pem"}, "go together"},
		{[]string{"conformance", "-update-expect"}, "needs -expect FILE"},
		{[]string{"conformance", "-versions", "1.3", "-run", "finished/tls12/*", "-report-dir", t.TempDir()}, "nothing was checked"},
	} {
		var out, errb bytes.Buffer
		args := tc.args
		dir := t.TempDir()
		if !slices.Contains(args, "-report-dir") {
			args = append(slices.Clone(args), "-report-dir", dir)
		}
		if code := run(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", tc.args, code)
		}
		// Whatever reports a failed setup leaves say that it failed.
		if sum, err := os.ReadFile(filepath.Join(dir, reports.SummaryFile)); err == nil && !strings.Contains(string(sum), "FAIL (setup failed") {
			t.Errorf("%q: summary.md does not say the setup failed:\n%s", tc.args, sum)
		}
		msg := errb.String()
		if msg == "" || strings.Count(strings.TrimSpace(msg), "\n") > 1 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "{") {
			t.Errorf("%q: want a one- or two-line reason with %q on stderr, got %q", tc.args, tc.want, msg)
		}
	}
}

// conformanceRun runs tlsconform conformance against the built-in target
// for the checks of runGlob, and returns the exit status and stdout.
func conformanceRun(t *testing.T, runGlob string, extra ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"conformance", "-target", "builtin", "-report-dir", t.TempDir(), "-timeout", "1s", "-run", runGlob}, extra...)
	code := run(context.Background(), args, &out, &errb)
	if errb.Len() > 0 {
		t.Logf("stderr: %s", errb.String())
	}
	return code, out.String()
}

// TestConformanceExpectations: against the built-in target the shipped
// crypto/tls expectations make the gate green, saying how many deviations
// were expected; a file without one of them exits 1; an entry that no
// longer happens exits 1 naming it; -update-expect rewrites the file so
// that the next run is green.
func TestConformanceExpectations(t *testing.T) {
	const checks = "client-hello/tls12/*/session_id/*,finished/tls13/ecdhe/flip-bit-0"
	code, out := conformanceRun(t, checks)
	if code != 0 || !strings.Contains(out, "2 expected deviations of crypto/tls") || !strings.Contains(out, "0 unexpected") {
		t.Fatalf("builtin with its default expectations: exit %d\n%s", code, out)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "tls.expect.json")
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"deviations": [{"id": "client-hello/*/session_id/255-bytes", "status": "fail", "reason": "crypto/tls takes long session IDs"}]}`)
	if code, out := conformanceRun(t, checks, "-expect", file); code != 1 || !strings.Contains(out, "33-bytes") {
		t.Errorf("an expectations file without the 33-bytes entry: exit %d, want 1 naming the failure\n%s", code, out)
	}
	if code, _ := conformanceRun(t, checks, "-expect", "none"); code != 1 {
		t.Errorf("-expect none: exit %d, want 1", code)
	}

	write(`{"deviations": [
	  {"id": "client-hello/*/session_id/*-bytes", "status": "fail", "reason": "crypto/tls takes long session IDs"},
	  {"id": "finished/tls13/ecdhe/flip-bit-0", "status": "fail", "reason": "not any more"}]}`)
	if code, out := conformanceRun(t, checks, "-expect", file); code != 1 || !strings.Contains(out, `STALE expectation "finished/tls13/ecdhe/flip-bit-0"`) {
		t.Errorf("a stale entry: exit %d, want 1 naming it\n%s", code, out)
	}

	if code, out := conformanceRun(t, checks, "-expect", file, "-update-expect"); code != 0 || !strings.Contains(out, "rewrote") {
		t.Fatalf("-update-expect: exit %d\n%s", code, out)
	}
	if code, out := conformanceRun(t, checks, "-expect", file); code != 0 {
		t.Errorf("after -update-expect: exit %d\n%s", code, out)
	}
	data, _ := os.ReadFile(file)
	if strings.Contains(string(data), "flip-bit-0") || !strings.Contains(string(data), "crypto/tls takes long session IDs") {
		t.Errorf("-update-expect kept the stale entry or lost a reason:\n%s", data)
	}
}

// TestList: tlsconform list prints every check with its area, level, RFC
// and what it sends, -run narrows it, -json is an array of objects.
func TestList(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"list"}, &out, &errb); code != 0 {
		t.Fatalf("list: exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 2000 {
		t.Errorf("list printed %d checks", len(lines))
	}
	for _, l := range lines {
		if f := strings.Split(l, "\t"); len(f) != 5 || f[0] == "" || f[2] == "" || f[3] == "" || f[4] == "" {
			t.Fatalf("list line %q: want id, area, level, RFC, sends", l)
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"list", "-json", "-run", "finished/tls13/*"}, &out, &errb); code != 0 {
		t.Fatalf("list -json: exit %d", code)
	}
	var rows []map[string]string
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatal("list -json -run finished/tls13/*: nothing")
	}
	for _, r := range rows {
		if !strings.HasPrefix(r["id"], "finished/tls13/") || r["level"] == "" || r["rfc"] == "" || r["sends"] == "" {
			t.Errorf("row %v", r)
		}
	}
}

// TestConformanceClient: the client gate exits 0 against the reference
// client and against Go's crypto/tls client (its expected deviations
// shipped), 1 against a reference client that skips the server Finished
// check, 2 for a command that could not know where to connect, and 2
// when -target and -client are both given.
func TestConformanceClient(t *testing.T) {
	for _, tc := range []struct {
		client string
		want   int
	}{
		{"reference", 0},
		{"builtin", 0},
		{"reference:client-finished/skip-verify", 1},
		{"true", 2},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"conformance", "-client", tc.client, "-report-dir", t.TempDir(), "-timeout", "1s"}, &out, &errb)
		if code != tc.want {
			t.Errorf("-client %s: exit %d, want %d\n%s%s", tc.client, code, tc.want, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"conformance", "-client", "builtin", "-target", "builtin", "-report-dir", t.TempDir()}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "give one of them") {
		t.Errorf("-client with -target: exit %d: %s", code, errb.String())
	}
}
