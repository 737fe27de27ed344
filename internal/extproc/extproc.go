// Package extproc runs the external TLS tools the tests talk to (openssl
// s_server and s_client, gnutls-serv and gnutls-cli): it finds the binary,
// starts it under a context, keeps its output line by line, waits for a
// readiness line and stops the process.
//
// The tests use it directly (Require skips or fails a test on a missing
// tool); package targets uses it to run the tools as conformance targets
// (Lookup returns an error instead, Options.MaxLines bounds the output a
// long-lived server keeps). Start with Start and StartReady. It imports
// only the standard library and must not import any other package of this
// project, Ginkgo or Gomega.
package extproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"
)

// TB is the part of testing.TB (and of Ginkgo's GinkgoT()) that Require uses.
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// MissingIsFatal reports whether a missing tool must fail the run instead of
// skipping: under CI (CI=true) the interop tests are not optional.
func MissingIsFatal() bool { return os.Getenv("CI") == "true" }

// Require returns the path of the named binary. When it is not installed
// the test is skipped, or fails when MissingIsFatal.
func Require(t TB, name string) string {
	t.Helper()
	path, err := Lookup(name)
	if err == nil {
		return path
	}
	if MissingIsFatal() {
		t.Fatalf("extproc: %s is not installed and CI=true requires it: %v", name, err)
	} else {
		t.Skipf("extproc: %s is not installed, skipping (under CI=true this fails): %v", name, err)
	}
	return ""
}

// NotFoundError says a tool (or a library a tool is built against) is not
// installed and which package brings it.
type NotFoundError struct {
	Name    string // the binary looked for, or a header or library
	Package string // the Debian/Ubuntu package that installs it
	// Where is where it was looked for; "" means PATH (a binary).
	Where string
	Err   error // from exec.LookPath, wrapping exec.ErrNotFound, or the build's
}

func (e *NotFoundError) Error() string {
	where := e.Where
	if where == "" {
		where = "PATH"
	}
	return fmt.Sprintf("%s not found in %s: install it with apt-get install -y %s", e.Name, where, e.Package)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// packageOf is the Debian/Ubuntu package that installs a tool.
func packageOf(name string) string {
	switch name {
	case "gnutls-serv", "gnutls-cli", "certtool":
		return "gnutls-bin"
	case "selfserv", "tstclnt", "certutil", "pk12util":
		return "libnss3-tools"
	case "escript", "erl":
		// erlang-base has the runtime; the ssl application, which the
		// erlang target needs, comes with erlang-ssl, which depends on it.
		return "erlang-ssl"
	}
	return name
}

// Lookup returns the path of the named binary, or a *NotFoundError that
// says how to install it.
func Lookup(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err == nil {
		return path, nil
	}
	if !errors.Is(err, exec.ErrNotFound) {
		// Found but not executable, or a malformed name: say so as is.
		return "", fmt.Errorf("extproc: %w", err)
	}
	return "", &NotFoundError{Name: name, Package: packageOf(name), Err: err}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago, for
// tools that cannot be told to pick one themselves (gnutls-serv). Another
// process may take it before the tool binds, so callers retry on a bind
// failure.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("extproc: free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("extproc: free port: %w", err)
	}
	return port, nil
}

// Options are the optional parts of starting a process.
type Options struct {
	// Stdin gives Proc.Stdin a pipe to the process's standard input;
	// otherwise it reads from the null device.
	Stdin bool
	// Dir is the working directory; default the caller's.
	Dir string
	// Env is added to the caller's environment.
	Env []string
	// MaxLines, when positive, keeps only the last MaxLines lines of
	// output (and cuts a line at maxLineBytes), so a server that runs for
	// hours does not grow without bound; Output then starts with a note of
	// how many lines were dropped. WaitLine does not see dropped lines.
	MaxLines int
	// Group runs the process in a process group of its own, and Stop and
	// the end of ctx kill the whole group: a shell command line and
	// everything it started (sh -c does not always exec its last command,
	// and killing the shell alone would leave a server listening).
	Group bool
}

