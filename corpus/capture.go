package corpus

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// MaxHello bounds the body of a captured ClientHello: a post-quantum key
// share or two, padding and a long extension list fit many times over.
const MaxHello = 1 << 16

// Captured is the first ClientHello a client sent.
type Captured struct {
	Hello         []byte       // the handshake message, header included
	RecordVersion wire.Version // legacy_record_version of its first record
	Records       int          // how many records carried it
}

// Capture accepts connections on ln until one of them has delivered a
// complete ClientHello (reassembled across records), or ctx ends. It
// closes ln and every connection it accepted before it returns. A
// connection that sends nothing or something else does not stop the
// capture: a browser may open a spare connection first.
func Capture(ctx context.Context, ln net.Listener) (Captured, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type result struct {
		c   Captured
		err error
	}
	results := make(chan result)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	// Closing the listener and the connections is what unblocks Accept
	// and the reads once the capture is over.
	defer func() {
		cancel()
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}()

	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, nc)
			mu.Unlock()
			if ctx.Err() != nil {
				nc.Close()
				return
			}
			wg.Go(func() {
				c, err := ReadClientHello(ctx, nc)
				select {
				case results <- result{c, err}:
				case <-ctx.Done():
				}
			})
		}
	})

	var last error
	for {
		select {
		case r := <-results:
			if r.err == nil {
				return r.c, nil
			}
			last = r.err
		case <-ctx.Done():
			err := fmt.Errorf("corpus: no ClientHello arrived: %w", context.Cause(ctx))
			if last != nil {
				err = fmt.Errorf("%w (last connection: %w)", err, last)
			}
			return Captured{}, err
		}
	}
}

// ErrNotTLS is returned for a connection whose first bytes are not a TLS
// handshake record.
var ErrNotTLS = errors.New("not a TLS handshake record")

// ReadClientHello reads records from nc until one complete ClientHello has
// arrived and returns it. Every read is under ctx's deadline (one minute
// when ctx has none); the hello is bounded by MaxHello.
func ReadClientHello(ctx context.Context, nc net.Conn) (Captured, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(time.Minute)
	}
	if err := nc.SetReadDeadline(deadline); err != nil {
		return Captured{}, fmt.Errorf("corpus: set deadline: %w", err)
	}
	var (
		out Captured
		hs  = wire.HandshakeBuffer{Max: MaxHello}
		br  = bufio.NewReader(nc)
	)
	for {
		// Look at the content type before trusting a length: an SSL 2.0
		// CLIENT-HELLO or another protocol is refused at once.
		if b, err := br.Peek(1); err == nil && wire.ContentType(b[0]) != wire.ContentHandshake {
			head, _ := br.Peek(min(br.Buffered(), 8))
			return Captured{}, fmt.Errorf("corpus: record %d starts %x: %w", out.Records+1, head, ErrNotTLS)
		}
		rec, _, err := wire.ReadRecord(br, wire.MaxPlaintext)
		if err != nil {
			return Captured{}, fmt.Errorf("corpus: record %d: %w", out.Records+1, err)
		}
		if out.Records == 0 {
			out.RecordVersion = rec.Version
		}
		out.Records++
		hs.Write(rec.Payload)
		msg, ok, err := hs.Next()
		if err != nil {
			return Captured{}, fmt.Errorf("corpus: %w", err)
		}
		if !ok {
			continue
		}
		if t := wire.HandshakeType(msg[0]); t != wire.TypeClientHello {
			return Captured{}, fmt.Errorf("corpus: first handshake message is %s, not ClientHello", t)
		}
		out.Hello = msg
		return out, nil
	}
}
