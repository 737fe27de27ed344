//go:debug tls10server=1

package targets

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
)

// testTimeout bounds each test's Open, handshakes and reads.
const testTimeout = 10 * time.Second

// binaries are the tools the started targets need; the wolfssl and
// mbedtls targets need gcc and a -dev package, which Open reports as an
// *extproc.NotFoundError.
var binaries = map[string]string{"openssl": "openssl", "gnutls": "gnutls-serv", "nss": "selfserv", "erlang": "escript"}

// openT opens spec, skipping (or failing under CI=true) when its tool or
// library is missing, and closes it when the test ends; a failing test
// gets its output and notes.
func openT(t *testing.T, spec string, opts Options) Target {
	t.Helper()
	if bin, ok := binaries[spec]; ok {
		extproc.Require(t, bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	tg, err := Open(ctx, spec, opts)
	var nf *extproc.NotFoundError
	switch {
	case errors.As(err, &nf) && extproc.MissingIsFatal():
		t.Fatalf("Open(%q): %v (CI=true requires it)", spec, err)
	case errors.As(err, &nf):
		t.Skipf("Open(%q): %v; skipping (under CI=true this fails)", spec, err)
	case err != nil:
		t.Fatalf("Open(%q): %v", spec, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s notes: %q\noutput:\n%s", spec, tg.Notes(), tg.Output())
		}
		tg.Close()
	})
	return tg
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// handshake dials tg and completes a crypto/tls client handshake offering
// only version v and, when given, only suite. It may run in any goroutine.
func handshake(t *testing.T, tg Target, v uint16, suite uint16) (*tls.Conn, error) {
	nc, err := tg.Dial(ctxT(t))
	if err != nil {
		return nil, err
	}
	cfg := &tls.Config{InsecureSkipVerify: true, MinVersion: v, MaxVersion: v, CipherSuites: GoSuites()}
	if suite != 0 {
		cfg.CipherSuites = []uint16{suite}
	}
	c := tls.Client(nc, cfg)
	if err := c.HandshakeContext(ctxT(t)); err != nil {
		c.Close()
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return c, nil
}

// exchange checks the application-data answer: the echo of a line, or,
// from s_server -www, an HTTP response, or, from selfserv, an HTTP
// response that echoes the request.
func exchange(spec string, c *tls.Conn) error {
	req, want, echoed := []byte("tlsconform ping\n"), []byte("tlsconform ping\n"), []byte(nil)
	switch spec {
	case "openssl":
		req, want = []byte("GET / HTTP/1.0\r\n\r\n"), []byte("HTTP/1.0 200 ok")
	case "nss":
		req, want = []byte("tlsconform ping\r\n\r\n"), []byte("HTTP/1.0 200 OK")
		echoed = req
	}
	if _, err := c.Write(req); err != nil {
		return err
	}
	var got []byte
	buf := make([]byte, 4096)
	for len(got) < len(want) || (echoed != nil && !bytes.Contains(got, echoed)) {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	if !bytes.HasPrefix(got, want) {
		return fmt.Errorf("answer %q, want it to start with %q", got, want)
	}
	if !bytes.Contains(got, echoed) {
		return fmt.Errorf("answer %q does not echo %q", got, echoed)
	}
	return nil
}

// TestStartedTargets opens each started target, checks a handshake and
// an exchange at each version it must serve, and that Close stops it.
func TestStartedTargets(t *testing.T) {
	for _, tc := range []struct {
		spec string
		must []uint16 // versions the target must serve
	}{
		{"builtin", allVersions()},
		{"openssl", []uint16{tls.VersionTLS12, tls.VersionTLS13}},
		{"gnutls", []uint16{tls.VersionTLS12, tls.VersionTLS13}},
		// At their defaults as Debian 12 builds them.
		{"nss", allVersions()},
		{"erlang", allVersions()},
		{"wolfssl", []uint16{tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}},
		{"mbedtls", []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12}},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			t.Parallel()
			tg := openT(t, tc.spec, Options{})
			t.Logf("%s at %s serves %v; notes %q", tg.Name(), tg.Addr(), tg.Versions(), tg.Notes())
			if tg.Name() != tc.spec {
				t.Errorf("Name %q, want %q", tg.Name(), tc.spec)
			}
			if err := tg.Alive(ctxT(t)); err != nil {
				t.Fatalf("Alive: %v", err)
			}
			for _, v := range allVersions() {
				served := slices.Contains(tg.Versions(), versionName(v))
				if !served {
					if slices.Contains(tc.must, v) {
						t.Errorf("Versions %v lacks %s", tg.Versions(), versionName(v))
					}
					continue
				}
				c, err := handshake(t, tg, v, 0)
				if err != nil {
					t.Errorf("TLS %s: handshake: %v", versionName(v), err)
					continue
				}
				if got := c.ConnectionState().Version; got != v {
					t.Errorf("negotiated %s, want %s", tls.VersionName(got), tls.VersionName(v))
				}
				if err := exchange(tc.spec, c); err != nil {
					t.Errorf("TLS %s: %v", versionName(v), err)
				}
				c.Close()
			}

			pt, isProc := tg.(*procTarget)
			if err := tg.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := tg.Alive(ctxT(t)); err == nil {
				t.Error("Alive after Close: no error")
			}
			if err := checkConnect(ctxT(t), tg.Addr()); err == nil {
				t.Errorf("%s still accepts connections after Close", tg.Addr())
			}
			if isProc {
				select {
				case <-pt.proc.Exited():
				default:
					t.Error("process still runs after Close")
				}
				if _, err := os.Stat(pt.dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("certificate directory %s not removed: %v", pt.dir, err)
				}
			}
		})
	}
}

// TestSuites checks each started target against a handful of suites
// from every family the suite tests (RSA key exchange, CBC, ECDHE with
// either certificate) and logs the whole matrix with -v.
func TestSuites(t *testing.T) {
	type want struct {
		v     uint16
		suite uint16
	}
	must := []want{
		{tls.VersionTLS12, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{tls.VersionTLS12, tls.TLS_RSA_WITH_AES_256_GCM_SHA384},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
		{tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA},
		{tls.VersionTLS12, tls.TLS_RSA_WITH_AES_128_CBC_SHA256},
	}
	rsaKex := func(s uint16) bool { return strings.HasPrefix(tls.CipherSuiteName(s), "TLS_RSA_") }
	ecdsa := func(s uint16) bool { return strings.Contains(tls.CipherSuiteName(s), "_ECDSA_") }
	// What a stack lacks of the must list at its defaults.
	lacks := map[string]func(uint16) bool{
		"erlang": rsaKex, // ssl's default suites have no RSA key exchange
		// Debian's build has no static RSA; one key per context: RSA.
		"wolfssl": func(s uint16) bool { return rsaKex(s) || ecdsa(s) },
	}
	for _, spec := range Names() {
		t.Run(spec, func(t *testing.T) {
			t.Parallel()
			tg := openT(t, spec, Options{})
			var served []string
			for _, v := range allVersions() {
				if !slices.Contains(tg.Versions(), versionName(v)) {
					continue
				}
				if v == tls.VersionTLS13 {
					// crypto/tls offers its TLS 1.3 suites by itself.
					if c, err := handshake(t, tg, v, 0); err == nil {
						served = append(served, "1.3/"+tls.CipherSuiteName(c.ConnectionState().CipherSuite))
						c.Close()
					}
					continue
				}
				for _, s := range GoSuites() {
					c, err := handshake(t, tg, v, s)
					if w := (want{v, s}); slices.Contains(must, w) && (lacks[spec] == nil || !lacks[spec](s)) && err != nil {
						t.Errorf("TLS %s %s: %v", versionName(v), tls.CipherSuiteName(s), err)
					}
					if err == nil {
						served = append(served, versionName(v)+"/"+tls.CipherSuiteName(s))
						c.Close()
					}
				}
			}
			t.Logf("%s serves (of what crypto/tls offers): %s", spec, strings.Join(served, " "))
		})
	}
}

func TestVersionPins(t *testing.T) {
	for _, tc := range []struct {
		spec      string
		pin, want []string
		note      string // a note that must appear
	}{
		{"builtin", []string{"1.2", "TLSv1.3"}, []string{"1.2", "1.3"}, ""},
		{"builtin", []string{"1.0", "1.2"}, []string{"1.0", "1.1", "1.2"}, "builtin: also serves TLS 1.1, which was not asked for"},
		{"openssl", []string{"1.3"}, []string{"1.3"}, ""},
		{"openssl", []string{"1.1", "1.2"}, []string{"1.1", "1.2"}, ""},
		{"gnutls", []string{"tls1.2"}, []string{"1.2"}, ""},
		{"nss", []string{"1.2"}, []string{"1.2"}, ""},
		{"nss", []string{"1.1", "1.3"}, []string{"1.1", "1.2", "1.3"}, "nss: also serves TLS 1.2, which was not asked for"},
		{"erlang", []string{"1.1", "1.3"}, []string{"1.1", "1.2", "1.3"}, "erlang: also serves TLS 1.2, which was not asked for"},
		{"wolfssl", []string{"1.3"}, []string{"1.3"}, ""},
		{"mbedtls", []string{"1.1"}, []string{"1.1"}, ""},
	} {
		t.Run(tc.spec+"/"+strings.Join(tc.pin, ","), func(t *testing.T) {
			t.Parallel()
			tg := openT(t, tc.spec, Options{Versions: tc.pin})
			if !slices.Equal(tg.Versions(), tc.want) {
				t.Errorf("Versions %v, want %v", tg.Versions(), tc.want)
			}
			if tc.note != "" && !slices.Contains(tg.Notes(), tc.note) {
				t.Errorf("Notes %q lack %q", tg.Notes(), tc.note)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		t.Parallel()
		_, err := Open(ctxT(t), "builtin", Options{Versions: []string{"1.4"}})
		if err == nil || !strings.Contains(err.Error(), `unknown TLS version "1.4": want 1.0, 1.1, 1.2 or 1.3`) {
			t.Errorf("error %v", err)
		}
	})
}

// TestOptionsDir: certificates go to Options.Dir, which Close leaves.
func TestOptionsDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "pki")
	tg := openT(t, "openssl", Options{Dir: dir, Versions: []string{"1.3"}})
	if err := tg.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"openssl-rsa.pem", "openssl-rsa.key", "openssl-ecdsa.pem", "openssl-ecdsa.key", "openssl-ca.pem"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestBuiltinConcurrentEcho(t *testing.T) {
	t.Parallel()
	tg := openT(t, "builtin", Options{})
	var wg sync.WaitGroup
	for i := range 16 {
		v := allVersions()[i%len(allVersions())]
		wg.Go(func() {
			c, err := handshake(t, tg, v, 0)
			if err != nil {
				t.Errorf("TLS %s: %v", versionName(v), err)
				return
			}
			if err := exchange("builtin", c); err != nil {
				t.Errorf("TLS %s: %v", versionName(v), err)
			}
		})
	}
	wg.Wait()
}

// TestBuiltinCloseCutsConnections: Close does not wait for idle clients.
func TestBuiltinCloseCutsConnections(t *testing.T) {
	t.Parallel()
	tg := openT(t, "builtin", Options{})
	idle, err := tg.Dial(ctxT(t)) // never says a word
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	start := time.Now()
	if err := tg.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > connIdle/2 {
		t.Errorf("Close took %v", d)
	}
	if _, err := idle.Read(make([]byte, 1)); err == nil {
		t.Error("idle connection still open after Close")
	}
}

func TestHostPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := make(chan struct{})
	go func() { // accept and hold, saying nothing, until the listener closes
		defer close(held)
		var conns []net.Conn
		for {
			c, err := ln.Accept()
			if err != nil {
				for _, c := range conns {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}
	}()
	addr := ln.Addr().String()
	tg, err := Open(ctxT(t), addr, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	if tg.Name() != addr || tg.Addr() != addr || tg.Output() != "" || tg.Versions() != nil {
		t.Errorf("Name %q Addr %q Output %q Versions %v", tg.Name(), tg.Addr(), tg.Output(), tg.Versions())
	}
	if err := tg.Alive(ctxT(t)); err != nil {
		t.Errorf("Alive: %v", err)
	}

	// Dial hands over ctx's deadline: a read from a silent server ends.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	c, err := tg.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read from a silent server: %v, want a deadline error", err)
	}

	ln.Close()
	<-held
	want := "connect " + addr + ": connection refused"
	if err := tg.Alive(ctxT(t)); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Alive after the listener closed: %v, want %q", err, want)
	}
	if _, err := Open(ctxT(t), addr, Options{}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Open of a closed port: %v, want %q", err, want)
	}
}

func TestBadSpecs(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string]string{
		"bogus":          `targets: unknown target "bogus": want builtin, openssl, gnutls, nss, erlang, wolfssl, mbedtls or HOST:PORT`,
		"":               `targets: unknown target "": want builtin, openssl, gnutls, nss, erlang, wolfssl, mbedtls or HOST:PORT`,
		":4433":          `targets: unknown target ":4433"`,
		"localhost:0":    `port "0" is not a number from 1 to 65535`,
		"localhost:http": `port "http" is not a number from 1 to 65535`,
	} {
		if _, err := Open(ctxT(t), spec, Options{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q): %v, want %q", spec, err, want)
		}
	}
	if got := Names(); !slices.Equal(got, []string{"builtin", "openssl", "gnutls", "nss", "erlang", "wolfssl", "mbedtls"}) {
		t.Errorf("Names %q", got)
	}
}

// TestAliveSeesKilledProcess plays a crash: the process dies under the
// target, and Alive says so with its output.
func TestAliveSeesKilledProcess(t *testing.T) {
	t.Parallel()
	tg := openT(t, "openssl", Options{Versions: []string{"1.3"}})
	p := tg.(*procTarget).proc
	if err := p.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	<-p.Exited()
	err := tg.Alive(ctxT(t))
	if err == nil {
		t.Fatal("Alive: no error for a killed process")
	}
	for _, want := range []string{"openssl s_server exited: signal: killed", "last output:", "ACCEPT 127.0.0.1:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Alive: %q lacks %q", err, want)
		}
	}
}

