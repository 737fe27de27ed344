package campaign

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// State is REPORT_DIR/campaign.json: what a campaign has done, checkpointed
// every few seconds and at the end, so that a restart with the same
// REPORT_DIR goes on where it stopped.
type State struct {
	Format int    `json:"format"`
	Seed   uint64 `json:"seed"`
	Target string `json:"target"`
	// Iterations is, per worker, the next iteration to run: every one
	// before it ran to the end (findings saved).
	Iterations    []uint64 `json:"iterations"`
	Conversations uint64   `json:"conversations"`
	// Findings are the signatures found, in order (the dedupe set).
	Findings []string `json:"findings"`
	// Dropped counts findings not saved because the dedupe set was full.
	Dropped uint64 `json:"dropped_findings,omitempty"`
	// Expected counts, by the id of the expected-deviations entry that
	// names them, the acceptances the expectations excuse: counted, not
	// saved.
	Expected map[string]uint64 `json:"expected,omitempty"`
	// Allowed counts the acceptances dropped after minimization: judged
	// again, the changes that remain are allowed (a SHOULD or MAY, or a
	// valid message).
	Allowed uint64 `json:"allowed_after_minimization,omitempty"`
	// Elapsed is the running time over every run.
	Elapsed string    `json:"elapsed"`
	Updated time.Time `json:"updated"`
	// Shard is "K/N" when the campaign is one of N shards (see Shard):
	// a REPORT_DIR holds one shard, resumed only as that shard.
	Shard string `json:"shard,omitempty"`
	// Restarts counts the target's restarts (a TARGET_CMD started again
	// after it exited, a built-in target opened again, a HOST:PORT that
	// came back), over every run.
	Restarts uint64 `json:"restarts,omitempty"`
	// Families counts, by mutator family (a change's name up to its
	// last "/"), the changes the campaign drew, over every run: a
	// conversation that composes three changes counts three.
	Families map[string]uint64 `json:"families,omitempty"`
	// Rates are conversations per second over time, one sample every
	// Config.SampleEvery of campaign time (pairs merged past maxRates).
	Rates []RateSample `json:"rates,omitempty"`
	// Merged lists the campaigns a `tlsconform campaign merge` took:
	// such a REPORT_DIR is a report, not a campaign to resume.
	Merged []MergedPart `json:"merged,omitempty"`
}

// RateSample is one window of campaign time: Conversations in Seconds,
// ending At seconds after the campaign's start (over every run).
type RateSample struct {
	At            float64 `json:"at"`
	Seconds       float64 `json:"s"`
	Conversations uint64  `json:"n"`
}

// maxRates bounds State.Rates: past it, neighbouring samples merge.
const maxRates = 1440

// MergedPart is one campaign of a merge: its REPORT_DIR as given and
// what its campaign.json said.
type MergedPart struct {
	Dir           string `json:"dir"`
	Target        string `json:"target"`
	Seed          uint64 `json:"seed"`
	Shard         string `json:"shard,omitempty"`
	Conversations uint64 `json:"conversations"`
	Elapsed       string `json:"elapsed"`
	Findings      int    `json:"findings"`
}

const stateFormat = 1

// Paths under REPORT_DIR.
const (
	fileState   = "campaign.json"
	dirFindings = "findings"
)

// store is REPORT_DIR: the findings, the dedupe set and the state.
type store struct {
	dir string
	max int // dedupe set bound

	mu      sync.Mutex
	state   State
	seen    map[string]bool
	saved   map[string]*saved // by signature: what hits update
	elapsed time.Duration     // over earlier runs

	// replacing serializes replace: two workers that each found a smaller
	// reproducer of one finding do not mix their files.
	replacing sync.Mutex
}

// saved is a finding on disk, kept in memory so that a new input of it
// is added without reading it again; dirty ones are written at the next
// checkpoint.
type saved struct {
	dir   string
	f     *Finding
	dirty bool
}

