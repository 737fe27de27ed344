package campaign

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite"
)

// hitsWriter keeps what is written and calls done once a progress line
// counts at least want hits of saved findings.
type hitsWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	want int
	done func()
}

var hitsRe = regexp.MustCompile(`\(\d+ new, (\d+) hits\)`)

func (w *hitsWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for _, m := range hitsRe.FindAllStringSubmatch(string(p), -1) {
		if n, _ := strconv.Atoi(m[1]); n >= w.want {
			w.done()
		}
	}
	return len(p), nil
}

func (w *hitsWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestCampaignOneCrashSiteOneFinding: a target with one real Go panic
// site (fuzz/panic-on-large-client-hello) that several changes reach at
// several versions is one finding, keyed by the panic's message and
// frames, listing every input that reached it smallest first, with the
// smallest as its reproducer; its stderr.txt is the crashing
// conversation's output, timestamped, and target.log the whole log.
func TestCampaignOneCrashSiteOneFinding(t *testing.T) {
	addr, cmd := testTargetCmd(t, "fuzz/panic-on-large-client-hello")
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &hitsWriter{want: 6, done: cancel}
	_, err := Run(ctx, Config{
		Target: addr, TargetCmd: cmd, Duration: 40 * time.Second, Workers: 2, Seed: 3, ReportDir: dir,
		Mutators: []string{"client_hello/size/", "client_hello/extensions/unknown/large", "record/fragment/large-hello"},
		Timeout:  500 * time.Millisecond, ProgressEvery: 300 * time.Millisecond, CheckpointEvery: time.Second, Out: out,
	})
	t.Logf("campaign output:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	fs := findings(t, dir)
	if len(fs) != 1 {
		t.Fatalf("one panic site, %d findings: %v", len(fs), slices.Collect(mapKeys(fs)))
	}
	var f *Finding
	var fdir string
	for sig, x := range fs {
		f, fdir = x, filepath.Join(dir, dirFindings, slug(sig))
	}
	if _, err := os.Stat(fdir); err != nil {
		fdir = filepath.Join(dir, dirFindings, slug(f.Signature)+"-"+sigHash(f.Signature))
	}
	if f.Oracle != OracleCrash || f.Site == nil || f.Site.Kind != "go-panic" || len(f.Site.Frames) == 0 || f.Site.Frames[0] != "campaign.keepHello" ||
		f.Site.Message != "runtime error: slice bounds out of range [:N] with capacity N" {
		t.Fatalf("finding %s: site %+v", f.Signature, f.Site)
	}
	if f.Hits < 7 {
		t.Errorf("%d hits, want 7 or more", f.Hits)
	}
	changes := map[string]bool{}
	versions := map[string]bool{}
	crashing := []string{"client_hello/size/16896", "client_hello/extensions/unknown/large", "record/fragment/large-hello"}
	for i, in := range f.Inputs {
		for _, m := range in.Mutators {
			changes[m] = true
		}
		if !slices.ContainsFunc(in.Mutators, func(m string) bool { return slices.Contains(crashing, m) }) {
			t.Errorf("input %v at TLS %s makes no ClientHello over 2048 bytes: it cannot have reached the panic", in.Mutators, in.Version)
		}
		versions[in.Version] = true
		if i > 0 && f.Inputs[i-1].Size > in.Size {
			t.Errorf("inputs not smallest first: %d then %d bytes", f.Inputs[i-1].Size, in.Size)
		}
	}
	if len(f.Inputs) < 2 || len(changes) < 2 {
		t.Errorf("%d inputs with the changes %v: want several inputs, several changes", len(f.Inputs), slices.Collect(mapKeys(changes)))
	}
	if f.Size != f.Inputs[0].Size {
		t.Errorf("the reproducer has %d bytes, the smallest input %d", f.Size, f.Inputs[0].Size)
	}
	if client, err := os.ReadFile(filepath.Join(fdir, fileClient)); err != nil || len(client) != f.Size {
		t.Errorf("client.bin: %d bytes (%v), want the reproducer's %d", len(client), err, f.Size)
	}
	stderr, err := os.ReadFile(filepath.Join(fdir, fileStderr))
	if err != nil {
		t.Fatal(err)
	}
	s := string(stderr)
	if !strings.HasPrefix(s, "# the target's output from the start of the conversation") ||
		!regexp.MustCompile(`(?m)^\[ *\+\d+\.\d{3}s\] panic: runtime error: slice bounds out of range`).MatchString(s) ||
		!strings.Contains(s, "--- the target exited (exit-2)") || strings.Contains(s, "listening on") {
		t.Errorf("stderr.txt is not the crashing conversation's output, timestamped:\n%s", s)
	}
	log, err := os.ReadFile(filepath.Join(dir, fileTargetLog))
	if err != nil || strings.Count(string(log), "listening on") < 2 || !strings.Contains(string(log), "--- the target exited (exit-2)") {
		t.Errorf("target.log (%v) does not hold the whole log of every start:\n%.2000s", err, log)
	}
	var rep bytes.Buffer
	ok, err := Replay(context.Background(), filepath.Join(fdir, fileFinding), ReplayOptions{Out: &rep})
	if err != nil || !ok || !strings.Contains(rep.String(), "site: go-panic: runtime error: slice bounds out of range") {
		t.Errorf("replay: reproduced %v, err %v:\n%s", ok, err, rep.String())
	}
	// The campaign was interrupted (its context ended): the summary is
	// there all the same.
	checkSummary(t, dir, out.String(), f)
}

// cryptoTLSExpected are the gate's crypto/tls expectations as the
// command hands them to a campaign.
func cryptoTLSExpected() *Expected {
	e := suite.CryptoTLSExpectations()
	out := &Expected{Name: e.Name}
	for _, d := range e.Deviations {
		out.Deviations = append(out.Deviations, ExpectedDeviation{ID: d.ID, Status: string(d.Status), Reason: d.Reason})
	}
	return out
}

// TestCampaignExpectedDeviations: with the gate's crypto/tls
// expectations, crypto/tls taking a 33- or 255-byte session_id (at any
// version) is counted as expected, under the entry that names it, and
// not saved.
func TestCampaignExpectedDeviations(t *testing.T) {
	dir := t.TempDir()
	sum, err := Run(context.Background(), Config{Target: "builtin", Duration: 1500 * time.Millisecond, Workers: 2, Seed: 3, ReportDir: dir,
		Mutators: []string{"client_hello/session_id/"}, Timeout: time.Second, Expect: cryptoTLSExpected()})
	if err != nil {
		t.Fatal(err)
	}
	if fs := findings(t, dir); len(fs) != 0 {
		t.Errorf("expected deviations saved as findings: %v", slices.Collect(mapKeys(fs)))
	}
	st := readState(t, dir)
	if sum.Expected == 0 || st.Expected["client-hello/*/session_id/33-bytes"]+st.Expected["client-hello/*/session_id/255-bytes"] != sum.Expected {
		t.Errorf("summary: %d expected; campaign.json: %v", sum.Expected, st.Expected)
	}
}

// TestAcceptanceKey: one rule broken with one answer is one key at every
// version and on every template; another rule, or another answer, is
// another.
func TestAcceptanceKey(t *testing.T) {
	cat, err := newCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	cp := &campaign{cat: cat}
	res := func(version, template, answer string, names ...string) *result {
		r := &result{c: Case{Kind: KindHello, Version: version, Template: template}, applied: names}
		r.outcome.WentOn = answer
		return r
	}
	a := cp.keyOf(OracleAccept, res("1.0", TemplateEngine, "ServerHello", "client_hello/session_id/33-bytes"), nil, nil)
	for _, r := range []*result{
		res("1.3", "corpus:curl", "ServerHello", "client_hello/session_id/33-bytes"),
		res("1.2", TemplateSample, "ServerHello", "client_hello/grease/all", "client_hello/session_id/255-bytes"),
	} {
		if b := cp.keyOf(OracleAccept, r, nil, nil); b != a {
			t.Errorf("%v at TLS %s: key %q, want %q", r.applied, r.c.Version, b, a)
		}
	}
	if b := cp.keyOf(OracleAccept, res("1.2", TemplateEngine, "HelloRetryRequest", "client_hello/session_id/33-bytes"), nil, nil); b == a {
		t.Error("another answer, the same key")
	}
	if b := cp.keyOf(OracleAccept, res("1.2", TemplateEngine, "ServerHello", "client_hello/compression_methods/empty"), nil, nil); b == a {
		t.Error("another rule, the same key")
	}
	if want := "accept:client_hello/session_id (RFC 5246 §7.4.1.2; RFC 8446 §4.1.2):ServerHello"; a != want {
		t.Errorf("key %q, want %q", a, want)
	}
}

// TestRejudgeAfterMinimization: the case, a trailing byte in
// signature_algorithms and compression_methods' length set to 255 on
// gnutls-cli's ClientHello at TLS 1.3, is a well-formed TLS 1.2
// ClientHello (255 compression methods with null, no extensions): a
// target that answers it is right, and the judge drops it; a 33-byte
// session_id stays a finding, with its rule; a SHOULD-level rule is
// allowed.
func TestRejudgeAfterMinimization(t *testing.T) {
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
	ref := newReferee(time.Second)
	defer ref.close()

	valid := Case{Kind: KindHello, Version: "1.3", Template: "corpus:gnutls-cli", Seed: 1, Group: "X25519",
		Mutators: []string{"client_hello/extensions/trailing/signature_algorithms", "client_hello/length/compression_methods/max"}}
	r := cat.converse(ctx, ep.addr, valid, time.Second)
	if r.answer != AnswerAccept || !r.must || len(r.applied) != 2 {
		t.Fatalf("the issue's case: %s (%s), must %v, applied %v: the oracle no longer fires on it", r.answer, r.describe(), r.must, r.applied)
	}
	if vd := cat.judgeAccept(ctx, r, ref); vd.Finding || !strings.Contains(vd.Why, "valid message") {
		t.Errorf("the issue's case judged %s", vd)
	}

	bad := Case{Kind: KindHello, Version: "1.2", Template: TemplateSample, Seed: 1, Mutators: []string{"client_hello/session_id/33-bytes"}}
	r = cat.converse(ctx, ep.addr, bad, time.Second)
	vd := cat.judgeAccept(ctx, r, ref)
	if !vd.Finding || !strings.Contains(vd.Rule, "client_hello/session_id/33-bytes: must-reject, MUST at TLS 1.2") || !strings.Contains(vd.Rule, "decode_error") {
		t.Errorf("crypto/tls taking a 33-byte session_id judged %s, rule %q", vd, vd.Rule)
	}

	should := &result{c: Case{Kind: KindHello, Version: "1.2"}, applied: []string{"client_hello/extensions/trailing/alpn"}, answer: AnswerAccept}
	if vd := cat.judgeAccept(ctx, should, nil); vd.Finding || !strings.Contains(vd.Why, "SHOULD") {
		t.Errorf("a SHOULD-level rule judged %s", vd)
	}
}

// TestReplayRejudges: replay prints the verdict with its rule, and says
// "reproduced: yes" only while the verdict is a finding.
func TestReplayRejudges(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, c Case) string {
		f := Finding{Oracle: OracleAccept, Signature: "accept:test:" + name, Target: "builtin", Timeout: "1s", Case: c, Mutators: c.Mutators, Version: c.Version}
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	valid := write("valid", Case{Kind: KindHello, Version: "1.3", Template: "corpus:gnutls-cli", Seed: 1, Group: "X25519",
		Mutators: []string{"client_hello/extensions/trailing/signature_algorithms", "client_hello/length/compression_methods/max"}})
	var out bytes.Buffer
	ok, err := Replay(context.Background(), valid, ReplayOptions{Out: &out})
	if err != nil || ok || !strings.Contains(out.String(), "verdict: allowed: ") || !strings.Contains(out.String(), "reproduced: no") {
		t.Errorf("replay of an allowed case: reproduced %v, err %v:\n%s", ok, err, out.String())
	}
	bad := write("bad", Case{Kind: KindHello, Version: "1.2", Template: TemplateSample, Seed: 1, Mutators: []string{"client_hello/session_id/33-bytes"}})
	out.Reset()
	ok, err = Replay(context.Background(), bad, ReplayOptions{Out: &out})
	if err != nil || !ok || !strings.Contains(out.String(), "rule: client_hello/session_id/33-bytes") || !strings.Contains(out.String(), "verdict: finding: ") ||
		!strings.Contains(out.String(), "reproduced: yes") {
		t.Errorf("replay of crypto/tls taking a 33-byte session_id: reproduced %v, err %v:\n%s", ok, err, out.String())
	}
}

// TestGateChecks: every change the campaign draws maps to checks of the
// gate at some version it applies to, and the crypto/tls expectations
// excuse what they name and nothing else.
func TestGateChecks(t *testing.T) {
	cat, err := newCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	versions := []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13}
	kinds := map[string]string{}
	// A fine mutator maps to the gate's checks only as a nested lie of a
	// field the registry lies about too (the fine samples have more
	// fields: server_name, ALPN, pre_shared_key); those map.
	fineMaps := func(name string) bool {
		alias, ok := nestedAlias(name)
		_, inRegistry := mutators.ByName(alias)
		return ok && inRegistry
	}
	for _, m := range cat.hello {
		if _, fine := mutators.FineByName(m.Name); fine && !fineMaps(m.Name) {
			continue
		}
		kinds[m.Name] = KindHello
	}
	for _, m := range cat.ckeMsg {
		if fineMaps(m.Name) {
			kinds[m.Name] = KindCKE
		}
	}
	for _, m := range cat.cke {
		kinds[m.Name] = KindCKE
	}
	for _, m := range cat.framing {
		kinds[m.Name] = KindFraming
	}
	for _, x := range cat.order {
		kinds[x.Name] = KindOrder
	}
	for _, x := range cat.finished {
		kinds[x.Name] = KindFinished
	}
	for name, kind := range kinds {
		n := 0
		for _, v := range versions {
			n += len(cat.gateChecks(kind, name, v))
		}
		if n == 0 {
			t.Errorf("%s maps to no check of the gate", name)
		}
	}
	for _, x := range slices.Concat(cat.order, cat.finished) {
		for _, v := range versions {
			if x.AppliesTo(v) && x.Check != "" && len(cat.gateChecks(kinds[x.Name], x.Name, v)) == 0 {
				t.Errorf("%s names check %q, which TLS %s does not have", x.Name, x.Check, v.Short())
			}
		}
	}
	e := cryptoTLSExpected()
	for _, tc := range []struct {
		kind, name string
		v          wire.Version
		want       string
	}{
		{KindHello, "client_hello/session_id/33-bytes", wire.VersionTLS10, "client-hello/*/session_id/33-bytes"},
		{KindHello, "client_hello/session_id/255-bytes", wire.VersionTLS13, "client-hello/*/session_id/255-bytes"},
		{KindOrder, "order/reorder/finished-before-compat-ccs", wire.VersionTLS13, "message-order/tls13/ecdhe/ccs-after-finished"},
		{KindCKE, "client_key_exchange/rsa/ciphertext-modulus", wire.VersionTLS12, "client-key-exchange/*/rsa/rsa/ciphertext-modulus"},
		{KindHello, "client_hello/extensions/duplicate/key_share", wire.VersionTLS13, ""},
		{KindHello, "client_hello/compression_methods/empty", wire.VersionTLS12, ""},
	} {
		d, ok := e.match(cat.gateChecks(tc.kind, tc.name, tc.v))
		if ok != (tc.want != "") || d.ID != tc.want {
			t.Errorf("%s at TLS %s: expected %v by %q, want %q", tc.name, tc.v.Short(), ok, d.ID, tc.want)
		}
	}
	// The first entry naming a check decides: a warn entry first excuses
	// no failure.
	w := &Expected{Deviations: []ExpectedDeviation{{ID: "client-hello/tls12/*/session_id/33-bytes", Status: "warn"}, {ID: "client-hello/*", Status: "fail"}}}
	if _, ok := w.match([]string{"client-hello/tls12/ecdhe_rsa/session_id/33-bytes"}); ok {
		t.Error("a warn entry first excused a failure")
	}
}

// TestFindingInputs: inputs add up by (kind, changes, version,
// template), keep the smallest size and its seed, stay smallest first
// and bounded.
func TestFindingInputs(t *testing.T) {
	f := &Finding{}
	in := func(size int, seed uint64, names ...string) Input {
		return Input{Kind: KindHello, Mutators: names, Version: "1.3", Size: size, Hits: 1, Seed: seed}
	}
	f.addInputs(in(500, 1, "a"), in(300, 2, "b", "c"), in(400, 3, "a"), in(300, 4, "d"))
	if f.Hits != 4 || len(f.Inputs) != 3 {
		t.Fatalf("%d hits, inputs %+v", f.Hits, f.Inputs)
	}
	if got := []string{f.Inputs[0].key(), f.Inputs[1].key(), f.Inputs[2].key()}; got[0] != in(0, 0, "d").key() || got[1] != in(0, 0, "b", "c").key() {
		t.Errorf("order %v: want the smallest first, fewer changes first at one size", got)
	}
	if a := f.Inputs[2]; a.Hits != 2 || a.Size != 400 || a.Seed != 3 {
		t.Errorf("input a: %+v, want 2 hits, 400 bytes, seed 3", a)
	}
	for i := range 2 * maxInputs {
		f.addInputs(in(1000+i, 0, "x"+strconv.Itoa(i)))
	}
	if len(f.Inputs) != maxInputs || f.Inputs[0].Size != 300 || f.Hits != 4+2*maxInputs {
		t.Errorf("%d inputs (first %d bytes), %d hits", len(f.Inputs), f.Inputs[0].Size, f.Hits)
	}
}

// TestTargetLog: the ring gives a conversation's window with times from
// its start, marks included, and stays bounded; target.log gets every
// line.
func TestTargetLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), fileTargetLog)
	l, err := openTargetLog(path)
	if err != nil {
		t.Fatal(err)
	}
	l.line("before")
	from := time.Now()
	l.line("panic: boom")
	l.markf("the target exited (%s)", "exit-2")
	lines, lost := l.since(from)
	if len(lines) != 2 || lost {
		t.Fatalf("window: %+v (lost %v)", lines, lost)
	}
	text := windowText(lines, lost, from, "the exit")
	if !regexp.MustCompile(`(?m)^\[ *\+0\.\d{3}s\] panic: boom\n\[ *\+0\.\d{3}s\] --- the target exited \(exit-2\)$`).MatchString(text) || strings.Contains(text, "before") {
		t.Errorf("window text:\n%s", text)
	}
	for i := range 3 * ringLines {
		l.line("noise " + strconv.Itoa(i) + strings.Repeat("x", 3*ringLineBytes))
	}
	if all, lost := l.since(from); len(all) != ringLines || !lost || len(all[0].s) > ringLineBytes+len(" [line cut]") {
		t.Errorf("ring: %d lines kept (lost %v), first %d bytes", len(all), lost, len(all[0].s))
	}
	if err := l.close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || bytes.Count(b, []byte("\n")) != 3+3*ringLines || !bytes.Contains(b, []byte(" --- the target exited (exit-2)\n")) {
		t.Errorf("target.log: %d lines (%v)", bytes.Count(b, []byte("\n")), err)
	}
}
