package peers_test

// Interop with other TLS stacks run as processes: our client against
// `openssl s_server` and `gnutls-serv`, our server against `openssl
// s_client` and `gnutls-cli`, all on loopback with certificates generated
// here. A missing tool skips visibly; under CI=true it fails the run.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/pem"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/wire"
)

const (
	// toolLifetime bounds every tool process, whatever happens to the test.
	toolLifetime = 60 * time.Second
	// readyWithin bounds the wait for a server's listening line.
	readyWithin = 10 * time.Second
	// convTimeout bounds each read and write of a conversation, and each
	// wait for a line of a client tool's output.
	convTimeout = 5 * time.Second
)

// pingLine is what the tool clients send; our server echoes it back.
const pingLine = "tlsconform ping"

// pkiFiles are the test certificates as PEM files for the tools.
type pkiFiles struct {
	rsaCert, rsaKey, ecCert, ecKey string
	ca                             string // both roots
}

func writePKI(t *testing.T) pkiFiles {
	t.Helper()
	p := mustPKI(t)
	dir := t.TempDir()
	f := pkiFiles{
		rsaCert: filepath.Join(dir, "rsa.pem"), rsaKey: filepath.Join(dir, "rsa.key"),
		ecCert: filepath.Join(dir, "ecdsa.pem"), ecKey: filepath.Join(dir, "ecdsa.key"),
		ca: filepath.Join(dir, "ca.pem"),
	}
	if err := p.rsa.WritePEM(f.rsaCert, f.rsaKey); err != nil {
		t.Fatal(err)
	}
	if err := p.ecdsa.WritePEM(f.ecCert, f.ecKey); err != nil {
		t.Fatal(err)
	}
	var roots bytes.Buffer
	for _, pair := range []*certs.Pair{p.rsa, p.ecdsa} {
		if err := pem.Encode(&roots, &pem.Block{Type: "CERTIFICATE", Bytes: pair.CA().Raw}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(f.ca, roots.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// startTool starts a long-lived tool process, waits for its ready line and
// stops it when the test ends; a failing test gets the tool's output.
func startTool(t *testing.T, path string, args []string, ready *regexp.Regexp) (*extproc.Proc, []string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolLifetime)
	p, m, err := extproc.StartReady(ctx, path, args, extproc.Options{}, ready, readyWithin)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	t.Cleanup(func() {
		p.Stop()
		cancel()
		if t.Failed() {
			t.Logf("%s output:\n%s", p.Name, lastBytes(p.Output(), 8000))
		}
	})
	return p, m, nil
}

func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// extServer is a tool server our client talks to.
type extServer struct {
	name string
	addr string
	// exchange checks an application-data round trip on a completed
	// connection.
	exchange func(t *testing.T, c *peers.Conn)
	// noMLKEM, when not empty, is why X25519MLKEM768 cases are skipped.
	noMLKEM string
}

// --- openssl s_server ---

// opensslAccept is s_server's ready line; -accept 127.0.0.1:0 makes it
// pick the port and print it.
var opensslAccept = regexp.MustCompile(`^ACCEPT 127\.0\.0\.1:(\d+)$`)

const openssl13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"

// startOpenSSLServer runs `openssl s_server -www` with the RSA and the ECDSA
// certificate. -www answers each connection's HTTP GET with a status page
// and closes it, so one process serves the connections one after another.
// SECLEVEL=0 lets the RSA key exchange, CBC and TLS 1.0/1.1 through.
func startOpenSSLServer(t *testing.T, f pkiFiles, extra ...string) extServer {
	t.Helper()
	path := extproc.Require(t, "openssl")
	args := append([]string{"s_server", "-accept", "127.0.0.1:0",
		"-cert", f.rsaCert, "-key", f.rsaKey, "-dcert", f.ecCert, "-dkey", f.ecKey,
		"-www", "-cipher", "ALL:@SECLEVEL=0", "-ciphersuites", openssl13Suites}, extra...)
	_, m, err := startTool(t, path, args, opensslAccept)
	if err != nil {
		t.Fatal(err)
	}
	srv := extServer{name: "openssl s_server", addr: net.JoinHostPort("127.0.0.1", m[1]), exchange: httpExchange}
	if !opensslHasMLKEM(t, path) {
		srv.noMLKEM = "openssl lists no X25519MLKEM768 KEM (openssl list -kem-algorithms): OpenSSL 3.0 has no ML-KEM, 3.5 does"
	}
	return srv
}

func opensslHasMLKEM(t *testing.T, path string) bool {
	t.Helper()
	out := toolOutput(t, path, "list", "-kem-algorithms")
	return strings.Contains(strings.ToUpper(out), "X25519MLKEM768")
}

// toolOutput runs a short tool command to completion.
func toolOutput(t *testing.T, path string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), convTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(path), strings.Join(args, " "), err, out)
	}
	return string(out)
}

