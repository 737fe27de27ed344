package targets

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
	"github.com/tlsconform/tlsconform/peers/certs"
)

// clientBinaries are the tools the process clients need.
var clientBinaries = map[string]string{"openssl": "openssl", "gnutls": "gnutls-cli", "curl": "curl"}

// commandSpec is an s_client written as a command spec; the CA path the
// tests give it has a space, so its quoting is tested too.
const commandSpec = `openssl s_client -connect {addr} -servername {servername} -verify_hostname {servername} -CAfile {ca} -verify_return_error -brief`

// clientCase is a client to test and what its server should receive.
type clientCase struct {
	spec string
	bin  string // the tool it needs; "" for builtin
	// line: the server receives clientHello (curl sends its request).
	line bool
}

func clientCases() []clientCase {
	return []clientCase{
		{"builtin", "", true},
		{"openssl", "openssl", true},
		{"gnutls", "gnutls-cli", true},
		{"curl", "curl", false},
		{commandSpec, "openssl", true},
	}
}

// openClientT opens spec, skipping (or failing under CI=true) when its
// tool is missing, and closes it when the test ends.
func openClientT(t *testing.T, cc clientCase, opts ClientOptions) Client {
	t.Helper()
	if cc.bin != "" {
		extproc.Require(t, cc.bin)
	}
	cl, err := OpenClient(ctxT(t), cc.spec, opts)
	if err != nil {
		t.Fatalf("OpenClient(%q): %v", cc.spec, err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// seen is one connection as the test server saw it.
type seen struct {
	hsErr   error
	version uint16
	suite   uint16
	data    []byte
}

// testServer is a crypto/tls echo server on 127.0.0.1 for a client under
// test; it reports each connection on conns once it has ended.
type testServer struct {
	addr  string
	conns chan seen
}

// pki is a CA, a leaf it signed for localhost and 127.0.0.1, and the CA
// written to a file under a directory whose name has a space.
type pki struct {
	pair   *certs.Pair
	caFile string
}

func newPKI(t *testing.T, kind string) pki {
	t.Helper()
	p, err := certs.Generate(kind, []string{"localhost", "127.0.0.1"}, rand.Reader, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "ca dir")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "ca.pem")
	if err := p.WriteCAPEM(f); err != nil {
		t.Fatal(err)
	}
	return pki{pair: p, caFile: f}
}

func (p pki) connect(addr string) Connect {
	return Connect{Addr: addr, ServerName: "localhost", CAFile: p.caFile, CAPool: p.pair.CertPool()}
}

// startTestServer serves cfg (with the pair's certificate) until the test
// ends: it handshakes, then echoes until the client closes.
func startTestServer(t *testing.T, p pki, cfg *tls.Config) *testServer {
	t.Helper()
	cfg = cfg.Clone()
	cfg.Certificates = []tls.Certificate{p.pair.TLSCertificate()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{addr: ln.Addr().String(), conns: make(chan seen, 8)}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				stop := context.AfterFunc(ctx, func() { nc.Close() })
				defer stop()
				select {
				case s.conns <- echoConn(nc, cfg):
				case <-ctx.Done():
				}
			})
		}
	})
	t.Cleanup(func() {
		cancel()
		ln.Close()
		wg.Wait()
	})
	return s
}

func echoConn(nc net.Conn, cfg *tls.Config) seen {
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(testTimeout))
	tc := tls.Server(nc, cfg)
	if err := tc.Handshake(); err != nil {
		return seen{hsErr: err}
	}
	st := tc.ConnectionState()
	s := seen{version: st.Version, suite: st.CipherSuite}
	buf := make([]byte, 4096)
	for {
		n, err := tc.Read(buf)
		s.data = append(s.data, buf[:n]...)
		if n > 0 {
			if _, err := tc.Write(buf[:n]); err != nil {
				return s
			}
		}
		if err != nil {
			_ = tc.Close()
			return s
		}
	}
}

