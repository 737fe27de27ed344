package campaign

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// findings reads every finding of a report directory, by signature, and
// checks that each directory is whole: finding.json valid and every file
// it lists present.
func findings(t *testing.T, dir string) map[string]*Finding {
	t.Helper()
	out := map[string]*Finding{}
	entries, err := os.ReadDir(filepath.Join(dir, dirFindings))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			t.Errorf("%s: a finding left half written", e.Name())
			continue
		}
		path := filepath.Join(dir, dirFindings, e.Name(), fileFinding)
		f, err := LoadFinding(path)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		for _, name := range append([]string{fileClient, fileServer, fileTranscript}, f.Files...) {
			if _, err := os.Stat(filepath.Join(dir, dirFindings, e.Name(), name)); err != nil {
				t.Errorf("%s: %v", e.Name(), err)
			}
		}
		if _, dup := out[f.Signature]; dup {
			t.Errorf("signature %s saved twice", f.Signature)
		}
		out[f.Signature] = f
	}
	return out
}

// readState reads campaign.json, which must be valid.
func readState(t *testing.T, dir string) State {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, fileState))
	if err != nil {
		t.Fatal(err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("campaign.json: %v", err)
	}
	return st
}

// TestCampaignFindsCrashAndHang is the self-test: a target started by
// TARGET_CMD that exits on a ClientHello with two key_share extensions
// and hangs on one with two supported_groups; a short campaign on the
// duplicate-extension family finds both, saves them whole, and replay
// reproduces each.
func TestCampaignFindsCrashAndHang(t *testing.T) {
	addr, cmd := testTargetCmd(t, "fuzz/crash-on-duplicate-key-share", "fuzz/hang-on-duplicate-supported-groups")
	dir := t.TempDir()
	// The campaign stops once both are found (at most after 15s).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &untilWriter{want: []string{"finding crash:client_hello/extensions/duplicate/key_share:exit-2 ",
		"finding hang:client_hello/extensions/duplicate/supported_groups "}, done: cancel}
	sum, err := Run(ctx, Config{
		Target: addr, TargetCmd: cmd, Duration: 15 * time.Second, Workers: 2, Seed: 7, ReportDir: dir,
		Mutators: []string{"client_hello/extensions/duplicate/"}, Timeout: 500 * time.Millisecond,
		ProgressEvery: time.Second, CheckpointEvery: 500 * time.Millisecond, Out: out,
	})
	t.Logf("campaign output:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	fs := findings(t, dir)
	var crash, hang *Finding
	var crashDir, hangDir string
	for sig, f := range fs {
		switch {
		case f.Oracle == OracleCrash && slices.Equal(f.Mutators, []string{"client_hello/extensions/duplicate/key_share"}):
			crash = f
			crashDir = filepath.Join(dir, dirFindings, slug(sig))
		case f.Oracle == OracleHang && slices.Equal(f.Mutators, []string{"client_hello/extensions/duplicate/supported_groups"}):
			hang = f
			hangDir = filepath.Join(dir, dirFindings, slug(sig))
		default:
			t.Errorf("unexpected finding %s (%s)", sig, f.Outcome)
		}
	}
	if crash == nil || hang == nil {
		t.Fatalf("want a crash on a duplicate key_share and a hang on duplicate supported_groups, got %d findings: %v", len(fs), slices.Collect(mapKeys(fs)))
	}
	if !crash.Reproduced || crash.ExitStatus != "exit-2" || crash.Version != "1.3" {
		t.Errorf("crash finding: reproduced %v, exit %q, version %s; want reproduced, exit-2, 1.3", crash.Reproduced, crash.ExitStatus, crash.Version)
	}
	if out, err := os.ReadFile(filepath.Join(crashDir, fileStderr)); err != nil || !strings.Contains(string(out), "simulated crash") {
		t.Errorf("crash finding: stderr.txt %q (%v), want the target's last words", out, err)
	}
	// The simulated crash names no site: the key is the change and the exit.
	if crash.Site != nil || crash.Signature != "crash:client_hello/extensions/duplicate/key_share:exit-2" || crash.Hits < 1 || len(crash.Inputs) == 0 {
		t.Errorf("crash finding: site %v, signature %q, %d hits, inputs %v", crash.Site, crash.Signature, crash.Hits, crash.Inputs)
	}
	if hang.Answer != AnswerTimeout || !hang.Reproduced {
		t.Errorf("hang finding: answer %s, reproduced %v", hang.Answer, hang.Reproduced)
	}
	client, err := os.ReadFile(filepath.Join(crashDir, fileClient))
	if err != nil || len(client) < 5 || client[0] != byte(wire.ContentHandshake) {
		t.Errorf("crash finding: client.bin does not start with a handshake record: %x", client[:min(len(client), 8)])
	}
	st := readState(t, dir)
	if st.Seed != 7 || len(st.Iterations) != 2 || st.Iterations[0] == 0 || len(st.Findings) != len(fs) {
		t.Errorf("campaign.json: %+v", st)
	}
	if sum.NewFindings != len(fs) {
		t.Errorf("summary says %d new findings, the directory holds %d", sum.NewFindings, len(fs))
	}
	for _, d := range []string{crashDir, hangDir} {
		var rep bytes.Buffer
		ok, err := Replay(context.Background(), filepath.Join(d, fileFinding), ReplayOptions{Out: &rep})
		if err != nil || !ok {
			t.Errorf("replay %s: reproduced %v, err %v:\n%s", filepath.Base(d), ok, err, rep.String())
		}
	}
}

