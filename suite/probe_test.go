package suite_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite"
)

// The checks that judge probing's TLS 1.3 answers (issue 9: "if our
// client rejects the server's ServerHello or HRR during probing, that is a
// reported problem (a failing check that names the rule), never a silent
// 'no TLS 1.3'").
var probeAnswerIDs = []string{
	"version-negotiation/tls13/ecdhe/probe-answer-valid/mlkem-share",
	"version-negotiation/tls13/ecdhe/probe-answer-valid/classical-share",
}

// TestRefusedTLS13AnswerFailsNamingTheRule: a server whose TLS 1.3
// ServerHello sets legacy_version 0x0304 is left without TLS 1.3 by
// probing, which says so and names the checks; the checks run anyway and
// fail, each with RFC 8446 §4.2.1's sentence as the verdict's rule.
func TestRefusedTLS13AnswerFailsNamingTheRule(t *testing.T) {
	tgt := reference(t, "version/tls13-legacy-version-0304")
	r, err := suite.Start(context.Background(), tgt, suite.Options{Seed: 1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p := r.Profile()
	if slices.Contains(p.Versions, wire.VersionTLS13) {
		t.Errorf("the profile has TLS 1.3 (%v), though the client refused every TLS 1.3 answer", p.Versions)
	}
	problems := strings.Join(p.Problems, "\n")
	for _, id := range probeAnswerIDs {
		if !strings.Contains(problems, id) {
			t.Errorf("the profile's problems do not point at %s: %q", id, problems)
		}
	}
	res := judge(t, r, probeAnswerIDs...)
	const sentence = `RFC 8446 §4.2.1: "It MUST set the ServerHello.legacy_version field to 0x0303 (TLS 1.2)."`
	for _, id := range probeAnswerIDs {
		got := res[id]
		if got.Status != reports.Fail {
			t.Errorf("%s: %s, want fail (%s)", id, got.Status, got.Message())
		}
		if got.Rule != sentence {
			t.Errorf("%s: rule %q, want %q", id, got.Rule, sentence)
		}
		if !strings.Contains(got.Message(), "rule: "+sentence) {
			t.Errorf("%s: the failure message does not show the rule: %s", id, got.Message())
		}
	}
}

// TestProbeAnswerWarnsWithoutServerRule: an empty legacy_session_id_echo
// is refused by the client, but no sentence binds the server there with
// MUST: the checks warn, and show the sentence the refusal rests on.
func TestProbeAnswerWarnsWithoutServerRule(t *testing.T) {
	r, err := suite.Start(context.Background(), reference(t, "version/tls13-empty-session-id-echo"), suite.Options{Seed: 1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	res := judge(t, r, probeAnswerIDs...)
	for _, id := range probeAnswerIDs {
		got := res[id]
		if got.Status != reports.Warn || !strings.HasPrefix(got.Rule, "RFC 8446 §4.1.3: \"legacy_session_id_echo:") {
			t.Errorf("%s: %s with rule %q, want a warning on RFC 8446 §4.1.3's description of the field (%s)", id, got.Status, got.Rule, got.Message())
		}
	}
}

// TestProbeAnswerPassesOnReference: the reference server's TLS 1.3
// answers pass, with the check's own rule, and probing finds TLS 1.3
// with no problem.
func TestProbeAnswerPassesOnReference(t *testing.T) {
	r, err := suite.Start(context.Background(), reference(t), suite.Options{Seed: 1, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Profile(); !slices.Contains(p.Versions, wire.VersionTLS13) || len(p.Problems) != 0 {
		t.Errorf("profile versions %v, problems %q", p.Versions, p.Problems)
	}
	for id, got := range judge(t, r, probeAnswerIDs...) {
		if got.Status != reports.Pass || !strings.HasPrefix(got.Rule, "RFC 8446 §4.2.1: ") {
			t.Errorf("%s: %s with rule %q (%s)", id, got.Status, got.Rule, got.Message())
		}
	}
}

// judge runs the checks named by ids through r, closes it, and returns
// their results by id.
func judge(t *testing.T, r *suite.Runner, ids ...string) map[string]suite.Result {
	t.Helper()
	out := map[string]suite.Result{}
	for _, ch := range suite.Catalogue() {
		if slices.Contains(ids, ch.ID) {
			out[ch.ID] = r.Check(context.Background(), ch)
		}
	}
	if len(out) != len(ids) {
		t.Fatalf("%d of the %d checks named are in the catalogue", len(out), len(ids))
	}
	if _, err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}
