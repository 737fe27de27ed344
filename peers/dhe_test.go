package peers_test

import (
	"context"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// TestServerServesDHE: the reference server serves the TLS 1.0-1.2 DHE
// suites in an RFC 7919 group: the one the client names in
// supported_groups, or ffdhe2048 to a client that names none; a client
// that names only FFDHE groups the server lacks gets no DHE suite (RFC
// 7919 §4).
func TestServerServesDHE(t *testing.T) {
	p := mustPKI(t)
	ref := startRefServer(t, peers.ServerConfig{Versions: []wire.Version{wire.VersionTLS10, wire.VersionTLS12},
		Groups: []wire.Group{wire.GroupX25519, wire.GroupFFDHE3072, wire.GroupFFDHE2048}, Timeout: 5 * time.Second})
	for _, tc := range []struct {
		name   string
		combo  combo
		groups []wire.Group
		want   wire.Group // 0: refused
	}{
		{"ffdhe2048 named", combo{wire.VersionTLS12, wire.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, 0}, []wire.Group{wire.GroupX25519, wire.GroupFFDHE2048}, wire.GroupFFDHE2048},
		{"server's preference", combo{wire.VersionTLS12, wire.TLS_DHE_RSA_WITH_AES_256_GCM_SHA384, 0}, []wire.Group{wire.GroupFFDHE2048, wire.GroupFFDHE3072}, wire.GroupFFDHE3072},
		{"no FFDHE group named", combo{wire.VersionTLS10, wire.TLS_DHE_RSA_WITH_AES_128_CBC_SHA, 0}, []wire.Group{wire.GroupX25519}, wire.GroupFFDHE3072},
		{"only unknown FFDHE groups", combo{wire.VersionTLS12, wire.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256, 0}, []wire.Group{wire.GroupFFDHE8192}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.combo.clientConfig(p)
			cfg.Groups = tc.groups
			res := peers.Converse(context.Background(), ref, cfg, []byte("ping"))
			if tc.want == 0 {
				if res.Outcome == peers.OutcomeCompleted {
					t.Fatalf("completed, want the server to refuse DHE")
				}
				return
			}
			if res.Outcome != peers.OutcomeCompleted {
				t.Fatalf("%s: %s", res.Outcome, res.Error)
			}
			if res.Group != tc.want.String() {
				t.Errorf("group %s, want %s", res.Group, tc.want)
			}
		})
	}
}