func mapKeys[M ~map[K]V, K comparable, V any](m M) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestCampaignResumes: a second run on the same REPORT_DIR goes on from
// the iterations the first reached, keeps its findings, and saves none of
// them twice.
func TestCampaignResumes(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Target: "builtin", Duration: 1500 * time.Millisecond, Workers: 2, Seed: 3, ReportDir: dir,
		Mutators: []string{"client_hello/session_id/"}, Timeout: time.Second, CheckpointEvery: 200 * time.Millisecond}
	if _, err := Run(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	first, firstState := findings(t, dir), readState(t, dir)
	if len(first) == 0 {
		t.Fatal("no finding: crypto/tls accepts a session_id of 33 bytes (a known deviation), the campaign should say so")
	}
	cfg.Duration = time.Second
	sum, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	second, secondState := findings(t, dir), readState(t, dir)
	for sig := range first {
		if second[sig] == nil {
			t.Errorf("finding %s lost on resume", sig)
		}
	}
	if sum.NewFindings != len(second)-len(first) {
		t.Errorf("resumed run saved %d findings, the directory grew by %d", sum.NewFindings, len(second)-len(first))
	}
	for w := range 2 {
		if secondState.Iterations[w] <= firstState.Iterations[w] {
			t.Errorf("worker %d: iterations %d after resuming from %d", w, secondState.Iterations[w], firstState.Iterations[w])
		}
	}
	if secondState.Conversations != firstState.Conversations+sum.Conversations {
		t.Errorf("conversations %d, want %d + %d", secondState.Conversations, firstState.Conversations, sum.Conversations)
	}
	// Another seed is another campaign.
	cfg.Seed = 4
	var se *SetupError
	if _, err := Run(context.Background(), cfg); !errors.As(err, &se) || !strings.Contains(err.Error(), "seed 3") {
		t.Errorf("resume with another seed: %v, want a SetupError naming seed 3", err)
	}
}

// TestCampaignKilledKeepsFiles: a campaign whose context ends at any
// moment leaves a valid state and whole findings.
func TestCampaignKilledKeepsFiles(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := &signalWriter{match: "serves TLS", seen: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, Config{Target: "builtin", Duration: time.Hour, Workers: 3, Seed: 5, ReportDir: dir,
			Timeout: time.Second, CheckpointEvery: time.Hour, Out: started})
		done <- err
	}()
	select {
	case <-started.seen:
	case err := <-done:
		t.Fatalf("the campaign ended before it started: %v", err)
	}
	// Let it run a little, then kill it.
	run := time.NewTimer(500 * time.Millisecond)
	<-run.C
	cancel()
	stop := time.NewTimer(10 * time.Second)
	defer stop.Stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-stop.C:
		t.Fatal("the campaign did not stop within 10s of its context's end")
	}
	findings(t, dir)
	st := readState(t, dir)
	if len(st.Iterations) != 3 || st.Conversations == 0 {
		t.Errorf("campaign.json after the kill: %+v", st)
	}
}

// untilWriter keeps what is written and calls done once every string of
// want has appeared.
type untilWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want []string
	done func()
}

func (w *untilWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for _, s := range w.want {
		if !strings.Contains(w.buf.String(), s) {
			return len(p), nil
		}
	}
	w.done()
	return len(p), nil
}

func (w *untilWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// signalWriter closes seen when a line containing match is written.
type signalWriter struct {
	match string
	seen  chan struct{}
	once  sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.match) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}

