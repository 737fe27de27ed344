package campaign

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/reports"
)

// MergeOptions is a merge of campaigns: Dirs are their REPORT_DIRs (the
// shards of one campaign, or any campaigns against one target), Out the
// directory the merge is written to.
type MergeOptions struct {
	Dirs []string
	Out  string
	// Output gets warnings and the result block (default io.Discard).
	Output io.Writer
}

// MergeSummary is what a merge found.
type MergeSummary struct {
	// Findings are the merged findings; Parts how many each part held.
	Findings int
	Parts    []int
}

// Merge merges the findings of campaigns with the same deduplication as
// one campaign: findings with the same signature are one finding, whose
// inputs are the union of theirs (Finding.addInputs, as a campaign adds a
// hit), whose hits are the sum, whose time to first hit is the earliest,
// and whose reproducer is the smallest that reproduced (as store.replace
// keeps it). Expected and allowed counts, restarts, conversations and
// mutator families are summed, the rate samples of parts that ran side
// by side are added window by window, and the summary is written again.
// Out holds a merge, not a campaign: it cannot be resumed (each shard's
// REPORT_DIR can, and merged again).
func Merge(opts MergeOptions) (MergeSummary, error) {
	if opts.Output == nil {
		opts.Output = io.Discard
	}
	if len(opts.Dirs) == 0 {
		return MergeSummary{}, setupErr("merge: no campaign REPORT_DIR given")
	}
	if opts.Out == "" {
		return MergeSummary{}, setupErr("merge: no output directory (-o DIR)")
	}
	outAbs, _ := filepath.Abs(opts.Out)
	type part struct {
		dir   string
		st    State
		found []located
	}
	var parts []part
	seen := map[string]string{} // seed and shard → dir
	for _, d := range opts.Dirs {
		if abs, _ := filepath.Abs(d); abs == outAbs {
			return MergeSummary{}, setupErr("merge: the output directory %s is also a campaign to merge: give another -o", d)
		}
		st, err := readStateFile(d)
		if err != nil {
			return MergeSummary{}, err
		}
		found, err := loadFindings(d)
		if err != nil {
			return MergeSummary{}, err
		}
		if st.Shard != "" {
			k := fmt.Sprintf("%d %s", st.Seed, st.Shard)
			if other, ok := seen[k]; ok {
				fmt.Fprintf(opts.Output, "campaign merge: %s and %s are both shard %s of seed %d: their conversations are counted twice\n", other, d, st.Shard, st.Seed)
			}
			seen[k] = d
		}
		parts = append(parts, part{d, st, found})
	}
	if err := clearMergeDir(opts.Out); err != nil {
		return MergeSummary{}, err
	}
	var m State
	m.Format = stateFormat
	m.Seed = parts[0].st.Seed
	var targets, shards []string
	var sum MergeSummary
	var longest time.Duration
	var series [][]RateSample
	for _, p := range parts {
		st := p.st
		if st.Seed != m.Seed {
			fmt.Fprintf(opts.Output, "campaign merge: %s ran with seed %d, %s with %d: the merge keeps %d in campaign.json; every finding keeps its own case\n", parts[0].dir, m.Seed, p.dir, st.Seed, m.Seed)
		}
		if !slices.Contains(targets, st.Target) {
			targets = append(targets, st.Target)
		}
		parts := []MergedPart{{Dir: p.dir, Target: st.Target, Seed: st.Seed, Shard: st.Shard, Conversations: st.Conversations, Elapsed: st.Elapsed, Findings: len(p.found)}}
		if len(st.Merged) > 0 {
			parts = st.Merged // a merge merged again: its own parts
		}
		for _, mp := range parts {
			m.Merged = append(m.Merged, mp)
			if mp.Shard != "" && !slices.Contains(shards, mp.Shard) {
				shards = append(shards, mp.Shard)
			}
		}
		sum.Parts = append(sum.Parts, len(p.found))
		m.Conversations += st.Conversations
		m.Dropped += st.Dropped
		m.Allowed += st.Allowed
		m.Restarts += st.Restarts
		for id, n := range st.Expected {
			if m.Expected == nil {
				m.Expected = map[string]uint64{}
			}
			m.Expected[id] += n
		}
		for fam, n := range st.Families {
			if m.Families == nil {
				m.Families = map[string]uint64{}
			}
			m.Families[fam] += n
		}
		if e, err := time.ParseDuration(st.Elapsed); err == nil && e > longest {
			longest = e
		}
		if st.Updated.After(m.Updated) {
			m.Updated = st.Updated
		}
		series = append(series, st.Rates)
	}
	m.Target = strings.Join(targets, ", ")
	m.Elapsed = longest.Round(time.Millisecond).String()
	m.Rates = sumRates(series)
	for len(m.Rates) > maxRates {
		m.Rates = mergeRates(m.Rates)
	}

	// The findings, deduplicated by signature in the order first found.
	type merged struct {
		best  located // the reproducer kept
		f     *Finding
		first time.Duration
		hits  int
	}
	var order []string
	bySig := map[string]*merged{}
	for _, p := range parts {
		for _, l := range p.found {
			f := l.f
			mg := bySig[f.Signature]
			if mg == nil {
				c := *f
				c.Inputs = slices.Clone(f.Inputs)
				mg = &merged{best: l, f: &c, first: -1}
				bySig[f.Signature] = mg
				order = append(order, f.Signature)
			} else {
				mg.f.addInputs(f.Inputs...)
				if better(f, mg.best.f) {
					mg.best = l
				}
				if f.Time.Before(mg.f.Time) {
					mg.f.Time = f.Time
				}
				for _, c := range f.Checks {
					if !slices.Contains(mg.f.Checks, c) {
						mg.f.Checks = append(mg.f.Checks, c)
					}
				}
			}
			mg.hits += f.Hits
			if d, err := time.ParseDuration(f.FoundAfter); err == nil && (mg.first < 0 || d < mg.first) {
				mg.first = d
			}
		}
	}
	slices.SortStableFunc(order, func(a, b string) int { return bySig[a].f.Time.Compare(bySig[b].f.Time) })
	fdir := filepath.Join(opts.Out, dirFindings)
	if err := os.MkdirAll(fdir, 0o755); err != nil {
		return sum, fmt.Errorf("campaign merge: %w", err)
	}
	var out []located
	for _, sig := range order {
		mg := bySig[sig]
		// The reproducer's own fields and files; the bug's inputs, hits,
		// first time and checks.
		f := *mg.best.f
		f.Inputs, f.Hits, f.Time, f.Checks = mg.f.Inputs, mg.hits, mg.f.Time, mg.f.Checks
		f.FoundAfter = ""
		if mg.first >= 0 {
			f.FoundAfter = mg.first.String()
		}
		files := map[string][]byte{}
		for _, n := range mg.best.f.Files {
			b, err := os.ReadFile(filepath.Join(mg.best.dir, n))
			if err != nil {
				return sum, fmt.Errorf("campaign merge: %s: %w", mg.best.dir, err)
			}
			files[n] = b
		}
		path, err := writeFinding(fdir, &f, files)
		if err != nil {
			return sum, fmt.Errorf("campaign merge: %w", err)
		}
		m.Findings = append(m.Findings, sig)
		out = append(out, located{path, &f})
	}
	sum.Findings = len(out)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return sum, fmt.Errorf("campaign merge: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(opts.Out, fileState), append(b, '\n')); err != nil {
		return sum, fmt.Errorf("campaign merge: %w", err)
	}
	if len(shards) > 0 {
		var ns []string
		for _, s := range shards {
			_, n, _ := strings.Cut(s, "/")
			if !slices.Contains(ns, n) {
				ns = append(ns, n)
			}
		}
		if len(ns) > 1 {
			fmt.Fprintf(opts.Output, "campaign merge: the shards split %s ways: shards of different splits overlap\n", strings.Join(ns, ", "))
		}
	}
	model := campaignModel(opts.Out, m, out, runInfo{newFindings: -1})
	if err := reports.WriteCampaign(opts.Out, model); err != nil {
		return sum, fmt.Errorf("campaign merge: %w", err)
	}
	fmt.Fprint(opts.Output, reports.CampaignResultBlock(model, opts.Out))
	return sum, nil
}

