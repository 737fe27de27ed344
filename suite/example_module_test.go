package suite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
)

// TestExampleModule: the go test API works from a module of one's own
// (testdata/example, which requires this one through a replace
// directive): its test passes against its crypto/tls server with the
// shipped expectations, and fails when one deviation is removed from its
// file. Its copy of the expectations is the shipped file.
func TestExampleModule(t *testing.T) {
	var shipped []byte
	for shippedName, copyName := range map[string]string{"crypto-tls.expect.json": "tls.expect.json", "crypto-tls-client.expect.json": "tls-client.expect.json"} {
		data, err := os.ReadFile(shippedName)
		if err != nil {
			t.Fatal(err)
		}
		copied, err := os.ReadFile(filepath.Join("testdata", "example", "testdata", copyName))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, copied) {
			t.Errorf("testdata/example/testdata/%s differs from %s: copy it again", copyName, shippedName)
		}
		if copyName == "tls.expect.json" {
			shipped = data
		}
	}
	if testing.Short() {
		t.Skip("-short: builds and runs a module of its own")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "example"))); err != nil {
		t.Fatal(err)
	}
	goCmd := func(args ...string) (int, string) { return runGo(t, dir, args...) }
	if code, out := goCmd("mod", "edit", "-replace", "github.com/tlsconform/tlsconform="+root); code != 0 {
		t.Fatalf("go mod edit: %s", out)
	}
	if code, out := goCmd("test", "-count=1", "./..."); code != 0 {
		t.Fatalf("the example module's test failed with the shipped expectations (exit %d):\n%s", code, out)
	}

	var e suite.Expectations
	if err := json.Unmarshal(shipped, &e); err != nil {
		t.Fatal(err)
	}
	const removed = "client-hello/*/session_id/33-bytes"
	n := len(e.Deviations)
	e.Deviations = slices.DeleteFunc(e.Deviations, func(d reports.Deviation) bool { return d.ID == removed })
	if len(e.Deviations) != n-1 {
		t.Fatalf("the shipped file has no entry %q", removed)
	}
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "testdata", "tls.expect.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := goCmd("test", "-count=1", "-run", "TestTLSConformance$", "./...")
	if code != 1 || !strings.Contains(out, "--- FAIL: TestTLSConformance/client-hello/tls13/ecdhe/session_id/33-bytes") {
		t.Errorf("without the %s entry: exit %d, want 1 with the session_id/33-bytes subtest failing:\n%s", removed, code, out)
	}
}

// runGo runs the go command in dir and returns its exit status and
// output; a go that cannot be started fails the test.
func runGo(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee) && ctx.Err() == nil:
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	return 0, ""
}

// TestGinkgoGateFailsOnStale: the Ginkgo front (make conformance) fails
// on a stale expectation even when the last spec it ran was skipped (a
// failure in an AfterAll would land on that spec and be lost).
func TestGinkgoGateFailsOnStale(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs the Ginkgo suite in a go test of its own")
	}
	stale := filepath.Join(t.TempDir(), "stale.json")
	if err := os.WriteFile(stale, []byte(`{"deviations": [{"id": "finished/tls13/ecdhe/flip-bit-0", "status": "fail", "reason": "no longer"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// renegotiation/tls12/ecdhe_rsa/no-extension comes last and is
	// skipped against the built-in target (no renegotiation).
	code, out := runGo(t, ".", "test", "-count=1", "-run", "^TestConformance$", ".", "-args", "-target", "builtin",
		"-run-checks", "finished/tls13/ecdhe/flip-bit-0,renegotiation/tls12/ecdhe_rsa/no-extension", "-expect", stale, "-report-dir", t.TempDir())
	if code == 0 || !strings.Contains(out, `STALE expectation "finished/tls13/ecdhe/flip-bit-0"`) {
		t.Errorf("a stale expectation: exit %d, want a failure naming it:\n%s", code, out)
	}
}
