// Package targets gives the suite its target endpoints behind one
// interface: the built-in Go crypto/tls server (in-process, the default),
// OpenSSL's s_server, GnuTLS's gnutls-serv, NSS's selfserv, an Erlang/OTP
// ssl escript and small wolfSSL and mbed TLS servers (C sources in
// stacks/, built with gcc on first use) started as processes, any
// HOST:PORT that is already running, and any server written in Go run
// in-process by Serve (the reference server among them). It starts them,
// waits for readiness, tells a crashed or unreachable target from a live
// one, and stops them. Start with Open and Serve.
//
// The suite also tests TLS clients: OpenClient opens a client under test
// (Go's crypto/tls client in-process, openssl s_client, gnutls-cli, curl
// or any command line) that Client.Run starts once per check against a
// server of the suite's, killing it with its process group at the
// deadline. Go's client offers TLS 1.0 and 1.1 with MinVersion alone: no
// GODEBUG setting is needed on the client side.
//
// Open probes every target it starts with a crypto/tls handshake at each
// TLS version, so Versions says what the target really serves and Notes
// says where that differs from what was asked for.
//
// The built-in target serves TLS 1.0 and 1.1 by setting
// tls.Config.MinVersion, which Go 1.26 honours without any GODEBUG setting;
// a binary that embeds it should still carry
//
//	//go:debug tls10server=1
//
// in its main package (or in the test file, for a test binary) so that
// nothing in the binary falls back to the TLS 1.2 default. A binary that
// cannot serve them (GODEBUG=fips140=only, for one) gets a note, not a
// failure: the probe at Open is exact.
//
// targets imports the standard library, internal/extproc and peers/certs
// only; it must not import peers (the reference peer is the other end) or
// Ginkgo.
package targets

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Target is an endpoint the suite talks to.
type Target interface {
	// Name is one of Names, the HOST:PORT given, or the name given to
	// Serve.
	Name() string
	// Addr is the HOST:PORT to dial.
	Addr() string
	// Dial connects under ctx. The connection carries ctx's deadline, if
	// any, so every read on it is bounded; the caller may move it.
	Dial(ctx context.Context) (net.Conn, error)
	// Alive reports whether the target still accepts connections and,
	// for a process started here, whether the process still runs. The
	// error says what is wrong: "openssl s_server exited: signal: killed;
	// last output: ...", "connect 127.0.0.1:4433: connection refused".
	// Without a deadline in ctx the check is bounded by 5 s.
	Alive(ctx context.Context) error
	// Output is the recent output of a process started here, for reports;
	// "" otherwise.
	Output() string
	// Notes are facts learnt at Open that a report should show: the tool's
	// version, versions asked for but not served, and similar. May be nil.
	Notes() []string
	// Versions are the TLS versions ("1.0" to "1.3") a handshake
	// completed at when Open probed the target; nil for HOST:PORT, which
	// Open does not probe.
	Versions() []string
	// Close stops what Open started and removes generated files it
	// owns. It may be called more than once.
	Close() error
}

// OutputFollower is a Target run as a process here (openssl, gnutls and
// the other tools) whose every line of output can be followed as it is
// printed: the network campaign timestamps it, keeps the whole log and
// cuts each finding's part out of it. OnOutput calls f with the lines
// printed so far, then with each new one (see extproc.Proc.OnLine: f
// must be quick).
type OutputFollower interface {
	OnOutput(f func(line string))
}

// Options are the optional parts of Open.
type Options struct {
	// Dir is where the certificates for a started tool are written;
	// default a temporary directory removed on Close.
	Dir string
	// Versions pins a started target to these TLS versions ("1.0", "1.1",
	// "1.2", "1.3"; "TLS1.2", "TLSv1.2" also do); default all four. Best
	// effort: crypto/tls serves a contiguous range, so the builtin target
	// serves from the lowest to the highest given (Notes says so).
	Versions []string
	// Now fixes the certificates' validity; default time.Now.
	Now func() time.Time
	// Rand is the randomness for certificate generation; default
	// crypto/rand.Reader.
	Rand io.Reader
}

// Bounds that keep a target from costing unbounded time.
const (
	// readyWithin bounds the wait for a started tool's listening line.
	readyWithin = 10 * time.Second
	// checkWithin bounds a connect or a probe handshake whose context has
	// no deadline.
	checkWithin = 5 * time.Second
	// dialWithin bounds Dial when ctx has no deadline.
	dialWithin = 10 * time.Second
	// outputTail is how much of a process's output errors and Output show.
	outputTail = 8 << 10
	// keepLines is how many lines of a tool's output are kept.
	keepLines = 2000
)

// Names lists the targets Open starts itself; any HOST:PORT works too.
func Names() []string {
	return []string{"builtin", "openssl", "gnutls", "nss", "erlang", "wolfssl", "mbedtls"}
}