// fakeTool puts an executable script named name first in PATH.
func fakeTool(t *testing.T, name, script string) {
	t.Helper()
	sh := extproc.Require(t, "sh")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!"+sh+"\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
}

// The tests below change PATH, so they cannot run in parallel.

func TestMissingTool(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for spec, want := range map[string]string{
		"openssl": "targets: openssl not found in PATH: install it with apt-get install -y openssl",
		"gnutls":  "targets: gnutls-serv not found in PATH: install it with apt-get install -y gnutls-bin",
		"nss":     "targets: selfserv not found in PATH: install it with apt-get install -y libnss3-tools",
		"erlang":  "targets: escript not found in PATH: install it with apt-get install -y erlang-ssl",
	} {
		_, err := Open(ctxT(t), spec, Options{})
		if err == nil || err.Error() != want {
			t.Errorf("Open(%q): %v, want %q", spec, err, want)
		}
		var nf *extproc.NotFoundError
		if !errors.As(err, &nf) {
			t.Errorf("Open(%q): %v is not an *extproc.NotFoundError", spec, err)
		}
	}
}

func TestToolExitsBeforeReady(t *testing.T) {
	fakeTool(t, "openssl", `echo "bind: Address already in use" >&2; exit 1`)
	_, err := Open(ctxT(t), "openssl", Options{Versions: []string{"1.3"}})
	for _, want := range []string{"did not become ready", "bind: Address already in use", "exit status 1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open: %v, want it to mention %q", err, want)
		}
	}
}

