package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// maxConsoleFindings keeps the end-of-run screen one screen long; the rest
// are in summary.md.
const maxConsoleFindings = 30

// ProfileText is the target's profile in a few lines for stdout, printed
// before the checks run.
func ProfileText(p Profile, target string) string {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%-9s %s\n", k, v) }
	line("target", orDash(clean(target)))
	line("versions", plainList(versionNames(p.Versions), 0)+pinText(p))
	line("kx", plainList(p.KX, 0))
	line("groups", plainList(p.Groups, 0))
	suites := plainList(p.Suites, 4)
	if len(p.Suites) > 0 {
		suites = fmt.Sprintf("%d: %s", len(p.Suites), suites)
	}
	line("suites", suites)
	for _, n := range p.Notes {
		line("note", clean(n))
	}
	for _, pr := range p.Problems {
		line("problem", clean(pr))
	}
	return b.String()
}

// pinText says how -versions narrowed the versions, "" without a pin.
func pinText(p Profile) string {
	if len(p.Pinned) == 0 {
		return ""
	}
	s := " (selected with -versions: " + strings.Join(versionNames(p.Pinned), ", ")
	if len(p.Unselected) > 0 {
		s += "; the target also speaks " + strings.Join(versionNames(p.Unselected), ", ")
	}
	return s + ")"
}

// Progress is one progress line:
// "[ 37/120]  pass 30  warn 2  inconclusive 0  fail 3  skip 2".
func Progress(done, total int, c Counts) string {
	w := len(fmt.Sprint(total))
	return fmt.Sprintf("[%*d/%d]  pass %d  warn %d  inconclusive %d  fail %d  skip %d", w, done, total, c.Pass, c.Warn, c.Inconclusive, c.Fail, c.Skip)
}

// ConsoleSummary is the end-of-run screen: a header, counts by area, every
// failure (and warning) on one line with its RFC rule, the result, and where
// the reports are.
func ConsoleSummary(r *Report, dir string, strict bool) string {
	if r == nil {
		r = &Report{}
	}
	var b strings.Builder
	areas, byArea, total := CountByArea(r)

	mode := "off"
	if strict {
		mode = "on"
	}
	fmt.Fprintf(&b, "tlsconform: %s  seed %d  strict %s  %d checks", orDash(clean(r.Target)), r.Seed, mode, total.Total())
	if r.Elapsed > 0 {
		fmt.Fprintf(&b, " in %.1f s", r.Elapsed)
	}
	b.WriteString("\n\n")

	w := len("total")
	for _, a := range areas {
		w = max(w, len(a))
	}
	row := func(name string, c Counts) {
		fmt.Fprintf(&b, "%-*s %6d %6d %6d %6d %6d %6d\n", w, name, c.Pass, c.Warn, c.Inconclusive, c.Fail, c.Skip, c.Total())
	}
	fmt.Fprintf(&b, "%-*s %6s %6s %6s %6s %6s %6s\n", w, "area", "pass", "warn", "inconc", "fail", "skip", "total")
	for _, a := range areas {
		row(a, byArea[a])
	}
	row("total", total)

	b.WriteString("\n" + ResultBlock(r, dir, strict))
	return b.String()
}

