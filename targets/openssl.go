package targets

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"regexp"
)

// opensslAccept is s_server's ready line; -accept 127.0.0.1:0 makes it
// pick a free port and print it.
var opensslAccept = regexp.MustCompile(`^ACCEPT 127\.0\.0\.1:(\d+)$`)

// openssl13Suites are all five TLS 1.3 suites (RFC 8446 §B.4); s_server's
// default leaves out the two CCM ones.
const openssl13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256"

// opensslNoVersion is the s_server flag that turns a version off.
func opensslNoVersion(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "-no_tls1"
	case tls.VersionTLS11:
		return "-no_tls1_1"
	case tls.VersionTLS12:
		return "-no_tls1_2"
	}
	return "-no_tls1_3"
}

// opensslArgs is the s_server command line. -www answers each
// connection's HTTP GET with a status page; -dcert/-dkey add the ECDSA
// certificate beside the RSA one; SECLEVEL=0 lets RSA key exchange, CBC,
// SHA-1 and TLS 1.0/1.1 through.
func opensslArgs(f pkiFiles, want []uint16) []string {
	args := []string{"s_server", "-accept", "127.0.0.1:0",
		"-cert", f.rsaCert, "-key", f.rsaKey, "-dcert", f.ecCert, "-dkey", f.ecKey,
		"-www", "-cipher", "ALL:@SECLEVEL=0", "-ciphersuites", openssl13Suites}
	for _, v := range allVersions() {
		if !contains(want, v) {
			args = append(args, opensslNoVersion(v))
		}
	}
	return args
}

func openOpenSSL(ctx context.Context, want []uint16, opts Options) (Target, error) {
	path, err := lookup("openssl")
	if err != nil {
		return nil, err
	}
	dir, own, err := prepareDir("openssl", opts)
	if err != nil {
		return nil, err
	}
	f, err := writePKI(dir, "openssl", opts)
	if err != nil {
		removeOwned(dir, own)
		return nil, fmt.Errorf("targets: openssl: %w", err)
	}
	p, cancel, m, err := startReady(ctx, path, opensslArgs(f, want), opensslAccept)
	if err != nil {
		removeOwned(dir, own)
		return nil, fmt.Errorf("targets: openssl: %w", err)
	}
	t := &procTarget{name: "openssl", addr: net.JoinHostPort("127.0.0.1", m[1]), proc: p, cancel: cancel, dir: dir, ownDir: own}
	if err := t.finish(ctx, want, toolVersion(ctx, path, "version")); err != nil {
		return nil, err
	}
	return t, nil
}
