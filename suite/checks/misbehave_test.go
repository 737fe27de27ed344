package checks_test

import (
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/tlsconform/tlsconform/mutators"
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
	// caught derives more checks that must catch the misbehaviour from
	// the expectation of the mutator a check is generated from: it
	// returns the status the check must have (reports.Fail, or
	// reports.Warn), or "" to leave the check to the patterns. A new
	// mutator of the class it selects is then required to be caught
	// without a pattern naming it. It comes after fail and warn and
	// before pass: no pass pattern can exempt a check it selects.
	caught func(checks.Check, mutators.Mutator) reports.Status
}

// atLevel is the status of a check that catches a misbehaviour: fail
// where its rule is a MUST, warn where it is a SHOULD.
func atLevel(ch checks.Check) reports.Status {
	if ch.Level == checks.SHOULD {
		return reports.Warn
	}
	return reports.Fail
}

// caughtIn requires every check generated from a mutator of family with
// expectation class to catch the misbehaviour, at the check's level.
func caughtIn(family string, class mutators.Class) func(checks.Check, mutators.Mutator) reports.Status {
	return func(ch checks.Check, m mutators.Mutator) reports.Status {
		if m.Family() != family || m.Expect.Class != class {
			return ""
		}
		return atLevel(ch)
	}
}

// derived is what st.caught requires of ch ("" when nothing, or when ch
// comes from no mutator).
func (st selfTest) derived(ch checks.Check) reports.Status {
	if st.caught == nil || ch.Mutator == "" {
		return ""
	}
	m, ok := mutators.ByName(ch.Mutator)
	if !ok {
		return ""
	}
	return st.caught(ch, m)
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
			// Only the checks the entry names or derives: the others may go
			// either way.
			derived := map[string]reports.Status{}
			named := func(ch checks.Check) bool {
				if s := st.derived(ch); s != "" {
					derived[ch.ID] = s
				}
				return match(st.fail, ch.ID) || match(st.warn, ch.ID) || match(st.pass, ch.ID) || derived[ch.ID] != ""
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
			// is meant to require; so would a derivation that selects no
			// mutator's check.
			for _, p := range []string{st.fail, st.warn, st.pass} {
				if p != "" && matched[p] == 0 {
					t.Errorf("pattern %q matches no check", p)
				}
			}
			if st.caught != nil && len(derived) == 0 {
				t.Errorf("the derived checks of %s are none", st.name)
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
				case derived[id] != "":
					caught++
					if v.Status != derived[id] {
						t.Errorf("%s: %s, want %s: its mutator's expectation says it catches %s (observed %s)", id, v.Status, derived[id], st.name, v.Observed)
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
