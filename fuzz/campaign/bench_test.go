package campaign

import (
	"context"
	"crypto/tls"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/targets"
)

// BenchmarkCampaign measures network conversations per second against the
// built-in target (crypto/tls on loopback): each op is one campaign
// iteration (case, conversation, oracles; the liveness handshakes and
// minimization it sets off are counted in conv/s too). Compare with
// BenchmarkPlainTLS, a crypto/tls client doing full handshakes in a loop.
func BenchmarkCampaign(b *testing.B) {
	for _, par := range []struct {
		name     string
		parallel bool
	}{{"serial", false}, {"parallel", true}} {
		b.Run(par.name, func(b *testing.B) {
			ctx := context.Background()
			cat, err := newCatalog(nil)
			if err != nil {
				b.Fatal(err)
			}
			ep, err := openEndpoint(ctx, "builtin", "", DefaultTimeout)
			if err != nil {
				b.Fatal(err)
			}
			defer ep.close()
			st, err := openStore(b.TempDir(), 1, "builtin", defaultMaxFindings)
			if err != nil {
				b.Fatal(err)
			}
			workers := 1
			if par.parallel {
				workers = 64 // more than RunParallel starts: each goroutine takes one
			}
			log, err := openTargetLog(filepath.Join(b.TempDir(), "target.log"))
			if err != nil {
				b.Fatal(err)
			}
			cp := &campaign{cfg: Config{Seed: 1, Timeout: DefaultTimeout, Target: "builtin"}, cat: cat, ep: ep, log: log,
				env: probe(ctx, cat, ep.addr, DefaultTimeout), store: st, recent: newRecent(workers), start: time.Now()}
			cp.cfg.Out = discard{}
			var next atomic.Int64
			b.ResetTimer()
			start := time.Now()
			if par.parallel {
				b.RunParallel(func(pb *testing.PB) {
					w := int(next.Add(1)-1) % workers
					for it := uint64(0); pb.Next(); it++ {
						if c, ok := cp.nextCase(w, it); ok {
							cp.iteration(ctx, w, it, c)
						}
					}
				})
			} else {
				for it := uint64(0); b.Loop(); it++ {
					if c, ok := cp.nextCase(0, it); ok {
						cp.iteration(ctx, 0, it, c)
					}
				}
			}
			secs := time.Since(start).Seconds()
			b.ReportMetric(float64(cp.conversations.Load())/secs, "conv/s")
			b.ReportMetric(float64(b.N)/secs, "iter/s")
		})
	}
}

// BenchmarkCampaignFullHandshake is one tolerated change (the extensions
// in reverse order) on the engine's TLS 1.3 ClientHello: a complete
// handshake through the reference client, the campaign's most expensive
// ordinary conversation, against BenchmarkPlainTLS/serial's.
func BenchmarkCampaignFullHandshake(b *testing.B) {
	ctx := context.Background()
	cat, err := newCatalog(nil)
	if err != nil {
		b.Fatal(err)
	}
	ep, err := openEndpoint(ctx, "builtin", "", DefaultTimeout)
	if err != nil {
		b.Fatal(err)
	}
	defer ep.close()
	env := probe(ctx, cat, ep.addr, DefaultTimeout)
	c := Case{Kind: KindHello, Version: "1.3", Template: TemplateEngine, Group: env.group13.String(),
		Mutators: []string{"client_hello/extensions/reorder/reverse"}}
	start := time.Now()
	for b.Loop() {
		c.Seed++
		if r := cat.converse(ctx, ep.addr, c, DefaultTimeout); r.answer != AnswerAccept {
			b.Fatalf("%s: %s", r.answer, r.describe())
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "conv/s")
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkPlainTLS is the yardstick: tls.Dial and Close in a loop
// against the same built-in target, a full handshake each (TLS 1.3, the
// target's preferred group).
func BenchmarkPlainTLS(b *testing.B) {
	for _, par := range []struct {
		name     string
		parallel bool
	}{{"serial", false}, {"parallel", true}} {
		b.Run(par.name, func(b *testing.B) {
			tgt, err := targets.Open(context.Background(), "builtin", targets.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer tgt.Close()
			cfg := &tls.Config{InsecureSkipVerify: true}
			dial := func() {
				c, err := tls.Dial("tcp", tgt.Addr(), cfg)
				if err != nil {
					b.Error(err)
					return
				}
				_ = c.SetDeadline(time.Now().Add(DefaultTimeout))
				c.Close()
			}
			b.ResetTimer()
			start := time.Now()
			if par.parallel {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						dial()
					}
				})
			} else {
				for b.Loop() {
					dial()
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "conv/s")
		})
	}
}
