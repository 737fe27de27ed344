package order

import (
	"math/rand/v2"
	"testing"

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
