package campaign

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/targets"
)

// peersClient is the engine's client as a client under test, with a
// planted bug: misbehaviours of its plan, and a crash (reported as a
// death by a signal) when its handshake fails in a way crash picks.
type peersClient struct {
	mis   []peers.ClientMisbehaviour
	crash func(res peers.Result) bool
}

func (p peersClient) Name() string    { return "peers" }
func (p peersClient) Notes() []string { return nil }
func (p peersClient) Close() error    { return nil }

func (p peersClient) Run(ctx context.Context, c targets.Connect) targets.ClientResult {
	timeout := time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	res := peers.Converse(ctx, c.Addr, &peers.ClientConfig{
		Versions:   []wire.Version{wire.VersionTLS13, wire.VersionTLS12},
		ServerName: c.ServerName, RootCAs: c.CAPool, Timeout: timeout, Misbehaviours: p.mis,
	}, []byte("tlsconform\n"))
	out := targets.ClientResult{Started: true}
	switch {
	case p.crash != nil && p.crash(res):
		out.ExitCode, out.Err = -1, errors.New("signal: segmentation fault")
	case res.Outcome != peers.OutcomeCompleted:
		out.ExitCode, out.Err = 1, errors.New(res.Error)
	}
	return out
}

func runClientCampaign(t *testing.T, cl targets.Client) (Summary, string) {
	t.Helper()
	dir := t.TempDir()
	sum, err := RunClient(context.Background(), ClientConfig{
		Client: "peers", Duration: 3 * time.Second, Seed: 7, ReportDir: dir, Timeout: time.Second,
		Open: func(context.Context) (targets.Client, error) { return cl, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum, dir
}

// savedFindings are the signatures saved in a campaign's report directory.
func savedFindings(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, dirFindings))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		f, err := LoadFinding(filepath.Join(dir, dirFindings, e.Name(), fileFinding))
		if err != nil {
			t.Fatal(err)
		}
		if f.Case.Kind != KindClientFlight || !f.Reproduced {
			t.Errorf("%s: kind %s, reproduced %v", f.Signature, f.Case.Kind, f.Reproduced)
		}
		out = append(out, f.Signature)
	}
	return out
}

// TestClientCampaignFindsAcceptance: a client that does not verify the
// server's Finished goes on after a flipped one: an accept finding; a
// correct client gives none.
func TestClientCampaignFindsAcceptance(t *testing.T) {
	skip := peers.ClientMisbehaviour{Name: "skip-verify", Apply: func(p *peers.ClientPlan) {
		p.VerifyServerFinished = func(got, want []byte, rfc string) error { return nil }
	}}
	sum, dir := runClientCampaign(t, peersClient{mis: []peers.ClientMisbehaviour{skip}})
	got := savedFindings(t, dir)
	if sum.Conversations < 50 || !containsPrefix(got, "accept:server/finished/flip") {
		t.Errorf("%d conversations, findings %q: want an accept finding for a flipped server Finished", sum.Conversations, got)
	}
	for _, sig := range got {
		if !strings.HasPrefix(sig, "accept:server/finished/") {
			t.Errorf("finding %s: the client has no other bug", sig)
		}
	}
	if _, dir := runClientCampaign(t, peersClient{}); len(savedFindings(t, dir)) != 0 {
		t.Errorf("a correct client gave findings %q", savedFindings(t, dir))
	}
}

// TestClientCampaignFindsCrash: a client that dies of a signal on a
// broken Certificate is a crash finding.
func TestClientCampaignFindsCrash(t *testing.T) {
	crash := func(res peers.Result) bool {
		return res.Outcome != peers.OutcomeCompleted && strings.Contains(strings.ToLower(res.Error), "certificate")
	}
	_, dir := runClientCampaign(t, peersClient{crash: crash})
	got := savedFindings(t, dir)
	if !containsPrefix(got, "crash:server/certificate/") {
		t.Errorf("findings %q: want a crash on a changed Certificate", got)
	}
}

func containsPrefix(xs []string, p string) bool {
	for _, x := range xs {
		if strings.HasPrefix(x, p) {
			return true
		}
	}
	return false
}

// TestReplayClientFinding: a client finding replays against the client
// it names; Go's crypto/tls client does not accept a flipped Finished, so
// an accept finding made up for it does not reproduce.
func TestReplayClientFinding(t *testing.T) {
	dir := t.TempDir()
	f := &Finding{Oracle: OracleAccept, Signature: "accept:server/finished/flip:tls1.3:ecdhe", Target: "client:builtin", Timeout: "1s",
		Case: Case{Kind: KindClientFlight, Version: "1.3", KX: "ecdhe", Mutators: []string{"server/finished/flip"}, Seed: 42}}
	path, err := writeFinding(dir, f, map[string][]byte{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	ok, err := Replay(context.Background(), filepath.Join(path, fileFinding), ReplayOptions{Out: &out})
	if err != nil || ok {
		t.Errorf("replay: reproduced %v, err %v\n%s", ok, err, out.String())
	}
	if !strings.Contains(out.String(), "outcome: client exit 1") {
		t.Errorf("replay output:\n%s", out.String())
	}
}
