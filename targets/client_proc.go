package targets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
)

// procClient is a TLS client run as a process once per Run: every client
// of ClientNames but builtin, and a command line.
type procClient struct {
	name string // "openssl", or the command spec
	path string // the binary, or /bin/sh
	// args is the command line after path for one run; host and port
	// are c.Addr's, name is the server name to send and verify.
	args   func(c Connect, host, port, name string) []string
	notes  []string
	closed atomic.Bool
}

func (p *procClient) Name() string    { return p.name }
func (p *procClient) Notes() []string { return p.notes }

// Close marks the client closed. Runs own everything they start and
// clean it up before they return, so there is nothing else to release.
func (p *procClient) Close() error {
	p.closed.Store(true)
	return nil
}

// Run starts the process in a process group of its own, gives it
// clientHello on standard input, then EOF, and waits for it to exit or
// for ctx to end, when it kills the whole group.
func (p *procClient) Run(ctx context.Context, c Connect) ClientResult {
	start := time.Now()
	res := p.run(ctx, c)
	res.Took = time.Since(start)
	return res
}

func (p *procClient) run(ctx context.Context, c Connect) ClientResult {
	fail := func(err error) ClientResult {
		return ClientResult{ExitCode: -1, Err: fmt.Errorf("targets: %s: %w", p.name, err)}
	}
	if p.closed.Load() {
		return fail(errors.New("client closed"))
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fail(fmt.Errorf("address %q: %w", c.Addr, err))
	}
	if c.CAFile == "" {
		return fail(errors.New("no CA file: Connect.CAFile is empty"))
	}
	rctx, cancel := withBound(ctx, clientWithin)
	defer cancel()
	if err := rctx.Err(); err != nil {
		return fail(fmt.Errorf("not started: %w", context.Cause(rctx)))
	}
	// The process's own context is not rctx: the deadline is handled
	// below, so that a kill is told from an exit.
	pctx, pcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer pcancel()
	proc, err := extproc.Start(pctx, p.path, p.args(c, host, port, serverName(c, host)),
		extproc.Options{Stdin: true, Group: true, MaxLines: clientLines})
	if err != nil {
		return fail(err)
	}
	// 11 bytes fit any pipe buffer: the write does not block. It fails
	// only when the client has already exited, which Err tells.
	_, _ = io.WriteString(proc.Stdin, clientHello)
	_ = proc.Stdin.Close()

	deadline := false
	select {
	case <-proc.Exited():
	case <-rctx.Done():
		deadline = true
	}
	// Stop also kills what the client left behind in its group.
	proc.Stop()

	res := ClientResult{Started: true, Output: tail(proc.Output(), clientOutputTail)}
	werr := proc.Err()
	var ee *exec.ExitError
	switch {
	case werr == nil, errors.Is(werr, exec.ErrWaitDelay):
		// ErrWaitDelay: it exited 0 but something it started held the
		// output open; the group kill ended that.
		res.ExitCode = 0
	case errors.As(werr, &ee):
		res.ExitCode = ee.ExitCode() // -1 when a signal ended it
	default:
		res.ExitCode, res.Err = -1, fmt.Errorf("targets: %s: %w", p.name, werr)
	}
	// At the deadline it may have exited on its own just before the
	// kill: then its status stands.
	res.Killed = deadline && res.ExitCode == -1
	if res.ExitCode == -1 && !res.Killed && res.Err == nil {
		res.Err = fmt.Errorf("targets: %s: %w", p.name, werr) // "signal: segmentation fault"
	}
	return res
}

// opensslCipher keeps OpenSSL's default suites but lowers the security
// level to 0, without which OpenSSL 3.0 refuses TLS 1.0 and 1.1 (their
// MD5+SHA-1 signatures: "legacy sigalg disallowed or unsupported"). It
// does not touch certificate verification.
const opensslCipher = "DEFAULT:@SECLEVEL=0"

