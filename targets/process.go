package targets

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tlsconform/tlsconform/internal/extproc"
	"github.com/tlsconform/tlsconform/peers/certs"
)

// procTarget is a TLS server run as a process: every target of Names but
// builtin.
type procTarget struct {
	name     string // "openssl"
	addr     string
	proc     *extproc.Proc
	cancel   context.CancelFunc // ends the process's context
	dir      string             // removed on Close when owned
	ownDir   bool
	versions []string
	notes    []string

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

func (t *procTarget) Name() string       { return t.name }
func (t *procTarget) Addr() string       { return t.addr }
func (t *procTarget) Notes() []string    { return t.notes }
func (t *procTarget) Versions() []string { return t.versions }

// Output is the end of what the process printed, stdout and stderr
// interleaved.
func (t *procTarget) Output() string { return tail(t.proc.Output(), outputTail) }

// OnOutput follows the process's output (OutputFollower).
func (t *procTarget) OnOutput(f func(line string)) { t.proc.OnLine(f) }

func (t *procTarget) Dial(ctx context.Context) (net.Conn, error) {
	return dial(ctx, t.addr)
}

func (t *procTarget) Alive(ctx context.Context) error {
	if t.closed.Load() {
		return fmt.Errorf("targets: %s: closed", t.name)
	}
	if err := t.exitErr(); err != nil {
		return err
	}
	if err := checkConnect(ctx, t.addr); err != nil {
		// The refusal may be the first sign of a crash.
		if e := t.exitErr(); e != nil {
			return e
		}
		return fmt.Errorf("targets: %s: %w", t.name, err)
	}
	return nil
}

// exitErr is the process's exit, with its last output, once it has
// exited; nil while it runs.
func (t *procTarget) exitErr() error {
	select {
	case <-t.proc.Exited():
	default:
		return nil
	}
	status := "exit status 0"
	if err := t.proc.Err(); err != nil {
		status = err.Error()
	}
	return fmt.Errorf("targets: %s exited: %s; last output:\n%s", t.proc.Name, status, t.Output())
}

// Close kills the process, waits for it and removes the certificates it
// was given, unless they went to Options.Dir.
func (t *procTarget) Close() error {
	t.closeOnce.Do(func() {
		t.closed.Store(true)
		t.proc.Stop()
		t.cancel()
		if t.ownDir {
			if err := os.RemoveAll(t.dir); err != nil {
				t.closeErr = fmt.Errorf("targets: %s: %w", t.name, err)
			}
		}
	})
	return t.closeErr
}

// pkiFiles are the PEM files a tool serves.
type pkiFiles struct {
	rsaCert, rsaKey, ecCert, ecKey string
	// ca holds both roots, for a client that verifies (s_client -CAfile).
	ca string
}

// prepareDir returns the directory for a tool's files and whether Open
// made it (and Close must remove it).
func prepareDir(name string, opts Options) (string, bool, error) {
	if opts.Dir != "" {
		if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
			return "", false, fmt.Errorf("targets: %s: %w", name, err)
		}
		return opts.Dir, false, nil
	}
	dir, err := os.MkdirTemp("", "tlsconform-"+name+"-")
	if err != nil {
		return "", false, fmt.Errorf("targets: %s: %w", name, err)
	}
	return dir, true, nil
}

// writePKI makes an RSA and an ECDSA certificate, each with its own CA,
// and writes them to dir under names that start with prefix, so targets
// sharing Options.Dir do not overwrite each other's files.
func writePKI(dir, prefix string, opts Options) (pkiFiles, error) {
	now, rnd := defaults(opts)
	file := func(s string) string { return filepath.Join(dir, prefix+"-"+s) }
	f := pkiFiles{
		rsaCert: file("rsa.pem"), rsaKey: file("rsa.key"),
		ecCert: file("ecdsa.pem"), ecKey: file("ecdsa.key"),
		ca: file("ca.pem"),
	}
	var roots bytes.Buffer
	for _, k := range []struct{ kind, cert, key string }{
		{"rsa", f.rsaCert, f.rsaKey}, {"ecdsa", f.ecCert, f.ecKey},
	} {
		p, err := certs.Generate(k.kind, nil, rnd, now())
		if err != nil {
			return f, err
		}
		if err := p.WritePEM(k.cert, k.key); err != nil {
			return f, err
		}
		if err := pem.Encode(&roots, &pem.Block{Type: "CERTIFICATE", Bytes: p.CA().Raw}); err != nil {
			return f, err
		}
	}
	if err := os.WriteFile(f.ca, roots.Bytes(), 0o644); err != nil {
		return f, err
	}
	return f, nil
}

