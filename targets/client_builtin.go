package targets

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"
)

// builtinClient is Go's crypto/tls client, run in-process.
//
// It offers TLS 1.0 and 1.1 because tls.Config.MinVersion is set: on the
// client side Go 1.26 needs no GODEBUG for them (tls10server is read by
// servers only, and there is no client counterpart; see
// Config.supportedVersions in crypto/tls/common.go). RSA key exchange and
// 3DES need none either, because CipherSuites is set explicitly
// (tlsrsakex and tls3des only change the default list). Signatures with
// SHA-1 in a TLS 1.2 ServerKeyExchange stay refused unless the binary
// runs with GODEBUG=tlssha1=1; TLS 1.0/1.1 use MD5+SHA-1 and are not
// affected. Under GODEBUG=fips140=only the old versions are not offered.
type builtinClient struct {
	versions []uint16
	closed   atomic.Bool
}

func newBuiltinClient(versions []uint16) *builtinClient {
	return &builtinClient{versions: versions}
}

func (b *builtinClient) Name() string { return "builtin" }

func (b *builtinClient) Notes() []string {
	lo, hi := b.versions[0], b.versions[len(b.versions)-1]
	return []string{fmt.Sprintf("builtin: Go crypto/tls client (%s), TLS %s to %s, every suite Go has (GoSuites)",
		runtime.Version(), versionName(lo), versionName(hi))}
}

func (b *builtinClient) Close() error {
	b.closed.Store(true)
	return nil
}

// Run handshakes, writes clientHello and reads the answer, best effort:
// exit 0 once the handshake and the write succeeded, 1 with Err
// otherwise. Every network operation is bounded by ctx (clientWithin
// without a deadline) and ends when ctx is cancelled.
func (b *builtinClient) Run(ctx context.Context, c Connect) ClientResult {
	start := time.Now()
	if b.closed.Load() {
		return ClientResult{ExitCode: -1, Err: errors.New("targets: builtin client: closed")}
	}
	var out strings.Builder
	err := b.run(ctx, c, &out)
	res := ClientResult{Started: true, Output: tail(out.String(), clientOutputTail), Took: time.Since(start)}
	if err != nil {
		res.ExitCode, res.Err = 1, fmt.Errorf("targets: builtin client: %w", err)
		if ctx.Err() != nil {
			// Ended by the deadline, as a process is killed by it.
			res.ExitCode, res.Killed = -1, true
		}
	}
	return res
}

func (b *builtinClient) run(ctx context.Context, c Connect, out *strings.Builder) error {
	rctx, cancel := withBound(ctx, clientWithin)
	defer cancel()
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", c.Addr, err)
	}
	roots, err := caPool(c)
	if err != nil {
		return err
	}
	d := tls.Dialer{Config: &tls.Config{
		RootCAs:      roots,
		ServerName:   serverName(c, host),
		MinVersion:   b.versions[0],
		MaxVersion:   b.versions[len(b.versions)-1],
		CipherSuites: GoSuites(),
	}}
	// DialContext connects and handshakes under rctx.
	nc, err := d.DialContext(rctx, "tcp", c.Addr)
	if err != nil {
		fmt.Fprintf(out, "handshake failed: %v\n", err)
		return err
	}
	tc := nc.(*tls.Conn)
	defer tc.Close()
	// The write and the read end at rctx's deadline or cancellation.
	stop := context.AfterFunc(rctx, func() { _ = tc.SetDeadline(time.Now()) })
	defer stop()
	if dl, ok := rctx.Deadline(); ok {
		if err := tc.SetDeadline(dl); err != nil {
			return err
		}
	}
	st := tc.ConnectionState()
	fmt.Fprintf(out, "handshake: %s, %s\n", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	if _, err := io.WriteString(tc, clientHello); err != nil {
		fmt.Fprintf(out, "write failed: %v\n", err)
		return fmt.Errorf("write: %w", err)
	}
	// The answer is best effort: a server may close without one.
	buf := make([]byte, 4096)
	n, err := tc.Read(buf)
	fmt.Fprintf(out, "read %q", buf[:n])
	if err != nil {
		fmt.Fprintf(out, " (%v)", err)
	}
	out.WriteString("\n")
	return nil
}

// caPool is c.CAPool, or the certificates of c.CAFile. An empty pool would
// make crypto/tls fall back to the system roots: that is an error here.
func caPool(c Connect) (*x509.CertPool, error) {
	if c.CAPool != nil {
		return c.CAPool, nil
	}
	if c.CAFile == "" {
		return nil, errors.New("no CA: Connect has neither CAPool nor CAFile")
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", c.CAFile)
	}
	return pool, nil
}
