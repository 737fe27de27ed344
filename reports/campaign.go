package reports

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Campaign is what a network fuzz campaign did, or a merge of its shards:
// the model that summary.md, report.html and the console's result block
// of a campaign are drawn from. Package fuzz/campaign fills it in from
// campaign.json and its findings; reports knows nothing of fuzzing.
type Campaign struct {
	Target string
	Seed   uint64
	// Shard is "K/N" for one shard of a split campaign.
	Shard string
	// Parts are the campaigns of a merge, in the order given.
	Parts   []CampaignPart
	Updated time.Time
	// Elapsed is the campaign time in seconds over every run; for a
	// merge, the longest part's (shards run side by side).
	Elapsed float64
	// Interrupted says why the last run ended before its DURATION
	// ("interrupted after 12 s of 60 s"), "" when it ran to the end.
	Interrupted   string
	Conversations uint64
	// NewFindings are the findings saved by the last run; -1 for a merge.
	NewFindings int
	Findings    []CampaignFinding
	// Expected counts, by expected-deviations entry, the acceptances
	// counted and not saved; ExpectedOf names the expectations.
	Expected   []CampaignCount
	ExpectedOf string
	// Allowed counts the acceptances dropped after minimization: judged
	// again, the changes that remain were allowed.
	Allowed uint64
	// Dropped counts findings not saved: the dedupe set was full.
	Dropped uint64
	// Restarts counts the target's restarts.
	Restarts uint64
	// OutsideShard counts conversations a shard sent outside its inputs.
	OutsideShard uint64
	// Rates are conversations per second over time; Families the changes
	// drawn, by mutator family.
	Rates    []CampaignRate
	Families []CampaignCount
}

// CampaignPart is one campaign of a merge.
type CampaignPart struct {
	Dir, Target, Shard string
	Seed               uint64
	Conversations      uint64
	Elapsed            float64
	Findings           int
}

// CampaignFinding is one finding (one bug): its oracle, its key, when it
// was first found, how often, and where its smallest reproducer is.
type CampaignFinding struct {
	Oracle    string // crash, hang, accept, differential
	Signature string
	// Where is the failure site or the rule broken; Outcome how the
	// reproducer's conversation ended.
	Where, Outcome string
	// FoundAfter is the campaign time in seconds before the first hit;
	// negative when unknown (a finding saved before it was recorded).
	FoundAfter float64
	Hits       int
	Inputs     int
	// Dir is the finding's directory and Reproducer its smallest
	// reproducer's bytes (client.bin), both relative to the report
	// directory; Size is that reproducer's size.
	Dir, Reproducer string
	Size            int
	Chain, Version  string
	Reproduced      bool
}

// CampaignRate is one sample: Rate conversations per second in the
// window that ends At seconds into the campaign.
type CampaignRate struct {
	At, Rate float64
}

// CampaignCount is a name and a count.
type CampaignCount struct {
	Name  string
	Count uint64
}

// CampaignOracles are the oracles in the order they are reported; crash,
// hang and accept always, differential when it found anything.
var CampaignOracles = []string{"crash", "hang", "accept", "differential"}

// byOracle is the findings of each oracle, first found first.
func (c *Campaign) byOracle() (oracles []string, by map[string][]CampaignFinding) {
	by = map[string][]CampaignFinding{}
	for _, f := range c.Findings {
		by[f.Oracle] = append(by[f.Oracle], f)
	}
	for o, fs := range by {
		slices.SortStableFunc(fs, func(a, b CampaignFinding) int { return cmp.Compare(foundKey(a), foundKey(b)) })
		by[o] = fs
	}
	for _, o := range CampaignOracles {
		if o != "differential" || len(by[o]) > 0 {
			oracles = append(oracles, o)
		}
	}
	var others []string
	for o := range by {
		if !slices.Contains(CampaignOracles, o) {
			others = append(others, o)
		}
	}
	slices.Sort(others)
	return append(oracles, others...), by
}

