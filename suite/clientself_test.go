package suite_test

import (
	"context"
	"crypto/tls"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/internal/extproc"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// runClientCatalogue runs the client catalogue against a client; with
// patterns, only the checks one of them matches.
func runClientCatalogue(t *testing.T, client string, patterns ...string) *reports.Report {
	t.Helper()
	var run []string
	for _, ch := range suite.ClientCatalogue() {
		if slices.ContainsFunc(patterns, func(p string) bool { return match(p, ch.ID) }) {
			run = append(run, ch.ID)
		}
	}
	rep, err := suite.RunClient(context.Background(), suite.Client(client), suite.Options{Seed: 1, Timeout: 2 * time.Second, Run: strings.Join(run, ",")})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestReferenceClientPassesEverything: the well-behaved reference client,
// as a client under test, passes every client check at every version;
// it offers no ALPN, so the checks that need a ClientHello with ALPN are
// skipped, and reference+alpn passes them.
func TestReferenceClientPassesEverything(t *testing.T) {
	rep := runClientCatalogue(t, "reference")
	if len(rep.Checks) != len(suite.ClientCatalogue()) {
		t.Fatalf("%d checks judged, the catalogue has %d", len(rep.Checks), len(suite.ClientCatalogue()))
	}
	needALPN := map[string]bool{}
	for _, ch := range suite.ClientCatalogue() {
		needALPN[ch.ID] = ch.Needs == checks.NeedALPN
	}
	var alpn []string
	for _, c := range rep.Checks {
		if needALPN[c.ID] && c.Status == reports.Skip {
			alpn = append(alpn, "^"+regexp.QuoteMeta(c.ID)+"$")
			continue
		}
		if c.Status != reports.Pass {
			t.Errorf("%s: %s: expected %s, observed %s; %s", c.ID, c.Status, c.Expected, c.Observed, c.Reason)
		}
	}
	if len(alpn) == 0 {
		t.Fatal("no check needs a ClientHello with ALPN")
	}
	for _, c := range runClientCatalogue(t, "reference+alpn", alpn...).Checks {
		if c.Status != reports.Pass {
			t.Errorf("reference+alpn: %s: %s: expected %s, observed %s; %s", c.ID, c.Status, c.Expected, c.Observed, c.Reason)
		}
	}
}

// TestClientALPNChecks: a client that offers ALPN and takes any answer
// is caught by the checks that need ALPN (a warning: RFC 7301 binds only
// the server), which the reference client cannot reach.
func TestClientALPNChecks(t *testing.T) {
	rep := runClientCatalogue(t, "reference+alpn:client-negotiation/accept-any-alpn", `^client-negotiation/.*/alpn-`)
	judged := 0
	for _, c := range rep.Checks {
		want := reports.Warn
		if strings.HasSuffix(c.ID, "/alpn-unrequested") {
			want = reports.Skip // reference+alpn offers ALPN
		}
		judged++
		if c.Status != want {
			t.Errorf("%s: %s, want %s (observed %s; %s)", c.ID, c.Status, want, c.Observed, c.Reason)
		}
	}
	if judged == 0 {
		t.Error("no ALPN check ran")
	}
}

// TestClientMisbehavioursAreCaught: for every misbehaviour of the
// reference client, the checks its family names fail and the ones it
// says are unrelated pass; every misbehaviour has a self-test.
func TestClientMisbehavioursAreCaught(t *testing.T) {
	covered := map[string]bool{}
	for _, f := range suite.ClientFamilies() {
		for _, st := range f.SelfTests {
			covered[st.Misbehaviour] = true
			t.Run(st.Misbehaviour, func(t *testing.T) {
				rep := runClientCatalogue(t, "reference:"+st.Misbehaviour, st.Fail, st.Warn, st.Inconclusive, st.Pass)
				failed, passed := 0, 0
				for _, c := range rep.Checks {
					switch {
					case match(st.Fail, c.ID):
						failed++
						if c.Status != reports.Fail {
							t.Errorf("%s: %s, want fail (observed %s)", c.ID, c.Status, c.Observed)
						}
					case match(st.Warn, c.ID):
						failed++
						if c.Status != reports.Warn {
							t.Errorf("%s: %s, want warn: a SHOULD-level check (observed %s)", c.ID, c.Status, c.Observed)
						}
					case match(st.Inconclusive, c.ID):
						if c.Status != reports.Inconclusive {
							t.Errorf("%s: %s, want inconclusive: what it observed proves nothing (observed %s; %s)", c.ID, c.Status, c.Observed, c.Reason)
						}
					case match(st.Pass, c.ID):
						passed++
						if c.Status != reports.Pass {
							t.Errorf("%s: %s, want pass: an unrelated check (observed %s; %s)", c.ID, c.Status, c.Observed, c.Reason)
						}
					}
				}
				if failed == 0 || (st.Pass != "" && passed == 0) {
					t.Errorf("the self-test's patterns match %d checks to fail and %d to pass", failed, passed)
				}
			})
		}
	}
	for _, m := range suite.ClientMisbehaviours() {
		if !covered[m.Name] {
			t.Errorf("client misbehaviour %s has no self-test", m.Name)
		}
	}
}

// TestClientFailClosed: a client that never connects is a setup error,
// not a run of passes; one that connects and then says nothing is never
// judged to pass a check that needs its answer.
func TestClientFailClosed(t *testing.T) {
	_, err := suite.RunClient(context.Background(), suite.Client("true {addr}"), suite.Options{Seed: 1, Timeout: time.Second})
	if !errors.Is(err, suite.ErrClientSilent) {
		t.Errorf("a client that never connects: %v, want ErrClientSilent", err)
	}
	// Connects, sends nothing, waits (bash's /dev/tcp holds the
	// connection): killed, and a setup error.
	start := time.Now()
	_, err = suite.RunClient(context.Background(), suite.Client("bash -c 'exec 3<>/dev/tcp/127.0.0.1/$0; sleep 30' {port}"), suite.Options{Seed: 1, Timeout: time.Second})
	if !errors.Is(err, suite.ErrClientSilent) || !strings.Contains(err.Error(), "killed") {
		t.Errorf("a client that connects and says nothing: %v, want ErrClientSilent after killing it", err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("a silent client took %s to give up on", took)
	}
}

// TestGoClientHasNoMustFailure: Go's crypto/tls client, as the built-in
// client runs it, fails no MUST check but the deviations its shipped
// expectations record, through the go test API (one subtest per check);
// so does a client of one's own *tls.Config with Go's defaults.
func TestGoClientHasNoMustFailure(t *testing.T) {
	t.Run("builtin", func(t *testing.T) {
		suite.TestClient(t, suite.Client("builtin"), suite.Options{Seed: 1, Timeout: time.Second})
	})
	t.Run("config", func(t *testing.T) {
		suite.TestClient(t, suite.ClientConfig(&tls.Config{}), suite.Options{Seed: 1, Timeout: time.Second, Expectations: suite.CryptoTLSClientExpectations()})
	})
}

// TestClientWaitIsInconclusive: a client that drops what it did not wait
// for and keeps waiting ends only when the server gives up: its exit
// status then proves nothing, and the check is inconclusive, never a
// warning or a pass.
func TestClientWaitIsInconclusive(t *testing.T) {
	rep, err := suite.RunClient(context.Background(), suite.Client("reference:client-order/skip-unexpected"),
		suite.Options{Seed: 1, Timeout: time.Second, Run: "client-order/tls12/ecdhe_rsa/missing-server-key-exchange"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if c.ID == "client-order/tls12/ecdhe_rsa/missing-server-key-exchange" && c.Status != reports.Inconclusive {
			t.Errorf("%s: %s (%s; %s), want inconclusive", c.ID, c.Status, c.Observed, c.Reason)
		}
	}
}

// TestReadmeClientCommands: the README's command clients (a Go program of
// one's own, s_client, curl) keep the command contract: each completes
// the baselines of what it offers and refuses a Finished that does not
// verify.
func TestReadmeClientCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a program and starts processes")
	}
	bin := filepath.Join(t.TempDir(), "goclient")
	if code, out := runGo(t, ".", "build", "-o", bin, "../targets/testdata/goclient"); code != 0 {
		t.Fatalf("go build goclient: %s", out)
	}
	commands := map[string]string{
		"go":      bin + " -addr {addr} -ca {ca}",
		"openssl": "openssl s_client -connect {addr} -servername {servername} -verify_hostname {servername} -CAfile {ca} -verify_return_error -brief",
		"curl":    "curl -sS --cacert {ca} --resolve {servername}:{port}:{host} https://{servername}:{port}/ -o /dev/null",
	}
	for name, cmd := range commands {
		t.Run(name, func(t *testing.T) {
			if tool := strings.Fields(cmd)[0]; name != "go" {
				extproc.Require(t, tool)
			}
			rep, err := suite.RunClient(context.Background(), suite.Client(cmd), suite.Options{Seed: 1, Timeout: 2 * time.Second,
				Run: "client-baseline/*,client-finished/tls12/*/flip-bit-0,client-finished/tls13/*/flip-bit-0", Expect: "none"})
			if err != nil {
				t.Fatal(err)
			}
			judged := 0
			for _, c := range rep.Checks {
				if c.Status == reports.Skip {
					continue
				}
				judged++
				// A refusal with another alert than the RFC's is a warning.
				if c.Status != reports.Pass && c.Status != reports.Warn {
					t.Errorf("%s: %s (%s; %s)", c.ID, c.Status, c.Observed, c.Reason)
				}
			}
			if judged == 0 {
				t.Error("no check was judged")
			}
		})
	}
}