// sumRates adds rate samples of parts that ran side by side: the windows
// end where any part's window ends, and the rate of each is the sum of
// the parts' rates in it (a part's rate is constant within its own
// windows, nothing outside them).
func sumRates(series [][]RateSample) []RateSample {
	var ends []float64
	for _, rs := range series {
		for _, r := range rs {
			if r.Seconds > 0 {
				ends = append(ends, r.At)
			}
		}
	}
	slices.Sort(ends)
	// Parts started a moment apart end their windows a moment apart:
	// ends closer than a second are one (the later).
	var snapped []float64
	for _, e := range ends {
		if n := len(snapped); n > 0 && e-snapped[n-1] < 1 {
			snapped[n-1] = e
			continue
		}
		snapped = append(snapped, e)
	}
	ends = snapped
	rateAt := func(rs []RateSample, t float64) float64 {
		i, _ := slices.BinarySearchFunc(rs, t, func(r RateSample, t float64) int { return cmp.Compare(r.At, t) })
		if i < len(rs) && rs[i].Seconds > 0 && rs[i].At-rs[i].Seconds < t {
			return float64(rs[i].Conversations) / rs[i].Seconds
		}
		return 0
	}
	var out []RateSample
	prev := 0.0
	for _, end := range ends {
		mid, total := (prev+end)/2, 0.0
		for _, rs := range series {
			total += rateAt(rs, mid)
		}
		out = append(out, RateSample{At: end, Seconds: end - prev, Conversations: uint64(total*(end-prev) + 0.5)})
		prev = end
	}
	return out
}

