package suite_test

import (
	"context"
	"io"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/loopback"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/targets"
)

// The self-tests: the catalogue through the runner against the reference
// server (well behaved, and with each family's misbehaviours), against
// crypto/tls with each family's known deviations, and against targets that
// are down or silent.

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
	for _, ch := range suite.Catalogue() {
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
	for _, ch := range suite.Catalogue() {
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

// TestMisbehavioursAreCaught runs each family's self-tests: for every
// misbehaviour of the reference server, the checks its family names must
// catch it and the unrelated ones must still pass.
func TestMisbehavioursAreCaught(t *testing.T) {
	covered := map[string]bool{}
	var selfTests []checks.SelfTest
	for _, f := range suite.Families() {
		selfTests = append(selfTests, f.SelfTests...)
	}
	for _, st := range selfTests {
		covered[st.Misbehaviour] = true
		t.Run(st.Misbehaviour, func(t *testing.T) {
			t.Parallel()
			m, ok := suite.MisbehaviourByName(st.Misbehaviour)
			if !ok {
				t.Fatalf("no misbehaviour %q", st.Misbehaviour)
			}
			// Only the checks the entry names or derives: the others may go
			// either way.
			derived := map[string]reports.Status{}
			named := func(ch checks.Check) bool {
				if s := st.Derived(ch); s != "" {
					derived[ch.ID] = s
				}
				return match(st.Fail, ch.ID) || match(st.Warn, ch.ID) || match(st.Inconclusive, ch.ID) || match(st.Pass, ch.ID) || derived[ch.ID] != ""
			}
			res := runCatalogue(t, startReference(t, m), named)
			caught, matched := 0, map[string]int{}
			for id := range res {
				for _, p := range []string{st.Fail, st.Warn, st.Inconclusive, st.Pass} {
					if match(p, id) {
						matched[p]++
					}
				}
			}
			// A pattern that matches nothing (a typo) would hide what it
			// is meant to require; so would a derivation that selects no
			// mutator's check.
			for _, p := range []string{st.Fail, st.Warn, st.Inconclusive, st.Pass} {
				if p != "" && matched[p] == 0 {
					t.Errorf("pattern %q matches no check", p)
				}
			}
			if st.Caught != nil && len(derived) == 0 {
				t.Errorf("the derived checks of %s are none", st.Misbehaviour)
			}
			for id, v := range res {
				switch {
				case match(st.Fail, id):
					caught++
					if v.Status != reports.Fail {
						t.Errorf("%s: %s, want fail (observed %s)", id, v.Status, v.Observed)
					}
				case match(st.Warn, id):
					caught++
					if v.Status != reports.Warn {
						t.Errorf("%s: %s, want warn (observed %s)", id, v.Status, v.Observed)
					}
				case match(st.Inconclusive, id):
					caught++
					if v.Status != reports.Inconclusive {
						t.Errorf("%s: %s, want inconclusive: the observation proves nothing (observed %s)", id, v.Status, v.Observed)
					}
				case derived[id] != "":
					caught++
					if v.Status != derived[id] {
						t.Errorf("%s: %s, want %s: its mutator's expectation says it catches %s (observed %s)", id, v.Status, derived[id], st.Misbehaviour, v.Observed)
					}
				case match(st.Pass, id):
					if v.Status != reports.Pass {
						t.Errorf("%s: %s, want pass: an unrelated check (observed %s; %s)", id, v.Status, v.Observed, v.Reason)
					}
				}
			}
			if caught == 0 {
				t.Errorf("no check exists for %s", st.Misbehaviour)
			}
		})
	}
	for _, m := range suite.Misbehaviours() {
		if !covered[m.Name] {
			t.Errorf("misbehaviour %s has no self-test", m.Name)
		}
	}
}

var compiled sync.Map // pattern → *regexp.Regexp

func match(pattern, id string) bool {
	if pattern == "" {
		return false
	}
	re, ok := compiled.Load(pattern)
	if !ok {
		re, _ = compiled.LoadOrStore(pattern, regexp.MustCompile(pattern))
	}
	return re.(*regexp.Regexp).MatchString(id)
}

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

// TestGoServerHasNoMustFailure: crypto/tls, as the built-in target
// serves it, passes every MUST but the deviations its shipped
// expectations record (suite/crypto-tls.expect.json, the built-in
// target's default), through the go test API (one subtest per check);
// an entry that stops happening fails it as stale, so that it goes.
func TestGoServerHasNoMustFailure(t *testing.T) {
	suite.Test(t, suite.Named("builtin"), suite.Options{Seed: 1, Timeout: time.Second})
}

// sample is one check per family (its id without the context and the last
// element), so that the fail-closed tests stay fast.
func sample() []checks.Check {
	seen := map[string]bool{}
	var out []checks.Check
	for _, ch := range suite.Catalogue() {
		parts := strings.Split(ch.ID, "/")
		key := parts[0]
		if len(parts) > 3 {
			key += "/" + strings.Join(parts[3:len(parts)-1], "/")
		}
		key += "/" + ch.Ctx.String()
		if !seen[key] {
			seen[key] = true
			out = append(out, ch)
		}
	}
	return out
}

// silentTarget accepts connections and never answers.
func silentTarget(t *testing.T) string {
	return loopback.ServeEach(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
}

// TestFailClosed: against a target that is down or never answers, no
// check passes: the suite fails closed.
func TestFailClosed(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()
	for name, addr := range map[string]string{"refused": deadAddr, "silent": silentTarget(t)} {
		t.Run(name, func(t *testing.T) {
			env := &checks.Env{Dial: peers.TCP(addr), Timeout: 30 * time.Millisecond, Seed: 1}
			if _, err := suite.Probe(context.Background(), env); err == nil {
				t.Error("probing succeeded")
			}
			n := 0
			for _, ch := range sample() {
				n++
				if v := ch.Run(context.Background(), env); v.Status == reports.Pass {
					t.Errorf("%s passed against a %s target: observed %s", ch.ID, name, v.Observed)
				}
			}
			if n < 100 {
				t.Fatalf("only %d checks sampled", n)
			}
		})
	}
}
