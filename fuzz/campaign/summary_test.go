package campaign

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// checkSummary checks what a campaign that found f and was interrupted
// leaves for the morning: summary.md and report.html say the findings by
// oracle with the time to first hit, hits, inputs and reproducer, the
// rates, families and restarts, and the console ends with the result
// block.
func checkSummary(t *testing.T, dir, console string, f *Finding) {
	t.Helper()
	md, err := os.ReadFile(filepath.Join(dir, reports.SummaryFile))
	if err != nil {
		t.Fatalf("no summary.md after the interrupt: %v", err)
	}
	page, err := os.ReadFile(filepath.Join(dir, reports.HTMLFile))
	if err != nil {
		t.Fatalf("no report.html after the interrupt: %v", err)
	}
	st := readState(t, dir)
	if st.Restarts == 0 || len(st.Families) == 0 || len(st.Rates) == 0 {
		t.Errorf("campaign.json: %d restarts, families %v, rates %v: want restarts, families and a rate sample", st.Restarts, st.Families, st.Rates)
	}
	after, err := time.ParseDuration(f.FoundAfter)
	if err != nil || after <= 0 {
		t.Errorf("finding %s: found_after %q (%v)", f.Signature, f.FoundAfter, err)
	}
	s := string(md)
	for _, want := range []string{
		"# tlsconform campaign: ", "interrupted after ", "### crash (1)", "### hang (0)", "### accept (0)",
		"`" + f.Signature + "`", "client.bin", "## Conversations per second", "## Mutator families",
		"**Restarts of the target:** ", "**Expected deviations counted, not saved:** 0", "**Dropped as allowed after minimization:** ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, s)
		}
	}
	if !regexp.MustCompile(`\| \d+\.\d s \| ` + regexp.QuoteMeta(strconv.Itoa(f.Hits)) + ` \| ` + strconv.Itoa(len(f.Inputs)) + ` \|`).MatchString(s) {
		t.Errorf("summary.md: the finding's row lacks its time to first hit, %d hits and %d inputs:\n%s", f.Hits, len(f.Inputs), s)
	}
	p := string(page)
	for _, want := range []string{"Content-Security-Policy", "<svg class=\"spark\"", "Findings by oracle", "Mutator families", "Restarts of the target"} {
		if !strings.Contains(p, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(p, "<script") || strings.Contains(p, "http://") && !strings.Contains(p, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Errorf("report.html has a script or fetches something")
	}
	i := strings.LastIndex(console, "tlsconform campaign result: ")
	if i < 0 || !strings.Contains(console[i:], "CRASH ") || !strings.Contains(console[i:], "restarts of the target: ") ||
		!strings.Contains(console[i:], "reports: "+filepath.Join(dir, reports.HTMLFile)) {
		t.Errorf("the console does not end with the result block:\n%s", console[max(0, len(console)-2000):])
	}
}

// TestShardPartition: the shards of a campaign draw disjoint inputs,
// each deterministically, together every kind; a whole campaign draws
// as before sharding existed (attempt 0).
func TestShardPartition(t *testing.T) {
	cat, err := newCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	env := &targetEnv{versions: []wire.Version{wire.VersionTLS12, wire.VersionTLS13},
		appData: map[wire.Version]bool{wire.VersionTLS12: true, wire.VersionTLS13: true},
		kx:      map[wire.Version][]string{wire.VersionTLS12: {KXRSA, KXECDHE}}, group13: wire.GroupX25519,
		retry: true, resume: map[wire.Version]bool{wire.VersionTLS12: true, wire.VersionTLS13: true}}
	whole := &campaign{cfg: Config{Seed: 9, Out: io.Discard}, cat: cat, env: env}
	for it := range uint64(50) {
		c, _ := whole.nextCase(0, it)
		r := iterationRand(9, 0, it)
		if c.Seed != r.Uint64() {
			t.Fatalf("iteration %d: a whole campaign no longer draws from iterationRand", it)
		}
	}
	const n = 3
	owner := map[string]int{}
	for k := 1; k <= n; k++ {
		cp := &campaign{cfg: Config{Seed: 9, Shard: Shard{K: k, N: n}, Out: io.Discard}, cat: cat, env: env}
		kindsSeen := map[string]bool{}
		for w := range 2 {
			for it := range uint64(150) {
				a, okA := cp.nextCase(w, it)
				b, _ := cp.nextCase(w, it)
				if !okA || a.key() != b.key() {
					t.Fatalf("shard %d/%d, worker %d, iteration %d: %+v then %+v", k, n, w, it, a, b)
				}
				in := caseInput(a)
				if o, ok := owner[in]; ok && o != k {
					t.Fatalf("input %s drawn by shards %d and %d", in, o, k)
				}
				owner[in] = k
				kindsSeen[a.Kind] = true
			}
		}
		if cp.outside.Load() != 0 {
			t.Errorf("shard %d/%d: %d draws outside the shard", k, n, cp.outside.Load())
		}
		for _, kw := range kinds {
			if !kindsSeen[kw.name] {
				t.Errorf("shard %d/%d never drew kind %s in 300 iterations", k, n, kw.name)
			}
		}
	}
	for _, s := range []string{"0/2", "3/2", "1", "a/b", "1/0"} {
		if _, err := ParseShard(s); err == nil {
			t.Errorf("ParseShard(%q): no error", s)
		}
	}
	if sh, err := ParseShard("2/4"); err != nil || sh.String() != "2/4" {
		t.Errorf("ParseShard(2/4) = %v, %v", sh, err)
	}
	if sh, err := ParseShard("1/1"); err != nil || !sh.whole() {
		t.Errorf("ParseShard(1/1) = %v, %v: want the whole campaign", sh, err)
	}
}

// fakeShard writes a campaign REPORT_DIR as a shard leaves it.
func fakeShard(t *testing.T, shard string, st State, fs ...*Finding) string {
	t.Helper()
	dir := t.TempDir()
	s, err := openStore(dir, st.Seed, st.Target, defaultMaxFindings)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if _, err := s.save(f, map[string][]byte{fileClient: bytes.Repeat([]byte{'x'}, f.Size), fileServer: nil, fileTranscript: []byte(shard)}); err != nil {
			t.Fatal(err)
		}
	}
	st.Format, st.Shard, st.Findings = stateFormat, shard, s.state.Findings
	b, _ := json.Marshal(st)
	if err := os.WriteFile(filepath.Join(dir, fileState), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func input(chain string, size, hits int) Input {
	return Input{Kind: KindHello, Mutators: strings.Split(chain, "+"), Version: "1.3", Template: TemplateEngine, Size: size, Hits: hits}
}

// TestMergeFindings: a merge deduplicates as one campaign does: one
// signature is one finding whose inputs are the union (the same input's
// hits added), whose hits are the sum, whose time to first hit is the
// earliest and whose reproducer is the smallest that reproduced; counts
// are summed; the merge is not a campaign to resume, and merges again.
func TestMergeFindings(t *testing.T) {
	sig := "crash:go-panic: boom at x.f"
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	mk := func(size int, after string, reproduced bool, hits int, ins ...Input) *Finding {
		f := &Finding{Oracle: OracleCrash, Signature: sig, Case: Case{Kind: KindHello, Version: "1.3", Mutators: ins[0].Mutators},
			Size: size, FoundAfter: after, Reproduced: reproduced, Time: t0.Add(time.Duration(size) * time.Second)}
		f.addInputs(ins...)
		f.Hits = hits
		return f
	}
	a := fakeShard(t, "1/2", State{Seed: 5, Target: "127.0.0.1:1", Conversations: 1000, Elapsed: "30s", Restarts: 4, Allowed: 1,
		Expected: map[string]uint64{"client-hello/x": 3}, Families: map[string]uint64{"order": 10, "client_hello/size": 5},
		Rates: []RateSample{{At: 10, Seconds: 10, Conversations: 400}, {At: 20, Seconds: 10, Conversations: 300}, {At: 30, Seconds: 10, Conversations: 300}}},
		mk(3000, "7s", true, 5, input("a", 3000, 2), input("b", 3100, 2)),
		&Finding{Oracle: OracleAccept, Signature: "accept:rule:ServerHello", Case: Case{Kind: KindHello, Version: "1.2", Mutators: []string{"c"}}, Size: 100, Hits: 1, Reproduced: true, FoundAfter: "2s", Time: t0})
	b := fakeShard(t, "2/2", State{Seed: 5, Target: "127.0.0.1:1", Conversations: 1500, Elapsed: "31s", Restarts: 6,
		Expected: map[string]uint64{"client-hello/x": 2, "client-hello/y": 1}, Families: map[string]uint64{"order": 7},
		Rates: []RateSample{{At: 10.2, Seconds: 10.2, Conversations: 500}, {At: 20.2, Seconds: 10, Conversations: 500}, {At: 30.2, Seconds: 10, Conversations: 500}}},
		mk(2500, "3s", true, 4, input("d", 2500, 3), input("a", 2900, 1)))
	c := fakeShard(t, "", State{Seed: 5, Target: "127.0.0.1:1", Conversations: 10, Elapsed: "1s"},
		mk(10, "1s", false, 1, input("e", 10, 1))) // the smallest, never reproduced

	out := filepath.Join(t.TempDir(), "merged")
	var console bytes.Buffer
	sum, err := Merge(MergeOptions{Dirs: []string{a, b, c}, Out: out, Output: &console})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Findings != 2 || !slices.Equal(sum.Parts, []int{2, 1, 1}) {
		t.Errorf("merge: %+v, want 2 findings of parts holding 2, 1 and 1", sum)
	}
	fs := findings(t, out)
	f := fs[sig]
	if f == nil {
		t.Fatalf("merged findings %v lack %s", slices.Collect(mapKeys(fs)), sig)
	}
	if f.Size != 2500 || !f.Reproduced || f.FoundAfter != "1s" || f.Hits != 10 || !f.Time.Equal(t0.Add(10*time.Second)) {
		t.Errorf("merged finding: size %d, reproduced %v, found after %s, %d hits, time %v; want 2500 (the smallest reproduced), 1s, 10, the earliest",
			f.Size, f.Reproduced, f.FoundAfter, f.Hits, f.Time)
	}
	var got []string
	for _, in := range f.Inputs {
		got = append(got, strings.Join(in.Mutators, "+")+":"+strconv.Itoa(in.Hits)+":"+strconv.Itoa(in.Size))
	}
	if want := []string{"e:1:10", "d:3:2500", "a:3:2900", "b:2:3100"}; !slices.Equal(got, want) {
		t.Errorf("merged inputs %v, want %v (union, the same input's hits added, its smaller size kept, smallest first)", got, want)
	}
	if client, err := os.ReadFile(filepath.Join(out, dirFindings, slug(sig), fileTranscript)); err != nil || string(client) != "2/2" {
		t.Errorf("the reproducer's files are %q (%v), want shard 2/2's", client, err)
	}
	st := readState(t, out)
	if st.Conversations != 2510 || st.Restarts != 10 || st.Allowed != 1 || st.Elapsed != "31s" || len(st.Merged) != 3 ||
		st.Expected["client-hello/x"] != 5 || st.Expected["client-hello/y"] != 1 || st.Families["order"] != 17 {
		t.Errorf("merged state: %+v", st)
	}
	if len(st.Rates) != 3 || st.Rates[0].Conversations < 880 || st.Rates[0].Conversations > 920 {
		t.Errorf("merged rates %+v: want 3 windows, the first about 40/s + 49/s over 10 s", st.Rates)
	}
	md, _ := os.ReadFile(filepath.Join(out, reports.SummaryFile))
	for _, want := range []string{"2 findings (crash 1, hang 0, accept 1)", "## Merged campaigns", "| 1/2 |", "| 2/2 |", "`client-hello/x` | 5 |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("merged summary.md lacks %q:\n%s", want, md)
		}
	}
	if !strings.Contains(console.String(), "tlsconform campaign result: 2 findings") {
		t.Errorf("merge console:\n%s", console.String())
	}

	// A merged directory is not resumed; merged again, it is replaced.
	var se *SetupError
	if _, err := openStore(out, 5, "x", defaultMaxFindings); !errors.As(err, &se) || !strings.Contains(err.Error(), "merge") {
		t.Errorf("resuming a merge: %v, want a SetupError", err)
	}
	if sum, err := Merge(MergeOptions{Dirs: []string{a}, Out: out}); err != nil || sum.Findings != 2 {
		t.Errorf("merge into an earlier merge: %+v, %v", sum, err)
	}
	if _, err := Merge(MergeOptions{Dirs: []string{b}, Out: a}); !errors.As(err, &se) {
		t.Errorf("merge into a campaign's own directory: %v, want a SetupError", err)
	}
	if _, err := Merge(MergeOptions{Dirs: []string{t.TempDir()}, Out: filepath.Join(t.TempDir(), "m")}); !errors.As(err, &se) {
		t.Errorf("merge of a directory without campaign.json: %v, want a SetupError", err)
	}
}

// TestClaimShard: a REPORT_DIR holds one shard, resumed only as it.
func TestClaimShard(t *testing.T) {
	dir := t.TempDir()
	s, err := openStore(dir, 1, "builtin", defaultMaxFindings)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.claimShard("1/2"); err != nil {
		t.Fatal(err)
	}
	if err := s.checkpoint([]uint64{3}, 10, 0, time.Second); err != nil {
		t.Fatal(err)
	}
	s, err = openStore(dir, 1, "builtin", defaultMaxFindings)
	if err != nil {
		t.Fatal(err)
	}
	var se *SetupError
	if err := s.claimShard("2/2"); !errors.As(err, &se) || !strings.Contains(err.Error(), "holds 1/2, not 2/2") {
		t.Errorf("resuming shard 1/2 as 2/2: %v", err)
	}
	if err := s.claimShard("1/2"); err != nil {
		t.Errorf("resuming shard 1/2: %v", err)
	}
}
