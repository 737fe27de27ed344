package targets

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tlsconform/tlsconform/peers/certs"
)

// selfservReady is the line selfserv -v prints before each accept, the
// first one once it listens.
var selfservReady = regexp.MustCompile(`^selfserv: About to call accept\.$`)

// selfservBindFailed is selfserv's complaint when the port was taken.
var selfservBindFailed = regexp.MustCompile(`PR_Bind returned error`)

// nssNicknames are the names the two keys get in the NSS database.
const (
	nssRSA   = "tlsconform-rsa"
	nssECDSA = "tlsconform-ecdsa"
)

// nssP12Password protects only the PKCS #12 files' MAC on their way into
// the database (pk12util requires one); the database has no password.
const nssP12Password = "tlsconform"

// nssVersion is selfserv's -V name for a TLS version.
func nssVersion(v uint16) string {
	return "tls" + versionName(v) // tls1.2
}

// selfservArgs is the selfserv command line: both keys (-n RSA, -e
// ECDSA), -v for the ready line and, when versions are pinned, the
// wanted ones as one range (-V min:max; NSS enables a contiguous range;
// its default is TLS 1.0 to 1.3 already). Everything else is at
// selfserv's defaults: no session tickets, no client certificate, no SNI
// hook. selfserv answers application data that ends in an empty line
// with an HTTP/1.0 200 response that echoes it.
func selfservArgs(db string, port int, want []uint16) []string {
	args := []string{"-d", "sql:" + db, "-n", nssRSA, "-e", nssECDSA, "-p", strconv.Itoa(port), "-v"}
	if !slices.Equal(want, allVersions()) {
		args = append(args, "-V", nssVersion(want[0])+":"+nssVersion(want[len(want)-1]))
	}
	return args
}

// selfservAttempts bounds the retries when the free port was taken before
// selfserv could bind it.
const selfservAttempts = 3

func openNSS(ctx context.Context, want []uint16, opts Options) (Target, error) {
	tools := map[string]string{}
	for _, name := range []string{"selfserv", "certutil", "pk12util"} {
		path, err := lookup(name)
		if err != nil {
			return nil, err
		}
		tools[name] = path
	}
	dir, own, err := prepareDir("nss", opts)
	if err != nil {
		return nil, err
	}
	db, err := writeNSSDB(ctx, dir, tools, opts)
	if err != nil {
		removeOwned(dir, own)
		return nil, fmt.Errorf("targets: nss: %w", err)
	}
	// selfserv cannot pick its own port: take a free one, and try
	// another if some other process binds it first.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			removeOwned(dir, own)
			return nil, fmt.Errorf("targets: nss: %w", err)
		}
		p, cancel, _, err := startReady(ctx, tools["selfserv"], selfservArgs(db, port, want), selfservReady)
		if err != nil {
			if selfservBindFailed.MatchString(err.Error()) && attempt < selfservAttempts {
				continue
			}
			removeOwned(dir, own)
			return nil, fmt.Errorf("targets: nss: %w", err)
		}
		t := &procTarget{name: "nss", addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), proc: p, cancel: cancel, dir: dir, ownDir: own}
		t.notes = append(t.notes, fmt.Sprintf("nss: selfserv has no option to bind loopback only, so it listens on port %d of every interface", port))
		if err := t.finish(ctx, want, nssVersionNote(ctx, tools["selfserv"])); err != nil {
			return nil, err
		}
		return t, nil
	}
}

// writeNSSDB makes an NSS database without a password in dir/nss-db
// holding an RSA and an ECDSA key with their chains, imported from PKCS
// #12 files written here; the PEM files go beside them for reference.
// The two leaves have different subjects: NSS gives every certificate
// of one subject the same nickname, which would make -n and -e ambiguous.
func writeNSSDB(ctx context.Context, dir string, tools map[string]string, opts Options) (string, error) {
	now, rnd := defaults(opts)
	db := filepath.Join(dir, "nss-db")
	if err := os.RemoveAll(db); err != nil { // a database left in Options.Dir
		return "", err
	}
	if err := os.Mkdir(db, 0o700); err != nil {
		return "", err
	}
	if err := runTool(ctx, tools["certutil"], "-N", "-d", "sql:"+db, "--empty-password"); err != nil {
		return "", err
	}
	for _, k := range []struct{ kind, nick string }{{"rsa", nssRSA}, {"ecdsa", nssECDSA}} {
		p, err := certs.Generate(k.kind, []string{k.kind + ".localhost", "localhost", "127.0.0.1", "::1"}, rnd, now())
		if err != nil {
			return "", err
		}
		base := filepath.Join(dir, "nss-"+k.kind)
		if err := p.WritePEM(base+".pem", base+".key"); err != nil {
			return "", err
		}
		der, err := encodePKCS12(p, k.nick, nssP12Password, rnd)
		if err != nil {
			return "", fmt.Errorf("PKCS #12 for the %s key: %w", k.kind, err)
		}
		if err := os.WriteFile(base+".p12", der, 0o600); err != nil {
			return "", err
		}
		if err := runTool(ctx, tools["pk12util"], "-i", base+".p12", "-d", "sql:"+db, "-W", nssP12Password); err != nil {
			return "", err
		}
	}
	return db, nil
}

// runTool runs a setup command under ctx (at most checkWithin) and
// returns its output with the error when it fails.
func runTool(ctx context.Context, path string, args ...string) error {
	rctx, cancel := withBound(ctx, checkWithin)
	defer cancel()
	out, err := exec.CommandContext(rctx, path, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", filepath.Base(path), strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// nssVersionNote names the NSS release: selfserv prints no version, so
// it comes from the package that installed the libraries, where there is
// one.
func nssVersionNote(ctx context.Context, selfserv string) string {
	if v := debianVersion(ctx, "libnss3"); v != "" {
		return "selfserv of NSS " + v + " (Debian package libnss3)"
	}
	return "selfserv at " + selfserv + " (NSS version unknown: no dpkg-query)"
}
