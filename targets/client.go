package targets

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
)

// Client is a TLS client under test: Run starts it once against a server
// of the suite's and reports how it ended.
type Client interface {
	// Name is "builtin", "openssl", "gnutls", "curl" or the command given.
	Name() string
	// Run starts the client once to connect to the server at c.Addr: it
	// handshakes, sends a line of application data, reads the answer and
	// ends. Run returns when the client has ended, or when ctx ends (a
	// process is then killed with its whole process group, and Killed
	// is set).
	Run(ctx context.Context, c Connect) ClientResult
	// Notes are facts for the report: the tool's version, the command.
	Notes() []string
	// Close releases what OpenClient made. It may be called more than once.
	Close() error
}

// Connect is what a client needs to reach the suite's server.
type Connect struct {
	Addr       string         // HOST:PORT to connect to
	ServerName string         // for SNI and certificate verification
	CAFile     string         // PEM file of the CA that signed the server's certificates
	CAPool     *x509.CertPool // the same CA, for in-process clients
}

// ClientResult is how one run of a client ended.
type ClientResult struct {
	Started  bool  // false: it could not be started (Err says why)
	ExitCode int   // exit status; an in-process client: 0 completed, 1 failed; -1 when killed
	Killed   bool  // still running at the deadline, and killed
	Err      error // why it did not start, or an in-process client's error
	Output   string
	Took     time.Duration
}

// ClientOptions configure OpenClient; none are needed yet.
type ClientOptions struct{}

// ClientNames are the clients OpenClient knows by name.
func ClientNames() []string { return []string{"builtin", "openssl", "gnutls", "curl"} }

// clientLine is the application data a client sends.
const clientLine = "tlsconform\n"

// clientOutputMax bounds what is kept of a client's output.
const clientOutputMax = 4 << 10

// The commands of the named clients: each connects to {addr}, trusts
// {ca}, sends the line on its stdin (curl: an HTTP request) and exits,
// with a non-zero status when the handshake or the verification fails.
var clientCommands = map[string]string{
	"openssl": "openssl s_client -connect {addr} -servername {servername} -CAfile {ca} -verify_return_error -cipher DEFAULT:@SECLEVEL=0 -quiet -no_ign_eof",
	"gnutls":  "gnutls-cli --x509cafile {ca} --port {port} --sni-hostname {servername} --verify-hostname {servername} {host}",
	"curl":    "curl -sS --cacert {ca} --connect-to {servername}:{port}:{host}:{port} https://{servername}:{port}/ -o /dev/null",
}

// clientTools are the binaries of the named clients, for lookups.
var clientTools = map[string]string{"openssl": "openssl", "gnutls": "gnutls-cli", "curl": "curl"}

// OpenClient opens the client a user names: "builtin" (Go's crypto/tls
// client, in-process, TLS 1.0-1.3 and every suite Go has), "openssl"
// (s_client), "gnutls" (gnutls-cli), "curl", or a command line run with
// /bin/sh -c once per run, after replacing {addr} (HOST:PORT), {host},
// {port}, {servername} and {ca} (the CA file) with their values, each
// shell-quoted. The command gets a line on its standard input, then its
// end; it must connect to {addr} (or {host} and {port}), complete the
// handshake, send some application data and exit, with a non-zero status
// when it rejects the connection.
func OpenClient(ctx context.Context, spec string, opts ClientOptions) (Client, error) {
	switch spec {
	case "":
		return nil, errors.New("no client named: want builtin, openssl, gnutls, curl, or a command with {addr}")
	case "builtin":
		return goClient{}, nil
	}
	cmdline, named := clientCommands[spec]
	if !named {
		if !strings.Contains(spec, "{addr}") && !strings.Contains(spec, "{port}") {
			return nil, fmt.Errorf("client %q: neither a known client (%s) nor a command with {addr} or {port} in it, so it could not know where to connect", spec, strings.Join(ClientNames(), ", "))
		}
		cmdline = spec
	}
	c := &cmdClient{name: spec, cmdline: cmdline}
	if named {
		path, err := extproc.Lookup(clientTools[spec])
		if err != nil {
			return nil, fmt.Errorf("client %s: %w", spec, err)
		}
		arg := "--version"
		if spec == "openssl" {
			arg = "version"
		}
		c.notes = append(c.notes, toolVersion(ctx, path, arg))
	}
	c.notes = append(c.notes, "command: "+cmdline)
	return c, nil
}