// openStore opens (or makes) dir for a campaign with seed; it resumes the
// state found there, and takes every finding already saved into the dedupe
// set, also those a checkpoint did not record.
func openStore(dir string, seed uint64, target string, max int) (*store, error) {
	fdir := filepath.Join(dir, dirFindings)
	if err := os.MkdirAll(fdir, 0o755); err != nil {
		return nil, &SetupError{fmt.Errorf("campaign: report dir: %w", err)}
	}
	s := &store{dir: dir, max: max, seen: map[string]bool{}, saved: map[string]*saved{},
		state: State{Format: stateFormat, Seed: seed, Target: target}}
	b, err := os.ReadFile(filepath.Join(dir, fileState))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, &SetupError{fmt.Errorf("campaign: %w", err)}
	default:
		var st State
		if err := json.Unmarshal(b, &st); err != nil || st.Format != stateFormat {
			return nil, &SetupError{fmt.Errorf("campaign: %s is not a campaign state (%v): remove it or use another REPORT_DIR", filepath.Join(dir, fileState), err)}
		}
		if len(st.Merged) > 0 {
			return nil, &SetupError{fmt.Errorf("campaign: %s is a merge of %d campaigns (tlsconform campaign merge), not a campaign to resume: resume each shard's own REPORT_DIR and merge again", dir, len(st.Merged))}
		}
		if st.Seed != seed {
			return nil, &SetupError{fmt.Errorf("campaign: %s holds a campaign with seed %d, not %d: resume it with SEED=%d or use another REPORT_DIR", dir, st.Seed, seed, st.Seed)}
		}
		st.Target = target
		s.state = st
		s.elapsed, _ = time.ParseDuration(st.Elapsed)
		for _, sig := range st.Findings {
			s.seen[sig] = true
		}
	}
	entries, err := os.ReadDir(fdir)
	if err != nil {
		return nil, &SetupError{fmt.Errorf("campaign: %w", err)}
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			os.RemoveAll(filepath.Join(fdir, e.Name())) // a finding cut short by a kill
			continue
		}
		f, err := LoadFinding(filepath.Join(fdir, e.Name(), fileFinding))
		if err != nil || s.saved[f.Signature] != nil {
			continue
		}
		s.saved[f.Signature] = &saved{dir: filepath.Join(fdir, e.Name()), f: f}
		if !s.seen[f.Signature] {
			s.seen[f.Signature] = true
			s.state.Findings = append(s.state.Findings, f.Signature)
		}
	}
	return s, nil
}

// iterations is where each of n workers starts.
func (s *store) iterations(n int) []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]uint64, n)
	copy(out, s.state.Iterations)
	return out
}

// known says whether a finding with this signature was saved.
func (s *store) known(sig string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[sig]
}

// count is how many findings there are.
func (s *store) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.state.Findings)
}

// save writes a finding unless one with its signature exists; it reports
// where, or "" when it was a duplicate or the dedupe set is full.
func (s *store) save(f *Finding, files map[string][]byte) (string, error) {
	s.mu.Lock()
	switch {
	case s.seen[f.Signature]:
		s.mu.Unlock()
		return "", nil
	case len(s.seen) >= s.max:
		s.state.Dropped++
		s.mu.Unlock()
		return "", nil
	}
	s.seen[f.Signature] = true
	s.mu.Unlock()
	path, err := writeFinding(filepath.Join(s.dir, dirFindings), f, files)
	if err != nil {
		s.mu.Lock()
		delete(s.seen, f.Signature)
		s.mu.Unlock()
		return "", err
	}
	s.mu.Lock()
	s.state.Findings = append(s.state.Findings, f.Signature)
	s.saved[f.Signature] = &saved{dir: path, f: f}
	s.mu.Unlock()
	return path, nil
}

// hit adds ins to the saved finding sig: known is false when there is
// none. smaller says that a reproducer of size bytes would be smaller
// than the finding's, which the caller may then replace (replace).
func (s *store) hit(sig string, size int, ins ...Input) (known, smaller bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.saved[sig]
	if sv == nil {
		return s.seen[sig], false
	}
	sv.f.addInputs(ins...)
	sv.dirty = true
	return true, size < sv.f.Size || sv.f.Size == 0 || !sv.f.Reproduced
}

// hitUnknown counts a hit of the saved finding sig by a conversation
// the campaign could not name (a crash triage did not pin down): false
// when there is no such finding.
func (s *store) hitUnknown(sig string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv := s.saved[sig]
	if sv == nil {
		return false
	}
	sv.f.Hits++
	sv.dirty = true
	return true
}

// replace makes f (with its files) the reproducer of the saved finding
// of its signature, keeping the inputs and hits counted so far: each
// file is replaced atomically, finding.json last, and files the new
// reproducer lacks are removed. It does nothing when the saved one is
// no larger.
func (s *store) replace(f *Finding, files map[string][]byte) error {
	s.replacing.Lock()
	defer s.replacing.Unlock()
	s.mu.Lock()
	sv := s.saved[f.Signature]
	if sv == nil || (sv.f.Size != 0 && sv.f.Size <= f.Size && sv.f.Reproduced) {
		s.mu.Unlock()
		return nil
	}
	f.Hits, f.Inputs = sv.f.Hits, sv.f.Inputs
	if sv.f.FoundAfter != "" {
		f.FoundAfter = sv.f.FoundAfter // the time to first hit stays the first's
	}
	old := sv.f.Files
	s.mu.Unlock()
	f.Files = f.Files[:0]
	for n, b := range files {
		f.Files = append(f.Files, n)
		if err := writeFileAtomic(filepath.Join(sv.dir, n), b); err != nil {
			return fmt.Errorf("campaign: replace the reproducer of %s: %w", f.Signature, err)
		}
	}
	slices.Sort(f.Files)
	for _, n := range old {
		if !slices.Contains(f.Files, n) {
			os.Remove(filepath.Join(sv.dir, n))
		}
	}
	s.mu.Lock()
	f.Hits, f.Inputs = sv.f.Hits, sv.f.Inputs // hits added meanwhile
	sv.f, sv.dirty = f, true
	s.mu.Unlock()
	return s.flush()
}