// next is the next connection the server saw.
func (s *testServer) next(t *testing.T) seen {
	t.Helper()
	select {
	case c := <-s.conns:
		return c
	case <-time.After(testTimeout):
		t.Fatal("the server saw no connection end")
		return seen{}
	}
}

// silentServer accepts connections and never answers, until the test ends.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var held []net.Conn
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, nc)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		for _, c := range held {
			c.Close()
		}
	})
	return ln.Addr().String()
}

func logResult(t *testing.T, cl Client, r ClientResult) {
	t.Helper()
	t.Logf("%s: started %v exit %d killed %v took %v err %v; notes %q\noutput:\n%s",
		cl.Name(), r.Started, r.ExitCode, r.Killed, r.Took.Round(time.Millisecond), r.Err, cl.Notes(), r.Output)
}

// TestClients runs every client against a good server, a server whose
// certificate another CA signed, and a listener that never answers.
func TestClients(t *testing.T) {
	good := newPKI(t, "ecdsa")
	other := newPKI(t, "ecdsa")
	cfg := &tls.Config{MinVersion: tls.VersionTLS10, CipherSuites: GoSuites()}
	for _, cc := range clientCases() {
		name := cc.spec
		if cc.spec == commandSpec {
			name = "command"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cl := openClientT(t, cc, ClientOptions{})
			if cl.Name() != cc.spec {
				t.Errorf("Name %q, want %q", cl.Name(), cc.spec)
			}
			if len(cl.Notes()) == 0 {
				t.Error("no Notes")
			}

			t.Run("completes", func(t *testing.T) {
				srv := startTestServer(t, good, cfg)
				r := cl.Run(ctxT(t), good.connect(srv.addr))
				logResult(t, cl, r)
				if !r.Started || r.ExitCode != 0 || r.Killed || r.Err != nil {
					t.Fatalf("started %v exit %d killed %v err %v; want a clean exit 0", r.Started, r.ExitCode, r.Killed, r.Err)
				}
				s := srv.next(t)
				if s.hsErr != nil {
					t.Fatalf("server handshake: %v", s.hsErr)
				}
				want := clientHello
				if !cc.line {
					want = "HTTP/1.1 200 " // curl's request line
				}
				if !strings.Contains(string(s.data), want) {
					t.Errorf("server received %q, want %q in it", s.data, want)
				}
			})

			t.Run("rejects another CA", func(t *testing.T) {
				srv := startTestServer(t, other, cfg)
				r := cl.Run(ctxT(t), good.connect(srv.addr))
				logResult(t, cl, r)
				if !r.Started || r.ExitCode == 0 || r.Killed {
					t.Fatalf("started %v exit %d killed %v; want a failing exit", r.Started, r.ExitCode, r.Killed)
				}
				if s := srv.next(t); s.hsErr == nil || len(s.data) > 0 {
					t.Errorf("server handshake completed (received %q); want the client to abort it", s.data)
				}
			})

			t.Run("killed at the deadline", func(t *testing.T) {
				addr := silentServer(t)
				const within = 2 * time.Second
				ctx, cancel := context.WithTimeout(context.Background(), within)
				defer cancel()
				r := cl.Run(ctx, good.connect(addr))
				logResult(t, cl, r)
				if r.Took > within+clientGrace {
					t.Errorf("Run took %v, want at most %v", r.Took, within+clientGrace)
				}
				if cc.spec == "builtin" {
					// In-process, the deadline ends the run as it kills a
					// process: marked killed, with the deadline's error.
					if !r.Killed || r.ExitCode != -1 || !errors.Is(r.Err, context.DeadlineExceeded) {
						t.Errorf("exit %d killed %v err %v; want killed, exit -1, with the deadline's error", r.ExitCode, r.Killed, r.Err)
					}
					return
				}
				if !r.Started || !r.Killed || r.ExitCode != -1 {
					t.Errorf("started %v exit %d killed %v; want killed, exit -1", r.Started, r.ExitCode, r.Killed)
				}
			})
		})
	}
}