// opensslClientArgs is the s_client command line. -verify_return_error
// makes a verification failure abort the handshake (exit 1) and
// -verify_hostname checks the name, which -servername alone does not.
// -brief prints a summary of the connection and, unlike -quiet, does not
// imply -ign_eof: s_client reads standard input only once the handshake
// is done, sends the line and exits 0 at EOF; it exits 1 when the
// connection or the handshake fails.
func opensslClientArgs(versions []uint16, pinned bool) func(c Connect, host, port, name string) []string {
	return func(c Connect, host, port, name string) []string {
		args := []string{"s_client", "-connect", net.JoinHostPort(host, port)}
		if net.ParseIP(name) != nil {
			args = append(args, "-noservername", "-verify_ip", name)
		} else {
			args = append(args, "-servername", name, "-verify_hostname", name)
		}
		args = append(args, "-CAfile", c.CAFile, "-verify_return_error", "-brief", "-cipher", opensslCipher)
		if pinned {
			for _, v := range allVersions() {
				if !contains(versions, v) {
					args = append(args, opensslNoVersion(v))
				}
			}
		}
		return args
	}
}

// gnutlsClientArgs is the gnutls-cli command line. It verifies the chain
// and, with --verify-hostname, the name (an IP address against the IP
// SANs); it exits 1 when the connection, the handshake or verification
// fails ("*** PKI verification of server certificate failed"). After the
// handshake it sends what it reads on standard input and, at EOF, sends
// close_notify and exits 0 (within about two seconds when the server
// does not close).
func gnutlsClientArgs(versions []uint16, pinned bool) func(c Connect, host, port, name string) []string {
	return func(c Connect, host, port, name string) []string {
		args := []string{"--x509cafile", c.CAFile}
		if net.ParseIP(name) != nil {
			args = append(args, "--disable-sni", "--verify-hostname", name)
		} else {
			args = append(args, "--sni-hostname", name, "--verify-hostname", name)
		}
		if pinned {
			prio := "NORMAL:-VERS-ALL"
			for i := len(versions) - 1; i >= 0; i-- { // highest preferred
				prio += ":+VERS-TLS" + versionName(versions[i])
			}
			args = append(args, "--priority", prio)
		}
		return append(args, "-p", port, host)
	}
}

// curlClientArgs is the curl command line. The suite's server echoes
// what it receives, and an echoed GET is no HTTP response: curl would
// exit 1 ("Received HTTP/0.9 when not allowed"), and with --http0.9 wait
// for the close the server never sends. So the request line is written
// to read as a status line when it comes back: method "HTTP/1.1", target
// "200" give "HTTP/1.1 200 HTTP/1.1", and Content-Length: 0 ends the
// echoed response, so curl exits 0 after a real round trip (a real web
// server answers 400, which is also exit 0 without --fail). It exits 35
// when the handshake fails, 60 when verification does, 7 when it cannot
// connect. There is deliberately no --max-time: a timeout would turn a
// silent server into exit 28, which reads like a rejection; the deadline
// kills it instead. -q skips ~/.curlrc and --noproxy keeps it off any
// proxy of the environment.
func curlClientArgs(versions []uint16, pinned bool) func(c Connect, host, port, name string) []string {
	return func(c Connect, host, port, name string) []string {
		args := []string{"-q", "-sS", "--noproxy", "*", "--cacert", c.CAFile, "--ciphers", opensslCipher}
		if net.ParseIP(name) == nil {
			ip := host
			if strings.Contains(ip, ":") {
				ip = "[" + ip + "]"
			}
			args = append(args, "--resolve", name+":"+port+":"+ip)
		}
		if pinned {
			lo, hi := versions[0], versions[len(versions)-1]
			args = append(args, "--tlsv"+versionName(lo), "--tls-max", versionName(hi))
		}
		return append(args, "-X", "HTTP/1.1", "--request-target", "200", "-H", "Content-Length: 0",
			"-o", "/dev/null", "https://"+net.JoinHostPort(name, port)+"/")
	}
}

func openOpenSSLClient(ctx context.Context, versions []uint16, pinned bool) (Client, error) {
	return openToolClient(ctx, "openssl", "openssl", []string{"version"}, opensslClientArgs(versions, pinned))
}