// httpExchange sends the HTTP GET probe and requires an HTTP response.
func httpExchange(t *testing.T, c *peers.Conn) {
	t.Helper()
	if _, err := c.Write(peers.DefaultProbe); err != nil {
		t.Fatalf("write probe: %v", err)
	}
	var got []byte
	buf := make([]byte, 4096)
	for len(got) < len("HTTP/") {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			if len(got) < len("HTTP/") {
				t.Fatalf("read response after %q: %v", got, err)
			}
			break
		}
	}
	if !bytes.HasPrefix(got, []byte("HTTP/")) {
		t.Fatalf("response %q, want one starting with HTTP/", got)
	}
}

// --- gnutls-serv ---

// gnutlsListening is gnutls-serv's line for its IPv4 socket; it ends in
// "done" or in the bind error.
var gnutlsListening = regexp.MustCompile(`^Echo Server listening on IPv4 0\.0\.0\.0 port (\d+)\.\.\.(.*)$`)

// gnutlsPriority is NORMAL plus the SHA-256 HMAC for the CBC_SHA256 suites.
const gnutlsPriority = "NORMAL:+SHA256"

// startGnuTLSServer runs `gnutls-serv --echo` with the RSA and the ECDSA
// certificate. It cannot pick its own port, so a free one is chosen
// first; if another process takes it meanwhile, it retries with another.
func startGnuTLSServer(t *testing.T, f pkiFiles, priority string) extServer {
	t.Helper()
	path := extproc.Require(t, "gnutls-serv")
	var noMLKEM string
	if gnutlsHasMLKEM(t) {
		priority += ":+GROUP-X25519-MLKEM768"
	} else {
		noMLKEM = "gnutls lists no GROUP-X25519-MLKEM768 (gnutls-cli --list): gnutls 3.7 has no ML-KEM"
	}
	for attempt := 1; ; attempt++ {
		port, err := extproc.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"--echo", "--port", strconv.Itoa(port), "--priority", priority,
			"--x509certfile", f.rsaCert, "--x509keyfile", f.rsaKey,
			"--x509certfile", f.ecCert, "--x509keyfile", f.ecKey}
		p, m, err := startTool(t, path, args, gnutlsListening)
		if err != nil {
			t.Fatal(err)
		}
		if m[2] == "done" {
			return extServer{name: "gnutls-serv", addr: net.JoinHostPort("127.0.0.1", m[1]), exchange: echoExchange, noMLKEM: noMLKEM}
		}
		p.Stop()
		if attempt == 3 {
			t.Fatalf("gnutls-serv could not bind 127.0.0.1 in %d attempts: %s", attempt, m[0])
		}
	}
}

func gnutlsHasMLKEM(t *testing.T) bool {
	t.Helper()
	cli := extproc.Require(t, "gnutls-cli")
	return strings.Contains(toolOutput(t, cli, "--priority", "NORMAL:+GROUP-ALL", "--list"), "X25519-MLKEM768")
}

// echoExchange sends a line and requires it back.
func echoExchange(t *testing.T, c *peers.Conn) {
	t.Helper()
	roundTrip(t, c)
}

// --- our client against the tool servers ---

func TestClientAgainstOpenSSLServer(t *testing.T) {
	t.Parallel()
	f := writePKI(t)
	srv := startOpenSSLServer(t, f)
	runClientCases(t, srv)
	t.Run("HRR", func(t *testing.T) {
		hrr := startOpenSSLServer(t, f, "-groups", "P-384")
		clientHRR(t, hrr)
	})
}

