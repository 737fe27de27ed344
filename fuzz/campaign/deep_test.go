package campaign

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// deepBugs are the planted bugs of planted.go and a bound on the
// conversations worker 0 of a campaign needs to find each. The count is
// a pure function of the seed and the catalogue (seed 1: 62, 105, 259,
// 3988 and 17); over seeds 1-6 the means were about 120, 125, 610, 4240
// and 130, and each bound is five times that: a change of the
// catalogue reshuffles every seed's cases, and the bound holds for all
// but about one seed in a hundred unless the campaign reaches less.
var deepBugs = []struct {
	misbehaviour string
	oracle       string
	within       uint64
}{
	{"fuzz/crash-on-point-length-lie", OracleCrash, 600},
	{"fuzz/hang-on-nul-in-host-name", OracleHang, 650},
	{"fuzz/crash-on-zero-share-after-hrr", OracleCrash, 3000},
	{"fuzz/crash-on-ticket-age-overflow", OracleCrash, 20000},
	{"fuzz/crash-on-ff-verify-data", OracleCrash, 650},
}

const deepSeed = 1

// findFirst sends worker 0's cases of a campaign of seed against the
// target started by misbehaviour, from iteration 0, until the oracle
// fires or within cases have gone: the number of conversations it took
// (0: not found).
func findFirst(t *testing.T, misbehaviour, oracle string, seed, within uint64) (uint64, Case) {
	t.Helper()
	ctx := context.Background()
	const timeout = 500 * time.Millisecond
	addr, cmd := testTargetCmd(t, misbehaviour)
	ep, err := openEndpoint(ctx, addr, cmd, timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.close()
	cat, err := newCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	cp := &campaign{cfg: Config{Seed: seed}, cat: cat, env: probe(ctx, cat, ep.addr, timeout)}
	// The last cases sent: a process that exits is seen to a
	// conversation or two after the one that crashed it.
	type sent struct {
		it uint64
		c  Case
	}
	var last []sent
	for it := range within {
		c, ok := cp.nextCase(0, it)
		if !ok {
			t.Fatalf("iteration %d: no case", it)
		}
		last = append(last, sent{it, c})
		if len(last) > 3 {
			last = last[1:]
		}
		r, _, dead := ep.run(ctx, cat, c, nil)
		switch {
		case dead && oracle != OracleCrash:
			t.Fatalf("iteration %d: the target exited on %+v:\n%s", it, c, ep.output())
		case dead:
			// Triage, as the campaign's: restart it and send the last
			// cases again, oldest first, until one makes it exit.
			for _, s := range last {
				ep.mu.Lock()
				err := ep.restart(ctx, nil)
				ep.mu.Unlock()
				if err != nil {
					t.Fatal(err)
				}
				r, _, dead := ep.run(ctx, cat, s.c, nil)
				if dead || ep.waitExit(ctx, exitGrace) {
					s.c.Mutators = r.applied
					return s.it + 1, s.c
				}
			}
			t.Fatalf("iteration %d: the target exited, and none of the last %d cases makes it exit again", it, len(last))
		case r.answer == AnswerTimeout && r.prompt && oracle == OracleHang:
			r.c.Mutators = r.applied
			return it + 1, r.c
		}
	}
	return 0, Case{}
}

// TestCampaignReachesDeepBugs: each bug planted deep in a handshake or
// inside a field is found by the campaign's own choice of conversations
// (worker 0 of seed deepSeed, from iteration 0) within a bounded number
// of them: counted, not timed.
func TestCampaignReachesDeepBugs(t *testing.T) {
	for _, b := range deepBugs {
		t.Run(b.misbehaviour, func(t *testing.T) {
			n, c := findFirst(t, b.misbehaviour, b.oracle, deepSeed, b.within)
			if n == 0 {
				t.Fatalf("%s not found in %d conversations", b.oracle, b.within)
			}
			t.Logf("%s after %d conversations: %s at TLS %s, %v", b.oracle, n, c.Kind, c.Version, c.Mutators)
		})
	}
}

// TestDeepConversationsOnReference: against the reference server (which
// follows every rule), each new conversation applies its change and gets
// the answer the rule asks for: a tolerated change of the second
// ClientHello or of a resumption completes the handshake, every nested
// lie and sequence change is refused, a changed Finished or point is
// refused.
func TestDeepConversationsOnReference(t *testing.T) {
	ctx := context.Background()
	const timeout = time.Second
	addr, cmd := testTargetCmd(t)
	ep, err := openEndpoint(ctx, addr, cmd, timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer ep.close()
	cat, err := newCatalog(nil)
	if err != nil {
		t.Fatal(err)
	}
	env := probe(ctx, cat, ep.addr, timeout)
	if !env.retry || !env.resume[wire.VersionTLS12] || !env.resume[wire.VersionTLS13] || !slices.Contains(env.kx[wire.VersionTLS12], KXECDHE) {
		t.Fatalf("probe: retry %v, resume %v, kx %v: the reference server answers a HelloRetryRequest, resumes and does ECDHE", env.retry, env.resume, env.kx)
	}
	unknown := "client_hello/extensions/unknown/first"
	cases := []struct {
		c    Case
		want Answer
	}{
		{Case{Kind: KindRetry, Version: "1.3", Template: TemplateEngineSNI, Mutators: []string{unknown}}, AnswerAccept},
		{Case{Kind: KindRetry, Version: "1.3", Template: TemplateEngine, Mutators: []string{"client_hello/nested/extensions.key_share.client_shares[0].key_exchange/extra-byte"}}, AnswerReject},
		{Case{Kind: KindResume, Version: "1.3", Template: TemplateResume, Mutators: []string{unknown}}, AnswerAccept},
		{Case{Kind: KindResume, Version: "1.2", Template: TemplateResume, KX: KXECDHE, Mutators: []string{unknown}}, AnswerAccept},
		{Case{Kind: KindResume, Version: "1.3", Template: TemplateResume, Mutators: []string{"client_hello/nested/extensions.pre_shared_key.identities[0].identity/missing-byte"}}, AnswerReject},
		{Case{Kind: KindResume, Version: "1.2", Template: TemplateResume, KX: KXECDHE, Mutators: []string{"client_hello/nested/extensions.session_ticket/extra-byte"}}, AnswerReject},
		{Case{Kind: KindCKE, Version: "1.2", KX: KXECDHE, Mutators: []string{"client_key_exchange/nested/ecdh_Yc/extra-byte"}}, AnswerReject},
		{Case{Kind: KindCKE, Version: "1.2", KX: KXECDHE, Mutators: []string{"client_key_exchange/nested/ecdh_Yc/missing-byte"}}, AnswerReject},
		{Case{Kind: KindFinished, Version: "1.2", KX: KXECDHE, Mutators: []string{"finished/value/verify_data/all-ff"}}, AnswerReject},
		{Case{Kind: KindFinished, Version: "1.3", Mutators: []string{"finished/value/verify_data/shrink"}}, AnswerReject},
		{Case{Kind: KindHello, Version: "1.3", Template: TemplateEngineSNI, Mutators: []string{"client_hello/value/extensions.server_name.server_name_list[0].host_name/nul-inside"}}, AnswerAccept},
	}
	for _, x := range sequences() {
		for _, v := range x.versions {
			if v == wire.VersionTLS10 || v == wire.VersionTLS11 || !(x.needs != needResume || env.resume[v]) {
				continue
			}
			c := Case{Kind: KindOrder, Version: v.Short(), Mutators: []string{x.name}}
			if v < wire.VersionTLS13 {
				c.KX = KXECDHE
			}
			cases = append(cases, struct {
				c    Case
				want Answer
			}{c, AnswerReject})
		}
	}
	for i, tc := range cases {
		c := tc.c
		c.Seed, c.AppData = uint64(i+1), env.appData[c.version()]
		if c.Version == "1.3" {
			c.Group = env.group13.String()
		}
		r, _, dead := ep.run(ctx, cat, c, nil)
		if dead {
			t.Fatalf("%s %v: the reference server exited", c.Kind, c.Mutators)
		}
		if r.answer != tc.want || !slices.Equal(r.applied, c.Mutators) {
			t.Errorf("%s at TLS %s, %v: answer %s (%s), applied %v; want %s, applied", c.Kind, c.Version, c.Mutators, r.answer, r.describe(), r.applied, tc.want)
		}
		// A nested lie inside a TLS 1.2 extension body is SHOULD-level
		// (a malformed body binds the receiver only in TLS 1.3).
		should := c.Kind == KindResume && c.Version == "1.2"
		if m, exp := cat.verdictOf(r.applied, c.version(), false); tc.want == AnswerReject && m == should {
			t.Errorf("%s %v: must %v (%s)", c.Kind, c.Mutators, m, exp)
		}
	}
}
