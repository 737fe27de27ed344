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
	maxLadderRecords = 80
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
	fmt.Fprintf(&b, "- **Result:** %s\n", resultText(r, total))
	causes := RootCauses(r)
	fmt.Fprintf(&b, "- **Root causes:** %s\n\n", mdText(CausesLine(causes)))
	writeCauses(&b, r, causes)

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
	num := causeNumbers(causes)
	writeFindings(&b, "Failures", fails, num, r.Strict)
	if r.Expectations != "" || len(expected) > 0 {
		writeExpected(&b, r.Expectations, expected)
	}
	incTitle, warnTitle := "Inconclusive (the observation proves nothing either way)", "Warnings"
	if r.Strict {
		incTitle, warnTitle = "Inconclusive (failures in strict mode)", "Warnings (failures in strict mode)"
	}
	writeFindings(&b, incTitle, inconclusive, num, r.Strict)
	writeFindings(&b, warnTitle, warns, num, r.Strict)
	writeSkipped(&b, skips)
	return b.String()
}

// maxCauseLadders is how many root causes summary.md draws the
// representative conversation of; report.html has them all.
const maxCauseLadders = 25

// writeCauses is the summary's lead: every root cause with its rule, what
// the target did, where, its checks and one conversation.
func writeCauses(b *strings.Builder, r *Report, causes []Cause) {
	fmt.Fprintf(b, "## Root causes (%d)\n\n", len(causes))
	if len(causes) == 0 {
		b.WriteString("None: no check failed, warned or ended inconclusive.\n\n")
		return
	}
	b.WriteString("Each is one rule broken one way, across versions, key exchanges and variants; its checks are listed further down.\n\n")
	byID := map[string]Check{}
	for _, c := range r.Checks {
		byID[c.ID] = c
	}
	for i, cs := range causes {
		tag := strings.ToUpper(string(cs.Status))
		if cs.Status == Warn && r.Strict || cs.Status == Inconclusive && r.Strict {
			tag = "FAIL (strict: " + tag + ")"
		}
		if cs.Expected {
			tag = "EXPECTED " + tag
		}
		fmt.Fprintf(b, "### %d. %s — %s (%s): %s\n\n", i+1, tag, mdText(cs.RFC), mdText(cs.Level), mdText(cs.Title))
		if cs.Rule != "" {
			fmt.Fprintf(b, "> %s\n\n", mdText(cs.Rule))
		}
		fmt.Fprintf(b, "- **Expected:** %s\n- **Observed:** %s\n", mdText(orDash(cs.Wanted)), mdText(orDash(cs.Observed)))
		if sc := cs.Scope(); sc != "" {
			fmt.Fprintf(b, "- **Where:** %s\n", mdText(sc))
		}
		fmt.Fprintf(b, "- **Checks (%d):** %s\n", len(cs.Checks), mdText(cs.ChecksText(12)))
		rep := byID[cs.Representative]
		if rep.Change != nil {
			fmt.Fprintf(b, "- **Changed (in %s):** %s\n", codeSpan(rep.ID), mdText(changeText(*rep.Change)))
		} else if rep.Mutator != "" {
			fmt.Fprintf(b, "- **Mutator (of %s):** %s\n", codeSpan(rep.ID), codeSpan(rep.Mutator))
		}
		if i < maxCauseLadders && len(rep.Transcript) > 0 {
			fmt.Fprintf(b, "\nThe conversation of %s:\n\n```\n%s```\n", codeSpan(rep.ID), ladder(rep.Transcript, maxLadderRecords))
		}
		b.WriteString("\n")
	}
	if len(causes) > maxCauseLadders {
		fmt.Fprintf(b, "Conversations are drawn for the first %d root causes; report.html has every one.\n\n", maxCauseLadders)
	}
}

// causeNumbers maps each check of a cause to the cause's number (1-based).
func causeNumbers(causes []Cause) map[string]int {
	num := map[string]int{}
	for i, cs := range causes {
		for _, id := range cs.Checks {
			num[id] = i + 1
		}
	}
	return num
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

// writeFindings lists failures, inconclusive checks or warnings: a
// failure on a line of its own, the others by root cause (the cause's
// number, then its checks' ids), since the cause's section has the rule
// and the conversation. A check's own reason stays on its line.
func writeFindings(b *strings.Builder, title string, cs []Check, num map[string]int, strict bool) {
	fmt.Fprintf(b, "## %s (%d)\n\n", title, len(cs))
	if len(cs) == 0 {
		b.WriteString("None.\n\n")
		return
	}
	if verdict(cs[0].Status) == Fail {
		for _, c := range cs {
			fmt.Fprintf(b, "- %s\n", findingLine(c, num[c.ID], strict))
		}
		b.WriteString("\n")
		return
	}
	var order []int
	byCause := map[int][]Check{}
	for _, c := range cs {
		n := num[c.ID]
		if _, ok := byCause[n]; !ok {
			order = append(order, n)
		}
		byCause[n] = append(byCause[n], c)
	}
	for _, n := range order {
		g := byCause[n]
		if len(g) == 1 {
			fmt.Fprintf(b, "- %s\n", findingLine(g[0], n, strict))
			continue
		}
		ids := make([]string, len(g))
		for i, c := range g {
			ids[i] = codeSpan(c.ID)
		}
		fmt.Fprintf(b, "- **%s** ×%d (root cause %d): observed %s: %s\n", label(g[0], strict), len(g), n, mdText(orDash(stepless(g[0].Observed))), strings.Join(ids, ", "))
	}
	b.WriteString("\n")
}

// findingLine is one failure or warning in the full list:
// **FAIL** `id` (root cause 3): observed ….
func findingLine(c Check, cause int, strict bool) string {
	s := fmt.Sprintf("**%s** %s", label(c, strict), codeSpan(c.ID))
	if cause > 0 {
		s += fmt.Sprintf(" (root cause %d)", cause)
	}
	s += ": observed " + mdText(orDash(c.Observed))
	if c.Reason != "" {
		s += " — " + mdText(c.Reason)
	}
	return s
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