func TestClientAgainstGnuTLSServer(t *testing.T) {
	t.Parallel()
	f := writePKI(t)
	srv := startGnuTLSServer(t, f, gnutlsPriority)
	runClientCases(t, srv)
	t.Run("HRR", func(t *testing.T) {
		hrr := startGnuTLSServer(t, f, gnutlsPriority+":-GROUP-ALL:+GROUP-SECP384R1")
		clientHRR(t, hrr)
	})
}

// runClientCases runs every TLS 1.2 and TLS 1.3 combination and both kinds
// of resumption against srv, one connection after another.
func runClientCases(t *testing.T, srv extServer) {
	p := mustPKI(t)
	for _, cb := range append(append([]combo{}, combos12...), combos13()...) {
		t.Run(cb.String(), func(t *testing.T) {
			if cb.group == wire.GroupX25519MLKEM768 && srv.noMLKEM != "" {
				t.Skipf("%s: %s", srv.name, srv.noMLKEM)
			}
			cfg := cb.clientConfig(p)
			if cb.version < wire.VersionTLS13 && strings.Contains(cb.suite.String(), "_ECDSA_") && !slices.Contains(cfg.Groups, wire.GroupSecp256r1) {
				// Below TLS 1.3 supported_groups also bounds the curve of
				// the server's ECDSA key (RFC 8422 §5.1), P-256 here:
				// OpenSSL enforces it. It comes second, so the ECDHE group
				// is still the client's first choice.
				cfg.Groups = append(cfg.Groups, wire.GroupSecp256r1)
			}
			c := dialExt(t, srv, cfg)
			checkNegotiated(t, c, cb)
			srv.exchange(t, c)
		})
	}
	// The zero config offers everything with one key share, for
	// X25519MLKEM768: a server without ML-KEM answers with a
	// HelloRetryRequest.
	for _, v := range []wire.Version{0, wire.VersionTLS12} {
		name := "defaults"
		if v != 0 {
			name += "/" + v.Short()
		}
		t.Run(name, func(t *testing.T) {
			var sawHRR atomic.Bool
			cfg := &peers.ClientConfig{
				Versions: versionsFor(v), RootCAs: p.pool, ServerName: "localhost", Timeout: convTimeout,
				Observe: hrrObserver(peers.Received, &sawHRR),
			}
			c := dialExt(t, srv, cfg)
			if want := cmp.Or(v, wire.VersionTLS13); c.Version() != want {
				t.Errorf("version %s, want %s", c.Version(), want)
			}
			if want := v == 0 && srv.noMLKEM != ""; sawHRR.Load() != want {
				t.Errorf("HelloRetryRequest %v, want %v (group %s)", sawHRR.Load(), want, c.Group())
			}
			srv.exchange(t, c)
		})
	}
	for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS13} {
		t.Run("resumption/"+v.Short(), func(t *testing.T) {
			cfg := &peers.ClientConfig{
				Versions: []wire.Version{v}, RootCAs: p.pool, ServerName: "localhost",
				Sessions: peers.NewSessionCache(), Timeout: convTimeout,
			}
			for i, want := range []bool{false, true} {
				c := dialExt(t, srv, cfg)
				// The exchange also reads TLS 1.3 tickets, which come
				// before the response.
				srv.exchange(t, c)
				if c.Resumed() != want {
					t.Errorf("connection %d: resumed %v, want %v", i, c.Resumed(), want)
				}
				c.Close()
			}
		})
	}
}

// clientHRR offers an x25519 key share to a server that takes only P-384,
// which must answer with a HelloRetryRequest (RFC 8446 §4.1.4).
func clientHRR(t *testing.T, srv extServer) {
	p := mustPKI(t)
	var sawHRR atomic.Bool
	cfg := &peers.ClientConfig{
		Versions: []wire.Version{wire.VersionTLS13}, RootCAs: p.pool, ServerName: "localhost", Timeout: convTimeout,
		Groups:    []wire.Group{wire.GroupX25519, wire.GroupSecp384r1},
		KeyShares: []wire.Group{wire.GroupX25519},
		Observe:   hrrObserver(peers.Received, &sawHRR),
	}
	c := dialExt(t, srv, cfg)
	if !sawHRR.Load() {
		t.Error("no HelloRetryRequest received")
	}
	if c.Group() != wire.GroupSecp384r1 {
		t.Errorf("group %s after HRR, want secp384r1", c.Group())
	}
	srv.exchange(t, c)
}

