package targets

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
)

// The wolfssl and mbedtls targets are small C servers in stacks/, built
// with gcc against the Debian -dev package on first use and kept in the
// user's cache directory under a hash of their source and build flags.
//
//go:embed stacks/tlsconform_server.h stacks/wolfssl_server.c stacks/mbedtls_server.c
var stackSources embed.FS

// cServer is one of the C servers.
type cServer struct {
	name   string   // target name: "wolfssl"
	source string   // file in stacks/: "wolfssl_server.c"
	libs   []string // linker flags: "-lwolfssl"
	pkg    string   // the Debian package with its headers and library
	// ecdsa is whether the server takes the ECDSA pair after the RSA one.
	ecdsa bool
}

var (
	wolfsslServer = cServer{name: "wolfssl", source: "wolfssl_server.c", libs: []string{"-lwolfssl"}, pkg: "libwolfssl-dev"}
	mbedtlsServer = cServer{name: "mbedtls", source: "mbedtls_server.c", libs: []string{"-lmbedtls", "-lmbedx509", "-lmbedcrypto"}, pkg: "libmbedtls-dev", ecdsa: true}
)

// stackHeader is the socket code both servers include.
const stackHeader = "tlsconform_server.h"

// cFlags are gcc's flags before the source; the libraries follow it.
var cFlags = []string{"-O2", "-Wall", "-Wextra", "-Werror"}

// buildWithin bounds a build without a deadline of its own.
const buildWithin = 2 * time.Minute

// cServerReady is a C server's line once it listens.
var cServerReady = regexp.MustCompile(`^tlsconform-\w+ ready port=(\d+) lib=(.+)$`)

// gcc's words for a missing header or library.
var (
	missingHeader  = regexp.MustCompile(`fatal error: ([\w./+-]+\.h): No such file or directory`)
	missingLibrary = regexp.MustCompile(`cannot find -l([\w.+-]+)`)
)

// build returns the path of the server's binary, compiling it into the
// cache when this source has not been built yet. A missing header or
// library is an *extproc.NotFoundError naming s.pkg.
func (s cServer) build(ctx context.Context) (string, error) {
	src, err := stackSources.ReadFile("stacks/" + s.source)
	if err != nil {
		return "", err
	}
	hdr, err := stackSources.ReadFile("stacks/" + stackHeader)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, part := range [][]byte{src, hdr, []byte(strings.Join(cFlags, " ")), []byte(strings.Join(s.libs, " "))} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		// No $HOME nor $XDG_CACHE_HOME (a bare CI container): the build
		// is per boot, not per run.
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "tlsconform", "stacks", s.name+"-"+hex.EncodeToString(h.Sum(nil))[:16])
	bin := filepath.Join(dir, s.name+"_server")
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return bin, nil
	}
	gcc, err := extproc.Lookup("gcc")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	// Build in a directory of our own and rename into place: parallel
	// first uses each build, and the rename is atomic.
	work, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	if err := os.WriteFile(filepath.Join(work, s.source), src, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(work, stackHeader), hdr, 0o644); err != nil {
		return "", err
	}
	out := filepath.Join(work, "server")
	args := append(append(append([]string{}, cFlags...), "-o", out, filepath.Join(work, s.source)), s.libs...)
	bctx, cancel := withBound(ctx, buildWithin)
	defer cancel()
	msg, err := exec.CommandContext(bctx, gcc, args...).CombinedOutput()
	if err != nil {
		text := string(msg)
		if m := missingHeader.FindStringSubmatch(text); m != nil {
			return "", &extproc.NotFoundError{Name: m[1], Package: s.pkg, Where: "gcc's include path", Err: err}
		}
		if m := missingLibrary.FindStringSubmatch(text); m != nil {
			return "", &extproc.NotFoundError{Name: "lib" + m[1] + ".so", Package: s.pkg, Where: "the linker's library path", Err: err}
		}
		return "", fmt.Errorf("building %s: gcc %s: %w\n%s", s.source, strings.Join(args, " "), err, tail(text, outputTail))
	}
	if err := os.Rename(out, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// openCServer builds (once) and starts one of the C servers with the
// wanted versions as a range; the server narrows it to what the library
// has.
func openCServer(ctx context.Context, s cServer, want []uint16, opts Options) (Target, error) {
	bin, err := s.build(ctx)
	if err != nil {
		var nf *extproc.NotFoundError
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("targets: %s: %w", s.name, nf)
		}
		return nil, fmt.Errorf("targets: %s: %w", s.name, err)
	}
	dir, own, err := prepareDir(s.name, opts)
	if err != nil {
		return nil, err
	}
	f, err := writePKI(dir, s.name, opts)
	if err != nil {
		removeOwned(dir, own)
		return nil, fmt.Errorf("targets: %s: %w", s.name, err)
	}
	args := []string{f.rsaCert, f.rsaKey}
	if s.ecdsa {
		args = append(args, f.ecCert, f.ecKey)
	}
	args = append(args, versionName(want[0]), versionName(want[len(want)-1]))
	p, cancel, m, err := startReady(ctx, bin, args, cServerReady)
	if err != nil {
		removeOwned(dir, own)
		return nil, fmt.Errorf("targets: %s: %w", s.name, err)
	}
	t := &procTarget{name: s.name, addr: net.JoinHostPort("127.0.0.1", m[1]), proc: p, cancel: cancel, dir: dir, ownDir: own}
	if !s.ecdsa {
		t.notes = append(t.notes, s.name+": serves the RSA certificate only (one key per context)")
	}
	if err := t.finish(ctx, want, m[2]+" ("+bin+")"); err != nil {
		return nil, err
	}
	return t, nil
}

func openWolfSSL(ctx context.Context, want []uint16, opts Options) (Target, error) {
	return openCServer(ctx, wolfsslServer, want, opts)
}

func openMbedTLS(ctx context.Context, want []uint16, opts Options) (Target, error) {
	return openCServer(ctx, mbedtlsServer, want, opts)
}
