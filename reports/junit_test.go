package reports

import (
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// parsedJUnit is what a CI reads back from junit.xml.
type parsedJUnit struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			Classname string `xml:"classname,attr"`
			File      string `xml:"file,attr"`
			Line      string `xml:"line,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func parseJUnit(t *testing.T, r *Report) parsedJUnit {
	t.Helper()
	data, err := JUnit(r)
	if err != nil {
		t.Fatal(err)
	}
	var p parsedJUnit
	if err := xml.Unmarshal(data, &p); err != nil {
		t.Fatalf("junit.xml does not parse: %v\n%s", err, data)
	}
	return p
}

// TestJUnitCountsAgree: in every mode, JUnit's failures are the checks
// that fail the gate, its tests every check, and a case per check; the
// sums of the suites are the totals.
func TestJUnitCountsAgree(t *testing.T) {
	for _, strict := range []bool{false, true} {
		r := sampleReport()
		r.Strict = strict
		r.Checks = append(r.Checks, Check{ID: "client-hello/tls12/rsa/session_id/33-bytes", Area: "client-hello", RFC: "RFC 5246 §7.4.1.2", Level: "MUST",
			Version: "1.2", KX: "rsa", Status: Fail, Expected: "decode_error", Observed: "ServerHello",
			Deviation: &Deviation{ID: "client-hello/*/session_id/33-bytes", Status: Fail, Reason: "crypto/tls takes 33 bytes"}})
		p := parseJUnit(t, r)
		unexpected, _ := Unexpected(r, strict)
		if p.Tests != len(r.Checks) || p.Failures != unexpected {
			t.Errorf("strict=%v: tests=%d failures=%d, want %d and %d", strict, p.Tests, p.Failures, len(r.Checks), unexpected)
		}
		_, _, total := CountByArea(r)
		if want := len(r.Checks) - total.Pass - unexpected; p.Skipped != want {
			t.Errorf("strict=%v: skipped=%d, want %d (every non-passing check that does not fail the gate)", strict, p.Skipped, want)
		}
		var tests, fails, skips, cases int
		for _, s := range p.Suites {
			tests += s.Tests
			fails += s.Failures
			skips += s.Skipped
			cases += len(s.Cases)
		}
		if tests != p.Tests || fails != p.Failures || skips != p.Skipped || cases != p.Tests {
			t.Errorf("strict=%v: suites sum to %d/%d/%d with %d cases; totals %d/%d/%d", strict, tests, fails, skips, cases, p.Tests, p.Failures, p.Skipped)
		}
	}
}

// TestJUnitCases: classname by area, version and key exchange; the check
// id as name; file and line from Source; a failure says the rule and
// expected vs observed, with the ladder as body; a warning is visible as
// a skipped case that says WARNING; an expected deviation says so.
func TestJUnitCases(t *testing.T) {
	r := sampleReport()
	for i := range r.Checks {
		if r.Checks[i].ID == "finished/tls12/rsa/flip-bit-3" {
			r.Checks[i].Source = "suite/finished/checks.go:136"
			r.Checks[i].Rule = `RFC 5246 §7.4.9: "Recipients of Finished messages MUST verify that the contents are correct."`
		}
	}
	p := parseJUnit(t, r)
	found := map[string]bool{}
	for _, s := range p.Suites {
		for _, c := range s.Cases {
			found[c.Name] = true
			switch c.Name {
			case "finished/tls12/rsa/flip-bit-3":
				if c.Classname != "finished.tls12.rsa" || c.File != "suite/finished/checks.go" || c.Line != "136" {
					t.Errorf("classname %q file %q line %q", c.Classname, c.File, c.Line)
				}
				if c.Failure == nil || !strings.Contains(c.Failure.Message, "RFC 5246 §7.4.9 MUST") ||
					!strings.Contains(c.Failure.Message, "expected decrypt_error; observed handshake_failure") {
					t.Fatalf("failure = %+v", c.Failure)
				}
				if !strings.Contains(c.Failure.Body, "Recipients of Finished messages MUST verify") || !strings.Contains(c.Failure.Body, "-------->") {
					t.Errorf("failure body lacks the rule or the ladder:\n%s", c.Failure.Body)
				}
			case "message-order/tls12/rsa/close-without-alert":
				if c.Failure != nil || c.Skipped == nil || !strings.HasPrefix(c.Skipped.Message, "WARNING: ") || c.SystemOut == "" {
					t.Errorf("warning: failure %+v skipped %+v out %q", c.Failure, c.Skipped, c.SystemOut)
				}
			case "finished/tls10/rsa/flip-bit-3":
				if c.Skipped == nil || !strings.HasPrefix(c.Skipped.Message, "NOT APPLICABLE: target does not offer TLS 1.0") {
					t.Errorf("skip: %+v", c.Skipped)
				}
			case "version-negotiation/tls10/only":
				if c.Classname != "version-negotiation.tls10" {
					t.Errorf("classname without key exchange: %q", c.Classname)
				}
			}
		}
	}
	for _, c := range r.Checks {
		if !found[c.ID] {
			t.Errorf("no test case for %s", c.ID)
		}
	}

	r.Strict = true
	for _, s := range parseJUnit(t, r).Suites {
		for _, c := range s.Cases {
			if c.Name == "message-order/tls12/rsa/close-without-alert" && (c.Failure == nil || c.Failure.Type != "SHOULD (strict)") {
				t.Errorf("strict warning: %+v", c.Failure)
			}
		}
	}
}

// TestJUnitRunFailures: a run that fails as a whole (setup, nothing
// judged, stale expectations, lost target) is never a green JUnit file.
func TestJUnitRunFailures(t *testing.T) {
	stale := sampleReport()
	stale.Checks = stale.Checks[:1] // a pass
	stale.Stale = []Deviation{{ID: "finished/*/x", Status: Fail, Reason: "r"}}
	for name, r := range map[string]*Report{
		"setup":   {Target: "127.0.0.1:1", SetupError: "cannot connect to 127.0.0.1:1: connection refused"},
		"nothing": {Target: "x"},
		"stale":   stale,
		"lost":    {Target: "x", TargetLost: "target unresponsive since check y", Checks: []Check{{ID: "a", Status: Pass}}},
	} {
		p := parseJUnit(t, r)
		if p.Failures == 0 {
			t.Errorf("%s: no failure in JUnit", name)
		}
		// The console's line says what the file says.
		if tests, failures, skipped := JUnitCounts(r, r.Strict); tests != p.Tests || failures != p.Failures || skipped != p.Skipped {
			t.Errorf("%s: JUnitCounts %d/%d/%d, junit.xml %d/%d/%d", name, tests, failures, skipped, p.Tests, p.Failures, p.Skipped)
		}
		if !Failed(r, false) {
			t.Errorf("%s: the report does not fail", name)
		}
	}
}

// TestSetupFailureReplacesOldReports: a run that fails at setup into a
// directory that held a passing run leaves no file of the old run behind,
// and its reports say FAIL with why.
func TestSetupFailureReplacesOldReports(t *testing.T) {
	dir := t.TempDir()
	old := sampleReport()
	old.Checks = old.Checks[:1]
	if err := WriteAll(dir, old); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{HTMLFile, PcapFile, KeyLogFile, ".report.json.tmp-123"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setup := errors.New("cannot connect to 127.0.0.1:1: connection refused")
	if err := WriteSetupFailure(dir, "127.0.0.1:1", time.Now(), setup); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{PcapFile, KeyLogFile, ".report.json.tmp-123"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s of the old run is still there (%v)", f, err)
		}
	}
	if page, err := os.ReadFile(filepath.Join(dir, HTMLFile)); err != nil || !strings.Contains(string(page), "Setup failed: cannot connect to 127.0.0.1:1") {
		t.Errorf("report.html does not say the setup failed (%v)", err)
	}
	sum, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sum), "FAIL (setup failed: cannot connect to 127.0.0.1:1") {
		t.Errorf("summary.md does not say the setup failed:\n%s", sum)
	}
	r, err := ReadJSON(filepath.Join(dir, JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if r.SetupError == "" || len(r.Checks) != 0 || !Failed(r, false) {
		t.Errorf("report.json: setup %q, %d checks, failed %v", r.SetupError, len(r.Checks), Failed(r, false))
	}
	data, err := os.ReadFile(filepath.Join(dir, JUnitFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `failures="1"`) || !strings.Contains(string(data), "setup failed: cannot connect") {
		t.Errorf("junit.xml:\n%s", data)
	}
}

// TestReportJSONCompact: a passing check keeps no transcript unless Full;
// a record that appears in several transcripts is written once and read
// back in place; the caller's report is not changed.
func TestReportJSONCompact(t *testing.T) {
	var b strings.Builder
	for i := range 1731 {
		fmt.Fprintf(&b, "%02x", i*7%251)
	}
	cert := "16030306c3" + b.String()
	conv := func() []Event {
		return []Event{{Dir: "client", Type: "handshake", Raw: "1603010004aabbccdd"}, {Dir: "server", Type: "handshake", Raw: cert}}
	}
	r := &Report{Target: "t", Checks: []Check{
		{ID: "a/pass", Status: Pass, Transcript: conv()},
		{ID: "a/warn", Status: Warn, Transcript: conv()},
		{ID: "a/fail", Status: Fail, Transcript: conv()},
	}}
	for _, full := range []bool{false, true} {
		r.Full = full
		path := filepath.Join(t.TempDir(), JSONFile)
		if err := WriteJSON(path, r); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(data), cert[10:]); n != 1 {
			t.Errorf("full=%v: the shared record is written %d times, want once", full, n)
		}
		back, err := ReadJSON(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range back.Checks {
			want := 2
			if c.Status == Pass && !full {
				want = 0
			}
			if len(c.Transcript) != want {
				t.Errorf("full=%v: %s has %d events, want %d", full, c.ID, len(c.Transcript), want)
			}
			for _, e := range c.Transcript {
				if e.Ref != "" || (e.Dir == "server" && e.Raw != cert) {
					t.Errorf("full=%v: %s: record not restored (ref %q)", full, c.ID, e.Ref)
				}
			}
		}
		if back.Records != nil {
			t.Errorf("Records kept in memory after ReadJSON")
		}
	}
	if r.Checks[0].Transcript == nil || r.Checks[1].Transcript[1].Raw != cert {
		t.Errorf("WriteJSON changed the caller's report")
	}
	// A report naming a record it does not hold is an error, not a panic.
	path := filepath.Join(t.TempDir(), JSONFile)
	os.WriteFile(path, []byte(`{"checks":[{"id":"x","transcript":[{"dir":"server","ref":"r9"}]}]}`), 0o644)
	if _, err := ReadJSON(path); err == nil || !strings.Contains(err.Error(), `record "r9"`) {
		t.Errorf("dangling ref: %v", err)
	}
}

// TestRootCausesSurviveJSON: report.json keeps one conversation per root
// cause of warnings, and a report read back groups its checks into the
// same causes, with the same rule, as the run did.
func TestRootCausesSurviveJSON(t *testing.T) {
	r := &Report{Target: "t"}
	for i := range 5 {
		r.Checks = append(r.Checks, Check{ID: fmt.Sprintf("finished/tls12/rsa/flip-bit-%d", i), Area: "finished", Version: "1.2", KX: "rsa",
			RFC: "RFC 5246 §7.4.9", Level: "MUST", Rule: "RFC 5246 §7.4.9: \"Recipients of Finished messages MUST verify that the contents are correct.\"",
			Title: fmt.Sprintf("bit %d", i), Status: Warn, Expected: "decrypt_error", Observed: fmt.Sprintf("fatal handshake_failure alert (at Step%d)", i), Transcript: tls12Failure()})
	}
	r.Checks = append(r.Checks, Check{ID: "client-hello/tls12/rsa/session_id/33-bytes", Area: "client-hello", RFC: "RFC 5246 §7.4.1.2", Level: "MUST",
		Status: Fail, Expected: "decode_error", Observed: "target went on: sent ServerHello", Transcript: tls12Failure()})
	path := filepath.Join(t.TempDir(), JSONFile)
	if err := WriteJSON(path, r); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	want, got := RootCauses(r), RootCauses(back)
	if len(want) != 2 || len(got) != len(want) {
		t.Fatalf("causes: %d in memory, %d read back", len(want), len(got))
	}
	for i := range want {
		if !slices.Equal(want[i].Checks, got[i].Checks) || want[i].Rule != got[i].Rule || want[i].RFC != got[i].RFC || want[i].Representative != got[i].Representative {
			t.Errorf("cause %d: %+v, read back %+v", i, want[i], got[i])
		}
	}
	kept := 0
	for _, c := range back.Checks {
		if len(c.Transcript) > 0 {
			kept++
		}
	}
	if kept != 2 {
		t.Errorf("%d transcripts kept, want 2 (one per root cause)", kept)
	}
}