// maxLineBytes is where a line is cut when Options.MaxLines is set.
const maxLineBytes = 16 << 10

// waitDelay bounds how long Wait waits for the output pipe to drain after
// the process has exited (a grandchild may hold it open).
const waitDelay = 2 * time.Second

// Proc is a running external process whose standard output and standard
// error are collected, interleaved, as lines.
type Proc struct {
	// Name is the binary's base name and first argument, for messages.
	Name string
	// Stdin is the pipe to the process's standard input when
	// Options.Stdin was set, else nil.
	Stdin io.WriteCloser

	cmd     *exec.Cmd
	out     *lines
	exited  chan struct{}
	waitErr error // valid once exited is closed
	stop    sync.Once
	group   bool // Options.Group
}

// Start runs path with args until ctx ends or Stop is called. The caller
// must call Stop (ctx's end kills the process too, but Stop also reaps it).
func Start(ctx context.Context, path string, args []string, opts Options) (*Proc, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.WaitDelay = waitDelay
	cmd.Dir = opts.Dir
	if len(opts.Env) > 0 {
		cmd.Env = append(os.Environ(), opts.Env...)
	}
	name := filepath.Base(path)
	if len(args) > 0 {
		name += " " + args[0]
	}
	p := &Proc{Name: name, cmd: cmd, out: newLines(opts.MaxLines), exited: make(chan struct{}), group: opts.Group}
	if opts.Group {
		inGroup(cmd)
	}
	// One writer for both streams: exec then uses a single pipe, so the
	// lines keep the order the process wrote them in.
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	if opts.Stdin {
		w, err := cmd.StdinPipe()
		if err != nil {
			return nil, fmt.Errorf("extproc: %s: stdin: %w", name, err)
		}
		p.Stdin = w
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("extproc: start %s: %w", name, err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		p.out.end()
		close(p.exited)
	}()
	return p, nil
}

// StartReady starts the process and waits, at most within, for a line of
// its output that matches ready; it returns the submatches of that line.
// On failure the process is stopped and the error carries its output.
func StartReady(ctx context.Context, path string, args []string, opts Options, ready *regexp.Regexp, within time.Duration) (*Proc, []string, error) {
	p, err := Start(ctx, path, args, opts)
	if err != nil {
		return nil, nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	m, err := p.WaitLine(wctx, ready)
	if err != nil {
		p.Stop()
		return nil, nil, fmt.Errorf("extproc: %s did not become ready: %w", p.Name, err)
	}
	return p, m, nil
}

// WaitLine waits until the process has printed a whole line matching re,
// at any time since it started, and returns the line's submatches. It
// fails when ctx ends or the output ends first; the error carries the
// output so far.
func (p *Proc) WaitLine(ctx context.Context, re *regexp.Regexp) ([]string, error) {
	seen := 0
	for {
		fresh, next, changed, ended := p.out.since(seen)
		for _, l := range fresh {
			if m := re.FindStringSubmatch(l); m != nil {
				return m, nil
			}
		}
		seen = next
		if ended {
			<-p.exited
			return nil, fmt.Errorf("extproc: %s exited (%v) without a line matching %q; output:\n%s", p.Name, p.waitErr, re, p.Output())
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("extproc: %s printed no line matching %q: %w; output:\n%s", p.Name, re, context.Cause(ctx), p.Output())
		}
	}
}

// Output is everything the process printed so far.
func (p *Proc) Output() string { return p.out.String() }

// OnLine calls f with every whole line the process prints from now on,
// in order, after calling it with the lines already kept: a caller that
// timestamps or files the output (the network campaign's target log)
// sees every line once. f runs on the goroutine that reads the output,
// with the output locked: it must be quick and must not call back into
// p. A later call replaces f.
func (p *Proc) OnLine(f func(line string)) { p.out.follow(f) }

// Exited is closed once the process has exited and its output ended.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Err is the process's exit error (see exec.Cmd.Wait); valid once Exited
// is closed.
func (p *Proc) Err() error {
	<-p.exited
	return p.waitErr
}

// Signal sends sig to the process, e.g. os.Kill to play a crash in a
// test of crash detection. Unlike Stop it does not wait.
func (p *Proc) Signal(sig os.Signal) error {
	if err := p.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("extproc: signal %s: %w", p.Name, err)
	}
	return nil
}

// Stop kills the process (if it still runs) and waits for it. It may be
// called more than once and from deferred cleanups.
func (p *Proc) Stop() {
	p.stop.Do(func() {
		// Kill first: closing stdin first lets a process that reads it
		// (cat) exit cleanly, and Stop must leave a killed process.
		// os.ErrProcessDone when it has already exited; any other error
		// leaves Wait to return when ctx ends the process.
		if p.group {
			_ = killGroup(p.cmd.Process)
		} else {
			_ = p.cmd.Process.Kill()
		}
		if p.Stdin != nil {
			_ = p.Stdin.Close()
		}
	})
	<-p.exited
}

// lines collects written bytes as lines and wakes waiters when a whole
// line arrives or the stream ends. Line numbers are absolute: with a
// limit, the first dropped lines are gone but later numbers stay valid.
type lines struct {
	mu      sync.Mutex
	max     int // keep at most max lines; 0: all
	dropped int // lines no longer kept, from the start
	done    []string
	partial []byte
	ended   bool
	changed chan struct{} // closed and replaced on every change
	hook    func(string)  // OnLine's, or nil
}

func newLines(max int) *lines { return &lines{max: max, changed: make(chan struct{})} }

func (l *lines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	grew := false
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			if l.max > 0 && len(l.partial) > maxLineBytes {
				i = maxLineBytes // cut an endless line; no byte is lost
				l.add(string(l.partial[:i]))
				l.partial = l.partial[i:]
				grew = true
				continue
			}
			break
		}
		l.add(strings.TrimRight(string(l.partial[:i]), "\r"))
		l.partial = l.partial[i+1:]
		grew = true
	}
	if grew {
		l.wake()
	}
	return len(b), nil
}

