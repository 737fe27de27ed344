package peers_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range strings.Split(s.b.String(), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// TestKeyLogMatchesGo: our NSS key-log lines are exactly the ones Go's
// server writes for the same conversation (TLS 1.3 traffic secrets; TLS 1.2
// master secret), an independent check of both key schedules.
func TestKeyLogMatchesGo(t *testing.T) {
	p := mustPKI(t)
	for _, cb := range []combo{
		{wire.VersionTLS13, wire.TLS_AES_256_GCM_SHA384, wire.GroupX25519},
		{wire.VersionTLS12, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, wire.GroupSecp256r1},
		{wire.VersionTLS10, wire.TLS_RSA_WITH_AES_128_CBC_SHA, 0},
	} {
		t.Run(cb.String(), func(t *testing.T) {
			var goLog, ourLog syncBuffer
			addr := startGoServer(t, func(c *tls.Config) { c.KeyLogWriter = &goLog })
			cfg := cb.clientConfig(p)
			cfg.KeyLog = keys.NewKeyLog(&ourLog)
			c, err := peers.Dial(context.Background(), addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c)
			c.Close()
			want := goLog.lines()
			var got []string
			for _, l := range ourLog.lines() {
				if !strings.HasPrefix(l, keys.LabelExporter) { // Go does not log it
					got = append(got, l)
				}
			}
			if len(want) == 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("key log differs:\nours:\n%s\nGo's:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// corrupt returns a test misbehaviour that flips the last byte of the
// signature in the server's ServerKeyExchange or CertificateVerify.
func corruptSignature() peers.Misbehaviour {
	return peers.Misbehaviour{
		Name: "test/corrupt-signature",
		Apply: func(p *peers.ServerPlan) {
			next := p.Outgoing
			p.Outgoing = func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
				for _, m := range msgs {
					switch m := m.(type) {
					case *wire.ServerKeyExchange:
						m.Signature[len(m.Signature)-1] ^= 0x80
					case *wire.CertificateVerify:
						m.Signature[len(m.Signature)-1] ^= 0x80
					}
				}
				return next(st, msgs)
			}
		},
	}
}

// TestClientReportsBadSignature: the client names the signature that
// failed and why.
func TestClientReportsBadSignature(t *testing.T) {
	p := mustPKI(t)
	addr := startRefServer(t, peers.ServerConfig{Misbehaviours: []peers.Misbehaviour{corruptSignature()}})
	for _, tc := range []struct {
		cb   combo
		what string
	}{
		{combo{wire.VersionTLS13, wire.TLS_AES_128_GCM_SHA256, wire.GroupX25519}, "server CertificateVerify"},
		{combo{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.GroupX25519}, "ServerKeyExchange signature"},
		{combo{wire.VersionTLS12, wire.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, wire.GroupX25519}, "ServerKeyExchange signature"},
	} {
		t.Run(tc.cb.String(), func(t *testing.T) {
			_, err := peers.Dial(context.Background(), addr, tc.cb.clientConfig(p))
			var ve *peers.VerifyError
			if !errors.As(err, &ve) || ve.What != tc.what {
				t.Fatalf("got %v, want a VerifyError for %s", err, tc.what)
			}
		})
	}
}

// TestClientRejectsUntrustedChain: with RootCAs set, a chain that does not
// lead to them is refused.
func TestClientRejectsUntrustedChain(t *testing.T) {
	addr := startGoServer(t, nil)
	cfg := &peers.ClientConfig{ServerName: "localhost", RootCAs: emptyPool()}
	_, err := peers.Dial(context.Background(), addr, cfg)
	var ve *peers.VerifyError
	if !errors.As(err, &ve) || ve.What != "certificate chain" {
		t.Fatalf("got %v, want a VerifyError for the certificate chain", err)
	}
}

// TestServerAgainstHostileClient: whatever the client sends, the server's
// handshake ends with a typed error within its deadline.
func TestServerAgainstHostileClient(t *testing.T) {
	p := mustPKI(t)
	const deadline = 300 * time.Millisecond
	if _, err := peers.NewServer(peers.ServerConfig{}); err == nil {
		t.Fatal("NewServer accepted a config without certificates")
	}
	srv, err := peers.NewServer(peers.ServerConfig{Certificates: certsOf(p), Timeout: deadline})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		send  []byte
		check func(error) bool
		want  peers.OutcomeKind
	}{
		{"garbage", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), isProtocolError, peers.OutcomeError},
		{"handshake length 2^24-1", handshakeRecord(t, []byte{1, 0xff, 0xff, 0xff}), isProtocolError, peers.OutcomeError},
		{"Finished first", handshakeRecord(t, []byte{20, 0, 0, 1, 0}), alertIs(wire.AlertUnexpectedMessage), peers.OutcomeError},
		{"truncated ClientHello", handshakeRecord(t, []byte{1, 0, 0, 3, 3, 3, 0}), alertIs(wire.AlertDecodeError), peers.OutcomeError},
		{"application data first", wire.AppendRecord(nil, wire.ContentApplicationData, wire.VersionTLS12, []byte("hi")), alertIs(wire.AlertUnexpectedMessage), peers.OutcomeError},
		{"silence", nil, nil, peers.OutcomeTimeout},
		{"half a record then close", []byte{22, 3, 1, 0, 200, 1}, nil, peers.OutcomeClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, server := net.Pipe()
			defer client.Close()
			errc := make(chan error, 1)
			go func() {
				_, err := srv.Handshake(context.Background(), server)
				server.Close()
				errc <- err
			}()
			go func() {
				if tc.send != nil {
					client.Write(tc.send)
				}
				if tc.want == peers.OutcomeClosed {
					client.Close()
					return
				}
				buf := make([]byte, 512)
				for {
					if _, err := client.Read(buf); err != nil {
						return
					}
				}
			}()
			select {
			case err = <-errc:
			case <-time.After(20 * deadline):
				t.Fatal("server did not return within 20 deadlines")
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
