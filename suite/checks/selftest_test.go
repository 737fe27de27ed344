package checks_test

import (
	"context"
	"crypto/rand"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/certs"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

var testCerts = sync.OnceValues(func() ([]*certs.Pair, error) {
	var out []*certs.Pair
	for _, kind := range []string{"ecdsa", "rsa"} {
		p, err := certs.Generate(kind, nil, rand.Reader, time.Now())
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
})

// startReference runs the reference server (TLS 1.0-1.3) with the given
// misbehaviours on a free loopback port.
func startReference(t testing.TB, mis ...peers.Misbehaviour) string {
	t.Helper()
	pairs, err := testCerts()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := peers.NewServer(peers.ServerConfig{
		Certificates:  pairs,
		Versions:      []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10},
		Misbehaviours: mis,
		Timeout:       2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ctx, ln, nil) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

// runCatalogue probes the target and runs every check, returning results
// by id.
func runCatalogue(t *testing.T, addr string, filter func(checks.Check) bool) map[string]checks.Verdict {
	t.Helper()
	ctx := context.Background()
	env := &checks.Env{Dial: peers.TCP(addr), Timeout: time.Second, Seed: 1}
	prof, err := checks.Probe(ctx, env)
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	env.Profile = prof
	out := map[string]checks.Verdict{}
	for _, ch := range checks.All() {
		if filter != nil && !filter(ch) {
			continue
		}
		if ok, why := prof.Applies(ch); !ok {
			out[ch.ID] = checks.Verdict{Status: reports.Skip, Reason: why}
			continue
		}
		out[ch.ID] = ch.Run(ctx, env)
	}
	return out
}

// TestReferenceServerPassesEverything: the well-behaved reference server
// passes every check, with no warning.
func TestReferenceServerPassesEverything(t *testing.T) {
	addr := startReference(t)
	res := runCatalogue(t, addr, nil)
	counts := map[reports.Status]int{}
	for id, v := range res {
		counts[v.Status]++
		if v.Status != reports.Pass {
			t.Errorf("%s: %s: expected %s, observed %s; %s", id, v.Status, v.Expected, v.Observed, v.Reason)
		}
	}
	t.Logf("%d checks: %v", len(res), counts)
}

// TestBaselineMatchesCatalogue: Baseline(c) is the check All lists as the
// baseline of c, and every check id is unique.
func TestBaselineMatchesCatalogue(t *testing.T) {
	seen := map[string]bool{}
	baselines := 0
	for _, ch := range checks.All() {
		if seen[ch.ID] {
			t.Errorf("duplicate check id %s", ch.ID)
		}
		seen[ch.ID] = true
		if ch.Baseline {
			baselines++
			if got := checks.Baseline(ch.Ctx); got.ID != ch.ID {
				t.Errorf("Baseline(%s) = %s, the catalogue has %s", ch.Ctx, got.ID, ch.ID)
			}
		}
	}
	if baselines != len(checks.Contexts()) {
		t.Errorf("%d baselines for %d contexts", baselines, len(checks.Contexts()))
	}
}

// serveEach accepts connections on a free loopback port until the test
// ends and runs handle on each, under a 5 s deadline.
func serveEach(t testing.TB, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer nc.Close()
				_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
				handle(nc)
			})
		}
	})
	return ln.Addr().String()
}
