package checks_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/targets"
)

var testCerts = sync.OnceValues(suite.ReferenceCertificates)

// startReference runs the reference server (TLS 1.0-1.3) with the given
// misbehaviours on a free loopback port.
func startReference(t testing.TB, mis ...peers.Misbehaviour) targets.Target {
	t.Helper()
	pairs, err := testCerts()
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := suite.Reference(context.Background(), suite.ReferenceOptions{Timeout: 2 * time.Second, Misbehaviours: mis, Certificates: pairs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return tgt
}

// runCatalogue runs the catalogue (the checks filter keeps; all when nil)
// through the runner, each check judged on its own (Independent), and
// returns the verdicts by id.
func runCatalogue(t *testing.T, tgt targets.Target, filter func(checks.Check) bool) map[string]checks.Verdict {
	t.Helper()
	ctx := context.Background()
	r, err := suite.Start(ctx, tgt, suite.Options{Timeout: time.Second, Seed: 1, Independent: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]checks.Verdict{}
	for _, ch := range checks.All() {
		if filter != nil && !filter(ch) {
			continue
		}
		out[ch.ID] = r.Check(ctx, ch).Verdict
	}
	if _, err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReferenceServerPassesEverything: the well-behaved reference server
// passes every check, with no warning.
func TestReferenceServerPassesEverything(t *testing.T) {
	res := runCatalogue(t, startReference(t), nil)
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
