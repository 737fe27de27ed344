package campaign

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
	// Elapsed is the running time over every run.
	Elapsed string    `json:"elapsed"`
	Updated time.Time `json:"updated"`
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
	elapsed time.Duration // over earlier runs
}

// openStore opens (or makes) dir for a campaign with seed; it resumes the
// state found there, and takes every finding already saved into the dedupe
// set, also those a checkpoint did not record.
func openStore(dir string, seed uint64, target string, max int) (*store, error) {
	fdir := filepath.Join(dir, dirFindings)
	if err := os.MkdirAll(fdir, 0o755); err != nil {
		return nil, &SetupError{fmt.Errorf("campaign: report dir: %w", err)}
	}
	s := &store{dir: dir, max: max, seen: map[string]bool{},
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
		if err != nil || s.seen[f.Signature] {
			continue
		}
		s.seen[f.Signature] = true
		s.state.Findings = append(s.state.Findings, f.Signature)
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
	s.mu.Unlock()
	return path, nil
}

// checkpoint writes campaign.json with the workers' next iterations, the
// conversations so far and the time this run has taken.
func (s *store) checkpoint(iters []uint64, conversations uint64, ran time.Duration) error {
	s.mu.Lock()
	s.state.Iterations = iters
	s.state.Conversations = conversations
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

// conversations is the total of earlier runs.
func (s *store) conversations() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.Conversations
}

// crashSets are the changes of every crash found, for triage to try
// first.
func (s *store) crashSets() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]string
	for _, sig := range s.state.Findings {
		rest, ok := strings.CutPrefix(sig, OracleCrash+":")
		if !ok {
			continue
		}
		if names, _, ok := strings.Cut(rest, ":tls"); ok {
			out = append(out, strings.Split(names, "+"))
		}
	}
	return out
}