// foundKey orders findings by time to first hit, unknown last.
func foundKey(f CampaignFinding) float64 {
	if f.FoundAfter < 0 {
		return math.Inf(1)
	}
	return f.FoundAfter
}

// ExpectedTotal is the acceptances counted as expected.
func (c *Campaign) ExpectedTotal() uint64 {
	var n uint64
	for _, e := range c.Expected {
		n += e.Count
	}
	return n
}

// Rate is the conversations per second over the whole campaign.
func (c *Campaign) Rate() float64 {
	if c.Elapsed <= 0 {
		return 0
	}
	return float64(c.Conversations) / c.Elapsed
}

// oracleCounts is "crash 1, hang 0, accept 2".
func (c *Campaign) oracleCounts() string {
	oracles, by := c.byOracle()
	var parts []string
	for _, o := range oracles {
		parts = append(parts, fmt.Sprintf("%s %d", o, len(by[o])))
	}
	return strings.Join(parts, ", ")
}

// resultText is the campaign's result in one line.
func (c *Campaign) resultText() string {
	s := fmt.Sprintf("%s (%s)", plural(len(c.Findings), "finding"), c.oracleCounts())
	if c.NewFindings >= 0 {
		s += fmt.Sprintf("; %d new in the last run", c.NewFindings)
	}
	return s
}