// add appends a whole line, dropping the oldest beyond the limit. Lines
// are dropped in batches so that appending stays amortised O(1).
func (l *lines) add(s string) {
	if l.hook != nil {
		l.hook(s)
	}
	l.done = append(l.done, s)
	if l.max > 0 && len(l.done) >= 2*l.max {
		n := len(l.done) - l.max
		l.dropped += n
		l.done = append([]string(nil), l.done[n:]...)
	}
}

// follow sets the hook, and calls it with the lines kept so far.
func (l *lines) follow(f func(string)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.hook = f
	if f == nil {
		return
	}
	for _, s := range l.done {
		f(s)
	}
}

// end marks the end of the stream; an unterminated last line becomes a line.
func (l *lines) end() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.partial) > 0 {
		l.add(strings.TrimRight(string(l.partial), "\r"))
		l.partial = nil
	}
	l.ended = true
	l.wake()
}

func (l *lines) wake() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// since returns the kept whole lines from line n on, the number of the
// line after the last one returned, a channel closed on the next change,
// and whether the stream has ended.
func (l *lines) since(n int) ([]string, int, <-chan struct{}, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i := max(n-l.dropped, 0)
	return l.done[i:len(l.done):len(l.done)], l.dropped + len(l.done), l.changed, l.ended
}

// String is the kept output; with a limit, only its last max lines.
func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	kept := l.done
	dropped := l.dropped
	if l.max > 0 && len(kept) > l.max {
		dropped += len(kept) - l.max
		kept = kept[len(kept)-l.max:]
	}
	if dropped > 0 {
		fmt.Fprintf(&b, "[%d earlier lines dropped]\n", dropped)
	}
	for _, s := range kept {
		b.WriteString(s)
		b.WriteByte('\n')
	}
	b.Write(l.partial)
	return b.String()
}
