package reports

import (
	"cmp"
	"slices"
	"strings"
)

// Counts tallies checks by status.
type Counts struct{ Pass, Warn, Fail, Skip, Inconclusive int }

// Total is the number of checks counted.
func (c Counts) Total() int { return c.Pass + c.Warn + c.Fail + c.Skip + c.Inconclusive }

// Add counts one check with status s. An unknown status counts as a
// failure: a verdict nobody can read never passes (fail closed).
func (c *Counts) Add(s Status) {
	switch verdict(s) {
	case Pass:
		c.Pass++
	case Warn:
		c.Warn++
	case Skip:
		c.Skip++
	case Inconclusive:
		c.Inconclusive++
	default:
		c.Fail++
	}
}

// noArea names the area of a check that has none.
const noArea = "(no area)"

// verdict maps a status to one of the five known ones; anything else
// (empty, misspelt) is a failure.
func verdict(s Status) Status {
	switch s {
	case Pass, Warn, Fail, Skip, Inconclusive:
		return s
	}
	return Fail
}

// CountByArea tallies r's checks per area. areas is sorted; a check with no
// area is counted under "(no area)". Unknown statuses count as failures.
func CountByArea(r *Report) (areas []string, byArea map[string]Counts, total Counts) {
	byArea = map[string]Counts{}
	if r == nil {
		return nil, byArea, total
	}
	for _, c := range r.Checks {
		a := areaOf(c)
		n := byArea[a]
		n.Add(c.Status)
		byArea[a] = n
		total.Add(c.Status)
	}
	for a := range byArea {
		areas = append(areas, a)
	}
	slices.Sort(areas)
	return areas, byArea, total
}

func areaOf(c Check) string {
	if strings.TrimSpace(c.Area) == "" {
		return noArea
	}
	return c.Area
}

// Failed reports whether the run fails: any failure (including an unknown
// status), or in strict mode any warning or inconclusive check. A nil report or one with no checks
// at all fails too: an empty run proves nothing (fail closed, as Ginkgo's
// --fail-on-empty); so does one whose every check was skipped, an
// incomplete one, one that lost its target, and one with a stale
// expected deviation. A failure an expected-deviations entry names does
// not fail the run.
func Failed(r *Report, strict bool) bool {
	if r == nil || r.SetupError != "" || len(r.Checks) == 0 || r.Incomplete != "" || len(r.Stale) > 0 || r.TargetLost != "" || Judged(r) == 0 {
		return true
	}
	for _, c := range r.Checks {
		if failing(c, strict) {
			return true
		}
	}
	return false
}

// failing reports whether c fails the run: an unexpected failure, or in
// strict mode an unexpected warning or an inconclusive check.
func failing(c Check, strict bool) bool {
	if c.IsExpected() {
		return false
	}
	v := verdict(c.Status)
	return v == Fail || (strict && (v == Warn || v == Inconclusive))
}

// Judged counts the checks that were not skipped: a run whose every
// check was skipped checked nothing, and fails.
func Judged(r *Report) int {
	n := 0
	for _, c := range r.Checks {
		if verdict(c.Status) != Skip {
			n++
		}
	}
	return n
}

// IsExpected reports whether c ended as an expected-deviations entry
// said it would.
func (c Check) IsExpected() bool { return c.Deviation != nil && c.Deviation.Status == c.Status }

// Unexpected counts the failures (and, in strict mode, the warnings and
// inconclusive checks) no expected-deviations entry names, and the
// checks that deviated as expected.
func Unexpected(r *Report, strict bool) (unexpected, expected int) {
	if r == nil {
		return 0, 0
	}
	for _, c := range r.Checks {
		switch {
		case c.IsExpected():
			expected++
		case failing(c, strict):
			unexpected++
		}
	}
	return unexpected, expected
}

// sortedChecks returns a copy of r's checks in report order: by area, then
// by ID. The caller's slice is left as it was.
func sortedChecks(r *Report) []Check {
	if r == nil {
		return []Check{}
	}
	cs := make([]Check, len(r.Checks))
	copy(cs, r.Checks)
	slices.SortStableFunc(cs, func(a, b Check) int {
		return cmp.Or(strings.Compare(a.Area, b.Area), strings.Compare(a.ID, b.ID))
	})
	return cs
}

// DeviationLevel is how strongly the rule a check's status reports on
// binds: a failure is a MUST (or the check's own level), a warning a
// SHOULD-level deviation even inside a MUST check (the right action with
// another alert than the RFC names), an inconclusive check "inconclusive".
// One check is never called "MUST" and "SHOULD" at once.
func DeviationLevel(c Check) string {
	switch verdict(c.Status) {
	case Warn:
		return "SHOULD"
	case Inconclusive:
		return "inconclusive"
	}
	if c.Level == "" {
		return "MUST"
	}
	return c.Level
}
