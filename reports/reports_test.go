package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// tls12Failure is the conversation of a Finished check whose target answered
// a corrupted Finished with the wrong alert.
func tls12Failure() []Event {
	return []Event{
		{Dir: "client", Ms: 0, Type: "handshake", Summary: "ClientHello", Raw: "16030100"},
		{Dir: "server", Ms: 1.2, Type: "handshake", Summary: "ServerHello, Certificate, ServerKeyExchange, ServerHelloDone", Raw: "16030300"},
		{Dir: "client", Ms: 3.4, Type: "handshake", Summary: "ClientKeyExchange", Raw: "16030300"},
		{Dir: "client", Ms: 3.4, Type: "change_cipher_spec", Summary: "ChangeCipherSpec", Raw: "140303000101"},
		{Dir: "client", Ms: 3.5, Type: "handshake", Summary: "Finished (flipped bit 3)", Raw: "16030300"},
		{Dir: "server", Ms: 4.1, Type: "alert", Summary: "fatal handshake_failure", Raw: "15030300020228"},
		{Dir: "server", Ms: 4.1, Type: "closed"},
	}
}

func sampleReport() *Report {
	return &Report{
		Target: "127.0.0.1:4433",
		Profile: Profile{
			Versions: []string{"1.2", "1.3"},
			KX:       []string{"rsa", "ecdhe_rsa", "tls13"},
			Groups:   []string{"x25519", "secp256r1"},
			Suites:   []string{"TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384"},
			Notes:    []string{"answers a TLS 1.0-only ClientHello with protocol_version"},
		},
		Seed:    42,
		Started: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC),
		Elapsed: 1.5,
		// Deliberately out of order: the writers sort by area, then ID.
		Checks: []Check{
			{ID: "version-negotiation/tls13/downgrade-sentinel", Area: "version-negotiation", RFC: "RFC 8446 §4.1.3", Level: "MUST", Version: "1.3", KX: "tls13", Status: Pass, Expected: "sentinel absent", Observed: "sentinel absent"},
			{ID: "finished/tls12/rsa/flip-bit-3", Area: "finished", RFC: "RFC 5246 §7.4.9", Level: "MUST", Version: "1.2", KX: "rsa", Status: Fail,
				Expected: "decrypt_error", Observed: "handshake_failure", Transcript: tls12Failure()},
			{ID: "finished/tls12/rsa/baseline", Area: "finished", RFC: "RFC 5246 §7.4.9", Level: "MUST", Version: "1.2", KX: "rsa", Status: Pass, Expected: "handshake completes", Observed: "handshake completes"},
			{ID: "message-order/tls12/rsa/ccs-before-cke", Area: "message-order", RFC: "RFC 5246 §7.4", Level: "MUST", Version: "1.2", KX: "rsa", Status: Fail,
				Expected: "unexpected_message", Observed: "timeout", Transcript: []Event{
					{Dir: "client", Ms: 0, Type: "handshake", Summary: "ClientHello", Raw: "16"},
					{Dir: "server", Ms: 0.9, Type: "handshake", Summary: "ServerHello, Certificate, ServerHelloDone", Raw: "16"},
					{Dir: "client", Ms: 1.0, Type: "change_cipher_spec", Raw: "14"},
					{Dir: "server", Ms: 2001.0, Type: "timeout"},
				}},
			{ID: "message-order/tls12/rsa/close-without-alert", Area: "message-order", RFC: "RFC 5246 §7.2.2", Level: "SHOULD", Version: "1.2", KX: "rsa", Status: Warn,
				Expected: "alert decode_error", Observed: "close without alert", Reason: "closed without sending an alert", Transcript: []Event{
					{Dir: "client", Ms: 0, Type: "handshake", Summary: "ClientHello (truncated)", Raw: "16"},
					{Dir: "server", Ms: 0.5, Type: "closed"},
				}},
			{ID: "finished/tls13/ecdhe/alert-name", Area: "finished", RFC: "RFC 8446 §4.4.4", Level: "SHOULD", Version: "1.3", KX: "tls13", Status: Warn,
				Expected: "decrypt_error", Observed: "bad_record_mac", Transcript: []Event{
					{Dir: "client", Ms: 0, Type: "handshake", Summary: "ClientHello", Raw: "16"},
					{Dir: "server", Ms: 0.7, Type: "application_data", Summary: "undecryptable", Raw: "17"},
				}},
			{ID: "finished/tls10/rsa/flip-bit-3", Area: "finished", RFC: "RFC 2246 §7.4.9", Level: "MUST", Version: "1.0", KX: "rsa", Status: Skip, Reason: "target does not offer TLS 1.0"},
			{ID: "finished/tls11/rsa/flip-bit-3", Area: "finished", RFC: "RFC 4346 §7.4.9", Level: "MUST", Version: "1.1", KX: "rsa", Status: Skip, Reason: "target does not offer TLS 1.1"},
			{ID: "version-negotiation/tls10/only", Area: "version-negotiation", RFC: "RFC 8996 §5", Level: "MUST", Version: "1.0", Status: Skip, Reason: "target does not offer TLS 1.0"},
		},
	}
}

func TestJSONRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out", "report.json") // the directory is created
	r := sampleReport()
	before := append([]Check(nil), r.Checks...)
	if err := WriteJSON(path, r); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Checks, before) {
		t.Error("WriteJSON reordered the caller's checks")
	}
	got, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	want := *r
	want.Checks = sortedChecks(r)
	for i, c := range want.Checks {
		if c.Status == Pass || c.Status == Skip { // a compact record
			want.Checks[i] = Check{ID: c.ID, Status: c.Status, Reason: c.Reason, Millis: c.Millis}
			keepContext(&want.Checks[i], c) // what its id does not say
			fromID(&want.Checks[i])         // the area, version and key exchange its id names
		}
	}
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v", got, &want)
	}
	for i := 1; i < len(got.Checks); i++ {
		a, b := got.Checks[i-1], got.Checks[i]
		if a.Area > b.Area || (a.Area == b.Area && a.ID > b.ID) {
			t.Errorf("checks not sorted by area then ID: %s before %s", a.ID, b.ID)
		}
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"target"`, `"profile"`, `"seed": 42`, `"checks"`, `"id"`, `"area"`, `"rfc"`, `"version"`, `"kx"`, `"status":"fail"`, `"expected"`, `"observed"`, `"transcript"`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("report.json lacks %s", key)
		}
	}
	if !strings.Contains(string(data), "\n  \"target\"") {
		t.Error("report.json is not indented")
	}
	// Same report, same bytes.
	if err := WriteJSON(path, r); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(path)
	if string(again) != string(data) {
		t.Error("WriteJSON is not deterministic")
	}
}

func TestWriteJSONEmptyChecksIsArray(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.json")
	if err := WriteJSON(path, &Report{Target: "x"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"checks": []`) {
		t.Errorf("empty checks should be [], got:\n%s", data)
	}
}

// noTemps fails if a temporary file was left behind in dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestWriteJSONAtomic(t *testing.T) {
	t.Run("encode error keeps the old file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "report.json")
		if err := WriteJSON(path, sampleReport()); err != nil {
			t.Fatal(err)
		}
		old, _ := os.ReadFile(path)
		bad := sampleReport()
		bad.Elapsed = math.NaN() // JSON cannot encode NaN
		if err := WriteJSON(path, bad); err == nil {
			t.Fatal("want an error for NaN")
		}
		now, _ := os.ReadFile(path)
		if string(now) != string(old) {
			t.Error("a failed write changed the existing report")
		}
		noTemps(t, dir)
	})
	t.Run("rename error removes the temporary file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "report.json")
		if err := os.MkdirAll(filepath.Join(path, "occupied"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(path, sampleReport()); err == nil {
			t.Fatal("want an error when path is a non-empty directory")
		}
		noTemps(t, dir)
	})
	t.Run("parent is a file", func(t *testing.T) {
		dir := t.TempDir()
		file := filepath.Join(dir, "file")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := WriteJSON(filepath.Join(file, "report.json"), sampleReport()); err == nil {
			t.Fatal("want an error")
		}
	})
	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores directory permissions")
		}
		dir := t.TempDir()
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(ro, 0o755) })
		err := WriteJSON(filepath.Join(ro, "report.json"), sampleReport())
		if !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("got %v, want a permission error", err)
		}
		ents, _ := os.ReadDir(ro)
		if len(ents) != 0 {
			t.Errorf("read-only dir holds %d entries", len(ents))
		}
	})
}

func TestReadJSONErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadJSON(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"checks": [`), 0o644)
	if _, err := ReadJSON(bad); err == nil {
		t.Error("truncated JSON: want an error")
	}
}

func TestCountByArea(t *testing.T) {
	r := sampleReport()
	r.Checks = append(r.Checks, Check{ID: "x", Status: "bogus"})
	areas, by, total := CountByArea(r)
	wantAreas := []string{"(no area)", "finished", "message-order", "version-negotiation"}
	if !reflect.DeepEqual(areas, wantAreas) {
		t.Errorf("areas = %v, want %v", areas, wantAreas)
	}
	want := map[string]Counts{
		"finished":            {Pass: 1, Warn: 1, Fail: 1, Skip: 2},
		"message-order":       {Warn: 1, Fail: 1},
		"version-negotiation": {Pass: 1, Skip: 1},
		"(no area)":           {Fail: 1}, // an unknown status fails closed
	}
	if !reflect.DeepEqual(by, want) {
		t.Errorf("byArea = %+v, want %+v", by, want)
	}
	if (total != Counts{Pass: 2, Warn: 2, Fail: 3, Skip: 3}) {
		t.Errorf("total = %+v", total)
	}
}

func TestFailed(t *testing.T) {
	mk := func(ss ...Status) *Report {
		r := &Report{}
		for i, s := range ss {
			r.Checks = append(r.Checks, Check{ID: fmt.Sprint(i), Status: s})
		}
		return r
	}
	for _, tc := range []struct {
		name   string
		r      *Report
		strict bool
		want   bool
	}{
		{"all pass", mk(Pass, Skip), false, false},
		{"all pass strict", mk(Pass, Skip), true, false},
		{"warn", mk(Pass, Warn), false, false},
		{"warn strict", mk(Pass, Warn), true, true},
		{"inconclusive", mk(Pass, Inconclusive), false, false},
		{"inconclusive strict", mk(Pass, Inconclusive), true, true},
		{"fail", mk(Pass, Fail), false, true},
		{"fail strict", mk(Fail), true, true},
		{"unknown status", mk(Pass, ""), false, true},
		{"no checks", mk(), false, true},
		{"nil", nil, false, true},
	} {
		if got := Failed(tc.r, tc.strict); got != tc.want {
			t.Errorf("%s: Failed = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// arrowColumns returns the rune column of the arrow on each event line of a
// ladder (all lines but the header).
func arrowColumns(t *testing.T, lad string) []int {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(lad, "\n"), "\n")
	var cols []int
	for _, l := range lines[1:] {
		i := strings.Index(l, arrowRight)
		if j := strings.Index(l, arrowLeft); j >= 0 {
			if i >= 0 {
				t.Errorf("two arrows on one line: %q", l)
			}
			i = j
		}
		if i < 0 {
			t.Errorf("no arrow: %q", l)
			continue
		}
		cols = append(cols, utf8.RuneCountInString(l[:i]))
	}
	return cols
}

func TestLadder(t *testing.T) {
	lad := Ladder(tls12Failure())
	want := "" +
		"   ms  Client" + strings.Repeat(" ", 34) + "Server\n" +
		"  0.0  ClientHello                  -------->\n" +
		"  1.2                               <--------  ServerHello, Certificate, ServerKeyExchange, ServerHelloDone\n" +
		"  3.4  ClientKeyExchange            -------->\n" +
		"  3.4  [ChangeCipherSpec]           -------->\n" +
		"  3.5  Finished (flipped bit 3)     -------->\n" +
		"  4.1                               <--------  Alert(fatal, handshake_failure)\n" +
		"  4.1                               <--------  (closed)\n"
	if lad != want {
		t.Errorf("ladder:\n%s\nwant:\n%s", lad, want)
	}
	lines := strings.Split(lad, "\n")
	for i, ev := range tls12Failure() {
		l := lines[i+1]
		client := strings.Contains(l, arrowRight)
		if client != (ev.Dir == "client") {
			t.Errorf("arrow points the wrong way for a %s event: %q", ev.Dir, l)
		}
		if client && strings.Index(l, ev.Summary) > strings.Index(l, arrowRight) {
			t.Errorf("client summary right of the arrow: %q", l)
		}
		if !client && strings.Index(l, "<--------") > strings.Index(l, strings.Fields(eventText(ev, 0))[0]) {
			t.Errorf("server summary left of the arrow: %q", l)
		}
	}
	// Server summaries start where the header says "Server".
	if a, b := strings.Index(lines[0], "Server"), strings.Index(lines[2], "ServerHello"); a != b {
		t.Errorf("Server header at %d, server summaries at %d", a, b)
	}
}

func TestLadderAlignmentAndTruncation(t *testing.T) {
	long := "ClientHello with forty-two extensions and a very long session id"
	evs := []Event{
		{Dir: "client", Ms: 0, Type: "handshake", Summary: long, Raw: "16"},
		{Dir: "server", Ms: 12345.6, Type: "handshake", Summary: strings.Repeat("ServerHello, ", 20), Raw: "16"},
		{Dir: "client", Ms: 12345.7, Type: "handshake", Summary: "Ünïcödé `rm -rf` ```\nnewline", Raw: "16"},
		{Dir: "server", Ms: 12346, Type: "alert", Summary: "fatal, decode_error", Raw: "15"},
		{Dir: "server", Ms: 14346, Type: "timeout"},
		{Dir: "server", Ms: 14347, Type: "reset"},
	}
	lad := Ladder(evs)
	cols := arrowColumns(t, lad)
	if len(cols) != len(evs) {
		t.Fatalf("%d arrows for %d events:\n%s", len(cols), len(evs), lad)
	}
	for _, c := range cols {
		if c != cols[0] {
			t.Errorf("arrows at columns %v, want one column:\n%s", cols, lad)
			break
		}
	}
	lines := strings.Split(lad, "\n")
	if !strings.Contains(lines[1], "ClientHello with forty-two…  -------->") || strings.Contains(lad, long) {
		t.Errorf("long client summary not truncated with an ellipsis: %q", lines[1])
	}
	if !strings.HasSuffix(lines[2], "…") || utf8.RuneCountInString(lines[2]) > 7+2+ladderLeft+1+9+2+ladderRight {
		t.Errorf("long server summary not truncated: %q", lines[2])
	}
	if strings.Contains(lad, "`") {
		t.Errorf("backtick survived into the ladder:\n%s", lad)
	}
	for _, w := range []string{"Alert(fatal, decode_error)", "(timeout after 2000 ms)", "(connection reset)", "12345.6  "} {
		if !strings.Contains(lad, w) {
			t.Errorf("ladder lacks %q:\n%s", w, lad)
		}
	}
}