// secondsText is a campaign time: "42.1 s", "12 min 5 s", "3 h 2 min".
func secondsText(s float64) string {
	if s < 0 {
		return "—"
	}
	d := time.Duration(s * float64(time.Second))
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%.1f s", s)
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// rateRange is the lowest and highest sampled rate.
func (c *Campaign) rateRange() (lo, hi float64) {
	for i, r := range c.Rates {
		if i == 0 || r.Rate < lo {
			lo = r.Rate
		}
		if r.Rate > hi {
			hi = r.Rate
		}
	}
	return lo, hi
}

// familyTotal is the changes drawn, over every family.
func (c *Campaign) familyTotal() uint64 {
	var n uint64
	for _, f := range c.Families {
		n += f.Count
	}
	return n
}

// CampaignResultBlock is what a campaign (or a merge) ends with on the
// console, last so that it is what a person reads: the findings by
// oracle, each with its time to first hit, hits, inputs and smallest
// reproducer (at most a screen of them), the expected and allowed counts,
// conversations per second, restarts, and where the reports are.
func CampaignResultBlock(c *Campaign, dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tlsconform campaign result: %s\n", c.resultText())
	oracles, by := c.byOracle()
	shown := 0
	for _, o := range oracles {
		for _, f := range by[o] {
			if shown == maxConsoleFindings {
				fmt.Fprintf(&b, "    … and %d more in %s\n", len(c.Findings)-shown, filepath.Join(dir, SummaryFile))
				break
			}
			shown++
			fmt.Fprintf(&b, "  %-6s %s\n         first after %s, %s, %s, smallest %d bytes: %s\n", strings.ToUpper(o), truncate(clean(f.Signature), 110),
				secondsText(f.FoundAfter), plural(f.Hits, "hit"), plural(f.Inputs, "input"), f.Size, filepath.Join(dir, f.Reproducer))
		}
	}
	exp := fmt.Sprintf("  expected deviations counted: %d", c.ExpectedTotal())
	if c.ExpectedOf != "" {
		exp += " (" + clean(c.ExpectedOf) + ")"
	}
	fmt.Fprintf(&b, "%s; dropped as allowed after minimization: %d", exp, c.Allowed)
	if c.Dropped > 0 {
		fmt.Fprintf(&b, "; not saved (the dedupe set was full): %d", c.Dropped)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "  conversations: %d in %s, %.0f/s", c.Conversations, secondsText(c.Elapsed), c.Rate())
	if len(c.Rates) > 0 {
		lo, hi := c.rateRange()
		fmt.Fprintf(&b, " (sampled: %.0f-%.0f/s)", lo, hi)
	}
	fmt.Fprintf(&b, "; restarts of the target: %d\n", c.Restarts)
	if c.Interrupted != "" {
		fmt.Fprintf(&b, "  %s\n", clean(c.Interrupted))
	}
	if len(c.Parts) > 0 {
		var parts []string
		for _, p := range c.Parts {
			parts = append(parts, fmt.Sprintf("%s (%s%d conversations, %d findings)", p.Dir, shardText(p.Shard), p.Conversations, p.Findings))
		}
		fmt.Fprintf(&b, "  merged: %s\n", strings.Join(parts, ", "))
	}
	if c.OutsideShard > 0 {
		fmt.Fprintf(&b, "  shard %s: %d conversations outside the shard (too few changes selected to split)\n", c.Shard, c.OutsideShard)
	}
	fmt.Fprintf(&b, "  reports: %s, %s, %s\n", filepath.Join(dir, HTMLFile), filepath.Join(dir, SummaryFile), filepath.Join(dir, "campaign.json"))
	return b.String()
}

func shardText(s string) string {
	if s == "" {
		return ""
	}
	return "shard " + s + ", "
}

// CampaignSummary renders a campaign's summary.md.
func CampaignSummary(c *Campaign) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# tlsconform campaign: %s\n\n", mdText(orDash(c.Target)))
	fmt.Fprintf(&b, "- **Result:** %s\n", mdText(c.resultText()))
	fmt.Fprintf(&b, "- **Seed:** %d", c.Seed)
	if c.Shard != "" {
		fmt.Fprintf(&b, " (shard %s)", mdText(c.Shard))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "- **Campaign time:** %s", secondsText(c.Elapsed))
	if c.Interrupted != "" {
		fmt.Fprintf(&b, " (%s)", mdText(c.Interrupted))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "- **Conversations:** %d (%.0f/s)\n", c.Conversations, c.Rate())
	fmt.Fprintf(&b, "- **Restarts of the target:** %d\n", c.Restarts)
	fmt.Fprintf(&b, "- **Expected deviations counted, not saved:** %d", c.ExpectedTotal())
	if c.ExpectedOf != "" {
		fmt.Fprintf(&b, " (%s)", mdText(c.ExpectedOf))
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "- **Dropped as allowed after minimization:** %d\n", c.Allowed)
	if c.Dropped > 0 {
		fmt.Fprintf(&b, "- **Not saved, the dedupe set was full:** %d\n", c.Dropped)
	}
	if c.OutsideShard > 0 {
		fmt.Fprintf(&b, "- **Conversations outside the shard:** %d (too few changes selected to split)\n", c.OutsideShard)
	}
	fmt.Fprintf(&b, "- **Updated:** %s\n", dateText(c.Updated))

	b.WriteString("\n## Findings by oracle\n\n")
	b.WriteString("Each finding is one bug: every conversation that reached it is one of its inputs, and the smallest is its reproducer. Replay one with `tlsconform replay DIR/finding.json`.\n")
	oracles, by := c.byOracle()
	for _, o := range oracles {
		fs := by[o]
		fmt.Fprintf(&b, "\n### %s (%d)\n\n", o, len(fs))
		if len(fs) == 0 {
			b.WriteString("None.\n")
			continue
		}
		b.WriteString("| finding | first after | hits | inputs | smallest reproducer |\n|---|---|---|---|---|\n")
		for _, f := range fs {
			where := ""
			if f.Where != "" && f.Where != f.Signature {
				where = "<br>" + tableText(f.Where)
			}
			rep := fmt.Sprintf("%s (%d bytes; %s at TLS %s", codeSpan(f.Reproducer), f.Size, tableText(f.Chain), tableText(f.Version))
			if !f.Reproduced {
				rep += "; not reproduced"
			}
			fmt.Fprintf(&b, "| %s%s | %s | %d | %d | %s) |\n", strings.ReplaceAll(codeSpan(f.Signature), "|", `\|`), where, secondsText(f.FoundAfter), f.Hits, f.Inputs, rep)
		}
	}
	if len(c.Expected) > 0 {
		b.WriteString("\n## Expected deviations\n\nAcceptances that an entry of the expected-deviations file names: counted, not saved.\n\n| entry | acceptances |\n|---|---|\n")
		for _, e := range c.Expected {
			fmt.Fprintf(&b, "| %s | %d |\n", codeSpan(e.Name), e.Count)
		}
	}
	b.WriteString("\n## Conversations per second\n\n")
	if len(c.Rates) == 0 {
		b.WriteString("No sample.\n")
	} else {
		lo, hi := c.rateRange()
		fmt.Fprintf(&b, "%.0f/s on average, %.0f-%.0f/s sampled (%s).\n\n| campaign time | conversations/s |\n|---|---|\n", c.Rate(), lo, hi, sparkText(c.Rates))
		for _, r := range c.Rates {
			fmt.Fprintf(&b, "| %s | %.0f |\n", secondsText(r.At), r.Rate)
		}
	}
	b.WriteString("\n## Mutator families\n\nChanges drawn, by family (a conversation that composes three changes counts three).\n\n")
	if len(c.Families) == 0 {
		b.WriteString("None.\n")
	} else {
		total := c.familyTotal()
		b.WriteString("| family | changes | share |\n|---|---|---|\n")
		for _, f := range c.Families {
			fmt.Fprintf(&b, "| %s | %d | %.1f%% |\n", codeSpan(f.Name), f.Count, 100*float64(f.Count)/float64(max(total, 1)))
		}
	}
	if len(c.Parts) > 0 {
		b.WriteString("\n## Merged campaigns\n\n| report dir | shard | seed | target | conversations | campaign time | findings |\n|---|---|---|---|---|---|---|\n")
		for _, p := range c.Parts {
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %d | %s | %d |\n", codeSpan(p.Dir), tableText(orDash(p.Shard)), p.Seed, tableText(p.Target), p.Conversations, secondsText(p.Elapsed), p.Findings)
		}
	}
	return b.String()
}

