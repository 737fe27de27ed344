package targets

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// A ServeOption changes how Serve starts its server.
type ServeOption func(*serveConfig)

type serveConfig struct {
	addr        string
	closeWithin time.Duration
}

// closeWithin is how long Close waits, by default, for serve to return
// after its context ended: a serve that still runs then (a handler that
// ignores its context and holds a connection) is reported, not waited for.
const closeWithin = 10 * time.Second

// ListenOn makes Serve listen on addr instead of a free 127.0.0.1 port:
// for a server that something outside restarts on the same address (a
// campaign's target command), or a port the user chose.
func ListenOn(addr string) ServeOption {
	return func(c *serveConfig) { c.addr = addr }
}

// CloseWithin bounds how long Close waits for serve to return after its
// context ended (default 10 s): past it Close returns an error that says
// serve did not stop, and leaves it running.
func CloseWithin(d time.Duration) ServeOption {
	return func(c *serveConfig) { c.closeWithin = d }
}

// served is an in-process server run by Serve.
type served struct {
	name        string
	ln          net.Listener
	cancel      context.CancelFunc // ends serve's context
	closeWithin time.Duration

	done     chan struct{} // closed when serve has returned
	serveErr error         // what serve returned; read only after done

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

// Serve runs an in-process server as a target named name: it listens on
// a free 127.0.0.1 port (or ListenOn's address) and runs serve with that
// listener in a goroutine until Close. This is how a server written in Go
// (the reference server, a crypto/tls server with a config of one's own,
// a test's hostile server) gets the same liveness and shutdown as a
// started tool, instead of each caller writing its own listen, goroutine
// and wait.
//
// serve must return once its context is done and the listener is closed,
// after the connections it started have ended; Close waits for it, for
// CloseWithin at most (10 s by default), and otherwise says so. When
// serve returns before Close, Serve closes the listener, so that a server
// that has stopped cannot look alive to a TCP connect, and Alive reports
// what serve returned.
//
// ctx bounds the start only; serve's context keeps ctx's values and ends
// at Close. The target is not probed: Versions is nil, as for HOST:PORT.
func Serve(ctx context.Context, name string, serve func(ctx context.Context, ln net.Listener) error, opts ...ServeOption) (Target, error) {
	cfg := serveConfig{addr: "127.0.0.1:0", closeWithin: closeWithin}
	for _, o := range opts {
		o(&cfg)
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("targets: %s: listen: %w", name, err)
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &served{name: name, ln: ln, cancel: cancel, closeWithin: cfg.closeWithin, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		s.serveErr = serve(sctx, ln)
		// Nothing answers on the port any more: let connects fail.
		_ = ln.Close() // already closed when serve or Close closed it
	}()
	return s, nil
}

func (s *served) Name() string       { return s.name }
func (s *served) Addr() string       { return s.ln.Addr().String() }
func (s *served) Output() string     { return "" }
func (s *served) Notes() []string    { return nil }
func (s *served) Versions() []string { return nil }

func (s *served) Dial(ctx context.Context) (net.Conn, error) {
	// After Close the port may already belong to someone else.
	if s.closed.Load() {
		return nil, fmt.Errorf("targets: %s: closed", s.name)
	}
	return dial(ctx, s.Addr())
}

func (s *served) Alive(ctx context.Context) error {
	if s.closed.Load() {
		return fmt.Errorf("targets: %s: closed", s.name)
	}
	if err := s.stopped(); err != nil {
		return err
	}
	if err := checkConnect(ctx, s.Addr()); err != nil {
		// The refusal may be the first sign that serve returned.
		if e := s.stopped(); e != nil {
			return e
		}
		return fmt.Errorf("targets: %s: %w", s.name, err)
	}
	return nil
}

// stopped says why serve returned, once it has; nil while it runs.
func (s *served) stopped() error {
	select {
	case <-s.done:
	default:
		return nil
	}
	if s.serveErr == nil {
		return fmt.Errorf("targets: %s: the server stopped serving", s.name)
	}
	return fmt.Errorf("targets: %s: the server stopped serving: %w", s.name, s.serveErr)
}

// Close ends serve's context, closes the listener and waits for serve to
// return, for closeWithin at most. It returns what serve returned, unless
// that is the shutdown itself speaking (context.Canceled, net.ErrClosed),
// or an error saying serve is still running when the wait ran out.
func (s *served) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.cancel()
		lnErr := s.ln.Close()
		timer := time.NewTimer(s.closeWithin)
		defer timer.Stop()
		select {
		case <-s.done:
		case <-timer.C:
			s.closeErr = fmt.Errorf("targets: %s: the server had not returned %s after Close cancelled its context and closed its listener (a connection handler that ignores its context?); it is left running", s.name, s.closeWithin)
			return
		}
		switch err := s.serveErr; {
		case err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, net.ErrClosed):
			s.closeErr = fmt.Errorf("targets: %s: %w", s.name, err)
		case lnErr != nil && !errors.Is(lnErr, net.ErrClosed):
			s.closeErr = fmt.Errorf("targets: %s: close listener: %w", s.name, lnErr)
		}
	})
	return s.closeErr
}
