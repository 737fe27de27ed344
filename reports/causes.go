package reports

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// Cause is a root cause: the checks that deviated from the same rule in
// the same way, across versions, key exchanges and variants ("a bad TLS 1.2
// Finished is answered with handshake_failure", 882 checks). A person
// reads the causes first and the checks after.
type Cause struct {
	// Status of every check in the cause (fail, inconclusive or warn);
	// Expected when an expected-deviations entry names every one of them.
	Status   Status `json:"status"`
	Expected bool   `json:"expected,omitempty"`
	Level    string `json:"level"`
	RFC      string `json:"rfc"`
	Rule     string `json:"rule,omitempty"`
	// Expected and observed, as the representative check put them.
	Wanted   string `json:"wanted"`
	Observed string `json:"observed"`
	// Representative is the id of the check whose conversation stands
	// for the cause (the first, in report order, that has a transcript).
	Representative string   `json:"representative"`
	Title          string   `json:"title"` // the representative's
	Checks         []string `json:"checks"`
	Areas          []string `json:"areas"`
	Versions       []string `json:"versions,omitempty"`
	KX             []string `json:"key_exchanges,omitempty"`
}

// RootCauses groups r's failures, inconclusive checks and warnings by
// cause: the same status (and expected or not), RFC label, expectation and
// observation, the numbers and cipher suite names of the observation
// aside ("ServerHello with TLS 1.2 and TLS_RSA_WITH_AES_128_GCM_SHA256"
// and the same with TLS 1.0 and another suite are one cause). Causes come
// failures first, then inconclusive checks, then warnings, unexpected
// before expected, the largest first.
func RootCauses(r *Report) []Cause {
	if r == nil {
		return nil
	}
	byKey := map[string]int{}
	var causes []Cause
	var shown []bool // the representative has a transcript
	for _, c := range sortedChecks(r) {
		v := verdict(c.Status)
		if v == Pass || v == Skip {
			continue
		}
		k := causeKey(c)
		i, ok := byKey[k]
		if !ok {
			i = len(causes)
			byKey[k] = i
			causes = append(causes, Cause{
				Status: v, Expected: c.IsExpected(), Level: DeviationLevel(c), RFC: c.RFC, Rule: c.Rule,
				Wanted: c.Expected, Observed: stepless(c.Observed),
				Representative: c.ID, Title: c.Title,
			})
			shown = append(shown, len(c.Transcript) > 0)
		}
		cs := &causes[i]
		if len(c.Transcript) > 0 && !shown[i] {
			cs.Representative, cs.Title, shown[i] = c.ID, c.Title, true
		}
		cs.Checks = append(cs.Checks, c.ID)
		cs.Areas = addOnce(cs.Areas, areaOf(c))
		if c.Version != "" {
			cs.Versions = addOnce(cs.Versions, c.Version)
		}
		if c.KX != "" {
			cs.KX = addOnce(cs.KX, c.KX)
		}
	}
	for i := range causes {
		slices.Sort(causes[i].Versions)
	}
	slices.SortStableFunc(causes, func(a, b Cause) int {
		return cmp.Or(cmp.Compare(statusRank(a.Status), statusRank(b.Status)),
			boolRank(a.Expected, b.Expected),
			cmp.Compare(len(b.Checks), len(a.Checks)))
	})
	return causes
}

// Checks names the cause's checks the way a person reads them: up to
// limit ids, then how many more.
func (c Cause) ChecksText(limit int) string { return plainList(c.Checks, limit) }

// Scope says where the cause happened: "TLS 1.0, 1.1, 1.2; rsa, ecdhe_rsa".
func (c Cause) Scope() string {
	var parts []string
	if len(c.Versions) > 0 {
		parts = append(parts, "TLS "+strings.Join(c.Versions, ", "))
	}
	if len(c.KX) > 0 {
		parts = append(parts, strings.Join(c.KX, ", "))
	}
	return strings.Join(parts, "; ")
}

// CausesLine is "21 failures in 5 root causes, 1034 warnings in 30": the
// count of checks and causes per status.
func CausesLine(causes []Cause) string {
	type tally struct{ checks, causes int }
	n := map[Status]*tally{Fail: {}, Inconclusive: {}, Warn: {}}
	for _, c := range causes {
		t := n[c.Status]
		t.checks += len(c.Checks)
		t.causes++
	}
	var parts []string
	for _, s := range []Status{Fail, Inconclusive, Warn} {
		t := n[s]
		if t.checks == 0 {
			continue
		}
		word := map[Status]string{Fail: "failure", Inconclusive: "inconclusive check", Warn: "warning"}[s]
		parts = append(parts, plural(t.checks, word)+" in "+plural(t.causes, "root cause"))
	}
	if len(parts) == 0 {
		return "no failures, warnings or inconclusive checks"
	}
	return strings.Join(parts, ", ")
}

var (
	suiteName = regexp.MustCompile(`\bTLS_[A-Z0-9_]+`)
	number    = regexp.MustCompile(`[0-9]+`)
)

// causeKey is what makes two checks one cause.
func causeKey(c Check) string {
	norm := func(s string) string {
		return number.ReplaceAllString(suiteName.ReplaceAllString(stepless(s), "TLS_*"), "#")
	}
	exp := "unexpected"
	if c.IsExpected() {
		exp = "expected"
	}
	// The rule's sentence is left out: one behaviour judged under TLS 1.2's
	// and TLS 1.3's sentence of the same RFC label is one cause.
	return strings.Join([]string{string(verdict(c.Status)), exp, DeviationLevel(c), c.RFC, norm(c.Expected), norm(c.Observed)}, "\x00")
}

func addOnce(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func statusRank(s Status) int {
	switch s {
	case Fail:
		return 0
	case Inconclusive:
		return 1
	}
	return 2
}

// boolRank orders false before true.
func boolRank(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