func TestCampaignSetupErrors(t *testing.T) {
	dir := t.TempDir()
	addr, _ := testTargetCmd(t)
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"bad duration", Config{Target: "builtin", ReportDir: dir}, "DURATION"},
		{"unreachable", Config{Target: "127.0.0.1:1", Duration: time.Second, ReportDir: dir}, "127.0.0.1:1"},
		{"not a target", Config{Target: "nonsense", Duration: time.Second, ReportDir: dir}, "nonsense"},
		{"command exits", Config{Target: addr, TargetCmd: "echo no such server >&2; exit 3", Duration: time.Second, ReportDir: dir}, "no such server"},
		{"command without address", Config{Target: "builtin", TargetCmd: "true", Duration: time.Second, ReportDir: dir}, "HOST:PORT"},
		{"mutator typo", Config{Target: "builtin", Duration: time.Second, ReportDir: dir, Mutators: []string{"client_helo/"}}, "client_helo/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := Run(context.Background(), tc.cfg)
			var se *SetupError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want a SetupError that names %q", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v: a setup error should come at once", d)
			}
		})
	}
}

// TestCasesAreDeterministic: a worker's iteration is the same case every
// time, and a case sends the same ClientHello every time.
func TestCasesAreDeterministic(t *testing.T) {
	cat, err := newCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	env := &targetEnv{versions: []wire.Version{wire.VersionTLS12, wire.VersionTLS13},
		appData: map[wire.Version]bool{wire.VersionTLS12: true, wire.VersionTLS13: true},
		kx:      map[wire.Version][]string{wire.VersionTLS12: {KXRSA, KXECDHE}}, group13: wire.GroupX25519,
		retry: true, resume: map[wire.Version]bool{wire.VersionTLS12: true, wire.VersionTLS13: true}}
	cp := &campaign{cfg: Config{Seed: 11}, cat: cat, env: env}
	kindsSeen := map[string]bool{}
	for it := range uint64(200) {
		a, okA := cp.nextCase(1, it)
		b, okB := cp.nextCase(1, it)
		if !okA || !okB || a.key() != b.key() {
			t.Fatalf("iteration %d: %+v then %+v", it, a, b)
		}
		kindsSeen[a.Kind] = true
		if a.Kind != KindHello || a.Template == TemplateEngine {
			continue
		}
		p1, err1 := cat.build(a, time.Second)
		p2, err2 := cat.build(a, time.Second)
		if err1 != nil || err2 != nil || len(p1.script) != len(p2.script) {
			t.Fatalf("%+v: %v %v", a, err1, err2)
		}
	}
	for _, k := range kinds {
		if !kindsSeen[k.name] {
			t.Errorf("kind %s never chosen in 200 iterations", k.name)
		}
	}
	other := &campaign{cfg: Config{Seed: 12}, cat: cat, env: env}
	same := 0
	for it := range uint64(50) {
		a, _ := cp.nextCase(0, it)
		b, _ := other.nextCase(0, it)
		if a.key() == b.key() {
			same++
		}
	}
	if same > 5 {
		t.Errorf("seeds 11 and 12 give %d identical cases of 50", same)
	}
}