func TestEventText(t *testing.T) {
	for _, tc := range []struct {
		e    Event
		want string
	}{
		{Event{Type: "change_cipher_spec", Summary: "ChangeCipherSpec", Raw: "14"}, "[ChangeCipherSpec]"},
		{Event{Type: "change_cipher_spec", Raw: "14"}, "[ChangeCipherSpec]"},
		{Event{Type: "application_data", Summary: "undecryptable", Raw: "17"}, "{encrypted record}"},
		{Event{Type: "alert", Summary: "fatal decode_error", Raw: "15"}, "Alert(fatal, decode_error)"},
		{Event{Type: "alert", Summary: "Alert(warning, close_notify)", Raw: "15"}, "Alert(warning, close_notify)"},
		{Event{Type: "closed"}, "(closed)"},
		{Event{Type: "close"}, "(closed)"},
		{Event{Type: "timeout", Ms: 2003}, "(timeout after 2000 ms)"},
		{Event{Type: "timeout", Summary: "timeout after 5000 ms"}, "(timeout after 5000 ms)"},
		{Event{Type: "reset"}, "(connection reset)"},
		{Event{Type: "handshake", Summary: "EncryptedExtensions, Finished", Raw: "17"}, "EncryptedExtensions, Finished"},
		{Event{Type: "heartbeat", Raw: "18"}, "heartbeat"},
		{Event{Type: "refused"}, "(refused)"},
		{Event{}, "(record)"},
	} {
		if got := eventText(tc.e, 3); got != tc.want {
			t.Errorf("eventText(%+v) = %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestLadderLimit(t *testing.T) {
	var evs []Event
	for i := range 200 {
		evs = append(evs, Event{Dir: "client", Ms: float64(i), Type: "handshake", Summary: fmt.Sprint("fragment ", i), Raw: "16"})
	}
	lad := ladder(evs, 40)
	if n := strings.Count(lad, arrowRight); n != 40 {
		t.Errorf("%d records shown, want 40", n)
	}
	if !strings.Contains(lad, "160 records omitted") || !strings.Contains(lad, "fragment 199") {
		t.Errorf("omission not reported or tail missing:\n%s", lad)
	}
	if Ladder(nil) == "" || !strings.Contains(Ladder(nil), "(no records)") {
		t.Error("empty ladder should say so")
	}
}

func TestSummary(t *testing.T) {
	r := sampleReport()
	s := Summary(r)
	for _, w := range []string{
		"# tlsconform report: 127.0.0.1:4433",
		"2025-03-01 12:00:00 UTC",
		"**Seed:** 42",
		"**Strict:** no",
		"TLS 1.2, TLS 1.3",
		"x25519, secp256r1",
		"answers a TLS 1.0-only ClientHello with protocol_version",
		"| Area | Pass | Warn | Inconclusive | Fail | Skip | Total |",
		"| finished | 1 | 1 | 0 | 1 | 2 | 5 |",
		"| message-order | 0 | 1 | 0 | 1 | 0 | 2 |",
		"| version-negotiation | 1 | 0 | 0 | 0 | 1 | 2 |",
		"| **Total** | 2 | 2 | 0 | 2 | 3 | 9 |",
		"## Failures (2)",
		"- **FAIL** `finished/tls12/rsa/flip-bit-3` (root cause 1): observed handshake_failure",
		"- **FAIL** `message-order/tls12/rsa/ccs-before-cke` (root cause 2): observed timeout",
		"## Warnings (2)",
		"- **WARN** `message-order/tls12/rsa/close-without-alert` (root cause 4): observed close without alert — closed without sending an alert",
		"- **Root causes:** 2 failures in 2 root causes, 2 warnings in 2 root causes",
		"## Root causes (4)",
		"### 1. FAIL — RFC 5246 §7.4.9 (MUST)",
		"- **Expected:** decrypt_error\n- **Observed:** handshake_failure\n- **Where:** TLS 1.2; rsa\n- **Checks (1):** finished/tls12/rsa/flip-bit-3",
		"## Skipped (3)",
		"| target does not offer TLS 1.0 | 2 |",
		"| target does not offer TLS 1.1 | 1 |",
		Ladder(tls12Failure()),
	} {
		if !strings.Contains(s, w) {
			t.Errorf("summary lacks %q", w)
		}
	}
	if strings.Count(s, "- **FAIL**") != 2 || strings.Count(s, "- **WARN**") != 2 || strings.Count(s, "\n### ") != 4 {
		t.Errorf("want one line per failure and warning")
	}
	if strings.Count(s, "```")%2 != 0 {
		t.Error("unbalanced code fences")
	}
	// The root causes lead; then failures in report order, then
	// warnings, then skips.
	if !(strings.Index(s, "## Root causes") < strings.Index(s, "## Profile") &&
		strings.Index(s, "flip-bit-3") < strings.Index(s, "ccs-before-cke") &&
		strings.Index(s, "## Failures") < strings.Index(s, "## Warnings") &&
		strings.Index(s, "## Warnings") < strings.Index(s, "## Skipped")) {
		t.Error("sections out of order")
	}
	if strings.Contains(s, "finished/tls10/rsa/flip-bit-3") {
		t.Error("skipped checks should be grouped by reason, not listed")
	}

	r.Strict = true
	s = Summary(r)
	if !strings.Contains(s, "**Strict:** yes") || !strings.Contains(s, "- **FAIL** `finished/tls13/ecdhe/alert-name`") {
		t.Error("strict mode should label warnings as failures")
	}

	path := filepath.Join(t.TempDir(), "summary.md")
	if err := WriteSummary(path, r); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); string(data) != s {
		t.Error("WriteSummary differs from Summary")
	}
}

func TestSummaryLadderLimit(t *testing.T) {
	r := &Report{Target: "t"}
	for i := range maxCauseLadders + 7 {
		r.Checks = append(r.Checks, Check{ID: fmt.Sprintf("a/x%c", 'A'+i), Area: "a", RFC: "RFC 5246 §7.4.9", Level: "MUST", Status: Fail,
			Expected: "x", Observed: fmt.Sprintf("alert %c", 'A'+i), Transcript: tls12Failure()})
	}
	s := Summary(r)
	if n := strings.Count(s, "- **FAIL**"); n != maxCauseLadders+7 {
		t.Errorf("%d failure lines, want %d", n, maxCauseLadders+7)
	}
	if n := strings.Count(s, "   ms  Client"); n != maxCauseLadders {
		t.Errorf("%d ladders, want %d", n, maxCauseLadders)
	}
	if !strings.Contains(s, fmt.Sprintf("Conversations are drawn for the first %d root causes", maxCauseLadders)) {
		t.Error("summary does not say that ladders were left out")
	}
}

func TestConsoleSummary(t *testing.T) {
	r := sampleReport()
	dir := t.TempDir()
	for _, f := range []string{JSONFile, SummaryFile, KeyLogFile} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := ConsoleSummary(r, dir, false)
	for _, w := range []string{
		"tlsconform: 127.0.0.1:4433  seed 42  strict off  9 checks in 1.5 s",
		"area                  pass   warn inconc   fail   skip  total",
		"finished                 1      1      0      1      2      5",
		"total                    2      2      0      2      3      9",
		"tlsconform result: FAIL\n",
		"  2 checks fail the gate; 9 checks (2 passed, 2 failures, 2 warnings, 0 inconclusive, 3 skipped)\n",
		"  junit.xml: 9 tests, 2 failures, 5 skipped\n",
		"  root causes: 2 failures in 2 root causes, 2 warnings in 2 root causes\n",
		"    1. FAIL ×1 [RFC 5246 §7.4.9 MUST] decrypt_error: observed handshake_failure (e.g. finished/tls12/rsa/flip-bit-3)\n",
		"    3. WARN ×1 [RFC 8446 §4.4.4 SHOULD] decrypt_error: observed bad_record_mac (e.g. finished/tls13/ecdhe/alert-name)\n",
		"  reports: " + filepath.Join(dir, SummaryFile) + ", " + filepath.Join(dir, JSONFile) + ", " + filepath.Join(dir, KeyLogFile) + "\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("console summary lacks %q:\n%s", w, out)
		}
	}
	// The result block is the end of the screen.
	if !strings.HasSuffix(out, "keylog.txt\n") || strings.Index(out, "tlsconform result:") < strings.Index(out, "total  ") {
		t.Errorf("the result block is not last:\n%s", out)
	}
	// In strict mode the warnings fail the gate too, and JUnit says so.
	strict := ConsoleSummary(r, "out", true)
	if !strings.Contains(strict, "4 checks fail the gate (strict") || !strings.Contains(strict, "junit.xml: 9 tests, 4 failures, 3 skipped") {
		t.Errorf("strict counts:\n%s", strict)
	}
	p := parseJUnit(t, &Report{Strict: true, Checks: r.Checks})
	if p.Failures != 4 {
		t.Errorf("JUnit in strict mode has %d failures, the console says 4", p.Failures)
	}

	r.Checks = r.Checks[:3] // pass, fail, pass
	r.Checks[1].Status = Pass
	if out := ConsoleSummary(r, "out", true); !strings.Contains(out, "tlsconform result: PASS") {
		t.Errorf("want PASS:\n%s", out)
	}
}

func TestConsoleSummaryStaysOnOneScreen(t *testing.T) {
	r := &Report{}
	for i := range 500 {
		// Distinct findings: nothing to group.
		r.Checks = append(r.Checks, Check{ID: fmt.Sprint("a/x/y/check", i), Area: "a", Status: Fail, Observed: fmt.Sprint("answer ", i)})
	}
	out := ConsoleSummary(r, "d", false)
	if n := strings.Count(out, "\n"); n > 30 {
		t.Errorf("%d lines", n)
	}
	// Numbers in an observation do not make another cause: one cause.
	if !strings.Contains(out, "1 root cause") {
		t.Errorf("causes:\n%s", out)
	}
	r.Checks = nil
	for i := range 500 {
		r.Checks = append(r.Checks, Check{ID: fmt.Sprint("a/x/y/check", i), Area: "a", Status: Fail, RFC: fmt.Sprint("RFC ", 'A'+i%40)})
	}
	out = ConsoleSummary(r, "d", false)
	if !strings.Contains(out, "… and 28 more in d/summary.md") {
		t.Errorf("overflow not reported:\n%s", out)
	}
}

func TestConsoleSummaryGroupsFindings(t *testing.T) {
	r := &Report{}
	for _, ctx := range []string{"tls12/rsa", "tls12/ecdhe_rsa"} {
		for bit := range 96 {
			r.Checks = append(r.Checks, Check{ID: fmt.Sprintf("finished/%s/flip-bit-%d", ctx, bit), Area: "finished", RFC: "RFC 5246 §7.4.9",
				Version: "1.2", KX: strings.Split(ctx, "/")[1], Status: Warn, Expected: "decrypt_error", Observed: "fatal handshake_failure alert (at ExpectRejection)"})
		}
	}
	r.Checks = append(r.Checks, Check{ID: "finished/tls13/ecdhe/all-zero", Area: "finished", RFC: "RFC 8446 §4.4.4", Status: Fail, Expected: "decrypt_error", Observed: "completed"})
	out := ConsoleSummary(r, "d", false)
	if !strings.Contains(out, "WARN ×192 [RFC 5246 §7.4.9 SHOULD] decrypt_error: observed fatal handshake_failure alert (e.g. finished/tls12/ecdhe_rsa/flip-bit-0)") {
		t.Errorf("warnings not grouped:\n%s", out)
	}
	if !strings.Contains(out, "1 failure in 1 root cause, 192 warnings in 1 root cause") {
		t.Errorf("causes line:\n%s", out)
	}
}

func TestProfileTextAndProgress(t *testing.T) {
	p := sampleReport().Profile
	p.Problems = []string{"ServerHello.legacy_version is 0x0304"}
	s := ProfileText(p, "127.0.0.1:4433")
	for _, w := range []string{"target    127.0.0.1:4433\n", "versions  TLS 1.2, TLS 1.3\n", "kx        rsa, ecdhe_rsa, tls13\n",
		"suites    5: TLS_AES_128_GCM_SHA256, ", "… (+1 more)", "note      answers", "problem   ServerHello.legacy_version"} {
		if !strings.Contains(s, w) {
			t.Errorf("profile text lacks %q:\n%s", w, s)
		}
	}
	if got := ProfileText(Profile{}, ""); !strings.Contains(got, "versions  (none)") {
		t.Errorf("empty profile:\n%s", got)
	}
	if got, want := Progress(7, 120, Counts{Pass: 5, Fail: 1, Skip: 1, Inconclusive: 2}), "[  7/120]  pass 5  warn 0  inconclusive 2  fail 1  skip 1"; got != want {
		t.Errorf("Progress = %q, want %q", got, want)
	}
}

func TestOpenKeyLogConcurrent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	const writers, each = 8, 200
	// A later run's key log replaces an earlier one: it holds that run's
	// secrets only.
	pre, err := OpenKeyLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(pre, "CLIENT_RANDOM %064x %096x\n", 0, 0)
	if err := pre.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pre.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := pre.Write([]byte("x\n")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("write after close: %v", err)
	}

	w, err := OpenKeyLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range each {
				// One Write per line, as the suite's key-log writer does.
				line := fmt.Sprintf("CLIENT_RANDOM %064x %096x\n", g*each+i+1, g)
				if _, err := w.Write([]byte(line)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "keylog.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != writers*each {
		t.Fatalf("%d lines, want %d (this run's only)", len(lines), writers*each)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".keylog.txt.tmp-*")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	seen := map[string]bool{}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 3 || f[0] != "CLIENT_RANDOM" || len(f[1]) != 64 || len(f[2]) != 96 {
			t.Fatalf("torn line: %q", l)
		}
		if seen[f[1]] {
			t.Fatalf("duplicate line: %q", l)
		}
		seen[f[1]] = true
	}
	if fi, err := os.Stat(filepath.Join(dir, "keylog.txt")); err == nil && fi.Mode().Perm() != 0o600 {
		t.Errorf("keylog mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestInconclusive: an inconclusive check is counted on its own, shown like
// a warning (its own label and section, its reason), never passes, and
// fails the run only in strict mode.
func TestInconclusive(t *testing.T) {
	r := &Report{Target: "t", Checks: []Check{
		{ID: "a/tls12/rsa/x", Area: "a", RFC: "RFC 5246 §7.2", Level: "MUST", Status: Pass},
		{ID: "a/tls12/rsa/y", Area: "a", RFC: "RFC 5246 §7.2", Level: "MUST", Status: Inconclusive,
			Expected: "decode_error", Observed: "reset", Reason: "a reset may have destroyed the alert", Transcript: tls12Failure()},
	}}
	_, byArea, total := CountByArea(r)
	if total.Inconclusive != 1 || total.Fail != 0 || total.Total() != 2 || byArea["a"].Inconclusive != 1 {
		t.Errorf("counts %+v", total)
	}
	if Failed(r, false) || !Failed(r, true) {
		t.Error("an inconclusive check fails the run in strict mode only")
	}
	out := ConsoleSummary(r, "out", false)
	for _, w := range []string{
		"a          1      0      1      0      0      2",
		"1. INCONCLUSIVE ×1 [RFC 5246 §7.2 inconclusive] decode_error: observed reset (e.g. a/tls12/rsa/y)",
		"tlsconform result: PASS",
		"0 checks fail the gate; 2 checks (1 passed, 0 failures, 0 warnings, 1 inconclusive, 0 skipped)",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("console summary lacks %q:\n%s", w, out)
		}
	}
	if s := ConsoleSummary(r, "out", true); !strings.Contains(s, "1 check fails the gate (strict") || !strings.Contains(s, "tlsconform result: FAIL") {
		t.Errorf("strict mode should show it as a failure:\n%s", s)
	}
	s := Summary(r)
	for _, w := range []string{"## Inconclusive (the observation proves nothing either way) (1)", "- **INCONCLUSIVE** `a/tls12/rsa/y`", "| a | 1 | 0 | 1 | 0 | 0 | 2 |"} {
		if !strings.Contains(s, w) {
			t.Errorf("summary lacks %q:\n%s", w, s)
		}
	}
}

// TestExpectedDeviations: a failure an entry expected does not fail the
// run but is shown as expected, with its reason, in the console summary
// line and summary.md; a failure with an entry of another status still
// fails; a stale entry fails the run and is named.
func TestExpectedDeviations(t *testing.T) {
	dev := &Deviation{ID: "a/*", Status: Fail, Reason: "known, tracked upstream"}
	r := &Report{Target: "t", Expectations: "my server", Checks: []Check{
		{ID: "a/1", Area: "a", Level: "MUST", Status: Fail, Observed: "went on", Deviation: dev},
		{ID: "a/2", Area: "a", Level: "MUST", Status: Pass},
	}}
	if Failed(r, false) || Failed(r, true) {
		t.Error("a run whose only failure was expected fails")
	}
	if u, e := Unexpected(r, false); u != 0 || e != 1 {
		t.Errorf("Unexpected = %d, %d; want 0, 1", u, e)
	}
	con := ConsoleSummary(r, "out", false)
	if !strings.Contains(con, "1 expected deviation of my server (listed in out/summary.md), 0 unexpected") || strings.Contains(con, "FAIL [") {
		t.Errorf("console summary:\n%s", con)
	}
	if md := Summary(r); !strings.Contains(md, "## Expected deviations of my server (1)") || !strings.Contains(md, "known, tracked upstream") || !strings.Contains(md, "## Failures (0)") {
		t.Errorf("summary.md:\n%s", md)
	}

	r.Checks[0].Deviation = &Deviation{ID: "a/*", Status: Warn, Reason: "r"} // expected a warning, got a failure
	if !Failed(r, false) {
		t.Error("a failure whose entry expected a warning passes")
	}
	r.Checks[0].Deviation = dev
	r.Stale = []Deviation{{ID: "b/1", Status: Fail, Reason: "fixed?", Observed: "pass b/1"}}
	if !Failed(r, false) {
		t.Error("a run with a stale expectation passes")
	}
	if con := ConsoleSummary(r, "out", false); !strings.Contains(con, `STALE expectation "b/1" of my server`) || !strings.Contains(con, "result: FAIL") {
		t.Errorf("console summary with a stale entry:\n%s", con)
	}
	if md := Summary(r); !strings.Contains(md, "## Stale expectations (1)") {
		t.Errorf("summary.md lacks the stale entry:\n%s", md)
	}
}