// TestClientsLegacy checks that every named client reaches TLS 1.0, with
// RSA key exchange and with ECDHE signed by ECDSA (which OpenSSL 3.0
// refuses below SECLEVEL 0), as its command line promises, and the pins.
func TestClientsLegacy(t *testing.T) {
	rsaPKI, ecPKI := newPKI(t, "rsa"), newPKI(t, "ecdsa")
	for _, cc := range clientCases()[:4] {
		t.Run(cc.spec, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				p     pki
				suite uint16
			}{
				{rsaPKI, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
				{ecPKI, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA},
			} {
				t.Run("TLS 1.0 "+tls.CipherSuiteName(tc.suite), func(t *testing.T) {
					cl := openClientT(t, cc, ClientOptions{})
					srv := startTestServer(t, tc.p, &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
						CipherSuites: []uint16{tc.suite}})
					r := cl.Run(ctxT(t), tc.p.connect(srv.addr))
					if r.ExitCode != 0 {
						logResult(t, cl, r)
						t.Fatalf("exit %d err %v; want 0", r.ExitCode, r.Err)
					}
					if s := srv.next(t); s.version != tls.VersionTLS10 || s.suite != tc.suite {
						t.Errorf("negotiated %s %s (err %v)", tls.VersionName(s.version), tls.CipherSuiteName(s.suite), s.hsErr)
					}
				})
			}
			t.Run("pinned to 1.2", func(t *testing.T) {
				p := rsaPKI
				cl := openClientT(t, cc, ClientOptions{Versions: []string{"1.2"}})
				srv := startTestServer(t, p, &tls.Config{MinVersion: tls.VersionTLS12})
				r := cl.Run(ctxT(t), p.connect(srv.addr))
				if s := srv.next(t); r.ExitCode != 0 || s.version != tls.VersionTLS12 {
					logResult(t, cl, r)
					t.Errorf("exit %d, negotiated %s (err %v); want exit 0 at TLS 1.2", r.ExitCode, tls.VersionName(s.version), s.hsErr)
				}
				only13 := startTestServer(t, p, &tls.Config{MinVersion: tls.VersionTLS13})
				if r := cl.Run(ctxT(t), p.connect(only13.addr)); r.ExitCode == 0 {
					logResult(t, cl, r)
					t.Errorf("a client pinned to TLS 1.2 completed against a TLS 1.3-only server")
				}
			})
		})
	}
}

// TestClientsServerNameIP checks the IP-address branches: no SNI, the
// name verified against the leaf's IP SAN.
func TestClientsServerNameIP(t *testing.T) {
	p := newPKI(t, "ecdsa")
	for _, cc := range clientCases()[:4] {
		t.Run(cc.spec, func(t *testing.T) {
			t.Parallel()
			cl := openClientT(t, cc, ClientOptions{})
			srv := startTestServer(t, p, &tls.Config{})
			c := p.connect(srv.addr)
			c.ServerName = ""
			if r := cl.Run(ctxT(t), c); r.ExitCode != 0 {
				logResult(t, cl, r)
				t.Errorf("exit %d err %v; want 0", r.ExitCode, r.Err)
			}
			srv.next(t)
		})
	}
}