// better says whether f is a better reproducer than g, as store.replace
// decides: one that reproduced over one that did not, then the smaller
// (a size of 0 is unknown).
func better(f, g *Finding) bool {
	switch {
	case f.Reproduced != g.Reproduced:
		return f.Reproduced
	case f.Size == 0 || g.Size == 0:
		return g.Size == 0 && f.Size != 0
	}
	return f.Size < g.Size
}

// readStateFile reads dir's campaign.json.
func readStateFile(dir string) (State, error) {
	b, err := os.ReadFile(filepath.Join(dir, fileState))
	if err != nil {
		return State{}, setupErr("merge: %s is not a campaign's REPORT_DIR: %v", dir, err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil || st.Format != stateFormat {
		return State{}, setupErr("merge: %s is not a campaign state (%v)", filepath.Join(dir, fileState), err)
	}
	return st, nil
}

// loadFindings reads every whole finding of dir, in the order of their
// times.
func loadFindings(dir string) ([]located, error) {
	entries, err := os.ReadDir(filepath.Join(dir, dirFindings))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, setupErr("merge: %v", err)
	}
	var out []located
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), tmpPrefix) {
			continue // cut short by a kill
		}
		d := filepath.Join(dir, dirFindings, e.Name())
		f, err := LoadFinding(filepath.Join(d, fileFinding))
		if err != nil {
			return nil, setupErr("merge: %v", err)
		}
		out = append(out, located{d, f})
	}
	slices.SortStableFunc(out, func(a, b located) int { return a.f.Time.Compare(b.f.Time) })
	return out, nil
}

// clearMergeDir makes dir ready for a merge: absent, empty, or an
// earlier merge (replaced); a campaign's own REPORT_DIR is refused.
func clearMergeDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return setupErr("merge: %v", err)
	case len(entries) == 0:
		return nil
	}
	st, err := readStateFile(dir)
	if err != nil || len(st.Merged) == 0 {
		return setupErr("merge: %s is not empty and holds no earlier merge: give an empty or new -o DIR", dir)
	}
	for _, n := range []string{dirFindings, fileState, reports.SummaryFile, reports.HTMLFile} {
		if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
			return setupErr("merge: %v", err)
		}
	}
	return nil
}
