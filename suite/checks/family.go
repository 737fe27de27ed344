package checks

import (
	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/reports"
)

// Family is one family of checks (message order, version negotiation,
// Finished, ...) and everything that belongs to it, in one place: its
// checks, the reference server's misbehaviours that the self-test runs
// them against, what each misbehaviour must make them do, and the known
// deviations of crypto/tls (the built-in target).
type Family struct {
	// Area is the first part of every check id of the family
	// ("message-order").
	Area string
	// Title names the RFC area, as the specs' Describe text.
	Title string
	// Table marks a malformation family generated from the mutator
	// registry (rendered as one table per context, an entry per mutator).
	Table bool
	// Checks builds the family's checks, for every context.
	Checks func() []Check
	// Misbehaviours are the reference server's named ways to break what
	// the family checks (reference:NAME as a target).
	Misbehaviours []peers.Misbehaviour
	// SelfTests say what each misbehaviour must make the checks do.
	SelfTests []SelfTest
	// Client marks a family of client checks: the target is a client,
	// and the reference server plays the other side. Its misbehaviours
	// are the reference client's (ClientMisbehaviours).
	Client              bool
	ClientMisbehaviours []peers.ClientMisbehaviour
}

// SelfTest says, for one misbehaviour of the reference server, which
// checks must catch it (fail, or warn where the rule is a SHOULD) and
// which unrelated checks must still pass; each is a regular expression
// over check ids. Checks matching none of them may go either way (a
// broken step early in the handshake spoils later ones).
type SelfTest struct {
	Misbehaviour string
	Fail, Warn   string
	// Inconclusive names checks whose observation under the misbehaviour
	// proves nothing either way: they must say so, never pass or fail.
	Inconclusive string
	Pass         string
	// Caught derives more checks that must catch the misbehaviour from
	// the expectation of the mutator a check is generated from: it
	// returns the status the check must have (reports.Fail or
	// reports.Warn), or "" to leave the check to the patterns. A new
	// mutator of the class it selects is then required to be caught
	// without a pattern naming it. It comes after Fail and Warn and
	// before Pass: no pass pattern can exempt a check it selects.
	Caught func(Check, mutators.Mutator) reports.Status
}

// Derived is what st.Caught requires of ch ("" when nothing, or when ch
// comes from no mutator).
func (st SelfTest) Derived(ch Check) reports.Status {
	if st.Caught == nil || ch.Mutator == "" {
		return ""
	}
	m, ok := mutators.ByName(ch.Mutator)
	if !ok {
		return ""
	}
	return st.Caught(ch, m)
}

// AtLevel is the status of a check that catches a misbehaviour: fail
// where its rule is a MUST, warn where it is a SHOULD.
func AtLevel(ch Check) reports.Status {
	if ch.Level == SHOULD {
		return reports.Warn
	}
	return reports.Fail
}

// CaughtIn requires every check generated from a mutator of family with
// expectation class to catch the misbehaviour, at the check's level.
func CaughtIn(family string, class mutators.Class) func(Check, mutators.Mutator) reports.Status {
	return func(ch Check, m mutators.Mutator) reports.Status {
		if m.Family() != family || m.Expect.Class != class {
			return ""
		}
		return AtLevel(ch)
	}
}
