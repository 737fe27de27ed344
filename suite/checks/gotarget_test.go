//go:debug tls10server=1

package checks_test

import (
	"context"
	"testing"

	"github.com/tlsconform/tlsconform/peers/targets"
	"github.com/tlsconform/tlsconform/reports"
)

// startGo runs the built-in target: crypto/tls with TLS 1.0-1.3 and every
// suite.
func startGo(t testing.TB) string {
	t.Helper()
	tgt, err := targets.Open(context.Background(), "builtin", targets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return tgt.Addr()
}

// TestGoServerHasNoMustFailure: crypto/tls passes every MUST; its
// warnings are listed (the README's known deviations).
func TestGoServerHasNoMustFailure(t *testing.T) {
	res := runCatalogue(t, startGo(t), nil)
	counts := map[reports.Status]int{}
	warnReasons := map[string]int{}
	for id, v := range res {
		counts[v.Status]++
		switch v.Status {
		case reports.Fail:
			t.Errorf("%s: expected %s, observed %s; %s", id, v.Expected, v.Observed, v.Reason)
		case reports.Warn:
			warnReasons[v.Observed]++
		}
	}
	t.Logf("%d checks: %v; warnings: %v", len(res), counts, warnReasons)
}
