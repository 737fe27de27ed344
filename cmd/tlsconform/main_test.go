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
	"strings"
	"testing"
	"time"

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
	for _, args := range [][]string{
		{"conformance", "-target", "127.0.0.1:1"},
		{"conformance", "-target", "nocolon"},
		{"conformance", "-target", "reference:no-such-misbehaviour"},
		{"conformance", "-versions", "1.9"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if msg := errb.String(); msg == "" || strings.Count(strings.TrimSpace(msg), "\n") > 1 {
			t.Errorf("%q: want a one- or two-line reason on stderr, got %q", args, msg)
		}
	}
}