// hrrRandom is the ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3).
var hrrRandom = []byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// isHRR reports whether a handshake record starts with a HelloRetryRequest:
// msg_type server_hello, 3 length bytes, legacy_version, then the random.
func isHRR(b []byte) bool {
	return len(b) >= 6+32 && b[0] == byte(wire.TypeServerHello) && bytes.Equal(b[6:38], hrrRandom)
}

// dialExt connects under a deadline and closes the connection when the
// test ends.
func dialExt(t *testing.T, srv extServer, cfg *peers.ClientConfig) *peers.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*convTimeout)
	t.Cleanup(cancel)
	c, err := peers.Dial(ctx, srv.addr, cfg)
	if err != nil {
		t.Fatalf("handshake with %s: %v", srv.name, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// --- tool clients against our server ---

// toolClient is one run of a tool client against our server.
type toolClient struct {
	name string
	args []string
	// version and suite (when set) are what the tool must report, in its
	// own names; group, when set, must appear in its key-exchange line.
	version, suite, group string
}

// sclientNew is s_client's summary line: "New, TLSv1.2, Cipher is
// ECDHE-RSA-AES256-SHA" (or "Reused, ..." when it resumed). The version
// there is the cipher's (SSL_CIPHER_get_version), not the connection's:
// below TLS 1.3 that one is in sclientProtocol.
var sclientNew = regexp.MustCompile(`^(New|Reused), (\S+), Cipher is (\S+)$`)

// sclientProtocol is the session's version, "    Protocol  : TLSv1.2". For
// TLS 1.3 s_client prints the session when a ticket arrives, into a
// buffer it flushes only later, so TLS 1.3 cases rely on the suite: a
// TLS 1.3 suite is negotiated in TLS 1.3 only.
var sclientProtocol = regexp.MustCompile(`^\s*Protocol\s*: (TLSv1(?:\.[0-3])?)$`)

// sclientTempKey names the key exchange group: "Server Temp Key: X25519,
// 253 bits", "Server Temp Key: ECDH, prime256v1, 256 bits".
var sclientTempKey = regexp.MustCompile(`^Server Temp Key: (.+)$`)

func TestOpenSSLClientAgainstServer(t *testing.T) {
	t.Parallel()
	path := extproc.Require(t, "openssl")
	f := writePKI(t)
	addr := startRefServer(t, peers.ServerConfig{})
	// With no flags s_client offers TLS 1.3 and a key share for X25519.
	cases := []toolClient{{name: "defaults", version: "TLSv1.3", group: "X25519"}}
	for _, s := range []struct{ name, group string }{
		{"ECDHE-RSA-AES128-GCM-SHA256", "X25519"},
		{"ECDHE-ECDSA-CHACHA20-POLY1305", "X25519"},
		{"ECDHE-RSA-AES256-SHA", "X25519"},
		{"ECDHE-ECDSA-AES256-GCM-SHA384", "X25519"},
		{"AES128-SHA", ""},
		{"AES256-GCM-SHA384", ""},
	} {
		cases = append(cases, toolClient{
			name: "1.2/" + s.name, args: []string{"-tls1_2", "-cipher", s.name + ":@SECLEVEL=0"},
			version: "TLSv1.2", suite: s.name, group: s.group,
		})
	}
	for _, s := range strings.Split(openssl13Suites, ":") {
		for _, g := range []struct{ name, shown string }{{"X25519", "X25519"}, {"P-256", "prime256v1"}, {"P-384", "secp384r1"}} {
			cases = append(cases, toolClient{
				name: "1.3/" + s + "/" + g.name, args: []string{"-tls1_3", "-ciphersuites", s, "-groups", g.name},
				version: "TLSv1.3", suite: s, group: g.shown,
			})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := runSClient(t, path, addr, f, tc.args...)
			checkSClient(t, p, tc, "New")
		})
	}
	t.Run("HRR", func(t *testing.T) {
		t.Parallel()
		var sentHRR atomic.Bool
		hrr := startRefServer(t, peers.ServerConfig{
			Groups:  []wire.Group{wire.GroupSecp384r1},
			Observe: hrrObserver(peers.Sent, &sentHRR),
		})
		// s_client sends a key share for its first group only.
		p := runSClient(t, path, hrr, f, "-tls1_3", "-ciphersuites", "TLS_AES_256_GCM_SHA384", "-groups", "X25519:P-384")
		checkSClient(t, p, toolClient{version: "TLSv1.3", suite: "TLS_AES_256_GCM_SHA384", group: "secp384r1"}, "New")
		if !sentHRR.Load() {
			t.Error("our server sent no HelloRetryRequest")
		}
	})
	t.Run("1.2/ECDSA-key-curve-outside-supported_groups", func(t *testing.T) {
		t.Parallel()
		// Below TLS 1.3 the client's supported_groups also bounds the curve
		// of the server's ECDSA key (RFC 8422 §5.1: the server "MUST NOT
		// negotiate the use of an ECC cipher suite unless" it can respect
		// them). Our ECDSA key is P-256 and s_client offers X25519 only, so
		// the server must pass over its preferred ECDSA suite; s_client
		// aborts with "wrong curve" if it does not.
		pref := startRefServer(t, peers.ServerConfig{CipherSuites: []wire.CipherSuite{
			wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		}})
		p := startToolClient(t, path, sclientArgs(pref, f, "-tls1_2", "-groups", "X25519",
			"-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"))
		ctx, cancel := context.WithTimeout(context.Background(), convTimeout)
		defer cancel()
		if _, err := p.WaitLine(ctx, pingEcho); err != nil {
			if strings.Contains(p.Output(), "wrong curve") {
				t.Fatalf("engine bug: our server chose ECDHE_ECDSA with its P-256 key although the client's supported_groups is [x25519] (RFC 8422 §5.1); ServerState.certFor in peers/server.go ignores the key's curve")
			}
			t.Fatal(err)
		}
		checkSClient(t, p, toolClient{version: "TLSv1.2", suite: "ECDHE-RSA-AES128-GCM-SHA256", group: "X25519"}, "New")
	})
	for _, v := range []struct{ name, version, suite string }{
		{"1.2", "TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384"},
		{"1.3", "TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256"},
	} {
		t.Run("resumption/"+v.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"-tls1_2", "-cipher", v.suite}
			if v.name == "1.3" {
				args = []string{"-tls1_3", "-ciphersuites", v.suite}
			}
			want := toolClient{version: v.version, suite: v.suite}
			sess := filepath.Join(t.TempDir(), "session.pem")
			// The echo comes after the TLS 1.3 ticket, so once it is
			// there the session file has been written.
			first := runSClient(t, path, addr, f, append(args, "-sess_out", sess)...)
			checkSClient(t, first, want, "New")
			first.Stop()
			second := runSClient(t, path, addr, f, append(args, "-sess_in", sess)...)
			checkSClient(t, second, want, "Reused")
		})
	}
}