// ResultBlock is what a run ends with on the console, last so that it is
// what a person reads: the result, the counts as JUnit has them (tests,
// failures, skipped) and as report.json has them, the root causes (the
// largest first, at most a screen of them), the expected deviations and
// stale expectations, and the paths of the reports.
func ResultBlock(r *Report, dir string, strict bool) string {
	if r == nil {
		r = &Report{}
	}
	var b strings.Builder
	_, _, total := CountByArea(r)
	unexpected, expected := Unexpected(r, strict)
	res := "PASS"
	switch {
	case r.SetupError != "":
		res = "FAIL, setup failed: " + clean(r.SetupError)
	case r.Incomplete != "":
		res = "INCOMPLETE, " + clean(r.Incomplete)
	case Failed(r, strict):
		res = "FAIL"
	}
	causes := RootCauses(r)
	fmt.Fprintf(&b, "tlsconform result: %s\n", res)
	gate := plural(unexpected, "check") + " fail the gate"
	if unexpected == 1 {
		gate = "1 check fails the gate"
	}
	if strict {
		gate += " (strict: warnings and inconclusive checks count)"
	}
	fmt.Fprintf(&b, "  %s; %s (%s, %s, %s, %d inconclusive, %d skipped)\n", gate, plural(total.Total(), "check"),
		plural(total.Pass, "passed"), plural(total.Fail, "failure"), plural(total.Warn, "warning"), total.Inconclusive, total.Skip)
	tests, failures, skipped := JUnitCounts(r, strict)
	fmt.Fprintf(&b, "  junit.xml: %s, %s, %d skipped\n", plural(tests, "test"), plural(failures, "failure"), skipped)
	fmt.Fprintf(&b, "  root causes: %s\n", CausesLine(causes))
	for i, cs := range causes {
		if i == maxConsoleCauses {
			fmt.Fprintf(&b, "    … and %d more in %s\n", len(causes)-i, filepath.Join(dir, SummaryFile))
			break
		}
		tag := strings.ToUpper(string(cs.Status))
		if cs.Expected {
			tag = "EXPECTED " + tag
		}
		fmt.Fprintf(&b, "    %d. %s ×%d [%s %s] %s: observed %s (e.g. %s)\n", i+1, tag, len(cs.Checks), orDash(clean(cs.RFC)), cs.Level,
			truncate(clean(cs.Wanted), 60), truncate(clean(cs.Observed), 80), clean(cs.Representative))
	}
	if r.Expectations != "" || len(r.Stale) > 0 || expected > 0 {
		b.WriteString("  " + ExpectationsLine(r, filepath.Join(dir, SummaryFile), strict) + "\n")
		for _, d := range r.Stale {
			b.WriteString("  " + StaleLine(r, d) + "\n")
		}
	}
	if r.TargetLost != "" {
		b.WriteString("  target lost: " + clean(r.TargetLost) + "\n")
	}
	var files []string
	for _, f := range []string{HTMLFile, SummaryFile, JUnitFile, JSONFile, PcapFile, KeyLogFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			files = append(files, filepath.Join(dir, f))
		}
	}
	if len(files) > 0 {
		fmt.Fprintf(&b, "  reports: %s\n", strings.Join(files, ", "))
	}
	return b.String()
}

// maxConsoleCauses keeps the result block one screen long.
const maxConsoleCauses = 12

// ExpectationsLine is the run's count of expected deviations: "21
// expected deviations of crypto/tls (listed in reports/out/summary.md),
// 0 unexpected, 0 stale".
func ExpectationsLine(r *Report, summary string, strict bool) string {
	unexpected, expected := Unexpected(r, strict)
	of := ""
	if r.Expectations != "" {
		of = " of " + r.Expectations
	}
	line := fmt.Sprintf("%s%s", plural(expected, "expected deviation"), of)
	if expected > 0 && summary != "" {
		line += fmt.Sprintf(" (listed in %s)", summary)
	}
	line += fmt.Sprintf(", %d unexpected", unexpected)
	if len(r.Stale) > 0 {
		line += fmt.Sprintf(", %d stale", len(r.Stale))
	}
	return line
}

// StaleLine says which expected-deviations entry no longer happens and
// what to do about it.
func StaleLine(r *Report, d Deviation) string {
	in := ""
	switch {
	case r.ExpectationsFile != "":
		in = " in " + r.ExpectationsFile
	case r.Expectations != "":
		in = " of " + r.Expectations
	}
	return fmt.Sprintf("STALE expectation %q%s (expected %s: %s): it did not happen (%s); delete the entry, or rewrite the file with -update-expect",
		d.ID, in, d.Status, clean(d.Reason), clean(d.Observed))
}

// plainList joins xs with ", ", showing at most limit items (0: all).
func plainList(xs []string, limit int) string {
	if len(xs) == 0 {
		return "(none)"
	}
	out := make([]string, 0, len(xs))
	for i, x := range xs {
		if limit > 0 && i == limit {
			out = append(out, fmt.Sprintf("… (+%d more)", len(xs)-limit))
			break
		}
		out = append(out, clean(x))
	}
	return strings.Join(out, ", ")
}

// stepless drops the " (at Step)" suffix so that one finding at different
// steps still groups.
func stepless(s string) string {
	if i := strings.LastIndex(s, " (at "); i >= 0 && strings.HasSuffix(s, ")") {
		return s[:i]
	}
	return s
}
