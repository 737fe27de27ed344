package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// How much of summary.md is spent on ladders, so a run with hundreds of
// failures still gives a file a person can read; report.json has them all.
const (
	maxFailureLadders = 50
	maxWarningLadders = 20
	maxLadderRecords  = 80
)

// WriteSummary writes Summary(r) to path atomically.
func WriteSummary(path string, r *Report) error {
	if r == nil {
		return fmt.Errorf("reports: write %s: nil report", path)
	}
	return writeFileAtomic(path, []byte(Summary(r)))
}

// Summary renders summary.md: header (target, date, seed, strict), the
// target's profile, counts by area, every failure with its RFC rule and a
// ladder of the conversation, every warning likewise, and skipped checks
// grouped by reason.
func Summary(r *Report) string {
	if r == nil {
		r = &Report{}
	}
	var b strings.Builder
	checks := sortedChecks(r)

	fmt.Fprintf(&b, "# tlsconform report: %s\n\n", mdText(orDash(r.Target)))
	fmt.Fprintf(&b, "- **Date:** %s\n", dateText(r.Started))
	fmt.Fprintf(&b, "- **Seed:** %d\n", r.Seed)
	if r.Strict {
		b.WriteString("- **Strict:** yes (warnings are failures)\n")
	} else {
		b.WriteString("- **Strict:** no (warnings do not fail the run)\n")
	}
	if r.Elapsed > 0 {
		fmt.Fprintf(&b, "- **Elapsed:** %.1f s\n", r.Elapsed)
	}
	_, _, total := CountByArea(r)
	fmt.Fprintf(&b, "- **Result:** %s\n\n", resultText(r, total))

	b.WriteString("## Profile\n\n")
	p := r.Profile
	fmt.Fprintf(&b, "- **Versions:** %s%s\n", listText(versionNames(p.Versions)), mdText(pinText(p)))
	fmt.Fprintf(&b, "- **Key exchanges:** %s\n", listText(p.KX))
	fmt.Fprintf(&b, "- **Groups:** %s\n", listText(p.Groups))
	fmt.Fprintf(&b, "- **Cipher suites:** %s\n", listText(p.Suites))
	writeBullets(&b, "Notes", p.Notes)
	writeBullets(&b, "Problems found while probing", p.Problems)
	b.WriteString("\n")

	writeCountsTable(&b, r)

	var fails, warns, inconclusive, skips, expected []Check
	for _, c := range checks {
		if c.IsExpected() {
			expected = append(expected, c)
			continue
		}
		switch verdict(c.Status) {
		case Fail:
			fails = append(fails, c)
		case Warn:
			warns = append(warns, c)
		case Inconclusive:
			inconclusive = append(inconclusive, c)
		case Skip:
			skips = append(skips, c)
		}
	}
	writeStale(&b, r)
	writeFindings(&b, "Failures", fails, maxFailureLadders, r.Strict)
	if r.Expectations != "" || len(expected) > 0 {
		writeExpected(&b, r.Expectations, expected)
	}
	incTitle, warnTitle := "Inconclusive (the observation proves nothing either way)", "Warnings"
	if r.Strict {
		incTitle, warnTitle = "Inconclusive (failures in strict mode)", "Warnings (failures in strict mode)"
	}
	writeFindings(&b, incTitle, inconclusive, maxWarningLadders, r.Strict)
	writeFindings(&b, warnTitle, warns, maxWarningLadders, r.Strict)
	writeSkipped(&b, skips)
	return b.String()
}

// writeStale lists the expected deviations that no longer happen.
func writeStale(b *strings.Builder, r *Report) {
	if len(r.Stale) == 0 {
		return
	}
	fmt.Fprintf(b, "## Stale expectations (%d)\n\n", len(r.Stale))
	b.WriteString("These entries of the expected-deviations file no longer happen; each fails the run until it is deleted (or the file is rewritten with -update-expect).\n\n")
	for _, d := range r.Stale {
		fmt.Fprintf(b, "- %s (%s): %s; observed instead: %s\n", codeSpan(d.ID), mdText(string(d.Status)), mdText(d.Reason), mdText(orDash(d.Observed)))
	}
	b.WriteString("\n")
}