// hrrObserver sets saw when a handshake record in direction dir carries
// a HelloRetryRequest.
func hrrObserver(dir peers.Direction, saw *atomic.Bool) peers.Observer {
	return func(e peers.Event) {
		if e.Dir == dir && e.Type == wire.ContentHandshake && isHRR(e.Plaintext) {
			saw.Store(true)
		}
	}
}

// runSClient runs `openssl s_client` against addr, sends pingLine and
// waits for the echo and a verified chain.
func runSClient(t *testing.T, path, addr string, f pkiFiles, extra ...string) *extproc.Proc {
	t.Helper()
	return runToolClient(t, path, sclientArgs(addr, f, extra...),
		regexp.MustCompile(`^Verification: OK$`),
		regexp.MustCompile(`^\s*Verify return code: 0 \(ok\)$`))
}

// sclientArgs is an s_client command line that verifies our chain and
// name; -ign_eof keeps it reading after its stdin ends: the test kills it.
func sclientArgs(addr string, f pkiFiles, extra ...string) []string {
	return append([]string{"s_client", "-connect", addr, "-servername", "localhost",
		"-CAfile", f.ca, "-verify_return_error", "-verify_hostname", "localhost", "-ign_eof"}, extra...)
}

// pingEcho is the echo of pingLine in a tool client's output.
var pingEcho = regexp.MustCompile("^" + regexp.QuoteMeta(pingLine) + "$")

