package targets

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
)

// gnutlsListening is gnutls-serv's line for its IPv4 socket; it ends in
// "done" or in the bind error.
var gnutlsListening = regexp.MustCompile(`^Echo Server listening on IPv4 0\.0\.0\.0 port (\d+)\.\.\.(.*)$`)

// gnutlsPriority is NORMAL with exactly the wanted versions, plus RSA key
// exchange, the CBC ciphers (3DES too) and their SHA-1 and SHA-256 HMACs,
// which NORMAL leaves out; gnutls offers each suite only at the versions
// it is defined for.
func gnutlsPriority(want []uint16) string {
	s := "NORMAL:-VERS-ALL"
	all := allVersions()
	for i := len(all) - 1; i >= 0; i-- { // highest preferred
		if v := all[i]; contains(want, v) {
			s += ":+VERS-TLS" + versionName(v) // VERS-TLS1.2
		}
	}
	return s + ":+RSA:+AES-128-CBC:+AES-256-CBC:+3DES-CBC:+SHA1:+SHA256"
}

// gnutlsArgs is the gnutls-serv command line: an echo server with the RSA
// and the ECDSA certificate.
func gnutlsArgs(f pkiFiles, port int, want []uint16) []string {
	return []string{"--echo", "--port", strconv.Itoa(port), "--priority", gnutlsPriority(want),
		"--x509certfile", f.rsaCert, "--x509keyfile", f.rsaKey,
		"--x509certfile", f.ecCert, "--x509keyfile", f.ecKey}
}

// gnutlsAttempts bounds the retries when the free port was taken before
// gnutls-serv could bind it.
const gnutlsAttempts = 3

func openGnuTLS(ctx context.Context, want []uint16, opts Options) (Target, error) {
	path, err := lookup("gnutls-serv")
	if err != nil {
		return nil, err
	}
	dir, own, err := prepareDir("gnutls", opts)
	if err != nil {
		return nil, err
	}
	f, err := writePKI(dir, "gnutls", opts)
	if err != nil {
		removeOwned(dir, own)
		return nil, fmt.Errorf("targets: gnutls: %w", err)
	}
	// gnutls-serv cannot pick its own port: take a free one, and try
	// another if some other process binds it first.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			removeOwned(dir, own)
			return nil, fmt.Errorf("targets: gnutls: %w", err)
		}
		p, cancel, m, err := startReady(ctx, path, gnutlsArgs(f, port, want), gnutlsListening)
		if err != nil {
			removeOwned(dir, own)
			return nil, fmt.Errorf("targets: gnutls: %w", err)
		}
		if m[2] != "done" {
			out := p.Output()
			p.Stop()
			cancel()
			if attempt < gnutlsAttempts {
				continue
			}
			removeOwned(dir, own)
			return nil, fmt.Errorf("targets: gnutls: gnutls-serv could not bind a free port in %d attempts; last output:\n%s", attempt, tail(out, outputTail))
		}
		t := &procTarget{name: "gnutls", addr: net.JoinHostPort("127.0.0.1", m[1]), proc: p, cancel: cancel, dir: dir, ownDir: own}
		t.notes = append(t.notes, fmt.Sprintf("gnutls: gnutls-serv has no option to bind loopback only, so it listens on port %s of every interface (0.0.0.0 and ::)", m[1]))
		if err := t.finish(ctx, want, toolVersion(ctx, path, "--version")); err != nil {
			return nil, err
		}
		return t, nil
	}
}
