package targets

import (
	"context"
	"crypto/x509"
	"net"
	"regexp"
	"strings"
	"time"
)

// Client is a TLS client under test: Run starts it once against a
// server of the suite's and reports how it ended.
type Client interface {
	// Name is "builtin", "openssl", "gnutls", "curl" or the command given.
	Name() string
	// Run starts the client once to connect to the server at c.Addr:
	// it handshakes, sends some application data, reads the answer and
	// ends. Run returns when the client has ended, or when ctx ends
	// (the client is then killed, with its whole process group, and
	// Killed is set). It never blocks past ctx's deadline + a small grace
	// (3 s: the kill, and a grandchild holding the output pipe); without
	// a deadline in ctx a run is bounded by 60 s.
	Run(ctx context.Context, c Connect) ClientResult
	// Notes are facts for the report: the tool's version, the command line.
	Notes() []string
	// Close releases what OpenClient made (no client makes temporary
	// files today: each Run cleans up after itself); a Run after Close
	// does not start the client. It may be called more than once.
	Close() error
}

// Connect is what a client needs to reach the suite's server.
type Connect struct {
	Addr string // HOST:PORT to connect to ("127.0.0.1:40123")
	// ServerName is the name for SNI and certificate verification
	// ("localhost"); default Addr's host. An IP address is verified
	// against the certificate's IP SANs and sent as no SNI.
	ServerName string
	CAFile     string         // PEM file of the CA that signed the server's certificate
	CAPool     *x509.CertPool // the same CA, for in-process clients (CAFile is read when nil)
}

// ClientResult is how one run of the client ended.
type ClientResult struct {
	Started bool // the client started (a command that cannot start: false, Err says why)
	// ExitCode is the exit status; 0 for an in-process client that
	// completed, 1 for one that failed; -1 when killed, when the process
	// died of a signal, or when it did not start.
	ExitCode int
	Killed   bool // the client was still running at the deadline and was killed (an in-process one: its run ended by the deadline)
	// Err is why it failed to start, or (in-process) the handshake/IO
	// error, or the signal a process died of when it was not killed here.
	Err    error
	Output string // the end of what it printed (stdout and stderr), at most clientOutputTail bytes
	Took   time.Duration
}

// ClientOptions are the optional parts of OpenClient.
type ClientOptions struct {
	// Versions pins the client to these TLS versions ("1.0" to "1.3", as
	// in Options.Versions); default the client's own defaults widened to
	// TLS 1.0-1.3 where a flag allows it (see OpenClient). A command
	// spec cannot be pinned: Notes says so.
	Versions []string
}

// Bounds that keep a client run from costing unbounded time.
const (
	// clientWithin bounds a run whose context has no deadline.
	clientWithin = 60 * time.Second
	// clientGrace is how long Run may take past the context's end: the
	// kill, and extproc's bound on a grandchild holding the output pipe.
	clientGrace = 3 * time.Second
	// clientOutputTail is how much of a client's output a result keeps.
	clientOutputTail = 4 << 10
	// clientLines bounds the lines of output kept while a client runs.
	clientLines = 500
)

// clientHello is the application data every client sends: the builtin
// one writes it, a process client gets it on standard input, then EOF.
const clientHello = "tlsconform\n"

// ClientNames lists the clients OpenClient knows by name; any command
// line with {addr} or {port} works too.
func ClientNames() []string { return []string{"builtin", "openssl", "gnutls", "curl"} }

// OpenClient opens the client a user names; it starts nothing (each Run
// does), it only finds the tool and notes its version:
//
//   - "builtin": Go crypto/tls's client, in-process, offering TLS 1.0-1.3
//     and every suite Go has (GoSuites, RSA key exchange and CBC
//     included); it writes clientHello and reads the answer;
//   - "openssl": `openssl s_client -connect {addr} -servername
//     {servername} -verify_hostname {servername} -CAfile {ca}
//     -verify_return_error -brief -cipher DEFAULT:@SECLEVEL=0`;
//   - "gnutls": `gnutls-cli --x509cafile {ca} --sni-hostname {servername}
//     --verify-hostname {servername} -p {port} {host}`, at GnuTLS's
//     defaults (NORMAL already has TLS 1.0-1.3 and RSA key exchange);
//   - "curl": `curl -sS --cacert {ca} --ciphers DEFAULT:@SECLEVEL=0
//     --resolve {servername}:{port}:{host} -X HTTP/1.1 --request-target
//     200 -H 'Content-Length: 0' -o /dev/null https://{servername}:{port}/`
//     (see curlArgs for why the request looks like a response);
//   - anything else: a command line run with /bin/sh -c after replacing
//     {addr} (HOST:PORT), {host}, {port}, {servername} and {ca} (the CA
//     file) with their values, each shell-quoted when it needs it. It must
//     name {addr} or {port}, or it could not know where to connect.
//
// Every process client gets clientHello on standard input, then EOF, and
// runs in a process group of its own, killed whole at ctx's end.
func OpenClient(ctx context.Context, spec string, opts ClientOptions) (Client, error) {
	versions, err := parseVersions(opts.Versions)
	if err != nil {
		return nil, err
	}
	pinned := len(opts.Versions) > 0
	switch spec {
	case "builtin":
		return newBuiltinClient(versions), nil
	case "openssl":
		return openOpenSSLClient(ctx, versions, pinned)
	case "gnutls":
		return openGnuTLSClient(ctx, versions, pinned)
	case "curl":
		return openCurlClient(ctx, versions, pinned)
	}
	return openCommandClient(spec, pinned)
}

// expandCommand replaces the placeholders in a command spec, each value
// quoted for /bin/sh.
func expandCommand(spec string, c Connect, host, port, name string) string {
	return strings.NewReplacer(
		"{addr}", shellQuote(net.JoinHostPort(host, port)),
		"{host}", shellQuote(host),
		"{port}", shellQuote(port),
		"{servername}", shellQuote(name),
		"{ca}", shellQuote(c.CAFile),
	).Replace(spec)
}

// serverName is c.ServerName, or the host connected to.
func serverName(c Connect, host string) string {
	if c.ServerName != "" {
		return c.ServerName
	}
	return host
}

// shellSafe are the values /bin/sh takes as one word as they are, so a
// placeholder the user wrote inside quotes ("{ca}") still works for them.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s as one word for /bin/sh, when it has to.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