// runToolClient starts a tool client, writes pingLine to it and waits for
// the echo and for every line in want.
func runToolClient(t *testing.T, path string, args []string, want ...*regexp.Regexp) *extproc.Proc {
	t.Helper()
	p := startToolClient(t, path, args)
	for _, re := range append([]*regexp.Regexp{pingEcho}, want...) {
		waitLine(t, p, re)
	}
	return p
}

// startToolClient starts a tool client and writes pingLine to its stdin,
// which it sends once connected. The process is stopped when the test
// ends.
func startToolClient(t *testing.T, path string, args []string) *extproc.Proc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolLifetime)
	p, err := extproc.Start(ctx, path, args, extproc.Options{Stdin: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(); cancel() })
	if _, err := io.WriteString(p.Stdin, pingLine+"\n"); err != nil {
		t.Fatalf("%s: write stdin: %v\n%s", p.Name, err, p.Output())
	}
	return p
}

// waitLine waits, under convTimeout, for a line of p's output.
func waitLine(t *testing.T, p *extproc.Proc, re *regexp.Regexp) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), convTimeout)
	defer cancel()
	m, err := p.WaitLine(ctx, re)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func checkSClient(t *testing.T, p *extproc.Proc, want toolClient, kind string) {
	t.Helper()
	m := waitLine(t, p, sclientNew)
	if m[1] != kind || (want.suite != "" && m[3] != want.suite) {
		t.Errorf("s_client: %q, want %s, ..., Cipher is %s", m[0], kind, want.suite)
	}
	if want.version == "TLSv1.3" {
		if m[2] != want.version {
			t.Errorf("s_client: %q, want a %s suite", m[0], want.version)
		}
	} else if m := waitLine(t, p, sclientProtocol); m[1] != want.version {
		t.Errorf("s_client: %q, want %s", m[0], want.version)
	}
	if want.group != "" {
		if g := waitLine(t, p, sclientTempKey); !strings.Contains(g[1], want.group) {
			t.Errorf("s_client: %q, want group %s", g[0], want.group)
		}
	}
}

