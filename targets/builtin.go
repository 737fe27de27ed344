package targets

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/tlsconform/tlsconform/peers/certs"
)

// connIdle bounds every wait of a builtin connection: the handshake and
// each read and write. A hung or hostile peer costs at most this.
const connIdle = 10 * time.Second

// builtin is the in-process crypto/tls echo server: a Serve target with
// the versions and notes of the probe at Open.
type builtin struct {
	Target   // Serve's: address, Dial, liveness and Close
	versions []string
	notes    []string
}

func (b *builtin) Notes() []string    { return b.notes }
func (b *builtin) Versions() []string { return b.versions }

// echoServer serves crypto/tls echo connections, from the listener and
// from the probe's pipes alike.
type echoServer struct {
	cfg *tls.Config
	wg  sync.WaitGroup // every connection

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // open connections, cut when serving ends
	closed bool
}

func openBuiltin(ctx context.Context, want []uint16, opts Options) (Target, error) {
	now, rnd := defaults(opts)
	cfg := &tls.Config{
		// An explicit MinVersion is what lets crypto/tls serve TLS 1.0 and
		// 1.1 at all (without it the floor is TLS 1.2); the contiguous
		// range is all crypto/tls can do with a pin.
		MinVersion:   want[0],
		MaxVersion:   want[len(want)-1],
		CipherSuites: GoSuites(),
	}
	for _, kind := range []string{"rsa", "ecdsa"} {
		p, err := certs.Generate(kind, nil, rnd, now())
		if err != nil {
			return nil, fmt.Errorf("targets: builtin: %w", err)
		}
		// crypto/tls picks the certificate that fits the suite and the
		// client's signature algorithms.
		cfg.Certificates = append(cfg.Certificates, p.TLSCertificate())
	}
	srv := &echoServer{cfg: cfg, conns: map[net.Conn]struct{}{}}
	t, err := Serve(ctx, "builtin", srv.serve)
	if err != nil {
		return nil, err
	}

	// The probe runs the server side on the same code path and config
	// as a real connection, over a pipe: exact, and it costs no port.
	res := probeVersions(ctx, srv.pipe)
	served, notes, err := verdict("builtin", want, res, builtinHint)
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("targets: builtin: %w", err)
	}
	return &builtin{Target: t, versions: served, notes: notes}, nil
}

// ServeTLS serves a crypto/tls echo server built from cfg (the caller's
// own configuration, used as it is) on a free loopback port: a Go
// developer's exact server settings, as a target. The target is not
// probed (Versions is nil); Close stops it and cuts open connections.
func ServeTLS(ctx context.Context, name string, cfg *tls.Config) (Target, error) {
	if cfg == nil {
		return nil, fmt.Errorf("targets: %s: nil *tls.Config", name)
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		return nil, fmt.Errorf("targets: %s: the *tls.Config has no certificate (set Certificates or GetCertificate): a TLS server cannot complete a handshake without one", name)
	}
	srv := &echoServer{cfg: cfg, conns: map[net.Conn]struct{}{}}
	return Serve(ctx, name, srv.serve)
}

// builtinHint explains why crypto/tls may not serve an old version.
func builtinHint(v uint16) string {
	if v < tls.VersionTLS12 {
		return "crypto/tls serves TLS 1.0/1.1 only with an explicit MinVersion and not in FIPS 140 mode; check GODEBUG, and add //go:debug tls10server=1 to the main package or test file"
	}
	return ""
}

// serve accepts connections until Close, then cuts the open ones and
// waits for their goroutines, so that Close does not wait for idle
// clients.
func (e *echoServer) serve(ctx context.Context, ln net.Listener) error {
	defer e.stop()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil // Close
			}
			// Out of file descriptors, say. Retrying would need a
			// back-off; instead the target fails closed: serve returns,
			// the port stops accepting and Alive says why.
			return fmt.Errorf("accept: %w", err)
		}
		e.serveTracked(nc)
	}
}

// stop cuts every open connection and waits for their goroutines; no
// connection starts after it.
func (e *echoServer) stop() {
	e.mu.Lock()
	e.closed = true
	for c := range e.conns {
		c.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
}

// pipe is a connection to the server over net.Pipe, for the probe.
func (e *echoServer) pipe(context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	if !e.serveTracked(server) {
		client.Close()
		return nil, errors.New("builtin target closed")
	}
	return client, nil
}

// serveTracked serves nc in its own goroutine unless Close has begun, in
// which case it closes nc and reports false.
func (e *echoServer) serveTracked(nc net.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		nc.Close()
		return false
	}
	e.conns[nc] = struct{}{}
	e.wg.Go(func() {
		defer func() {
			e.mu.Lock()
			delete(e.conns, nc)
			e.mu.Unlock()
			nc.Close()
		}()
		e.echo(nc)
	})
	return true
}

// echo completes the handshake and echoes application data until the
// peer closes, an error, or connIdle without progress.
func (e *echoServer) echo(nc net.Conn) {
	tc := tls.Server(nc, e.cfg)
	if err := nc.SetDeadline(time.Now().Add(connIdle)); err != nil {
		return
	}
	if err := tc.Handshake(); err != nil {
		return
	}
	buf := make([]byte, 16<<10)
	for {
		if err := nc.SetDeadline(time.Now().Add(connIdle)); err != nil {
			return
		}
		n, err := tc.Read(buf)
		if n > 0 {
			if _, werr := tc.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			// On the peer's close_notify, answer with ours.
			_ = tc.Close()
			return
		}
	}
}
