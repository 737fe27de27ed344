package fuzz

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// link is an in-memory connection between the reference client and the
// target that behaves like loopback TCP for a handshake: writes never block
// (as into a socket buffer), so an alert written while the other end is
// still writing its flight is not lost, as it would be over net.Pipe; and
// it notices when the conversation can never go on, both ends waiting to
// read with nothing in flight, and cuts it at once with a timeout on both
// ends instead of letting each wait for its deadline. Every mutated length
// that makes the target wait for bytes that never come ends that way.
type link struct {
	mu       sync.Mutex
	buf      [2][]byte // bytes end i wrote that the other end has not read
	closed   [2]bool
	reading  [2]bool
	deadline [2]time.Time     // read deadlines
	wdl      [2]time.Time     // write deadlines
	wake     [2]chan struct{} // end i's reader re-checks its state
	stalled  bool
}

// newLink returns the two ends: 0 for the client, 1 for the server.
func newLink() (*linkConn, *linkConn) {
	l := &link{wake: [2]chan struct{}{make(chan struct{}, 1), make(chan struct{}, 1)}}
	return &linkConn{l: l, end: 0}, &linkConn{l: l, end: 1}
}

// Stalled reports whether the link was cut for a stall.
func (l *link) Stalled() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stalled
}

func (l *link) notify(end int) {
	select {
	case l.wake[end] <- struct{}{}:
	default:
	}
}

// linkConn is one end of a link.
type linkConn struct {
	l   *link
	end int
}

// stallError is what a read or write returns once the link is cut: a
// timeout, as a deadline would have ended it.
type stallError struct{}

func (stallError) Error() string   { return "fuzz: both ends wait to read: the conversation stalled" }
func (stallError) Timeout() bool   { return true }
func (stallError) Temporary() bool { return true }
func (stallError) Is(target error) bool {
	return target == os.ErrDeadlineExceeded
}

var errStall error = stallError{}

func (c *linkConn) Read(p []byte) (int, error) {
	l, me, peer := c.l, c.end, 1-c.end
	l.mu.Lock()
	defer l.mu.Unlock()
	for {
		switch {
		case l.stalled:
			return 0, errStall
		case l.closed[me]:
			return 0, net.ErrClosed
		case len(l.buf[peer]) > 0:
			if len(p) == 0 {
				return 0, nil
			}
			n := copy(p, l.buf[peer])
			l.buf[peer] = l.buf[peer][n:]
			return n, nil
		case l.closed[peer]:
			return 0, io.EOF
		case len(p) == 0:
			return 0, nil
		}
		dl := l.deadline[me]
		if !dl.IsZero() && !time.Now().Before(dl) {
			return 0, os.ErrDeadlineExceeded
		}
		if l.reading[peer] && len(l.buf[me]) == 0 {
			// The peer waits for us and we for it: nothing can move again.
			l.stalled = true
			l.notify(peer)
			return 0, errStall
		}
		l.reading[me] = true
		l.mu.Unlock()
		c.wait(dl)
		l.mu.Lock()
		l.reading[me] = false
	}
}

// wait blocks until the end is notified or the deadline passes.
func (c *linkConn) wait(dl time.Time) {
	if dl.IsZero() {
		<-c.l.wake[c.end]
		return
	}
	t := time.NewTimer(time.Until(dl))
	defer t.Stop()
	select {
	case <-c.l.wake[c.end]:
	case <-t.C:
	}
}

func (c *linkConn) Write(p []byte) (int, error) {
	l, me, peer := c.l, c.end, 1-c.end
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.stalled:
		return 0, errStall
	case l.closed[me]:
		return 0, net.ErrClosed
	case l.closed[peer]:
		return 0, io.ErrClosedPipe
	case !l.wdl[me].IsZero() && !time.Now().Before(l.wdl[me]):
		return 0, os.ErrDeadlineExceeded
	}
	l.buf[me] = append(l.buf[me], p...)
	l.notify(peer)
	return len(p), nil
}

func (c *linkConn) Close() error {
	l := c.l
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed[c.end] = true
	l.notify(0)
	l.notify(1)
	return nil
}

func (c *linkConn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

func (c *linkConn) SetReadDeadline(t time.Time) error {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	c.l.deadline[c.end] = t
	c.l.notify(c.end) // a blocked read re-checks against the new deadline
	return nil
}

func (c *linkConn) SetWriteDeadline(t time.Time) error {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	c.l.wdl[c.end] = t
	return nil
}

func (c *linkConn) LocalAddr() net.Addr  { return linkAddr(c.end) }
func (c *linkConn) RemoteAddr() net.Addr { return linkAddr(1 - c.end) }

type linkAddr int

func (linkAddr) Network() string { return "fuzz" }
func (a linkAddr) String() string {
	if a == 0 {
		return "client"
	}
	return "crypto/tls"
}
