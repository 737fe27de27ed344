package extproc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

func shell(t *testing.T) string {
	t.Helper()
	return Require(t, "sh")
}

func TestStartReadyEchoAndStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, m, err := StartReady(ctx, shell(t), []string{"-c", `echo starting >&2; echo "READY port=4242"; exec cat`},
		Options{Stdin: true}, regexp.MustCompile(`^READY port=(\d+)$`), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	if m[1] != "4242" {
		t.Errorf("port %q, want 4242", m[1])
	}
	if _, err := io.WriteString(p.Stdin, "hello there\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.WaitLine(ctx, regexp.MustCompile(`^hello there$`)); err != nil {
		t.Fatal(err)
	}
	// Earlier lines stay visible to later waits, stderr included.
	if _, err := p.WaitLine(ctx, regexp.MustCompile(`^starting$`)); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	p.Stop() // idempotent
	select {
	case <-p.Exited():
	default:
		t.Fatal("Exited not closed after Stop")
	}
	if p.Err() == nil {
		t.Error("a killed process reports no exit error")
	}
}

func TestStartReadyProcessExits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := StartReady(ctx, shell(t), []string{"-c", "echo bind failed; exit 3"}, Options{},
		regexp.MustCompile(`^READY`), 5*time.Second)
	if err == nil {
		t.Fatal("no error for a process that exits before its ready line")
	}
	for _, want := range []string{"bind failed", "exit status 3"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestStartReadyDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// cat blocks on the open stdin pipe: the ready line never comes.
	_, _, err := StartReady(ctx, shell(t), []string{"-c", "echo still warming up; exec cat"}, Options{Stdin: true},
		regexp.MustCompile(`^READY`), 200*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want one wrapping context.DeadlineExceeded", err)
	}
	if !strings.Contains(err.Error(), "still warming up") {
		t.Errorf("error %q does not carry the output", err)
	}
}

func TestUnterminatedLastLine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := Start(ctx, shell(t), []string{"-c", "printf 'one\\r\\ntwo'"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	for _, want := range []string{`^one$`, `^two$`} {
		if _, err := p.WaitLine(ctx, regexp.MustCompile(want)); err != nil {
			t.Fatal(err)
		}
	}
	<-p.Exited()
	if p.Err() != nil {
		t.Errorf("exit error %v", p.Err())
	}
}

// fakeTB records what Require asked for instead of ending the test.
type fakeTB struct{ skipped, failed string }

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Skipf(format string, a ...any)  { f.skipped = fmt.Sprintf(format, a...) }
func (f *fakeTB) Fatalf(format string, a ...any) { f.failed = fmt.Sprintf(format, a...) }

func TestRequireMissingBinary(t *testing.T) {
	const missing = "tlsconform-no-such-binary"
	for _, tc := range []struct {
		ci        string
		wantFatal bool
	}{{"", false}, {"false", false}, {"true", true}} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			var f fakeTB
			if got := Require(&f, missing); got != "" {
				t.Fatalf("path %q for a missing binary", got)
			}
			if tc.wantFatal && (f.failed == "" || f.skipped != "") {
				t.Errorf("CI=%s: fatal %q, skip %q; want a failure", tc.ci, f.failed, f.skipped)
			}
			if !tc.wantFatal && (f.skipped == "" || f.failed != "") {
				t.Errorf("CI=%s: fatal %q, skip %q; want a skip", tc.ci, f.failed, f.skipped)
			}
			if msg := f.failed + f.skipped; !strings.Contains(msg, missing) {
				t.Errorf("message %q does not name the binary", msg)
			}
		})
	}
}

func TestFreePort(t *testing.T) {
	p, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	if p <= 0 || p > 65535 {
		t.Fatalf("port %d", p)
	}
}

