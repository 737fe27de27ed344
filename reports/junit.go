package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strings"
)

// JUnit XML, written from the report itself so that its counts are the
// report's in every mode (Ginkgo's own JUnit counts specs, and cannot say
// where a check is defined: its test case has no file or line).
//
// How a check becomes a test case:
//   - classname: "<area>.<tls12>.<kx>" ("finished.tls12.ecdhe_rsa"), so
//     that Jenkins shows area and version as package and the key
//     exchange as class; name: the check id; file and line: where its
//     family defines it (GitLab and GitHub's annotations link there).
//   - a failure of the gate (a MUST failure nobody expected; in strict
//     mode also a warning or an inconclusive check) is a <failure>: its
//     message is the rule, what was expected and what was observed, its
//     body the rule's sentence and the ladder of the conversation.
//   - a warning, an inconclusive check and an expected deviation do not
//     fail the gate, and JUnit has no state for them: each is a
//     <skipped> whose message starts with "WARNING", "INCONCLUSIVE" or
//     "EXPECTED DEVIATION", which every renderer (Jenkins, GitLab, GitHub
//     test reporters) lists with its message, with the ladder in
//     <system-out>. A check that does not apply is a <skipped> starting
//     with "NOT APPLICABLE".
//
// So tests = every check, failures = the checks that fail the gate
// (reports.Unexpected), skipped = the rest that did not pass; the
// testsuites element's properties carry report.json's own counts.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     float64      `xml:"time,attr"`
	Props    []junitProp  `xml:"properties>property,omitempty"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      float64     `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Props     []junitProp `xml:"properties>property,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      string        `xml:"line,attr,omitempty"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes JUnit(r) to path atomically.
func WriteJUnit(path string, r *Report) error {
	data, err := JUnit(r)
	if err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	return writeFileAtomic(path, data)
}

// JUnit renders r as JUnit XML, one test suite per area. A run that
// failed before judging any check (a setup error, nothing judged) or that
// failed as a whole (stale expectations, a lost target, an interrupted
// run) gets one more test case, "tlsconform/run", that fails with the
// reason, so that a CI never shows such a run green.
func JUnit(r *Report) ([]byte, error) {
	if r == nil {
		r = &Report{}
	}
	strict := r.Strict
	out := junitSuites{Name: "tlsconform: " + clean(r.Target), Time: r.Elapsed}
	_, _, total := CountByArea(r)
	unexpected, expected := Unexpected(r, strict)
	out.Props = []junitProp{
		{"target", clean(r.Target)}, {"strict", fmt.Sprint(strict)}, {"seed", fmt.Sprint(r.Seed)},
		{"pass", fmt.Sprint(total.Pass)}, {"fail", fmt.Sprint(total.Fail)}, {"warn", fmt.Sprint(total.Warn)},
		{"inconclusive", fmt.Sprint(total.Inconclusive)}, {"skip", fmt.Sprint(total.Skip)},
		{"unexpected", fmt.Sprint(unexpected)}, {"expected", fmt.Sprint(expected)},
		{"root_causes", CausesLine(RootCauses(r))},
	}
	// A warning's ladder is shown once per root cause, on its
	// representative: 882 copies of the same conversation help nobody.
	repOf := representatives(r)
	byArea := map[string]int{}
	for _, c := range sortedChecks(r) {
		a := areaOf(c)
		i, ok := byArea[a]
		if !ok {
			i = len(out.Suites)
			byArea[a] = i
			out.Suites = append(out.Suites, junitSuite{Name: a, Timestamp: timestamp(r)})
		}
		s := &out.Suites[i]
		tc := junitTestCase(c, strict, repOf[c.ID])
		s.Tests++
		s.Time += tc.Time
		switch {
		case tc.Failure != nil:
			s.Failures++
		case tc.Skipped != nil:
			s.Skipped++
		}
		s.Cases = append(s.Cases, tc)
	}
	if why := runFailure(r); why != "" {
		out.Suites = append(out.Suites, junitSuite{Name: "tlsconform", Tests: 1, Failures: 1, Timestamp: timestamp(r),
			Cases: []junitCase{{Name: "tlsconform/run", Classname: "tlsconform.run",
				Failure: &junitFailure{Message: why, Type: "run", Body: why}}}})
	}
	for _, s := range out.Suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
	}
	data, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	// encoding/xml closes every element with an end tag; an empty one
	// reads the same closed in place, and a run has thousands of them.
	for _, tag := range []string{"testcase", "skipped", "property"} {
		data = bytes.ReplaceAll(data, []byte("\"></"+tag+">"), []byte("\"/>"))
	}
	data = bytes.ReplaceAll(data, []byte("\n    <properties></properties>"), nil)
	return append([]byte(xml.Header), append(data, '\n')...), nil
}

// JUnitCounts are junit.xml's totals for r (in strict mode or not):
// every check, and one more
// failing case when the run fails as a whole (runFailure).
func JUnitCounts(r *Report, strict bool) (tests, failures, skipped int) {
	_, _, total := CountByArea(r)
	unexpected, _ := Unexpected(r, strict)
	tests, failures, skipped = total.Total(), unexpected, total.Total()-total.Pass-unexpected
	if runFailure(r) != "" {
		tests, failures = tests+1, failures+1
	}
	return tests, failures, skipped
}

