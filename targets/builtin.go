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

// builtin is the in-process crypto/tls echo server.
type builtin struct {
	ln       net.Listener
	cfg      *tls.Config
	versions []string
	notes    []string

	wg sync.WaitGroup // the accept loop and every connection

	mu        sync.Mutex
	conns     map[net.Conn]struct{} // open connections, closed by Close
	closed    bool
	acceptErr error // why the accept loop gave up, if it did

	closeOnce sync.Once
	closeErr  error
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("targets: builtin: listen: %w", err)
	}
	b := &builtin{ln: ln, cfg: cfg, conns: map[net.Conn]struct{}{}}
	b.wg.Go(b.accept)

	// The probe runs the server side on the same code path and config
	// as a real connection, over a pipe: exact, and it costs no port.
	res := probeVersions(ctx, b.pipe)
	served, notes, err := verdict("builtin", want, res, builtinHint)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("targets: builtin: %w", err)
	}
	b.versions, b.notes = served, notes
	return b, nil
}

// builtinHint explains why crypto/tls may not serve an old version.
func builtinHint(v uint16) string {
	if v < tls.VersionTLS12 {
		return "crypto/tls serves TLS 1.0/1.1 only with an explicit MinVersion and not in FIPS 140 mode; check GODEBUG, and add //go:debug tls10server=1 to the main package or test file"
	}
	return ""
}

func (b *builtin) accept() {
	for {
		nc, err := b.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				// Out of file descriptors, say. Retrying would need a
				// back-off; instead the target fails closed: the port
				// stops accepting and Alive says why.
				b.mu.Lock()
				b.acceptErr = err
				b.mu.Unlock()
				b.ln.Close()
			}
			return
		}
		b.serveTracked(nc)
	}
}

// pipe is a connection to the server over net.Pipe, for the probe.
func (b *builtin) pipe(context.Context) (net.Conn, error) {
	client, server := net.Pipe()
	if !b.serveTracked(server) {
		client.Close()
		return nil, errors.New("builtin target closed")
	}
	return client, nil
}

// serveTracked serves nc in its own goroutine unless Close has begun, in
// which case it closes nc and reports false.
func (b *builtin) serveTracked(nc net.Conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		nc.Close()
		return false
	}
	b.conns[nc] = struct{}{}
	b.wg.Go(func() {
		defer func() {
			b.mu.Lock()
			delete(b.conns, nc)
			b.mu.Unlock()
			nc.Close()
		}()
		b.serve(nc)
	})
	return true
}

// serve completes the handshake and echoes application data until the
// peer closes, an error, or connIdle without progress.
func (b *builtin) serve(nc net.Conn) {
	tc := tls.Server(nc, b.cfg)
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

func (b *builtin) Name() string       { return "builtin" }
func (b *builtin) Addr() string       { return b.ln.Addr().String() }
func (b *builtin) Output() string     { return "" }
func (b *builtin) Notes() []string    { return b.notes }
func (b *builtin) Versions() []string { return b.versions }

func (b *builtin) Dial(ctx context.Context) (net.Conn, error) {
	return dial(ctx, b.Addr())
}

func (b *builtin) Alive(ctx context.Context) error {
	b.mu.Lock()
	closed, acceptErr := b.closed, b.acceptErr
	b.mu.Unlock()
	if closed {
		return errors.New("targets: builtin: closed")
	}
	if acceptErr != nil {
		return fmt.Errorf("targets: builtin: stopped accepting connections: %w", acceptErr)
	}
	if err := checkConnect(ctx, b.Addr()); err != nil {
		return fmt.Errorf("targets: builtin: %w", err)
	}
	return nil
}

// Close stops accepting, cuts every open connection and waits for their
// goroutines.
func (b *builtin) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		for c := range b.conns {
			c.Close()
		}
		b.mu.Unlock()
		if err := b.ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			b.closeErr = fmt.Errorf("targets: builtin: %w", err)
		}
		b.wg.Wait()
	})
	return b.closeErr
}
