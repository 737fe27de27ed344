package order

import (
	"context"
	crand "crypto/rand"
	"crypto/tls"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/loopback"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// TestSampleMessagesParse: every sample message parses back, as the type
// it claims, in the form it was built for, so that a target which rejects
// it out of place rejects its place, not its bytes.
func TestSampleMessagesParse(t *testing.T) {
	forms := []wire.Context{
		{}, // before any version is negotiated
		{Version: wire.VersionTLS10, KeyExchange: wire.KXRSA},
		{Version: wire.VersionTLS11, KeyExchange: wire.KXECDHE},
		{Version: wire.VersionTLS12, KeyExchange: wire.KXRSA},
		{Version: wire.VersionTLS12, KeyExchange: wire.KXECDHE},
		{Version: wire.VersionTLS13},
	}
	types := []wire.HandshakeType{
		wire.TypeHelloRequest, wire.TypeClientHello, wire.TypeServerHello, wire.TypeNewSessionTicket,
		wire.TypeEndOfEarlyData, wire.TypeEncryptedExtensions, wire.TypeCertificate, wire.TypeServerKeyExchange,
		wire.TypeCertificateRequest, wire.TypeServerHelloDone, wire.TypeCertificateVerify, wire.TypeClientKeyExchange,
		wire.TypeFinished, wire.TypeCertificateStatus, wire.TypeKeyUpdate, 99,
	}
	rnd := rand.NewChaCha8([32]byte{1})
	for _, ctx := range forms {
		for _, typ := range types {
			m, err := sampleMessage(typ, ctx, rnd, 0)
			if err != nil {
				t.Fatalf("%s %v: %v", typ, ctx, err)
			}
			raw, err := m.Marshal()
			if err != nil {
				t.Fatalf("%s %v: marshal: %v", typ, ctx, err)
			}
			got, err := wire.UnmarshalHandshake(raw, ctx)
			if err != nil {
				t.Errorf("%s in form %v does not parse: %v", typ, ctx, err)
				continue
			}
			if got.Type() != typ {
				t.Errorf("%s in form %v parses as %s", typ, ctx, got.Type())
			}
		}
	}
}

// TestClientKeyExchangeTrailingClientCertificate: the step that sends the
// ClientKeyExchange with trailing bytes sends a configured client
// certificate's CertificateVerify after the ClientKeyExchange in the same
// record (signed over the transcript through it), so with no trailing
// bytes a crypto/tls server that requires a client certificate
// completes.
func TestClientKeyExchangeTrailingClientCertificate(t *testing.T) {
	now := time.Now()
	serverPair, err := certs.Generate("ecdsa", nil, crand.Reader, now)
	if err != nil {
		t.Fatal(err)
	}
	clientPair, err := certs.Generate("ecdsa", []string{"client.test"}, crand.Reader, now)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan int, 1)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{serverPair.TLSCertificate()},
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   tls.VersionTLS12,
		ClientAuth:   tls.RequireAnyClientCert,
		VerifyConnection: func(cs tls.ConnectionState) error {
			select {
			case got <- len(cs.PeerCertificates):
			default:
			}
			return nil
		},
	}
	addr := loopback.ServeEach(t, func(nc net.Conn) {
		tc := tls.Server(nc, cfg)
		buf := make([]byte, 64)
		if n, err := tc.Read(buf); err == nil {
			_, _ = tc.Write(buf[:n])
		}
	})
	script := peers.DefaultScript(wire.VersionTLS12).Replace(peers.StepClientKeyExchange, sendClientKeyExchangeTrailing(nil))
	ccfg := &peers.ClientConfig{Versions: []wire.Version{wire.VersionTLS12}, Timeout: 5 * time.Second, Certificate: clientPair}
	cv := peers.RunScript(context.Background(), peers.TCP(addr), ccfg, script)
	if cv.Outcome.Kind != peers.OutcomeCompleted {
		t.Fatalf("outcome %v, want completed", cv.Outcome)
	}
	select {
	case n := <-got:
		if n != len(clientPair.Chain) {
			t.Errorf("server received %d certificates, want %d", n, len(clientPair.Chain))
		}
	default:
		t.Fatal("the server completed no handshake")
	}
}