// runFailure says why the run fails as a whole, beyond its checks; "" when
// nothing but the checks decides.
func runFailure(r *Report) string {
	switch {
	case r.SetupError != "":
		return "setup failed: " + clean(r.SetupError)
	case r.Incomplete != "":
		return fmt.Sprintf("the run is incomplete (%s after %d checks)", clean(r.Incomplete), len(r.Checks))
	case r.TargetLost != "":
		return "the target was lost: " + clean(r.TargetLost)
	case len(r.Stale) > 0:
		ids := make([]string, len(r.Stale))
		for i, d := range r.Stale {
			ids[i] = d.ID
		}
		return fmt.Sprintf("%s no longer happen (%s): delete them, or rewrite the file with -update-expect",
			plural(len(r.Stale), "expected deviation"), plainList(ids, 10))
	case len(r.Checks) == 0 || Judged(r) == 0:
		return "no check was judged: the run proves nothing"
	}
	return ""
}

// junitTestCase is one check as a test case.
func junitTestCase(c Check, strict bool, rep string) junitCase {
	tc := junitCase{Name: clean(c.ID), Classname: classname(c), Time: math.Round(c.Millis*10) / 10000}
	if file, line, ok := strings.Cut(c.Source, ":"); ok && verdict(c.Status) != Pass {
		tc.File, tc.Line = file, line // where to look: a passing check needs no pointer
	}
	what := fmt.Sprintf("[%s %s] %s: expected %s; observed %s", clean(ruleText(c)), DeviationLevel(c), clean(c.Title), orDash(clean(c.Expected)), orDash(clean(c.Observed)))
	if c.Reason != "" {
		what += "; " + clean(c.Reason)
	}
	sameAs := rep != "" && rep != c.ID && !failing(c, strict)
	// body is the failure's text, or a skipped case's system-out: the
	// rule, what changed and the ladder; a warning whose root cause
	// another check stands for names that check instead.
	body := func(withWhat bool) string {
		var b strings.Builder
		if withWhat {
			b.WriteString(what + "\n")
		}
		if sameAs {
			return b.String()
		}
		if c.Rule != "" {
			b.WriteString("rule: " + clean(c.Rule) + "\n")
		}
		if c.Change != nil {
			b.WriteString("changed: " + changeText(*c.Change) + "\n")
		}
		if c.Mutator != "" {
			b.WriteString("mutator: " + clean(c.Mutator) + "\n")
		}
		if len(c.Transcript) > 0 {
			b.WriteString("\n" + ladder(c.Transcript, maxLadderRecords))
		}
		return b.String()
	}
	v := verdict(c.Status)
	switch {
	case c.IsExpected():
		msg := fmt.Sprintf("EXPECTED DEVIATION (%s): %s", c.Status, what)
		if c.Deviation.Reason != "" {
			msg += " — expected because: " + clean(c.Deviation.Reason)
		}
		tc.Skipped, tc.SystemOut = &junitSkipped{Message: msg}, body(false)
	case failing(c, strict):
		typ := DeviationLevel(c)
		if v != Fail {
			typ += " (strict)"
		}
		tc.Failure = &junitFailure{Message: what, Type: typ, Body: body(true)}
	case v == Warn && sameAs:
		tc.Skipped = &junitSkipped{Message: fmt.Sprintf("WARNING [%s %s]: observed %s; the same root cause as %s",
			clean(ruleText(c)), DeviationLevel(c), orDash(clean(stepless(c.Observed))), clean(rep))}
	case v == Warn:
		tc.Skipped, tc.SystemOut = &junitSkipped{Message: "WARNING: " + what}, body(false)
	case v == Inconclusive:
		tc.Skipped, tc.SystemOut = &junitSkipped{Message: "INCONCLUSIVE: " + what}, body(false)
	case v == Skip:
		tc.Skipped = &junitSkipped{Message: "NOT APPLICABLE: " + orDash(clean(c.Reason))}
	}
	return tc
}

// classname is "<area>.<tls12>.<kx>", the parts a check has.
func classname(c Check) string {
	parts := []string{areaOf(c)}
	if c.Version != "" {
		parts = append(parts, "tls"+strings.ReplaceAll(c.Version, ".", ""))
	}
	if c.KX != "" {
		parts = append(parts, c.KX)
	}
	return strings.Join(parts, ".")
}

// changeText is a Change on one line: "ClientHello legacy_session_id (offset 39): 20 bytes → 21 bytes".
func changeText(ch Change) string {
	where := ch.Message
	if ch.Path != "" {
		where += " " + ch.Path
	}
	return fmt.Sprintf("%s at offset %d: %s → %s", clean(where), ch.Offset, orDash(shortHex(ch.Before)), orDash(shortHex(ch.After)))
}

// shortHex shows at most 32 bytes of a hex string.
func shortHex(h string) string {
	if len(h) > 64 {
		return fmt.Sprintf("%s… (%d bytes)", h[:64], len(h)/2)
	}
	return h
}

func timestamp(r *Report) string {
	if r.Started.IsZero() {
		return ""
	}
	return r.Started.UTC().Format("2006-01-02T15:04:05")
}
