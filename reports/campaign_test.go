package reports

import (
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testCampaign() *Campaign {
	return &Campaign{
		Target: "127.0.0.1:4433", Seed: 7, Shard: "1/2", Updated: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Elapsed: 125, Conversations: 25000, NewFindings: 1, Restarts: 12, Allowed: 3, ExpectedOf: "crypto/tls",
		Expected: []CampaignCount{{"client-hello/tls12/x", 40}, {"client-hello/tls13/y", 2}},
		Findings: []CampaignFinding{
			{Oracle: "accept", Signature: "accept:rule <b>x</b>:ServerHello", Where: "client_hello/session_id (RFC 8446 §4.1.2)", FoundAfter: 30.5, Hits: 4, Inputs: 2,
				Dir: "findings/a", Reproducer: "findings/a/client.bin", Size: 300, Chain: "client_hello/session_id/33-bytes", Version: "1.2", Reproduced: true},
			{Oracle: "crash", Signature: "crash:go-panic: <script>alert(1)</script>", Where: "panic: boom (at x.f)", FoundAfter: 2.25, Hits: 70, Inputs: 31,
				Dir: "findings/c", Reproducer: "findings/c/client.bin", Size: 2092, Chain: "client_hello/size/16896", Version: "1.3", Reproduced: true},
			{Oracle: "crash", Signature: "crash:older", FoundAfter: -1, Hits: 1, Inputs: 0, Dir: "findings/o", Reproducer: "findings/o/client.bin"},
		},
		Rates:    []CampaignRate{{10, 200}, {20, 180}, {30, 220}, {40, 0}, {50, 210}},
		Families: []CampaignCount{{"client_hello/truncate", 900}, {"order", 100}},
	}
}

// TestCampaignReports: the result block, summary.md and report.html of a
// campaign say the findings by oracle (crash, hang, accept; first found
// first; an unknown time last) with time to first hit, hits, inputs and
// reproducer, the counts, rates and families; the page is one file in
// the gate's style with nothing to run or fetch, and a target's string
// stays text.
func TestCampaignReports(t *testing.T) {
	c := testCampaign()
	block := CampaignResultBlock(c, "out")
	for _, want := range []string{
		"tlsconform campaign result: 3 findings (crash 2, hang 0, accept 1); 1 new in the last run\n",
		"first after 2.2 s, 70 hits, 31 inputs, smallest 2092 bytes: out/findings/c/client.bin",
		"expected deviations counted: 42 (crypto/tls); dropped as allowed after minimization: 3",
		"conversations: 25000 in 2 min 5 s, 200/s (sampled: 0-220/s); restarts of the target: 12",
		"reports: out/report.html, out/summary.md, out/campaign.json",
	} {
		if !strings.Contains(block, want) {
			t.Errorf("result block lacks %q:\n%s", want, block)
		}
	}
	if strings.Index(block, "crash:go-panic") > strings.Index(block, "crash:older") || strings.Index(block, "crash:older") > strings.Index(block, "accept:rule") {
		t.Errorf("result block order: crash first found first, then accept:\n%s", block)
	}
	md := CampaignSummary(c)
	for _, want := range []string{"### crash (2)", "### hang (0)\n\nNone.", "### accept (1)", "| 30.5 s | 4 | 2 |", "| — | 1 | 0 |",
		"`client-hello/tls12/x` | 40 |", "| `order` | 100 | 10.0% |", "| 40.0 s | 0 |", "(shard 1/2)"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
	// A code span shows its text as it is; anywhere else it would be HTML.
	if strings.Count(md, "<b>") != strings.Count(md, "`accept:rule <b>x</b>:ServerHello`") {
		t.Errorf("summary.md lets raw HTML through outside a code span:\n%s", md)
	}
	page, err := CampaignHTML(c)
	if err != nil {
		t.Fatal(err)
	}
	p := string(page)
	for _, want := range []string{"<svg class=\"spark\"", "<polyline", "Findings by oracle", "Mutator families", "&lt;script&gt;alert(1)&lt;/script&gt;", "v-FAIL"} {
		if !strings.Contains(p, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if strings.Contains(p, "<script") {
		t.Errorf("report.html has a script")
	}
	for _, css := range []string{htmlCSS, campaignCSS} {
		sum := sha256.Sum256([]byte(css))
		if !strings.Contains(p, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") || !strings.Contains(p, "<style>"+css+"</style>") {
			t.Errorf("report.html: a style sheet is not inline or its hash is not in the policy")
		}
	}
	dir := t.TempDir()
	if err := WriteCampaign(dir, &Campaign{NewFindings: -1}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, HTMLFile)); err != nil || !strings.Contains(string(b), "NO FINDINGS") {
		t.Errorf("an empty merge's page (%v) does not say NO FINDINGS", err)
	}
}
