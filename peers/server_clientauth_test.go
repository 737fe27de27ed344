package peers_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// requestInPlace is a server misbehaviour that sends the server's own
// CertificateRequest where RFC 5246 §7.3 and RFC 8446 §2 put it: before
// ServerHelloDone, or right after EncryptedExtensions.
var requestInPlace = peers.Misbehaviour{Name: "test/certificate-request", Apply: func(p *peers.ServerPlan) {
	next := p.Outgoing
	p.Outgoing = func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		msgs = next(st, msgs)
		for i, m := range msgs {
			switch m.Type() {
			case wire.TypeServerHelloDone:
				return slices.Insert(slices.Clone(msgs), i, st.CertificateRequest())
			case wire.TypeEncryptedExtensions:
				return slices.Insert(slices.Clone(msgs), i+1, st.CertificateRequest())
			}
		}
		return msgs
	}
}}

// TestServerCertificateRequest: after its CertificateRequest the
// reference server reads the client's Certificate and, for a chain, its
// CertificateVerify, which it verifies (RFC 5246 §7.4.6, §7.4.8; RFC
// 8446 §4.4.2, §4.4.3): the reference client completes the handshake with
// and without a certificate of each kind, at every version.
func TestServerCertificateRequest(t *testing.T) {
	p := mustPKI(t)
	addr := startRefServer(t, peers.ServerConfig{
		Versions:      []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10},
		Misbehaviours: []peers.Misbehaviour{requestInPlace},
	})
	for _, ac := range authCases() {
		t.Run(ac.version.Short()+"/"+ac.kind, func(t *testing.T) {
			c, err := peers.Dial(context.Background(), addr, authConfig(p, ac.version, clientPair(t, ac.kind)))
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer c.Close()
			roundTrip(t, c)
		})
	}
	for _, v := range []wire.Version{wire.VersionTLS10, wire.VersionTLS12, wire.VersionTLS13} {
		t.Run(v.Short()+"/no-certificate", func(t *testing.T) {
			c, err := peers.Dial(context.Background(), addr, authConfig(p, v, nil))
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer c.Close()
			roundTrip(t, c)
		})
	}
}