// flush writes finding.json of every finding whose inputs changed.
func (s *store) flush() error {
	s.mu.Lock()
	var dirty []*saved
	var blobs [][]byte
	for _, sv := range s.saved {
		if !sv.dirty {
			continue
		}
		js, err := json.MarshalIndent(sv.f, "", "  ")
		if err != nil {
			s.mu.Unlock()
			return fmt.Errorf("campaign: %s: %w", sv.f.Signature, err)
		}
		sv.dirty = false
		dirty = append(dirty, sv)
		blobs = append(blobs, append(js, '\n'))
	}
	s.mu.Unlock()
	var first error
	for i, sv := range dirty {
		if err := writeFileAtomic(filepath.Join(sv.dir, fileFinding), blobs[i]); err != nil && first == nil {
			first = fmt.Errorf("campaign: update %s: %w", filepath.Join(sv.dir, fileFinding), err)
		}
	}
	return first
}

// expected counts an acceptance the expectations excuse, under the id
// of the entry that names it.
func (s *store) expected(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Expected == nil {
		s.state.Expected = map[string]uint64{}
	}
	s.state.Expected[id]++
}

// ran counts the changes of one conversation by family.
func (s *store) ran(names []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Families == nil {
		s.state.Families = map[string]uint64{}
	}
	for _, n := range names {
		s.state.Families[familyOf(n)]++
	}
}

// familyOf is a change's family: its name up to the last "/"
// ("client_hello/extensions/duplicate/key_share" is
// "client_hello/extensions/duplicate", "order/duplicate-cke" is "order").
func familyOf(name string) string {
	if i := strings.LastIndex(name, "/"); i > 0 {
		return name[:i]
	}
	return name
}

// sample adds a rate sample, merging neighbours past maxRates.
func (s *store) sample(r RateSample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Rates = append(s.state.Rates, r)
	if len(s.state.Rates) > maxRates {
		s.state.Rates = mergeRates(s.state.Rates)
	}
}

// mergeRates halves rs: each pair of neighbours becomes one sample.
func mergeRates(rs []RateSample) []RateSample {
	out := make([]RateSample, 0, (len(rs)+1)/2)
	for i := 0; i < len(rs); i += 2 {
		r := rs[i]
		if i+1 < len(rs) {
			n := rs[i+1]
			r = RateSample{At: n.At, Seconds: r.Seconds + n.Seconds, Conversations: r.Conversations + n.Conversations}
		}
		out = append(out, r)
	}
	return out
}

// claimShard records that the campaign in the directory is shard (""
// for a whole campaign), or refuses a directory that holds another.
func (s *store) claimShard(shard string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.Conversations > 0 && s.state.Shard != shard {
		was, is := s.state.Shard, shard
		if was == "" {
			was = "a whole campaign"
		}
		if is == "" {
			is = "a whole campaign"
		}
		return &SetupError{fmt.Errorf("campaign: %s holds %s, not %s: resume it with the same -shard, or use another REPORT_DIR", s.dir, was, is)}
	}
	s.state.Shard = shard
	return nil
}

// allowed counts an acceptance dropped after minimization.
func (s *store) allowed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.Allowed++
}

// checkpoint writes campaign.json with the workers' next iterations, the
// conversations so far, the target's restarts and the time this run has
// taken.
func (s *store) checkpoint(iters []uint64, conversations, restarts uint64, ran time.Duration) error {
	if err := s.flush(); err != nil {
		return err
	}
	s.mu.Lock()
	s.state.Iterations = iters
	s.state.Conversations = conversations
	s.state.Restarts = restarts
	s.state.Elapsed = (s.elapsed + ran).Round(time.Millisecond).String()
	s.state.Updated = time.Now().UTC()
	b, err := json.MarshalIndent(s.state, "", "  ")
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("campaign: checkpoint: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(s.dir, fileState), append(b, '\n')); err != nil {
		return fmt.Errorf("campaign: checkpoint: %w", err)
	}
	return nil
}

// elapsedBefore is the campaign time of earlier runs.
func (s *store) elapsedBefore() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.elapsed
}

// restarts is the restarts of earlier runs.
func (s *store) restarts() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.Restarts
}

// conversations is the total of earlier runs.
func (s *store) conversations() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.Conversations
}

// crashSets are the changes of every crash found (each reproducer and
// each input), for triage to try first.
func (s *store) crashSets() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]string
	add := func(names []string) {
		if len(names) > 0 && !slices.ContainsFunc(out, func(o []string) bool { return slices.Equal(o, names) }) {
			out = append(out, slices.Clone(names))
		}
	}
	for _, sig := range s.state.Findings {
		sv := s.saved[sig]
		if sv == nil || sv.f.Oracle != OracleCrash {
			continue
		}
		add(sv.f.Case.Mutators)
		for _, in := range sv.f.Inputs {
			add(in.Mutators)
		}
	}
	return out
}
