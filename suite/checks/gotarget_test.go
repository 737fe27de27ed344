//go:debug tls10server=1

package checks_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/targets"
)

// startGo runs the built-in target: crypto/tls with TLS 1.0-1.3 and every
// suite.
func startGo(t testing.TB) targets.Target {
	t.Helper()
	tgt, err := targets.Open(context.Background(), "builtin", targets.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return tgt
}

// knownFailure is a MUST-level failure of crypto/tls that is a real
// deviation from the RFC, not a suite bug: the ids it covers and the rule
// with what crypto/tls does instead.
type knownFailure struct{ pattern, why string }

// goKnownFailures gathers each family's table.
var goKnownFailures = slices.Concat(goKnownFailuresOrder, goKnownFailuresVersion, goKnownFailuresRecords, goKnownFailuresKeyExchange, goKnownFailuresHello)

func knownGoFailure(id string) (string, bool) {
	for _, k := range goKnownFailures {
		if match(k.pattern, id) {
			return k.why, true
		}
	}
	return "", false
}

// TestGoServerHasNoMustFailure: crypto/tls passes every MUST but its known
// deviations (goKnownFailures), which are logged; the test fails once one
// stops failing, so that its entry goes. Its warnings are listed (the
// README's known deviations).
func TestGoServerHasNoMustFailure(t *testing.T) {
	res := runCatalogue(t, startGo(t), nil)
	counts := map[reports.Status]int{}
	warnReasons := map[string]int{}
	for id, v := range res {
		counts[v.Status]++
		why, known := knownGoFailure(id)
		switch {
		case known && v.Status != reports.Fail:
			t.Errorf("%s: %s, but it is listed as a known crypto/tls failure (%s): remove the entry", id, v.Status, why)
		case known:
			t.Logf("known crypto/tls deviation %s: %s", id, why)
		}
		switch v.Status {
		case reports.Fail:
			if !known {
				t.Errorf("%s: expected %s, observed %s; %s", id, v.Expected, v.Observed, v.Reason)
			}
		case reports.Warn:
			warnReasons[v.Observed]++
		}
	}
	t.Logf("%d checks: %v; warnings: %v", len(res), counts, warnReasons)
}
