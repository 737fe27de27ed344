package campaign

import (
	"cmp"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/reports"
)

// The summary a person reads in the morning: REPORT_DIR/summary.md and
// REPORT_DIR/report.html (package reports draws both, in the gate's
// style, from a reports.Campaign), written at the end of every run, an
// interrupted one too, and by a merge; the console ends with the same
// result block.

// runInfo is what the last run adds to campaign.json's figures.
type runInfo struct {
	// newFindings are the findings the run saved; -1 for a merge.
	newFindings int
	// interrupted: the run ended (ctx) before duration; ran is how long
	// it ran.
	interrupted   bool
	duration, ran time.Duration
	// expectOf names the expected deviations the campaign read.
	expectOf string
}

// located is a finding and its directory.
type located struct {
	dir string
	f   *Finding
}

// writeSummary writes summary.md and report.html of the campaign in dir
// from its state and saved findings, and returns the model.
func (s *store) writeSummary(dir string, run runInfo) (*reports.Campaign, error) {
	s.mu.Lock()
	st := s.state
	st.Expected = maps.Clone(st.Expected)
	st.Families = maps.Clone(st.Families)
	st.Rates = slices.Clone(st.Rates)
	var fs []located
	for _, sig := range st.Findings {
		if sv := s.saved[sig]; sv != nil {
			f := *sv.f
			fs = append(fs, located{sv.dir, &f})
		}
	}
	s.mu.Unlock()
	c := campaignModel(dir, st, fs, run)
	if err := reports.WriteCampaign(dir, c); err != nil {
		return c, fmt.Errorf("campaign: summary: %w", err)
	}
	return c, nil
}

// campaignModel is the reports model of a campaign (or merge) in dir.
func campaignModel(dir string, st State, fs []located, run runInfo) *reports.Campaign {
	elapsed, _ := time.ParseDuration(st.Elapsed)
	c := &reports.Campaign{
		Target: st.Target, Seed: st.Seed, Shard: st.Shard, Updated: st.Updated, Elapsed: elapsed.Seconds(),
		Conversations: st.Conversations, NewFindings: run.newFindings, ExpectedOf: run.expectOf,
		Allowed: st.Allowed, Dropped: st.Dropped, Restarts: st.Restarts,
	}
	if run.interrupted {
		c.Interrupted = fmt.Sprintf("interrupted after %s of %s: the figures are those of the run so far", run.ran.Round(100*time.Millisecond), run.duration)
	}
	for _, p := range st.Merged {
		pe, _ := time.ParseDuration(p.Elapsed)
		c.Parts = append(c.Parts, reports.CampaignPart{Dir: p.Dir, Target: p.Target, Shard: p.Shard, Seed: p.Seed,
			Conversations: p.Conversations, Elapsed: pe.Seconds(), Findings: p.Findings})
	}
	for _, l := range fs {
		c.Findings = append(c.Findings, campaignFinding(dir, l))
	}
	c.Expected = counts(st.Expected)
	c.Families = counts(st.Families)
	for _, r := range st.Rates {
		if r.Seconds > 0 {
			c.Rates = append(c.Rates, reports.CampaignRate{At: r.At, Rate: float64(r.Conversations) / r.Seconds})
		}
	}
	return c
}

// campaignFinding is one finding of the summary.
func campaignFinding(dir string, l located) reports.CampaignFinding {
	f := l.f
	rel, err := filepath.Rel(dir, l.dir)
	if err != nil {
		rel = l.dir
	}
	rep := fileFinding // a client campaign's case is all there is
	if slices.Contains(f.Files, fileClient) {
		rep = fileClient
	}
	cf := reports.CampaignFinding{
		Oracle: f.Oracle, Signature: f.Signature, Outcome: f.Outcome, FoundAfter: -1,
		Hits: f.Hits, Inputs: len(f.Inputs), Dir: rel, Reproducer: filepath.Join(rel, rep), Size: f.Size,
		Chain: strings.Join(f.Case.Mutators, " + "), Version: f.Case.Version, Reproduced: f.Reproduced,
	}
	switch {
	case f.Site != nil:
		cf.Where = f.Site.Line
		if len(f.Site.Frames) > 0 {
			cf.Where += " (at " + strings.Join(f.Site.Frames, " < ") + ")"
		}
	case f.Rule != "":
		cf.Where = f.Rule
	}
	if d, err := time.ParseDuration(f.FoundAfter); err == nil {
		cf.FoundAfter = d.Seconds()
	}
	return cf
}

// counts sorts a count map, the largest first.
func counts(m map[string]uint64) []reports.CampaignCount {
	var out []reports.CampaignCount
	for k, v := range m {
		out = append(out, reports.CampaignCount{Name: k, Count: v})
	}
	slices.SortFunc(out, func(a, b reports.CampaignCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Name, b.Name))
	})
	return out
}
