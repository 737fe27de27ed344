package suite_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
)

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, id string
		want        bool
	}{
		{"finished/tls13/ecdhe/flip-bit-0", "finished/tls13/ecdhe/flip-bit-0", true},
		{"finished/tls13/ecdhe/flip-bit-0", "finished/tls13/ecdhe/flip-bit-07", false},
		{"finished/*", "finished/tls13/ecdhe/flip-bit-0", true}, // * crosses slashes
		{"*/session_id/33-bytes", "client-hello/tls12/rsa/session_id/33-bytes", true},
		{"client-hello/*/session_id/33-bytes", "client-hello/tls12/rsa/session_id/255-bytes", false},
		{"finished/tls1?/*", "finished/tls12/rsa/x", true},
		{"finished/tls1?/*", "finished/tls1/rsa/x", false},
		{"*", "", true},
		{"", "x", false},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
	} {
		if got := suite.Glob(tc.pattern, tc.id); got != tc.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tc.pattern, tc.id, got, tc.want)
		}
	}
}

// TestParseExpectationsErrors: a bad file is a clear error that names the
// file, the entry or the line, and what to do; never a partial load.
func TestParseExpectationsErrors(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"syntax", "{\n  \"deviations\": [\n    {\"id\": \"x\",}\n  ]\n}", "f.json: line 3"},
		{"empty", "", "empty file"},
		{"unknown field", `{"deviations": [], "devations": []}`, `unknown field "devations"`},
		{"two values", `{"deviations": []} {}`, "more than one JSON value"},
		{"no id", `{"deviations": [{"status": "fail", "reason": "r"}]}`, `entry 1: no "id"`},
		{"bad status", `{"deviations": [{"id": "finished/*", "status": "skip", "reason": "r"}]}`, `status "skip": want "fail" or "warn"`},
		{"no reason", `{"deviations": [{"id": "finished/*", "status": "fail", "reason": " "}]}`, `no "reason"`},
		{"names nothing", `{"deviations": [{"id": "finished/tls14/*", "status": "fail", "reason": "r"}]}`, `"finished/tls14/*" names no check`},
		{"duplicate", `{"deviations": [{"id": "finished/*", "status": "fail", "reason": "r"}, {"id": "finished/*", "status": "warn", "reason": "r"}]}`, "is entry 1 already"},
		{"observed", `{"deviations": [{"id": "finished/*", "status": "fail", "reason": "r", "observed": "x"}]}`, `"observed" is written in reports`},
		{"shadowed", `{"deviations": [{"id": "finished/*", "status": "warn", "reason": "r"}, {"id": "finished/tls13/ecdhe/flip-bit-0", "status": "fail", "reason": "r"}]}`, `entry 2 ("finished/tls13/ecdhe/flip-bit-0"): never used: entry 1 ("finished/*") comes first`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := suite.ParseExpectations([]byte(tc.data), "f.json")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "f.json") {
				t.Errorf("error %v, want one naming f.json and %q", err, tc.want)
			}
		})
	}
	if _, err := suite.LoadExpectations(filepath.Join(t.TempDir(), "missing.json")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
}

// TestCryptoTLSExpectations: the shipped file parses, names only checks
// that exist, and is the built-in target's default.
func TestCryptoTLSExpectations(t *testing.T) {
	data, err := os.ReadFile("crypto-tls.expect.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := suite.ParseExpectations(data, suite.CryptoTLSExpectFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Deviations) == 0 || !strings.HasPrefix(e.Name, "crypto/tls") {
		t.Errorf("shipped expectations: %d entries, name %q", len(e.Deviations), e.Name)
	}
	if d := suite.Named("builtin").DefaultExpectations(); d == nil || len(d.Deviations) != len(e.Deviations) {
		t.Error("the built-in target does not default to the shipped expectations")
	}
	if d := suite.Client("builtin").DefaultExpectations(); d == nil || !strings.HasPrefix(d.Name, "crypto/tls client") {
		t.Error("the built-in client does not default to the shipped client expectations")
	}
	if suite.Client("openssl").DefaultExpectations() != nil {
		t.Error("a client other than builtin has default expectations")
	}
	if suite.Named("openssl").DefaultExpectations() != nil || suite.Addr("127.0.0.1:1").DefaultExpectations() != nil {
		t.Error("a target other than builtin has default expectations")
	}
}