// writeExpected lists the checks that deviated as the expected-deviations
// file says, each with the entry's reason: expected, not hidden.
func writeExpected(b *strings.Builder, of string, cs []Check) {
	title := "Expected deviations"
	if of != "" {
		title += " of " + mdText(of)
	}
	fmt.Fprintf(b, "## %s (%d)\n\n", title, len(cs))
	if len(cs) == 0 {
		b.WriteString("None happened.\n\n")
		return
	}
	b.WriteString("These checks failed (or warned) as the expected-deviations file records; they do not fail the run.\n\n")
	for _, c := range cs {
		d := c.Deviation
		fmt.Fprintf(b, "- **EXPECTED %s** %s — %s: observed %s\n  - why expected (entry %s): %s\n", strings.ToUpper(string(c.Status)),
			codeSpan(c.ID), mdText(ruleText(c)), mdText(orDash(c.Observed)), codeSpan(d.ID), mdText(d.Reason))
		if d.Link != "" {
			fmt.Fprintf(b, "  - see %s\n", mdText(d.Link))
		}
	}
	b.WriteString("\n")
}

func writeCountsTable(b *strings.Builder, r *Report) {
	areas, byArea, total := CountByArea(r)
	b.WriteString("## Counts by area\n\n")
	b.WriteString("| Area | Pass | Warn | Inconclusive | Fail | Skip | Total |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|\n")
	row := func(name string, c Counts) {
		fmt.Fprintf(b, "| %s | %d | %d | %d | %d | %d | %d |\n", name, c.Pass, c.Warn, c.Inconclusive, c.Fail, c.Skip, c.Total())
	}
	for _, a := range areas {
		row(tableText(a), byArea[a])
	}
	row("**Total**", total)
	b.WriteString("\n")
}

// writeFindings lists failures or warnings, one line each, the first limit
// of them followed by the ladder of their conversation.
func writeFindings(b *strings.Builder, title string, cs []Check, limit int, strict bool) {
	fmt.Fprintf(b, "## %s (%d)\n\n", title, len(cs))
	if len(cs) == 0 {
		b.WriteString("None.\n\n")
		return
	}
	for i, c := range cs {
		fmt.Fprintf(b, "- %s\n", findingMarkdown(c, strict))
		if i >= limit {
			continue
		}
		b.WriteString("\n```\n")
		if len(c.Transcript) == 0 {
			b.WriteString("(no transcript recorded)\n")
		} else {
			b.WriteString(ladder(c.Transcript, maxLadderRecords))
		}
		b.WriteString("```\n\n")
	}
	if n := len(cs) - limit; n > 0 {
		fmt.Fprintf(b, "\nLadders are shown for the first %d only; %d omitted (report.json has every transcript).\n\n", limit, n)
	}
}

// findingMarkdown is one failure or warning:
// **FAIL** `id` — RFC 5246 §7.4.9 (MUST): expected …, observed ….
func findingMarkdown(c Check, strict bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** %s — %s", label(c, strict), codeSpan(c.ID), mdText(ruleText(c)))
	if c.Level != "" {
		fmt.Fprintf(&b, " (%s)", mdText(c.Level))
	}
	fmt.Fprintf(&b, ": expected %s, observed %s", mdText(orDash(c.Expected)), mdText(orDash(c.Observed)))
	if c.Reason != "" {
		fmt.Fprintf(&b, " — %s", mdText(c.Reason))
	}
	if c.Rule != "" {
		fmt.Fprintf(&b, "\n  > %s", mdText(c.Rule))
	}
	return b.String()
}