// sparkText is the rates as a line of block characters.
func sparkText(rs []CampaignRate) string {
	const bars = "▁▂▃▄▅▆▇█"
	blocks := []rune(bars)
	lo, hi := 0.0, 0.0
	for i, r := range rs {
		if i == 0 || r.Rate < lo {
			lo = r.Rate
		}
		hi = max(hi, r.Rate)
	}
	var b strings.Builder
	for _, r := range downsample(rs, 60) {
		i := 0
		if hi > lo {
			i = int((r.Rate - lo) / (hi - lo) * float64(len(blocks)-1))
		}
		b.WriteRune(blocks[i])
	}
	return b.String()
}

// downsample keeps at most n rates, averaging neighbours.
func downsample(rs []CampaignRate, n int) []CampaignRate {
	if len(rs) <= n {
		return rs
	}
	out := make([]CampaignRate, 0, n)
	for i := range n {
		lo, hi := i*len(rs)/n, (i+1)*len(rs)/n
		sum := 0.0
		for _, r := range rs[lo:hi] {
			sum += r.Rate
		}
		out = append(out, CampaignRate{At: rs[hi-1].At, Rate: sum / float64(hi-lo)})
	}
	return out
}

// WriteCampaign writes summary.md and report.html of c into dir.
func WriteCampaign(dir string, c *Campaign) error {
	if err := writeFileAtomic(filepath.Join(dir, SummaryFile), []byte(CampaignSummary(c))); err != nil {
		return err
	}
	page, err := CampaignHTML(c)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, HTMLFile), page)
}

