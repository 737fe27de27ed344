package checks_test

import (
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// selfTests says, for each misbehaviour of the reference server, which
// checks must catch it (fail, or warn for a SHOULD-level misbehaviour) and
// which unrelated checks must still pass. Checks matching neither may go
// either way (a broken step early in the handshake spoils later ones).
type selfTest struct {
	name       string
	fail, warn string
	pass       string
}

// selfTests gathers every family's table.
var selfTests = slices.Concat(selfTestsFinished, selfTestsOrder, selfTestsVersion, selfTestsHello, selfTestsKeyExchange, selfTestsRecords)

var selfTestsFinished = []selfTest{
	{
		name: "finished/skip-verify",
		fail: `^finished/.*/(flip-bit-\d+|all-zero|finished-(truncated|empty|trailing-message-bytes)|transcript-without-certificate|ems-confusion|no-resumption-after-fatal-alert)$`,
		pass: `^(baseline/.*|finished/.*/(server-finished-verifies|plaintext-finished|trailing-record-bytes))$`,
	},
	{
		name: "finished/wrong-alert",
		warn: `^finished/.*/(flip-bit-\d+|all-zero|finished-(truncated|empty|trailing-message-bytes)|transcript-without-certificate|ems-confusion)$`,
		pass: `^(baseline/.*|finished/.*/(server-finished-verifies|no-resumption-after-fatal-alert))$`,
	},
	{
		name: "finished/bad-server-finished",
		fail: `^(baseline|finished)/.*/(handshake-completes|server-finished-verifies)$`,
		pass: `^finished/tls1[012]/.*/(flip-bit-\d+|all-zero|finished-(truncated|empty|trailing-message-bytes))$`,
	},
}

func TestMisbehavioursAreCaught(t *testing.T) {
	covered := map[string]bool{}
	for _, st := range selfTests {
		covered[st.name] = true
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			m, ok := suite.MisbehaviourByName(st.name)
			if !ok {
				t.Fatalf("no misbehaviour %q", st.name)
			}
			// Only the checks the entry names: the others may go either way.
			named := func(ch checks.Check) bool {
				return match(st.fail, ch.ID) || match(st.warn, ch.ID) || match(st.pass, ch.ID)
			}
			res := runCatalogue(t, startReference(t, m), named)
			caught, matched := 0, map[string]int{}
			for id := range res {
				for _, p := range []string{st.fail, st.warn, st.pass} {
					if match(p, id) {
						matched[p]++
					}
				}
			}
			// A pattern that matches nothing (a typo) would hide what it
			// is meant to require.
			for _, p := range []string{st.fail, st.warn, st.pass} {
				if p != "" && matched[p] == 0 {
					t.Errorf("pattern %q matches no check", p)
				}
			}
			for id, v := range res {
				switch {
				case match(st.fail, id):
					caught++
					if v.Status != reports.Fail {
						t.Errorf("%s: %s, want fail (observed %s)", id, v.Status, v.Observed)
					}
				case match(st.warn, id):
					caught++
					if v.Status != reports.Warn {
						t.Errorf("%s: %s, want warn (observed %s)", id, v.Status, v.Observed)
					}
				case match(st.pass, id):
					if v.Status != reports.Pass {
						t.Errorf("%s: %s, want pass: an unrelated check (observed %s; %s)", id, v.Status, v.Observed, v.Reason)
					}
				}
			}
			if caught == 0 {
				t.Errorf("no check exists for %s", st.name)
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
