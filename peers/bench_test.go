package peers_test

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// BenchmarkHandshake compares our client's full handshake with crypto/tls's
// client against the same in-process crypto/tls server over loopback. Both
// verify the chain and the signatures; each iteration is dial, handshake,
// close. Compare the "ours" and "crypto-tls" lines with benchstat.
func BenchmarkHandshake(b *testing.B) {
	p := mustPKI(b)
	addr := startGoServer(b, func(c *tls.Config) { c.SessionTicketsDisabled = true })
	cases := []struct {
		name  string
		combo combo
	}{
		{"tls13-x25519-aes128gcm", combo{wire.VersionTLS13, wire.TLS_AES_128_GCM_SHA256, wire.GroupX25519}},
		{"tls12-ecdhe-rsa", combo{wire.VersionTLS12, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, wire.GroupX25519}},
		{"tls12-rsa", combo{wire.VersionTLS12, wire.TLS_RSA_WITH_AES_128_GCM_SHA256, 0}},
	}
	for _, tc := range cases {
		b.Run(tc.name+"/impl=ours", func(b *testing.B) {
			cfg := tc.combo.clientConfig(p)
			cfg.Timeout = 5 * time.Second
			b.ReportAllocs()
			for b.Loop() {
				c, err := peers.Dial(context.Background(), addr, cfg)
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
		})
		b.Run(tc.name+"/impl=crypto-tls", func(b *testing.B) {
			cfg := goClientConfig(p, tc.combo)
			b.ReportAllocs()
			for b.Loop() {
				c, err := tls.Dial("tcp", addr, cfg)
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
		})
	}
}