// cmdClient is a client run as a command, once per Run.
type cmdClient struct {
	name, cmdline string
	notes         []string
}

func (c *cmdClient) Name() string    { return c.name }
func (c *cmdClient) Notes() []string { return c.notes }
func (c *cmdClient) Close() error    { return nil }

// Expand is the command line with the placeholders of conn replaced,
// each value shell-quoted.
func Expand(cmdline string, conn Connect) string {
	host, port, _ := net.SplitHostPort(conn.Addr)
	return strings.NewReplacer(
		"{addr}", shellQuote(conn.Addr), "{host}", shellQuote(host), "{port}", shellQuote(port),
		"{servername}", shellQuote(conn.ServerName), "{ca}", shellQuote(conn.CAFile),
	).Replace(cmdline)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (c *cmdClient) Run(ctx context.Context, conn Connect) ClientResult {
	start := time.Now()
	cmd := exec.Command("/bin/sh", "-c", Expand(c.cmdline, conn))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdin = strings.NewReader(clientLine)
	out := &boundedBuffer{max: clientOutputMax}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return ClientResult{Err: fmt.Errorf("start %s: %w", c.name, err), Took: time.Since(start)}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	res := ClientResult{Started: true}
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		// The whole group: sh and what it started.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		err = <-done
		res.Killed = true
	}
	res.Took, res.Output = time.Since(start), out.String()
	var ee *exec.ExitError
	switch {
	case res.Killed:
		res.ExitCode = -1
	case err == nil:
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
	default:
		res.ExitCode, res.Err = -1, err
	}
	return res
}

// boundedBuffer keeps the last max bytes written to it.
type boundedBuffer struct {
	mu  sync.Mutex
	max int
	b   bytes.Buffer
}

func (w *boundedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if extra := w.b.Len() - w.max; extra > 0 {
		w.b.Next(extra)
	}
	return len(p), nil
}

func (w *boundedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// goClient is Go's crypto/tls client, in-process. Go 1.26 lets a client
// offer TLS 1.0 and 1.1 when MinVersion asks for them.
type goClient struct{}

func (goClient) Name() string { return "builtin" }
func (goClient) Notes() []string {
	return []string{"crypto/tls client (" + goVersion() + "), TLS 1.0-1.3, every suite"}
}
func (goClient) Close() error { return nil }

func (goClient) Run(ctx context.Context, conn Connect) ClientResult {
	start := time.Now()
	res := ClientResult{Started: true, ExitCode: 1}
	d := tls.Dialer{Config: &tls.Config{
		RootCAs: conn.CAPool, ServerName: conn.ServerName,
		MinVersion: tls.VersionTLS10, CipherSuites: GoSuites(),
	}}
	nc, err := d.DialContext(ctx, "tcp", conn.Addr)
	if err != nil {
		res.Err, res.Took = err, time.Since(start)
		return res
	}
	defer nc.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	if _, err := nc.Write([]byte(clientLine)); err != nil {
		res.Err, res.Took = err, time.Since(start)
		return res
	}
	// The answer is best effort: the handshake and the write decided.
	buf := make([]byte, 64)
	_, _ = nc.Read(buf)
	res.ExitCode, res.Took = 0, time.Since(start)
	return res
}

// goVersion is the Go release the binary was built with.
func goVersion() string { return runtime.Version() }