// Open starts or connects to the target named by spec:
//
//   - "builtin": an in-process crypto/tls server on a free 127.0.0.1 port
//     with TLS 1.0-1.3, every cipher suite Go has (TLS_RSA_* and CBC
//     included), an RSA and an ECDSA certificate made now, echoing
//     application data, each connection under an idle deadline;
//   - "openssl": `openssl s_server -www` on a free loopback port with RSA
//     and ECDSA certificates and -cipher ALL:@SECLEVEL=0 (RSA key
//     exchange, CBC, TLS 1.0 and 1.1 where the build has them); it serves
//     one connection at a time;
//   - "gnutls": `gnutls-serv --echo` on a free port with both
//     certificates and a priority string that adds TLS 1.0/1.1, RSA key
//     exchange and the CBC suites to NORMAL;
//   - "nss": NSS's `selfserv -v` (libnss3-tools) on a free port with an
//     NSS database made in its directory (certutil, pk12util) holding
//     both keys (-n, -e), otherwise at its defaults (TLS 1.0-1.3; -V
//     only for a pin); it answers data ending in an empty line with an
//     HTTP/1.0 response that echoes it;
//   - "erlang": an escript (erlang-ssl) running ssl:listen with both
//     certificates (certs_keys) and {versions, ...} naming TLS 1.0-1.3
//     (ssl's server default is 1.2 and 1.3), ssl's defaults otherwise,
//     echoing application data, a process per connection;
//   - "wolfssl", "mbedtls": small C echo servers against libwolfssl-dev
//     and libmbedtls-dev at the library's defaults but for the versions
//     (TLS 1.0-1.3, narrowed to what the build has: wolfSSL 5.5 has no
//     TLS 1.0, mbed TLS 2.28 no TLS 1.3) and the certificates (wolfSSL
//     the RSA one only); built with gcc into the user's cache directory
//     on first use; one connection at a time, each bounded by 10 s a
//     read and 30 s in all;
//   - "HOST:PORT": anything already running; Open checks that it accepts a
//     TCP connection.
//
// ctx bounds Open only: a started target lives until Close.
func Open(ctx context.Context, spec string, opts Options) (Target, error) {
	versions, err := parseVersions(opts.Versions)
	if err != nil {
		return nil, err
	}
	switch spec {
	case "builtin":
		return openBuiltin(ctx, versions, opts)
	case "openssl":
		return openOpenSSL(ctx, versions, opts)
	case "gnutls":
		return openGnuTLS(ctx, versions, opts)
	case "nss":
		return openNSS(ctx, versions, opts)
	case "erlang":
		return openErlang(ctx, versions, opts)
	case "wolfssl":
		return openWolfSSL(ctx, versions, opts)
	case "mbedtls":
		return openMbedTLS(ctx, versions, opts)
	}
	if _, _, err := splitTarget(spec); err != nil {
		return nil, err
	}
	return openRemote(ctx, spec)
}

// splitTarget checks that spec is HOST:PORT with a host and a port number.
func splitTarget(spec string) (string, int, error) {
	bad := fmt.Errorf("targets: unknown target %q: want %s or HOST:PORT", spec, strings.Join(Names(), ", "))
	host, port, err := net.SplitHostPort(spec)
	if err != nil || host == "" {
		return "", 0, bad
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", 0, fmt.Errorf("targets: target %q: port %q is not a number from 1 to 65535", spec, port)
	}
	return host, n, nil
}

// allVersions are the versions the targets know, lowest first.
func allVersions() []uint16 {
	return []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}
}

// versionName is the short form Options and Versions use: "1.2".
func versionName(v uint16) string {
	return strings.TrimPrefix(tls.VersionName(v), "TLS ")
}

// parseVersions turns Options.Versions into crypto/tls constants, sorted;
// nil or empty means all.
func parseVersions(in []string) ([]uint16, error) {
	if len(in) == 0 {
		return allVersions(), nil
	}
	var out []uint16
	for _, s := range in {
		v, err := parseVersion(s)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out, nil
}

func parseVersion(s string) (uint16, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "tls")
	t = strings.TrimPrefix(t, "v")
	t = strings.TrimSpace(t)
	for _, v := range allVersions() {
		if t == versionName(v) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("targets: unknown TLS version %q: want 1.0, 1.1, 1.2 or 1.3", s)
}

// defaults fills in Options' clock and randomness.
func defaults(opts Options) (func() time.Time, io.Reader) {
	now, rnd := opts.Now, opts.Rand
	if now == nil {
		now = time.Now
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	return now, rnd
}

// withBound returns ctx, bounded by d when it has no deadline of its own.
func withBound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// dial connects to addr under ctx (at most dialWithin without a deadline)
// and gives the connection ctx's deadline.
func dial(ctx context.Context, addr string) (net.Conn, error) {
	dctx, cancel := withBound(ctx, dialWithin)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("targets: %w", connectError(addr, err))
	}
	if dl, ok := ctx.Deadline(); ok {
		if err := c.SetDeadline(dl); err != nil {
			c.Close()
			return nil, fmt.Errorf("targets: connect %s: set deadline: %w", addr, err)
		}
	}
	return c, nil
}

// checkConnect is Alive's network half: a TCP connect, closed at once.
func checkConnect(ctx context.Context, addr string) error {
	cctx, cancel := withBound(ctx, checkWithin)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(cctx, "tcp", addr)
	if err != nil {
		return connectError(addr, err)
	}
	return c.Close()
}

// connectError shortens net's "dial tcp 127.0.0.1:1: connect: connection
// refused" to "connect 127.0.0.1:1: connection refused", keeping the
// chain for errors.Is.
func connectError(addr string, err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		inner := op.Err
		var sc *os.SyscallError
		if errors.As(inner, &sc) {
			inner = sc.Err
		}
		return &connError{addr: addr, msg: inner.Error(), err: err}
	}
	return &connError{addr: addr, msg: err.Error(), err: err}
}

type connError struct {
	addr, msg string
	err       error
}

func (e *connError) Error() string { return "connect " + e.addr + ": " + e.msg }
func (e *connError) Unwrap() error { return e.err }

// tail is the end of s, at most n bytes, cut at a line start when it can.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 && i < len(s)-1 {
		s = s[i+1:]
	}
	return "...\n" + s
}
