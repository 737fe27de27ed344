package corpus

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// SNI is the server name the capture asks every client to send.
const SNI = "localhost"

// Client is a TLS client the capture can run: a command line that makes
// it connect to the capture's port and send its ClientHello. Arguments may
// hold the placeholders {host} (127.0.0.1), {port}, {addr} (host:port),
// {sni}, {tmp} (a fresh directory, removed afterwards) and {self} (the
// capturing program, for the Go client it carries).
type Client struct {
	Name    string   // file name: "openssl-s_client-tls1.3"
	Client  string   // as a person names it: "OpenSSL s_client (TLS 1.3 only)"
	Needs   []string // executables that must be on PATH
	Command []string
	// Version is a command that prints the client's version; the first
	// non-empty line of its output is kept.
	Version []string
	// Files are written into {tmp} before the command runs (a Java
	// source file, say).
	Files map[string][]byte
	// Env is added to the environment (placeholders expanded).
	Env []string
}

//go:embed capture/CaptureHello.java
var javaClient []byte

// Clients is every client the capture knows, in the order it runs them.
// self is the capturing program, run with -go-client for Go's client.
func Clients(self string) []Client {
	return []Client{
		{
			Name: "openssl-s_client-tls1.3", Client: "OpenSSL s_client (-tls1_3)", Needs: []string{"openssl"},
			Command: []string{"openssl", "s_client", "-connect", "{addr}", "-servername", "{sni}", "-tls1_3"},
			Version: []string{"openssl", "version"},
		},
		{
			Name: "openssl-s_client-tls1.2", Client: "OpenSSL s_client (-tls1_2)", Needs: []string{"openssl"},
			Command: []string{"openssl", "s_client", "-connect", "{addr}", "-servername", "{sni}", "-tls1_2"},
			Version: []string{"openssl", "version"},
		},
		{
			Name: "gnutls-cli", Client: "GnuTLS gnutls-cli", Needs: []string{"gnutls-cli"},
			Command: []string{"gnutls-cli", "--sni-hostname={sni}", "--insecure", "-p", "{port}", "{host}"},
			Version: []string{"gnutls-cli", "--version"},
		},
		{
			Name: "curl", Client: "curl", Needs: []string{"curl"},
			Command: []string{"curl", "-sk", "--max-time", "30", "--resolve", "{sni}:{port}:{host}", "https://{sni}:{port}/"},
			Version: []string{"curl", "--version"},
		},
		{
			Name: "go-crypto-tls", Client: "Go crypto/tls", Needs: []string{self},
			Command: []string{self, "-go-client", "{addr}", "-sni", "{sni}"},
			Version: []string{self, "-go-version"},
		},
		{
			Name: "java-jsse", Client: "Java JSSE (SSLSocket)", Needs: []string{"java", "javac"},
			// Single-file source launch (JEP 330) needs the JDK's compiler.
			Command: []string{"java", "{tmp}/CaptureHello.java", "{host}", "{port}", "{sni}"},
			Version: []string{"java", "-version"},
			Files:   map[string][]byte{"CaptureHello.java": javaClient},
		},
		{
			Name: "node", Client: "Node.js tls.connect", Needs: []string{"node"},
			Command: []string{"node", "-e",
				"const s=require('tls').connect({host:process.argv[1],port:+process.argv[2],servername:process.argv[3]});s.on('error',()=>{})",
				"{host}", "{port}", "{sni}"},
			Version: []string{"node", "-p", "'Node.js '+process.version+' (OpenSSL '+process.versions.openssl+')'"},
		},
		{
			Name: "python-ssl", Client: "Python ssl (create_default_context)", Needs: []string{"python3"},
			Command: []string{"python3", "-c",
				"import socket,ssl,sys; ssl.create_default_context().wrap_socket(socket.create_connection((sys.argv[1],int(sys.argv[2])),timeout=30),server_hostname=sys.argv[3])",
				"{host}", "{port}", "{sni}"},
			Version: []string{"python3", "-c", "import sys,ssl; print('Python', sys.version.split()[0], '(' + ssl.OPENSSL_VERSION + ')')"},
		},
		{
			Name: "nss-tstclnt", Client: "NSS tstclnt", Needs: []string{"tstclnt"},
			// -D: no certificate database; -o: accept any server
			// certificate; -Q: exit after the handshake.
			Command: []string{"tstclnt", "-h", "{host}", "-p", "{port}", "-a", "{sni}", "-D", "-o", "-Q"},
			// tstclnt has no version flag: ask the package manager.
			Version: []string{"dpkg-query", "-W", "-f=NSS ${Version}\n", "libnss3"},
		},
		{
			Name: "chromium", Client: "Chromium (headless)", Needs: []string{"chromium"},
			// Resolve localhost to 127.0.0.1 only, where the capture
			// listens (not ::1), so that the hello carries SNI localhost.
			Command: []string{"chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
				"--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--host-resolver-rules=MAP {sni} {host}", "--user-data-dir={tmp}/profile", "https://{sni}:{port}/"},
			Version: []string{"chromium", "--version"},
			Env:     []string{"HOME={tmp}"},
		},
	}
}