// gateRun runs the checks run selects against the built-in target with
// expectations e.
func gateRun(t *testing.T, run string, e *suite.Expectations) *reports.Report {
	t.Helper()
	if e == nil {
		e = &suite.Expectations{Name: "nothing"}
	}
	rep, err := suite.RunTarget(context.Background(), suite.Named("builtin"), suite.Options{Seed: 1, Timeout: time.Second, Run: run, Expectations: e})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestExpectedDeviationsGate: with crypto/tls's expectations its known
// failures are expected (reported with the reason, the run green);
// without the entry the same failure fails the run; an entry for a check
// that passes is stale and fails the run; Updated repairs both.
func TestExpectedDeviationsGate(t *testing.T) {
	const run = "client-hello/tls12/*/session_id/*,finished/tls13/ecdhe/flip-bit-0"
	shipped := suite.CryptoTLSExpectations()

	rep := gateRun(t, run, shipped)
	unexpected, expected := reports.Unexpected(rep, false)
	if reports.Failed(rep, false) || unexpected != 0 || expected != 2 || len(rep.Stale) != 0 {
		t.Fatalf("with the shipped expectations: failed %v, %d unexpected, %d expected, stale %v", reports.Failed(rep, false), unexpected, expected, rep.Stale)
	}
	for _, c := range rep.Checks {
		if c.Status == reports.Fail && (c.Deviation == nil || c.Deviation.Reason == "" || !c.IsExpected()) {
			t.Errorf("%s failed without its expectation: %+v", c.ID, c.Deviation)
		}
	}
	if s := reports.Summary(rep); !strings.Contains(s, "Expected deviations of crypto/tls") || !strings.Contains(s, "session_id/33-bytes") {
		t.Error("summary.md does not list the expected deviations")
	}

	// One entry fewer: its failure is unexpected again.
	fewer := *shipped
	fewer.Deviations = slices.DeleteFunc(slices.Clone(shipped.Deviations), func(d reports.Deviation) bool { return strings.HasSuffix(d.ID, "/33-bytes") })
	rep = gateRun(t, run, &fewer)
	if unexpected, _ := reports.Unexpected(rep, false); !reports.Failed(rep, false) || unexpected != 1 {
		t.Errorf("without the 33-bytes entry: failed %v, %d unexpected; want a failed run with 1", reports.Failed(rep, false), unexpected)
	}
	up, err := fewer.Updated(rep, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(up.Deviations, func(d reports.Deviation) bool {
		return d.ID == "client-hello/tls12/ecdhe_rsa/session_id/33-bytes" && d.Status == reports.Fail && d.Reason != ""
	}) {
		t.Errorf("Updated did not add the unexpected failure: %+v", up.Deviations)
	}

	// An entry for a check that passes: stale, the run fails, and the
	// message names the entry.
	more := *shipped
	more.Deviations = append(slices.Clone(shipped.Deviations), reports.Deviation{ID: "finished/tls13/ecdhe/flip-bit-0", Status: reports.Fail, Reason: "no longer true"})
	rep = gateRun(t, run, &more)
	if !reports.Failed(rep, false) || len(rep.Stale) != 1 || rep.Stale[0].ID != "finished/tls13/ecdhe/flip-bit-0" || !strings.Contains(rep.Stale[0].Observed, "pass") {
		t.Fatalf("stale entry: failed %v, stale %+v", reports.Failed(rep, false), rep.Stale)
	}
	if line := reports.StaleLine(rep, rep.Stale[0]); !strings.Contains(line, "delete the entry") {
		t.Errorf("stale line %q does not say what to do", line)
	}
	if up, _ := more.Updated(rep, false); slices.ContainsFunc(up.Deviations, func(d reports.Deviation) bool { return d.ID == "finished/tls13/ecdhe/flip-bit-0" }) {
		t.Error("Updated kept the stale entry")
	}

	// A glob entry some of whose checks did not run is not stale, even
	// when those that ran did not deviate.
	rep = gateRun(t, "message-order/tls13/ecdhe/ccs-empty", &suite.Expectations{Deviations: []reports.Deviation{
		{ID: "message-order/tls13/ecdhe/ccs-*", Status: reports.Fail, Reason: "ccs-encrypted and ccs-after-finished fail"}}})
	if len(rep.Stale) != 0 {
		t.Errorf("a run of one check of a glob entry made it stale: %+v", rep.Stale)
	}

	// Entries whose checks did not run are neither expected nor stale.
	rep = gateRun(t, "finished/tls13/ecdhe/flip-bit-0", shipped)
	if reports.Failed(rep, false) || len(rep.Stale) != 0 {
		t.Errorf("a run of one passing check: failed %v, stale %v", reports.Failed(rep, false), rep.Stale)
	}
}

// TestUpdatedWritesAFileThatLoads: -update-expect's output is a valid
// expectations file that makes the same run green.
func TestUpdatedWritesAFileThatLoads(t *testing.T) {
	const run = "client-hello/tls12/*/session_id/*"
	rep := gateRun(t, run, nil)
	if !reports.Failed(rep, false) {
		t.Fatal("the run without expectations passed: the test proves nothing")
	}
	path := filepath.Join(t.TempDir(), "tls.expect.json")
	up, err := (*suite.Expectations)(nil).Updated(rep, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := up.Write(path); err != nil {
		t.Fatal(err)
	}
	e, err := suite.LoadExpectations(path)
	if err != nil {
		t.Fatal(err)
	}
	if rep := gateRun(t, run, e); reports.Failed(rep, false) {
		t.Errorf("the rewritten file does not make the run green: %d stale", len(rep.Stale))
	}
}

// TestPinnedVersionsAreNotSelected: a version the user pinned away is
// skipped as not selected, never as unsupported, and the profile shows
// the pin.
func TestPinnedVersionsAreNotSelected(t *testing.T) {
	rep, err := suite.RunTarget(context.Background(), suite.Named("builtin"), suite.Options{
		Seed: 1, Timeout: time.Second, Versions: []wire.Version{wire.VersionTLS13}, Run: "baseline/*", Expect: "none",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Profile.Pinned, []string{"1.3"}) || !slices.Contains(rep.Profile.Unselected, "1.2") {
		t.Errorf("profile pinned %v, unselected %v", rep.Profile.Pinned, rep.Profile.Unselected)
	}
	for _, c := range rep.Checks {
		switch {
		case c.Version == "1.3" && c.Status != reports.Pass:
			t.Errorf("%s: %s (%s)", c.ID, c.Status, c.Reason)
		case c.Version != "1.3" && (c.Status != reports.Skip || c.Reason != "TLS "+c.Version+" not selected (-versions)"):
			t.Errorf("%s: %s (%s), want skipped as not selected", c.ID, c.Status, c.Reason)
		}
	}
}

// TestDeadTargetIsNeverExpected: a check that fails because the target
// is gone is no expected deviation, even where an entry expects the
// check to fail, and it makes no entry stale: the run fails.
func TestDeadTargetIsNeverExpected(t *testing.T) {
	ctx := context.Background()
	tgt, err := suite.Reference(ctx, suite.ReferenceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const id = "finished/tls13/ecdhe/flip-bit-0"
	r, err := suite.Start(ctx, tgt, suite.Options{Seed: 1, Timeout: time.Second, Expectations: &suite.Expectations{
		Deviations: []reports.Deviation{{ID: id, Status: reports.Fail, Reason: "pretend"}}}})
	if err != nil {
		t.Fatal(err)
	}
	tgt.Close()
	var ch *checks.Check
	for _, c := range suite.Catalogue() {
		if c.ID == id {
			ch = &c
		}
	}
	res := r.Check(ctx, *ch)
	rep, _ := r.Close()
	if res.Status != reports.Fail || res.Deviation != nil || !reports.Failed(rep, false) || len(rep.Stale) != 0 || rep.TargetLost == "" {
		t.Errorf("dead target: %s (%s), deviation %+v, failed %v, stale %v, lost %q", res.Status, res.Observed, res.Deviation, reports.Failed(rep, false), rep.Stale, rep.TargetLost)
	}
}