func writeSkipped(b *strings.Builder, skips []Check) {
	fmt.Fprintf(b, "## Skipped (%d)\n\n", len(skips))
	if len(skips) == 0 {
		b.WriteString("None.\n")
		return
	}
	byReason := map[string]int{}
	for _, c := range skips {
		reason := clean(c.Reason)
		if reason == "" {
			reason = "(no reason given)"
		}
		byReason[reason]++
	}
	reasons := make([]string, 0, len(byReason))
	for r := range byReason {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b string) int {
		return cmp.Or(cmp.Compare(byReason[b], byReason[a]), strings.Compare(a, b))
	})
	b.WriteString("| Reason | Checks |\n|---|---:|\n")
	for _, r := range reasons {
		fmt.Fprintf(b, "| %s | %d |\n", tableText(r), byReason[r])
	}
}

// label is the verdict word for a failing, inconclusive or warning check.
func label(c Check, strict bool) string {
	switch v := verdict(c.Status); {
	case v == Warn && !strict:
		return "WARN"
	case v == Inconclusive && !strict:
		return "INCONCLUSIVE"
	}
	return "FAIL"
}

func ruleText(c Check) string {
	if strings.TrimSpace(c.RFC) == "" {
		return "no RFC rule given"
	}
	return c.RFC
}

func resultText(r *Report, total Counts) string {
	switch {
	case r.SetupError != "":
		return "FAIL (setup failed: " + clean(r.SetupError) + ")"
	case len(r.Checks) == 0:
		return "FAIL (no checks ran)"
	case r.Incomplete != "":
		return fmt.Sprintf("INCOMPLETE (%s after %d checks: %s)", r.Incomplete, len(r.Checks), plural(total.Fail, "failure"))
	}
	unexpected, expected := Unexpected(r, r.Strict)
	dev := ""
	if expected > 0 || r.Expectations != "" {
		dev = fmt.Sprintf(", %s, %d unexpected", plural(expected, "expected deviation"), unexpected)
	}
	if len(r.Stale) > 0 {
		dev += fmt.Sprintf(", %d stale expectations", len(r.Stale))
	}
	if Failed(r, r.Strict) {
		return fmt.Sprintf("FAIL (%s, %s, %d inconclusive%s)", plural(total.Fail, "failure"), plural(total.Warn, "warning"), total.Inconclusive, dev)
	}
	return fmt.Sprintf("PASS (%s, %s, %s, %d inconclusive%s)", plural(total.Pass, "passed"), plural(total.Fail, "failure"), plural(total.Warn, "warning"), total.Inconclusive, dev)
}

func plural(n int, word string) string {
	if n == 1 || strings.HasSuffix(word, "ed") {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func dateText(t time.Time) string {
	if t.IsZero() {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func writeBullets(b *strings.Builder, title string, items []string) {
	if len(items) == 0 {
		fmt.Fprintf(b, "- **%s:** none\n", title)
		return
	}
	fmt.Fprintf(b, "- **%s:**\n", title)
	for _, it := range items {
		fmt.Fprintf(b, "  - %s\n", mdText(it))
	}
}

func listText(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = mdText(x)
	}
	return strings.Join(out, ", ")
}

// versionNames turns "1.2" into "TLS 1.2".
func versionNames(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		if strings.HasPrefix(v, "TLS") || strings.HasPrefix(v, "SSL") {
			out[i] = v
		} else {
			out[i] = "TLS " + v
		}
	}
	return out
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// mdText makes s safe as running Markdown text on one line: no line breaks,
// no code spans, no raw HTML. Underscores are left alone (alert names are
// full of them and GitHub does not emphasise inside words).
func mdText(s string) string {
	s = clean(s)
	return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s)
}

// tableText is mdText that also keeps a table cell in its column.
func tableText(s string) string {
	return strings.ReplaceAll(mdText(s), "|", `\|`)
}

// codeSpan puts s in a Markdown code span.
func codeSpan(s string) string {
	return "`" + clean(s) + "`"
}