// The campaign page is the gate's report.html in look (the same style
// sheet, embedded) with no script at all: everything on it is HTML and
// an inline SVG sparkline, and its Content-Security-Policy allows nothing
// to load or run.
var (
	//go:embed html/campaign.html.tmpl
	campaignTemplateText string
	//go:embed html/campaign.css
	campaignCSS string

	campaignTemplate = template.Must(template.New("campaign.html").Funcs(template.FuncMap{
		"dash":    orDash,
		"seconds": secondsText,
		"join":    strings.Join,
		"percent": func(n, total uint64) string { return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(max(total, 1))) },
		"rate":    func(r float64) string { return fmt.Sprintf("%.0f", r) },
		"upper":   strings.ToUpper,
	}).Parse(campaignTemplateText))
)

type campaignPage struct {
	*Campaign
	Verdict, VerdictClass, Result string
	Oracles                       []campaignOracle
	Sparkline                     template.HTML
	RateLo, RateHi                float64
	FamilyTotal                   uint64
	Date                          string
	CSS, CampaignCSS              template.CSS
	CSP                           template.HTMLAttr
}

type campaignOracle struct {
	Name     string
	Findings []CampaignFinding
	Hits     int
}

// CampaignHTML renders a campaign's report.html.
func CampaignHTML(c *Campaign) ([]byte, error) {
	oracles, by := c.byOracle()
	p := campaignPage{Campaign: c, Result: c.resultText(), FamilyTotal: c.familyTotal(), Date: dateText(c.Updated),
		CSS: template.CSS(htmlCSS), CampaignCSS: template.CSS(campaignCSS)}
	p.Verdict, p.VerdictClass = "NO FINDINGS", "PASS"
	if len(c.Findings) > 0 {
		p.Verdict, p.VerdictClass = "FINDINGS", "FAIL"
	}
	for _, o := range oracles {
		co := campaignOracle{Name: o, Findings: by[o]}
		for _, f := range by[o] {
			co.Hits += f.Hits
		}
		p.Oracles = append(p.Oracles, co)
	}
	p.RateLo, p.RateHi = c.rateRange()
	p.Sparkline = sparkline(c.Rates)
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	p.CSP = template.HTMLAttr(`http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ` + hash(htmlCSS) + " " + hash(campaignCSS) +
		`; img-src data:; base-uri 'none'; form-action 'none'"`)
	var b bytes.Buffer
	if err := campaignTemplate.Execute(&b, p); err != nil {
		return nil, fmt.Errorf("reports: campaign html: %w", err)
	}
	return b.Bytes(), nil
}

// sparkline draws the rates as an inline SVG: a line over campaign time,
// from zero to the highest rate, with the lowest and highest marked.
func sparkline(rs []CampaignRate) template.HTML {
	if len(rs) == 0 {
		return ""
	}
	const w, h, pad = 600.0, 80.0, 4.0
	hi, end := 0.0, 0.0
	for _, r := range rs {
		hi = max(hi, r.Rate)
		end = max(end, r.At)
	}
	hi = max(hi, 1)
	var pts []string
	x := func(at float64) float64 {
		if end <= 0 {
			return pad
		}
		return pad + at/end*(w-2*pad)
	}
	y := func(rate float64) float64 { return h - pad - rate/hi*(h-2*pad) }
	if len(rs) == 1 {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", pad, y(rs[0].Rate)))
	}
	for _, r := range rs {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(r.At), y(r.Rate)))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="spark" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-label="conversations per second over campaign time, 0 to %.0f/s">`, w, h, w, h, hi)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#d6d6d6" stroke-width="1"/>`, pad, h-pad, w-pad, h-pad)
	fmt.Fprintf(&b, `<polyline fill="none" stroke="#2e7d32" stroke-width="2" stroke-linejoin="round" points="%s"/>`, strings.Join(pts, " "))
	fmt.Fprintf(&b, `<title>conversations per second over %s of campaign time: 0 to %.0f/s</title></svg>`, secondsText(end), hi)
	return template.HTML(b.String()) // numbers only: nothing to escape
}
