package targets

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// acceptAll is a serve function that accepts and holds connections until
// its context ends, then closes them; it returns what fail sends, if
// anything arrives there first.
func acceptAll(fail <-chan error) func(context.Context, net.Listener) error {
	return func(ctx context.Context, ln net.Listener) error {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var conns []net.Conn
		defer func() {
			mu.Lock()
			for _, c := range conns {
				c.Close()
			}
			mu.Unlock()
			wg.Wait()
		}()
		accepted := make(chan error, 1)
		wg.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					accepted <- err
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		})
		select {
		case <-ctx.Done():
			ln.Close()
			<-accepted
			return nil
		case err := <-fail:
			ln.Close()
			<-accepted
			return err
		}
	}
}

func serveT(t *testing.T, name string, serve func(context.Context, net.Listener) error) Target {
	t.Helper()
	tg, err := Serve(ctxT(t), name, serve)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.Close() })
	return tg
}

func TestServe(t *testing.T) {
	t.Parallel()
	tg := serveT(t, "echo", acceptAll(nil))
	if tg.Name() != "echo" || !strings.HasPrefix(tg.Addr(), "127.0.0.1:") || tg.Output() != "" || tg.Notes() != nil || tg.Versions() != nil {
		t.Errorf("Name %q Addr %q Output %q Notes %q Versions %v", tg.Name(), tg.Addr(), tg.Output(), tg.Notes(), tg.Versions())
	}
	if err := tg.Alive(ctxT(t)); err != nil {
		t.Fatalf("Alive: %v", err)
	}
	c, err := tg.Dial(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.(*net.TCPConn); !ok {
		t.Errorf("Dial gave a %T", c)
	}
}

// TestServeStopped: once serve returns, Alive says so with serve's error,
// and the port no longer accepts.
func TestServeStopped(t *testing.T) {
	t.Parallel()
	fail := make(chan error, 1)
	tg := serveT(t, "fragile", acceptAll(fail))
	boom := errors.New("boom")
	fail <- boom
	s := tg.(*served)
	<-s.done
	err := tg.Alive(ctxT(t))
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "targets: fragile: ") {
		t.Errorf("Alive after serve returned: %v, want it to wrap %v", err, boom)
	}
	if err := checkConnect(ctxT(t), tg.Addr()); err == nil {
		t.Errorf("%s still accepts connections after serve returned", tg.Addr())
	}
	if err := tg.Close(); !errors.Is(err, boom) {
		t.Errorf("Close: %v, want it to wrap %v", err, boom)
	}
}

// TestServeReturnsNil: a serve that returns nil before Close is a server
// that stopped, not a live one.
func TestServeReturnsNil(t *testing.T) {
	t.Parallel()
	tg := serveT(t, "quitter", func(context.Context, net.Listener) error { return nil })
	<-tg.(*served).done
	if err := tg.Alive(ctxT(t)); err == nil || !strings.Contains(err.Error(), "stopped serving") {
		t.Errorf("Alive after serve returned nil: %v", err)
	}
	if err := tg.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestServeClose: Close cancels serve's context, waits for serve to
// return, and may be called again; afterwards Dial and Alive fail.
func TestServeClose(t *testing.T) {
	t.Parallel()
	returned := make(chan struct{})
	var sawCancel bool
	tg := serveT(t, "closer", func(ctx context.Context, ln net.Listener) error {
		defer close(returned)
		<-ctx.Done()
		sawCancel = true
		// The listener is closed too: Accept does not block.
		if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
			return err
		}
		return ctx.Err()
	})
	held, err := tg.Dial(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := tg.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case <-returned:
	default:
		t.Fatal("Close returned before serve did")
	}
	if !sawCancel {
		t.Error("serve's context was not cancelled")
	}
	if err := tg.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if c, err := tg.Dial(ctxT(t)); err == nil {
		c.Close()
		t.Error("Dial after Close: no error")
	}
	if err := tg.Alive(ctxT(t)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Alive after Close: %v", err)
	}
	if err := checkConnect(ctxT(t), tg.Addr()); err == nil {
		t.Errorf("%s still accepts connections after Close", tg.Addr())
	}
}

// TestServeCloseConcurrent: Closes from several goroutines each wait for
// serve to return, and agree.
func TestServeCloseConcurrent(t *testing.T) {
	t.Parallel()
	returned := make(chan struct{})
	tg := serveT(t, "shared", func(ctx context.Context, ln net.Listener) error {
		defer close(returned)
		<-ctx.Done()
		return nil
	})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := tg.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			select {
			case <-returned:
			default:
				t.Error("a Close returned before serve did")
			}
		})
	}
	wg.Wait()
}

// TestServeCloseBounded: a serve that ignores its context does not hold
// Close past CloseWithin; Close says what is wrong, and says it again.
func TestServeCloseBounded(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	returned := make(chan struct{})
	tg, err := Serve(ctxT(t), "stubborn", func(context.Context, net.Listener) error {
		defer close(returned)
		<-release // deaf to its context
		return nil
	}, CloseWithin(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { close(release); <-returned })
	err = tg.Close()
	if err == nil || !strings.HasPrefix(err.Error(), "targets: stubborn: the server had not returned 20ms after Close") {
		t.Fatalf("Close of a serve that ignores its context: %v", err)
	}
	select {
	case <-returned:
		t.Fatal("serve returned, though it was never released")
	default:
	}
	if again := tg.Close(); again == nil || again.Error() != err.Error() {
		t.Errorf("second Close: %v, want %v", again, err)
	}
	if err := tg.Alive(ctxT(t)); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Alive after Close: %v", err)
	}
}

// TestServeListenOn: ListenOn picks the address; a taken one fails at
// Serve, not later.
func TestServeListenOn(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if _, err := Serve(ctxT(t), "taken", acceptAll(nil), ListenOn(addr)); err == nil || !strings.HasPrefix(err.Error(), "targets: taken: listen: ") {
		t.Errorf("Serve on a taken address: %v", err)
	}
	ln.Close()
	tg, err := Serve(ctxT(t), "mine", func(ctx context.Context, ln net.Listener) error {
		c, err := ln.Accept()
		if err != nil {
			return nil
		}
		defer c.Close()
		_, err = io.WriteString(c, "hello")
		<-ctx.Done()
		return err
	}, ListenOn(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	if tg.Addr() != addr {
		t.Errorf("Addr %q, want %q", tg.Addr(), addr)
	}
	c, err := tg.Dial(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b := make([]byte, 5)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "hello" {
		t.Errorf("read %q, %v", b, err)
	}
}
