package peers_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// hostileServer accepts one connection, reads the ClientHello record and
// then does whatever act says. It returns the address.
func hostileServer(t *testing.T, act func(net.Conn)) string {
	t.Helper()
	return serveT(t, "hostile", func(ctx context.Context, ln net.Listener) error {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil // Close
			}
			return err
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
		if _, _, err := wire.ReadRecord(nc, 1<<16); err != nil {
			return nil // the client's side of the test says what went wrong
		}
		act(nc)
		return nil
	})
}

func handshakeRecord(t *testing.T, msgs ...[]byte) []byte {
	var payload []byte
	for _, m := range msgs {
		payload = append(payload, m...)
	}
	return wire.AppendRecord(nil, wire.ContentHandshake, wire.VersionTLS12, payload)
}

// TestHostileServer: whatever the server sends, the client ends with a
// clear, typed outcome within its deadline, and never panics.
func TestHostileServer(t *testing.T) {
	const deadline = 300 * time.Millisecond
	cases := []struct {
		name string
		act  func(net.Conn)
		want peers.OutcomeKind
		// check inspects the error further.
		check func(error) bool
	}{
		{"garbage", func(c net.Conn) { c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")) }, peers.OutcomeError, isProtocolError},
		{"truncated record", func(c net.Conn) { c.Write([]byte{22, 3, 3, 0, 50, 2, 0}) }, peers.OutcomeClosed, nil},
		{"record length 65535", func(c net.Conn) { c.Write([]byte{22, 3, 3, 0xff, 0xff}) }, peers.OutcomeError, alertIs(wire.AlertRecordOverflow)},
		{"handshake length 2^24-1", func(c net.Conn) { c.Write(handshakeRecord(t, []byte{2, 0xff, 0xff, 0xff, 3, 3})) }, peers.OutcomeError, isProtocolError},
		{"unknown handshake type", func(c net.Conn) { c.Write(handshakeRecord(t, []byte{99, 0, 0, 1, 0})) }, peers.OutcomeError, alertIs(wire.AlertUnexpectedMessage)},
		{"Finished first", func(c net.Conn) {
			c.Write(handshakeRecord(t, []byte{20, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}))
		}, peers.OutcomeError, alertIs(wire.AlertUnexpectedMessage)},
		{"truncated ServerHello", func(c net.Conn) { c.Write(handshakeRecord(t, []byte{2, 0, 0, 4, 3, 3, 0, 0})) }, peers.OutcomeError, alertIs(wire.AlertDecodeError)},
		{"unknown content type", func(c net.Conn) { c.Write([]byte{99, 3, 3, 0, 1, 0}) }, peers.OutcomeError, alertIs(wire.AlertUnexpectedMessage)},
		{"fatal alert", func(c net.Conn) { c.Write([]byte{21, 3, 3, 0, 2, 2, 40}) }, peers.OutcomeAlert, nil},
		{"silence", func(c net.Conn) { io.Copy(io.Discard, c) }, peers.OutcomeTimeout, nil},
		{"half a header then silence", func(c net.Conn) { c.Write([]byte{22, 3}); io.Copy(io.Discard, c) }, peers.OutcomeTimeout, nil},
		{"close", func(c net.Conn) {}, peers.OutcomeClosed, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := hostileServer(t, tc.act)
			errc := make(chan error, 1)
			go func() {
				_, err := peers.Dial(context.Background(), addr, &peers.ClientConfig{Timeout: deadline})
				errc <- err
			}()
			var err error
			select {
			case err = <-errc:
			case <-time.After(20 * deadline):
				t.Fatal("client did not return within 20 deadlines")
			}
			if got := peers.Classify(err); got != tc.want {
				t.Fatalf("outcome %s (%v), want %s", got, err, tc.want)
			}
			if tc.check != nil && !tc.check(err) {
				t.Fatalf("error %v is not the expected kind", err)
			}
		})
	}
}

func isProtocolError(err error) bool {
	var pe *peers.ProtocolError
	return errors.As(err, &pe)
}

func alertIs(d wire.AlertDescription) func(error) bool {
	return func(err error) bool {
		var pe *peers.ProtocolError
		return errors.As(err, &pe) && pe.Alert == d
	}
}

// TestClientVerifiesServerFinished: a server whose Finished is wrong is
// caught, and the error names the check.
func TestClientReportsBadFinished(t *testing.T) {
	for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS13} {
		t.Run(v.Short(), func(t *testing.T) {
			addr := startRefServer(t, peers.ServerConfig{Misbehaviours: []peers.Misbehaviour{flipServerFinished}})
			_, err := peers.Dial(context.Background(), addr, &peers.ClientConfig{Versions: []wire.Version{v}, Timeout: 2 * time.Second})
			var ve *peers.VerifyError
			if !errors.As(err, &ve) || ve.What != "server Finished" {
				t.Fatalf("got %v, want a VerifyError for the server Finished", err)
			}
		})
	}
}

// flipServerFinished is a test misbehaviour: the server's Finished has its
// first bit flipped.
var flipServerFinished = peers.Misbehaviour{
	Name: "test/flip-server-finished",
	Apply: func(p *peers.ServerPlan) {
		next := p.Outgoing
		p.Outgoing = func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
			for _, m := range msgs {
				if f, ok := m.(*wire.Finished); ok {
					f.VerifyData[0] ^= 1
				}
			}
			return next(st, msgs)
		}
	},
}
