package fuzz

import (
	"bytes"
	"context"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// FlightInput is one execution of the server-flight target: what a server
// sends, fed to the reference client.
type FlightInput struct {
	Offer uint8 // which versions the client offers (offers)
	Mode  uint8 // flightModes
	Data  []byte
}

var flightModes = []string{
	"raw",       // Data is the byte stream the server sends
	"handshake", // Data is handshake messages, framed into plaintext handshake records
}

// FlightModes names the choices of the Mode knob.
func FlightModes() []string { return slices.Clone(flightModes) }

// flightSeed fixes the client's randomness in the server-flight target:
// a recorded server flight answers exactly the hello this seed makes.
const flightSeed = 0xf11e

// ServerFlight runs the reference client (the default handshake of
// whichever version the bytes select) against a server that sends
// in.Data, whatever the client says. Nothing blocks: the client reads
// in.Data and then the end of the stream, and its writes are discarded.
func ServerFlight(in FlightInput) Result {
	stream := in.Data
	if pick(flightModes, int(in.Mode)) == "handshake" {
		stream = frameHandshake(in.Data)
	}
	cfg := &peers.ClientConfig{
		Versions: pick(offers, int(in.Offer)).versions,
		Rand:     NewRand(flightSeed),
		Time:     func() time.Time { return Epoch },
		Timeout:  DefaultTimeout,
	}
	nc := &scripted{in: bytes.NewReader(stream)}
	cv := peers.RunScript(context.Background(), func(context.Context) (net.Conn, error) { return nc, nil }, cfg, script())
	return Result{Outcome: cv.Outcome}
}

// frameHandshake frames b into plaintext handshake records of at most
// 2^14 bytes (TLS 1.2 record version).
func frameHandshake(b []byte) []byte {
	var out []byte
	for len(b) > 0 {
		n := min(len(b), wire.MaxPlaintext)
		out = wire.AppendRecord(out, wire.ContentHandshake, wire.VersionTLS12, b[:n])
		b = b[n:]
	}
	return out
}

// scripted is a connection whose peer sends a fixed stream and reads
// everything.
type scripted struct {
	in      *bytes.Reader
	written int
	closed  bool
}

func (s *scripted) Read(p []byte) (int, error) {
	if s.closed {
		return 0, net.ErrClosed
	}
	return s.in.Read(p) // io.EOF once the stream is read: the server closed
}

func (s *scripted) Write(p []byte) (int, error) {
	if s.closed {
		return 0, net.ErrClosed
	}
	s.written += len(p)
	return len(p), nil
}

func (s *scripted) Close() error                     { s.closed = true; return nil }
func (s *scripted) LocalAddr() net.Addr              { return flightAddr{} }
func (s *scripted) RemoteAddr() net.Addr             { return flightAddr{} }
func (s *scripted) SetDeadline(time.Time) error      { return nil }
func (s *scripted) SetReadDeadline(time.Time) error  { return nil }
func (s *scripted) SetWriteDeadline(time.Time) error { return nil }

type flightAddr struct{}

func (flightAddr) Network() string { return "fuzz" }
func (flightAddr) String() string  { return "server-flight" }

// tee records what a connection writes.
type tee struct {
	net.Conn
	out *bytes.Buffer

	mu      sync.Mutex
	stopped bool // the client is done: later writes are not its flight
}

func (t *tee) Write(p []byte) (int, error) {
	n, err := t.Conn.Write(p)
	t.mu.Lock()
	if !t.stopped {
		t.out.Write(p[:n])
	}
	t.mu.Unlock()
	return n, err
}

// stop ends the recording: what the server writes after the client's
// script ended (a close_notify in answer to the close, which may or may
// not get through the closing link) would make the recording differ from
// run to run.
func (t *tee) stop() {
	t.mu.Lock()
	t.stopped = true
	t.mu.Unlock()
}

// RecordServerFlight runs the engine's default conversation, as the
// server-flight target's client makes it for offer, against crypto/tls and
// returns every byte the server sent: a seed that the target replays
// through the whole handshake. It is reproducible only when crypto/tls's
// randomness is (testing/cryptotest.SetGlobalRandom).
func (e *Env) RecordServerFlight(offer uint8) ([]byte, Result) {
	cfg := e.clientConfig(flightSeed, pick(offers, int(offer)).versions)
	client, server := newLink()
	var sent bytes.Buffer
	rec := &tee{Conn: server, out: &sent}
	done := make(chan error, 1)
	go func() { done <- e.serve(rec, flightSeed) }()
	cv := peers.RunScript(context.Background(), func(context.Context) (net.Conn, error) { return client, nil }, cfg, script())
	rec.stop()
	client.Close()
	serr := <-done
	server.Close()
	return firstAppData(sent.Bytes(), cv.Version()), Result{Outcome: cv.Outcome, Server: serr, ServerRan: true, Control: true}
}

// firstAppData cuts a recorded TLS 1.0-1.2 stream after its first
// application-data record. crypto/tls splits the echo of a CBC record
// 1/n-1 in TLS 1.0 (two writes), and the client's script is done after
// the first: whether the second was written yet is a race, which would
// make the recording differ from run to run. (In TLS 1.3 every protected
// record looks like application data; its echo is not split.)
func firstAppData(stream []byte, v wire.Version) []byte {
	if v >= wire.VersionTLS13 {
		return stream
	}
	for off := 0; off < len(stream); {
		r, n, err := wire.ParseRecord(stream[off:])
		if err != nil {
			break
		}
		off += n
		if r.Type == wire.ContentApplicationData {
			return stream[:off]
		}
	}
	return stream
}