// TestSameCaseSameBytes: sent twice, a case's client bytes up to the
// target's first answer are the same.
func TestSameCaseSameBytes(t *testing.T) {
	ctx := context.Background()
	cat, err := newCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := openEndpoint(ctx, "builtin", "", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.close()
	for _, c := range []Case{
		{Kind: KindHello, Version: "1.3", Template: TemplateEngine, Seed: 9, Group: "X25519", AppData: true,
			Mutators: []string{"client_hello/grease/all", "client_hello/extensions/duplicate/alpn"}},
		{Kind: KindHello, Version: "1.2", Template: "corpus:curl", Seed: 9, AppData: true,
			Mutators: []string{"client_hello/extensions/reorder/shuffle", "client_hello/length/cipher_suites/short"}},
		{Kind: KindFraming, Version: "1.2", Seed: 10, AppData: true, Mutators: []string{"record/fragment/random"}},
	} {
		a := cat.converse(ctx, ep.addr, c, time.Second)
		b := cat.converse(ctx, ep.addr, c, time.Second)
		first := func(r *result) []byte {
			for _, e := range r.events {
				if e.Dir == 0 {
					return e.Raw
				}
			}
			return nil
		}
		if a.answer != b.answer || !slices.Equal(a.applied, b.applied) || !bytes.Equal(first(a), first(b)) || len(first(a)) == 0 {
			t.Errorf("%v: %s %v then %s %v; first records equal: %v", c.Mutators, a.answer, a.applied, b.answer, b.applied, bytes.Equal(first(a), first(b)))
		}
	}
}

// TestVerdictLastChangeDecides: a must-reject change that a later one
// overwrites is no rejection to expect; the composition order puts the
// rejected changes last.
func TestVerdictLastChangeDecides(t *testing.T) {
	cat, err := newCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	empty, both := "client_hello/compression_methods/empty", "client_hello/compression_methods/deflate-and-null"
	if must, _ := cat.verdictOf([]string{empty, both}, wire.VersionTLS10, false); must {
		t.Errorf("%s then %s: must reject, but the second undoes the first", empty, both)
	}
	if got := cat.helloOrder([]string{empty, both}); !slices.Equal(got, []string{both, empty}) {
		t.Errorf("helloOrder = %v, want the must-reject change last", got)
	}
	if must, _ := cat.verdictOf([]string{both, empty}, wire.VersionTLS10, false); !must {
		t.Errorf("%s then %s: must reject", both, empty)
	}
	if must, _ := cat.verdictOf([]string{"client_hello/key_share/share-extended"}, wire.VersionTLS13, true); must {
		t.Error("a broken first key share among several: the server may pick another")
	}
	if must, _ := cat.verdictOf([]string{"client_hello/extensions/trailing/alpn"}, wire.VersionTLS12, false); must {
		t.Error("a malformed extension body in TLS 1.2 is SHOULD-level (the mutator's expectation, mutators/hello.go chExtBodyLevel)")
	}
}

// TestCrashSignatureWithoutSite: a hang (or crash) the target says
// nothing about is keyed by the fields its changes touch, so that two
// values in one field are one finding.
func TestCrashSignatureWithoutSite(t *testing.T) {
	a := crashSignature(OracleHang, nil, []string{"client_hello/value/extensions.server_name.server_name_list[0].host_name/nul-inside"}, "")
	b := crashSignature(OracleHang, nil, []string{"client_hello/value/extensions.server_name.server_name_list[0].host_name/all-zero"}, "")
	c := crashSignature(OracleHang, nil, []string{"client_hello/value/extensions.key_share.client_shares[0].key_exchange/all-zero"}, "")
	if a != b || a == c {
		t.Errorf("signatures %q, %q, %q: want the first two equal, the third apart", a, b, c)
	}
}

func TestSlug(t *testing.T) {
	for sig, want := range map[string]string{
		"accept:client_hello/session_id (RFC 5246 §7.4.1.2; RFC 8446 §4.1.2):ServerHello": "accept_client_hello_session_id_rfc_5246_7.4.1.2_rfc_8446_4.1.2_serverhello",
		"crash:order/drop/client_key_exchange:exit-2":                                     "crash_order_drop_client_key_exchange_exit-2",
	} {
		if got := slug(sig); got != want {
			t.Errorf("slug(%q) = %q, want %q", sig, got, want)
		}
	}
	long := crashSignature(OracleHang, nil, []string{"client_hello/length/extensions.key_share.client_shares/long",
		"client_hello/length/extensions.supported_versions.versions/long", "client_hello/length/extensions.signature_algorithms.supported_signature_algorithms/long"}, "")
	if s := slug(long); len(s) > maxSlug+9 || !strings.Contains(s, "-") {
		t.Errorf("slug of a long signature: %q", s)
	}
}

// TestCampaignDeadTarget: without TARGET_CMD, a target that stops
// answering after a conversation (and again after a short retry) is a
// crash-or-dead finding with the last conversations; the campaign then
// waits for it and ends on time.
func TestCampaignDeadTarget(t *testing.T) {
	addr, cmd := testTargetCmd(t, "fuzz/crash-on-duplicate-key-share")
	ctx := context.Background()
	ep, err := openEndpoint(ctx, addr, cmd, time.Second) // started here, not by the campaign
	if err != nil {
		t.Fatal(err)
	}
	defer ep.close()
	dir := t.TempDir()
	start := time.Now()
	var out bytes.Buffer
	_, err = Run(ctx, Config{Target: addr, Duration: 2 * time.Second, Workers: 1, Seed: 2, ReportDir: dir,
		Mutators: []string{"client_hello/extensions/duplicate/key_share"}, Timeout: 500 * time.Millisecond, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("the campaign took %v of its 2s", d)
	}
	fs := findings(t, dir)
	if len(fs) != 1 {
		t.Fatalf("want one finding, got %v; output:\n%s", slices.Collect(mapKeys(fs)), out.String())
	}
	for sig, f := range fs {
		if f.Oracle != OracleCrash || !strings.HasSuffix(sig, ":dead") || len(f.Candidates) == 0 || f.Reproduced {
			t.Errorf("%s: oracle %s, %d candidates, reproduced %v", sig, f.Oracle, len(f.Candidates), f.Reproduced)
		}
	}
}