func TestOpenClientErrors(t *testing.T) {
	ctx := ctxT(t)
	for _, spec := range []string{"wolfssl", "openssl s_client -connect localhost:443", ""} {
		_, err := OpenClient(ctx, spec, ClientOptions{})
		if err == nil || !strings.Contains(err.Error(), "names neither {addr} nor {port}") {
			t.Errorf("OpenClient(%q): %v, want the missing placeholder named", spec, err)
		}
	}
	if _, err := OpenClient(ctx, "builtin", ClientOptions{Versions: []string{"1.4"}}); err == nil {
		t.Error("OpenClient with version 1.4: no error")
	}
	// Shell syntax at the start is not looked up.
	for _, spec := range []string{"exec true {addr}", "FOO=1 true {port}", "cd / && true {addr}"} {
		if _, err := OpenClient(ctx, spec, ClientOptions{}); err != nil {
			t.Errorf("OpenClient(%q): %v", spec, err)
		}
	}

	t.Setenv("PATH", t.TempDir())
	for spec, want := range map[string]string{
		"openssl":                      "openssl not found in PATH: install it with apt-get install -y openssl",
		"gnutls":                       "gnutls-cli not found in PATH: install it with apt-get install -y gnutls-bin",
		"curl":                         "curl not found in PATH: install it with apt-get install -y curl",
		"gnutls-cli -p {port} {host}":  "gnutls-cli not found in PATH: install it with apt-get install -y gnutls-bin",
		"tlsconform-no-client {addr}":  "tlsconform-no-client not found in PATH",
		"/nonexistent/client {addr} x": "/nonexistent/client",
	} {
		_, err := OpenClient(ctx, spec, ClientOptions{})
		var nf *extproc.NotFoundError
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("OpenClient(%q): %v, want %q", spec, err, want)
		} else if !strings.HasPrefix(spec, "/") && !errors.As(err, &nf) {
			t.Errorf("OpenClient(%q): %v is no *extproc.NotFoundError", spec, err)
		}
	}
}

func TestClientRunErrors(t *testing.T) {
	extproc.Require(t, "sh")
	p := newPKI(t, "ecdsa")
	cl, err := OpenClient(ctxT(t), ": {addr}; exit 3", ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.connect("127.0.0.1:1")
	if r := cl.Run(ctxT(t), c); !r.Started || r.ExitCode != 3 || r.Killed || r.Err != nil {
		t.Errorf("started %v exit %d killed %v err %v; want exit 3", r.Started, r.ExitCode, r.Killed, r.Err)
	}
	// A client that dies of a signal is not "killed at the deadline".
	sig, err := OpenClient(ctxT(t), ": {addr}; kill -SEGV $$", ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := sig.Run(ctxT(t), c); r.ExitCode != -1 || r.Killed || r.Err == nil || !strings.Contains(r.Err.Error(), "segmentation fault") {
		t.Errorf("exit %d killed %v err %v; want -1, not killed, the signal in Err", r.ExitCode, r.Killed, r.Err)
	}
	if r := cl.Run(ctxT(t), Connect{Addr: "127.0.0.1:1"}); r.Started || r.ExitCode != -1 || r.Err == nil {
		t.Errorf("without a CA file: started %v exit %d err %v; want not started", r.Started, r.ExitCode, r.Err)
	}
	b, err := OpenClient(ctxT(t), "builtin", ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r := b.Run(ctxT(t), c); !r.Started || r.ExitCode != 1 || r.Err == nil {
		t.Errorf("builtin against a closed port: exit %d err %v; want exit 1", r.ExitCode, r.Err)
	}
	for _, x := range []Client{cl, b} {
		x.Close()
		if err := x.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if r := x.Run(ctxT(t), c); r.Started || r.Err == nil {
			t.Errorf("%s: Run after Close started", x.Name())
		}
	}
}

func TestExpandCommand(t *testing.T) {
	c := Connect{CAFile: "/tmp/it's here/ca.pem"}
	got := expandCommand(`client {addr} --port={port} -h {host} --sni "{servername}" --ca {ca}`, c, "127.0.0.1", "4433", "localhost")
	want := `client 127.0.0.1:4433 --port=4433 -h 127.0.0.1 --sni "localhost" --ca '/tmp/it'\''s here/ca.pem'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := expandCommand("c {addr}", c, "::1", "1", "x"); got != "c '[::1]:1'" {
		t.Errorf("IPv6: %s", got)
	}
}