func TestLookup(t *testing.T) {
	if p, err := Lookup("sh"); err != nil || p == "" {
		t.Fatalf("Lookup(sh): %q, %v", p, err)
	}
	for name, want := range map[string]string{
		"tlsconform-no-such-binary": "tlsconform-no-such-binary not found in PATH: install it with apt-get install -y tlsconform-no-such-binary",
	} {
		_, err := Lookup(name)
		var nf *NotFoundError
		if !errors.As(err, &nf) || err.Error() != want || !errors.Is(err, exec.ErrNotFound) {
			t.Errorf("Lookup(%q): %v, want a *NotFoundError %q wrapping exec.ErrNotFound", name, err, want)
		}
	}
	// gnutls-serv comes in gnutls-bin; with an empty PATH nothing is found.
	t.Setenv("PATH", t.TempDir())
	for name, pkg := range map[string]string{
		"gnutls-serv": "gnutls-bin", "selfserv": "libnss3-tools", "pk12util": "libnss3-tools", "escript": "erlang-ssl",
	} {
		_, err := Lookup(name)
		if want := "install it with apt-get install -y " + pkg; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Lookup(%s): %v, want %q", name, err, want)
		}
	}
	lib := &NotFoundError{Name: "wolfssl/ssl.h", Package: "libwolfssl-dev", Where: "gcc's include path"}
	if want := "wolfssl/ssl.h not found in gcc's include path: install it with apt-get install -y libwolfssl-dev"; lib.Error() != want {
		t.Errorf("%q, want %q", lib, want)
	}
}

func TestMaxLines(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := Start(ctx, shell(t), []string{"-c", `i=1; while [ $i -le 50 ]; do echo "line $i"; i=$((i+1)); done`}, Options{MaxLines: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if _, err := p.WaitLine(ctx, regexp.MustCompile(`^line 50$`)); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	out := p.Output()
	if !strings.HasPrefix(out, "[40 earlier lines dropped]\nline 41\n") || !strings.HasSuffix(out, "line 50\n") {
		t.Errorf("output %q, want the last 10 lines after a note", out)
	}
	// A line that has been dropped is not found any more.
	wctx, wcancel := context.WithTimeout(ctx, time.Second)
	defer wcancel()
	if _, err := p.WaitLine(wctx, regexp.MustCompile(`^line 1$`)); err == nil {
		t.Error("WaitLine found a dropped line")
	}
}

func TestMaxLinesCutsEndlessLine(t *testing.T) {
	l := newLines(4)
	big := strings.Repeat("x", 3*maxLineBytes+5)
	if _, err := l.Write([]byte(big)); err != nil {
		t.Fatal(err)
	}
	got, next, _, _ := l.since(0)
	if len(got) != 3 || next != 3 || len(got[0]) != maxLineBytes {
		t.Fatalf("%d lines (next %d), want 3 of %d bytes", len(got), next, maxLineBytes)
	}
	l.end()
	if s := l.String(); len(s) != len(big)+4 { // 4 line ends
		t.Errorf("output of %d bytes, want %d", len(s), len(big)+4)
	}
}

func TestSignal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, _, err := StartReady(ctx, shell(t), []string{"-c", "echo up; exec cat"}, Options{Stdin: true},
		regexp.MustCompile(`^up$`), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if err := p.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), "signal: killed") {
		t.Errorf("exit error %v, want signal: killed", err)
	}
}

// TestOnLine: a follower gets the lines printed before it came, then
// every later one, once each and in order, the unterminated last line
// included.
func TestOnLine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, _, err := StartReady(ctx, shell(t), []string{"-c", `echo one; echo two >&2; exec cat`},
		Options{Stdin: true, MaxLines: 100}, regexp.MustCompile(`^two$`), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	var got []string
	p.OnLine(func(s string) { got = append(got, s) })
	if _, err := io.WriteString(p.Stdin, "three\nfour"); err != nil {
		t.Fatal(err)
	}
	p.Stdin.Close()
	select {
	case <-p.Exited():
	case <-ctx.Done():
		t.Fatal("cat did not exit when its input ended")
	}
	if want := []string{"one", "two", "three", "four"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("OnLine saw %q, want %q", got, want)
	}
}