func openGnuTLSClient(ctx context.Context, versions []uint16, pinned bool) (Client, error) {
	return openToolClient(ctx, "gnutls", "gnutls-cli", []string{"--version"}, gnutlsClientArgs(versions, pinned))
}

func openCurlClient(ctx context.Context, versions []uint16, pinned bool) (Client, error) {
	return openToolClient(ctx, "curl", "curl", []string{"--version"}, curlClientArgs(versions, pinned))
}

// openToolClient finds a named tool (or says which package brings it)
// and notes its version and its command line, placeholders in place.
func openToolClient(ctx context.Context, name, bin string, versionArgs []string, args func(c Connect, host, port, name string) []string) (Client, error) {
	path, err := lookup(bin)
	if err != nil {
		return nil, err
	}
	tmpl := args(Connect{Addr: "{host}:{port}", CAFile: "{ca}"}, "{host}", "{port}", "{servername}")
	return &procClient{name: name, path: path, args: args, notes: []string{
		name + ": " + toolVersion(ctx, path, versionArgs...),
		name + ": " + commandLine(bin, tmpl),
	}}, nil
}

// shellPath runs a command spec.
const shellPath = "/bin/sh"

// openCommandClient checks a command spec: it must say where to connect,
// and its first word, when it names a program, must be installed.
func openCommandClient(spec string, pinned bool) (Client, error) {
	if !strings.Contains(spec, "{addr}") && !strings.Contains(spec, "{port}") {
		return nil, fmt.Errorf("targets: client %q is none of %s, and as a command line it names neither {addr} nor {port}, so it could not know where to connect: write e.g. %q",
			spec, strings.Join(ClientNames(), ", "), "openssl s_client -connect {addr} -CAfile {ca}")
	}
	if _, err := exec.LookPath(shellPath); err != nil {
		return nil, fmt.Errorf("targets: client command: %w", err)
	}
	if w := commandWord(spec); w != "" {
		if _, err := lookup(w); err != nil {
			return nil, fmt.Errorf("targets: client command %q: %w", spec, err)
		}
	}
	notes := []string{"command: " + shellPath + " -c " + shellQuote(spec)}
	if pinned {
		notes = append(notes, "command: Versions not applied: a command line runs as given")
	}
	return &procClient{name: spec, path: shellPath, notes: notes,
		args: func(c Connect, host, port, name string) []string {
			return []string{"-c", expandCommand(spec, c, host, port, name)}
		}}, nil
}

// programWord is a first word that names a program, not a variable
// assignment, a redirection or other shell syntax.
var programWord = regexp.MustCompile(`^[A-Za-z0-9_./+-]+$`)

// shellWords are /bin/sh keywords and builtins a command may start with:
// they are not looked up in PATH.
var shellWords = map[string]bool{
	"!": true, ".": true, ":": true, "[": true, "alias": true, "break": true, "case": true, "cd": true,
	"command": true, "continue": true, "echo": true, "eval": true, "exec": true, "exit": true,
	"export": true, "false": true, "for": true, "if": true, "local": true, "printf": true, "read": true,
	"readonly": true, "return": true, "set": true, "shift": true, "test": true, "time": true,
	"trap": true, "true": true, "type": true, "ulimit": true, "umask": true, "unset": true,
	"until": true, "wait": true, "while": true,
}

// commandWord is the program a command spec starts with, or "" when it
// starts with shell syntax that PATH cannot settle.
func commandWord(spec string) string {
	f := strings.Fields(spec)
	if len(f) == 0 || !programWord.MatchString(f[0]) || shellWords[f[0]] {
		return ""
	}
	return f[0]
}

// commandLine shows a command line for Notes, quoting the arguments that
// need it (placeholders stay readable).
func commandLine(bin string, args []string) string {
	parts := []string{filepath.Base(bin)}
	for _, a := range args {
		if strings.HasPrefix(a, "{") && strings.HasSuffix(a, "}") {
			parts = append(parts, a)
			continue
		}
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}