// startReady starts a tool whose lifetime is the returned target's, not
// ctx's, and waits under ctx (at most readyWithin) for its ready line.
// On failure the process is stopped and the error carries its output.
func startReady(ctx context.Context, path string, args []string, ready *regexp.Regexp) (*extproc.Proc, context.CancelFunc, []string, error) {
	return startReadyOpts(ctx, path, args, ready, extproc.Options{})
}

// startReadyOpts is startReady with options for extproc.Start; MaxLines
// is always keepLines.
func startReadyOpts(ctx context.Context, path string, args []string, ready *regexp.Regexp, opts extproc.Options) (*extproc.Proc, context.CancelFunc, []string, error) {
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	opts.MaxLines = keepLines
	p, err := extproc.Start(pctx, path, args, opts)
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	wctx, wcancel := context.WithTimeout(ctx, readyWithin)
	defer wcancel()
	m, err := p.WaitLine(wctx, ready)
	if err != nil {
		p.Stop()
		cancel()
		return nil, nil, nil, fmt.Errorf("%s did not become ready: %w", p.Name, err)
	}
	return p, cancel, m, nil
}

// lookup finds a tool or says how to install it.
func lookup(name string) (string, error) {
	path, err := extproc.Lookup(name)
	if err != nil {
		return "", fmt.Errorf("targets: %w", err)
	}
	return path, nil
}

// toolVersion is the first line of a tool's version output, for Notes.
func toolVersion(ctx context.Context, path string, args ...string) string {
	vctx, cancel := withBound(ctx, checkWithin)
	defer cancel()
	out, err := exec.CommandContext(vctx, path, args...).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if err != nil {
		return fmt.Sprintf("%s %s failed: %v: %s", filepath.Base(path), strings.Join(args, " "), err, line)
	}
	return line
}

// debianVersion is the installed version of a Debian package, for
// Notes on a tool that prints none; "" without dpkg-query or the package.
func debianVersion(ctx context.Context, pkg string) string {
	path, err := exec.LookPath("dpkg-query")
	if err != nil {
		return ""
	}
	vctx, cancel := withBound(ctx, checkWithin)
	defer cancel()
	out, err := exec.CommandContext(vctx, path, "-W", "-f", "${Version}", pkg).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// finish probes a started tool and fills in the target, or stops it and
// fails when none of the wanted versions is served.
func (t *procTarget) finish(ctx context.Context, want []uint16, version string) error {
	t.notes = append(t.notes, t.name+": "+version)
	res := probeVersions(ctx, func(ctx context.Context) (net.Conn, error) { return dial(ctx, t.addr) })
	served, notes, err := verdict(t.name, want, res, nil)
	if err != nil {
		if e := t.exitErr(); e != nil {
			err = errors.Join(err, e)
		} else {
			err = fmt.Errorf("%w; output:\n%s", err, t.Output())
		}
		t.Close()
		return fmt.Errorf("targets: %s: %w", t.name, err)
	}
	t.versions = served
	t.notes = append(t.notes, notes...)
	return nil
}

func contains(vs []uint16, v uint16) bool { return slices.Contains(vs, v) }

func freePort() (int, error) { return extproc.FreePort() }

// removeOwned removes a directory Open made, when a start fails.
func removeOwned(dir string, own bool) {
	if own {
		_ = os.RemoveAll(dir) // best effort: the start error matters more
	}
}
