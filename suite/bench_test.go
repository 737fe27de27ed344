package suite_test

import (
	"context"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// BenchmarkConversation measures conversations per second against the
// built-in target (in-process crypto/tls over loopback): a full handshake
// with an application-data round trip, and a check that ends in an alert,
// for TLS 1.3 and TLS 1.2 ECDHE-RSA.
func BenchmarkConversation(b *testing.B) {
	env := &checks.Env{Dial: startGo(b).Dial, Timeout: 2 * time.Second, Seed: 1}
	prof, err := suite.Probe(context.Background(), env)
	if err != nil {
		b.Fatal(err)
	}
	env.Profile = prof
	for _, c := range []checks.Context{{Version: wire.VersionTLS13, KX: checks.KXTLS13}, {Version: wire.VersionTLS12, KX: checks.KXECDHERSA}} {
		for _, tc := range []struct {
			name   string
			script peers.Script
			setup  []peers.Setup
		}{
			{"baseline", peers.DefaultScript(c.Version), nil},
			{"bad-finished", peers.DefaultScript(c.Version).Through(peers.StepFinished).Then(peers.ExpectRejection(true)),
				[]peers.Setup{func(cv *peers.Conversation) {
					cv.Edit(peers.StepFinished, func(raw []byte) []byte { raw[4] ^= 1; return raw })
				}}},
		} {
			b.Run(c.Version.Short()+"-"+string(c.KX)+"/"+tc.name, func(b *testing.B) {
				b.ReportAllocs()
				start := time.Now()
				n := 0
				for b.Loop() {
					cv := env.Converse(context.Background(), c, "bench", tc.script, tc.setup...)
					if cv.Outcome.Kind == peers.OutcomeTimeout || cv.Outcome.Kind == peers.OutcomeRefused {
						b.Fatalf("outcome %v", cv.Outcome)
					}
					n++
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "conv/s")
			})
		}
	}
}
