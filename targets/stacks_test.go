package targets

import (
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
)

// TestCServerSilentClient: a client that connects and says nothing holds
// a C server (one connection at a time) for its idle bound only, then
// the server closes it and serves the next. The bounds are shortened
// through the environment, so this test cannot run in parallel.
func TestCServerSilentClient(t *testing.T) {
	t.Setenv("TLSCONFORM_IDLE_MS", "300")
	t.Setenv("TLSCONFORM_CONN_MS", "1000")
	for _, spec := range []string{"wolfssl", "mbedtls"} {
		t.Run(spec, func(t *testing.T) {
			tg := openT(t, spec, Options{Versions: []string{"1.2"}})
			silent, err := tg.Dial(ctxT(t))
			if err != nil {
				t.Fatal(err)
			}
			defer silent.Close()
			// Connected means queued, not yet accepted: a handshake after
			// it waits until the server gives the silent one up.
			start := time.Now()
			c, err := handshake(t, tg, tls.VersionTLS12, 0)
			if err != nil {
				t.Fatalf("handshake behind a silent client: %v", err)
			}
			if err := exchange(spec, c); err != nil {
				t.Error(err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("served after %v, want about the 300 ms idle bound", d)
			}
			if _, err := silent.Read(make([]byte, 1)); errors.Is(err, os.ErrDeadlineExceeded) || err == nil {
				t.Errorf("silent connection: read %v, want it closed by the server", err)
			}
		})
	}
}

// TestCServerMissingLibrary: a build that lacks the -dev package's
// header or library names the package to install; without gcc, gcc's.
// PATH and the cache directory are replaced, so no parallel run.
func TestCServerMissingLibrary(t *testing.T) {
	for _, tc := range []struct {
		spec, gcc, want string
	}{
		{"wolfssl", `echo "wolfssl_server.c:15:10: fatal error: wolfssl/options.h: No such file or directory" >&2; exit 1`,
			"targets: wolfssl: wolfssl/options.h not found in gcc's include path: install it with apt-get install -y libwolfssl-dev"},
		{"mbedtls", `echo "/usr/bin/ld: cannot find -lmbedtls: No such file or directory" >&2; exit 1`,
			"targets: mbedtls: libmbedtls.so not found in the linker's library path: install it with apt-get install -y libmbedtls-dev"},
		{"mbedtls", "", "targets: mbedtls: gcc not found in PATH: install it with apt-get install -y gcc"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			t.Setenv("XDG_CACHE_HOME", t.TempDir()) // nothing built yet
			if tc.gcc != "" {
				fakeTool(t, "gcc", tc.gcc)
			} else {
				t.Setenv("PATH", t.TempDir())
			}
			_, err := Open(ctxT(t), tc.spec, Options{})
			var nf *extproc.NotFoundError
			if err == nil || err.Error() != tc.want || !errors.As(err, &nf) {
				t.Errorf("Open(%q): %v, want an *extproc.NotFoundError %q", tc.spec, err, tc.want)
			}
		})
	}
}

// TestCServerCache: the second Open reuses the binary the first built.
func TestCServerCache(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	tg := openT(t, "mbedtls", Options{Versions: []string{"1.2"}})
	bin := tg.(*procTarget).proc.Name
	first, err := mbedtlsServer.build(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(first)
	if err != nil {
		t.Fatal(err)
	}
	// Without gcc in PATH, only the cache can answer.
	t.Setenv("PATH", t.TempDir())
	again, err := mbedtlsServer.build(ctxT(t))
	if err != nil || again != first {
		t.Fatalf("second build: %q, %v; want the cached %q", again, err, first)
	}
	if fi2, err := os.Stat(again); err != nil || !fi2.ModTime().Equal(fi.ModTime()) {
		t.Errorf("binary rebuilt: %v", err)
	}
	if !strings.HasPrefix(first, os.Getenv("XDG_CACHE_HOME")) || !strings.HasPrefix(bin, filepath.Base(first)) {
		t.Errorf("binary %q (process %q) not in the cache %q", first, bin, os.Getenv("XDG_CACHE_HOME"))
	}
}

// TestErlangWithoutSSL: an Erlang runtime without the ssl application
// names the package that brings it.
func TestErlangWithoutSSL(t *testing.T) {
	fakeTool(t, "escript", `echo "tlsconform-erlang: cannot start the ssl application: {ssl,{\"no such file or directory\",\"ssl.app\"}}"; exit 2`)
	_, err := Open(ctxT(t), "erlang", Options{})
	var nf *extproc.NotFoundError
	want := "the ssl application not found in the Erlang/OTP installation: install it with apt-get install -y erlang-ssl"
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), want) {
		t.Errorf("Open(erlang): %v, want an *extproc.NotFoundError %q", err, want)
	}
}