func TestToolNeverReady(t *testing.T) {
	// tail -f blocks for good without a word: the ready line never comes.
	tail := extproc.Require(t, "tail")
	fakeTool(t, "openssl", `echo "still warming up"; exec `+tail+` -f /dev/null`)
	// Long enough for the certificates and the echo under load, short
	// enough to show that ctx, not readyWithin, bounds the wait.
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Open(ctx, "openssl", Options{Versions: []string{"1.3"}})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "still warming up") {
		t.Errorf("Open: %v, want a deadline error with the output", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Open took %v", d)
	}
}

func TestVerdict(t *testing.T) {
	fail := errors.New("remote error: tls: protocol version not supported")
	res := map[uint16]error{tls.VersionTLS10: fail, tls.VersionTLS11: fail, tls.VersionTLS12: nil, tls.VersionTLS13: nil}
	served, notes, err := verdict("builtin", allVersions(), res, builtinHint)
	if err != nil || !slices.Equal(served, []string{"1.2", "1.3"}) || len(notes) != 2 || !strings.Contains(notes[0], "TLS 1.0 was asked for") || !strings.Contains(notes[0], "tls10server=1") {
		t.Errorf("served %v, notes %q, err %v", served, notes, err)
	}
	if _, _, err := verdict("builtin", allVersions()[:2], res, nil); !errors.Is(err, fail) {
		t.Errorf("none served: %v, want an error wrapping %v", err, fail)
	}
}