// Missing says which executables the client needs that are not installed
// ("" when none).
func (c Client) Missing() string {
	var miss []string
	for _, n := range c.Needs {
		if _, err := exec.LookPath(n); err != nil {
			miss = append(miss, n)
		}
	}
	return strings.Join(miss, ", ")
}

// expand fills the placeholders of s.
func expand(s, addr, tmp string) string {
	host, port, _ := net.SplitHostPort(addr)
	return strings.NewReplacer("{addr}", addr, "{host}", host, "{port}", port, "{sni}", SNI, "{tmp}", tmp).Replace(s)
}

// Result is one capture with its provenance.
type Result struct {
	Captured
	Provenance Provenance
	// Output is the tail of what the client printed, for a person when
	// the capture failed.
	Output string
}

// Run starts the client against a fresh listener on 127.0.0.1, waits (up
// to timeout) for its ClientHello, then kills the client and everything it
// started (most clients then fail the handshake: that is expected).
func Run(ctx context.Context, c Client, timeout time.Duration, now time.Time) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tmp, err := os.MkdirTemp("", "capturehello-")
	if err != nil {
		return Result{}, fmt.Errorf("corpus: %w", err)
	}
	defer os.RemoveAll(tmp)
	for name, b := range c.Files {
		if err := os.WriteFile(filepath.Join(tmp, name), b, 0o644); err != nil {
			return Result{}, fmt.Errorf("corpus: %w", err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Result{}, fmt.Errorf("corpus: listen: %w", err)
	}
	addr := ln.Addr().String()
	args := make([]string, len(c.Command))
	for i, a := range c.Command {
		args[i] = expand(a, addr, tmp)
	}
	var out tail
	cmd := command(ctx, args, tmp)
	for _, e := range c.Env {
		cmd.Env = append(cmd.Env, expand(e, addr, tmp))
	}
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		ln.Close()
		return Result{}, fmt.Errorf("corpus: %s: start: %w", c.Name, err)
	}
	// A client that exits before it sends anything ends the capture at
	// once instead of at the deadline.
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	cctx, ccancel := context.WithCancelCause(ctx)
	defer ccancel(nil)
	go func() {
		select {
		case err := <-exited:
			exited <- err // for the wait below
			ccancel(fmt.Errorf("%s exited (%v) before sending a ClientHello", args[0], err))
		case <-cctx.Done():
		}
	}()
	got, capErr := Capture(cctx, ln)
	ccancel(nil)
	killGroup(cmd)
	<-exited
	res := Result{Captured: got, Output: out.String()}
	if capErr != nil {
		return res, fmt.Errorf("corpus: %s: %w", c.Name, capErr)
	}
	res.Provenance = Provenance{
		Name:          c.Name,
		Client:        c.Client,
		Command:       shellQuote(args),
		ClientVersion: version(c.Version),
		Captured:      now.UTC().Truncate(time.Second),
		RecordVersion: fmt.Sprintf("0x%04x", uint16(got.RecordVersion)),
	}
	if ch, err := parseHello(got.Hello); err == nil {
		res.Provenance.SNI = OfferOf(ch).ServerName
	}
	return res, nil
}

// command builds the client's process in a process group of its own, so
// that killing it kills what it started too (a browser's helpers).
func command(ctx context.Context, args []string, dir string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	cmd.Stdin = nil // /dev/null: s_client and tstclnt read stdin
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// killGroup kills the client's process group (its id is the client's
// pid).
func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// version runs a version command (bounded) and returns its first
// non-empty line.
func version(args []string) string {
	if len(args) == 0 {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := command(ctx, args, os.TempDir())
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	for _, line := range strings.Split(out.String(), "\n") {
		// Chromium's launcher script prints a shell complaint first.
		if line = strings.TrimSpace(line); line != "" && !strings.Contains(line, "unexpected operator") {
			return line
		}
	}
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return "unknown"
}

// shellQuote renders args as a shell would need them.
func shellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,@+%", r))
		}) < 0 {
			q[i] = a
			continue
		}
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// tail keeps the last 4 KiB a client printed.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.b) }