func TestGnuTLSClientAgainstServer(t *testing.T) {
	t.Parallel()
	path := extproc.Require(t, "gnutls-cli")
	f := writePKI(t)
	addr := startRefServer(t, peers.ServerConfig{})
	var sentHRR atomic.Bool
	hrrAddr := startRefServer(t, peers.ServerConfig{
		Groups:  []wire.Group{wire.GroupSecp384r1},
		Observe: hrrObserver(peers.Sent, &sentHRR),
	})
	// Everything off, then exactly what the case enables.
	const none = "NONE:+CTYPE-X509:+COMP-NULL:+SIGN-ALL"
	cases := []struct {
		name, addr, priority string
		// kx and cipher are the start and the end of gnutls-cli's
		// "- Description:" line; the signature scheme between them is
		// the server's choice.
		kx, cipher string
	}{
		{"defaults", addr, "NORMAL", "(TLS1.3-X.509)-", ""},
		{"1.2/ECDHE-RSA-AES-128-GCM", addr, none + ":+VERS-TLS1.2:+ECDHE-RSA:+AES-128-GCM:+AEAD:+GROUP-SECP256R1",
			"(TLS1.2-X.509)-(ECDHE-SECP256R1)-", "-(AES-128-GCM)"},
		// SECP256R1 for the curve of our ECDSA key (RFC 8422 §5.1); our
		// server still prefers X25519 for ECDHE.
		{"1.2/ECDHE-ECDSA-CHACHA20-POLY1305", addr, none + ":+VERS-TLS1.2:+ECDHE-ECDSA:+CHACHA20-POLY1305:+AEAD:+GROUP-X25519:+GROUP-SECP256R1",
			"(TLS1.2-X.509)-(ECDHE-X25519)-", "-(CHACHA20-POLY1305)"},
		{"1.2/RSA-AES-128-CBC-SHA1", addr, none + ":+VERS-TLS1.2:+RSA:+AES-128-CBC:+SHA1",
			"(TLS1.2-X.509)-(RSA)-", "-(AES-128-CBC)-(SHA1)"},
		{"1.2/ECDHE-RSA-AES-256-CBC-SHA1", addr, none + ":+VERS-TLS1.2:+ECDHE-RSA:+AES-256-CBC:+SHA1:+GROUP-SECP384R1",
			"(TLS1.2-X.509)-(ECDHE-SECP384R1)-", "-(AES-256-CBC)-(SHA1)"},
		{"1.3/AES-256-GCM/X25519", addr, none + ":+VERS-TLS1.3:+AES-256-GCM:+AEAD:+GROUP-X25519",
			"(TLS1.3-X.509)-(ECDHE-X25519)-", "-(AES-256-GCM)"},
		{"1.3/AES-128-GCM/SECP256R1", addr, none + ":+VERS-TLS1.3:+AES-128-GCM:+AEAD:+GROUP-SECP256R1",
			"(TLS1.3-X.509)-(ECDHE-SECP256R1)-", "-(AES-128-GCM)"},
		{"1.3/CHACHA20-POLY1305/SECP384R1", addr, none + ":+VERS-TLS1.3:+CHACHA20-POLY1305:+AEAD:+GROUP-SECP384R1",
			"(TLS1.3-X.509)-(ECDHE-SECP384R1)-", "-(CHACHA20-POLY1305)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := runGnuTLSCli(t, path, tc.addr, f, tc.priority)
			checkGnuTLSDescription(t, p, tc.kx, tc.cipher)
		})
	}
	t.Run("1.3/HRR", func(t *testing.T) {
		t.Parallel()
		// gnutls-cli sends a key share for its first group of each kind;
		// SECP256R1 and SECP384R1 are of one kind, so only P-256 gets one.
		p := runGnuTLSCli(t, path, hrrAddr, f, none+":+VERS-TLS1.3:+AES-128-GCM:+AEAD:+GROUP-SECP256R1:+GROUP-SECP384R1")
		checkGnuTLSDescription(t, p, "(TLS1.3-X.509)-(ECDHE-SECP384R1)-", "-(AES-128-GCM)")
		if !sentHRR.Load() {
			t.Error("our server sent no HelloRetryRequest")
		}
	})
	for _, v := range []string{"1.2", "1.3"} {
		t.Run("resumption/"+v, func(t *testing.T) {
			t.Parallel()
			// --resume: a full handshake, then a second connection
			// resuming it, which then carries the ping.
			p := runGnuTLSCli(t, path, addr, f, "NORMAL:-VERS-ALL:+VERS-TLS"+v, "--resume")
			waitLine(t, p, regexp.MustCompile(`^\*\*\* This is a resumed session$`))
		})
	}
}

func checkGnuTLSDescription(t *testing.T, p *extproc.Proc, kx, cipher string) {
	t.Helper()
	d := waitLine(t, p, gnutlsDescription)
	if !strings.HasPrefix(d[1], kx) || !strings.HasSuffix(d[1], cipher) {
		t.Errorf("gnutls-cli: %q, want %s...%s", d[0], kx, cipher)
	}
}

// gnutlsDescription is gnutls-cli's summary of the session.
var gnutlsDescription = regexp.MustCompile(`^- Description: (.+)$`)

// runGnuTLSCli runs gnutls-cli against addr, sends pingLine and waits for
// the echo and a trusted chain.
func runGnuTLSCli(t *testing.T, path, addr string, f pkiFiles, priority string, extra ...string) *extproc.Proc {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--port", port, "--sni-hostname", "localhost", "--verify-hostname", "localhost",
		"--x509cafile", f.ca, "--priority", priority}, extra...)
	args = append(args, host)
	return runToolClient(t, path, args, regexp.MustCompile(`^- Status: The certificate is trusted\.\s*$`))
}

// versionsFor is what a client offers when asked for exactly version v; a
// zero v means the defaults.
func versionsFor(v wire.Version) []wire.Version {
	if v == 0 {
		return nil
	}
	return []wire.Version{v}
}
