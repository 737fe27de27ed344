package campaign

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/mutators"
)

// From an oracle's firing to a finding: what each oracle's conversation
// is keyed by (crash and hang: the site the target's output names;
// accept and differential: the rule broken and the answer), how it is
// minimized and judged again, and how it becomes a new finding or one
// more input of a finding saved before.

// reproduces says whether r (and r2) show the finding again.
func reproduces(oracle string, r, r2 *result, want *result) bool {
	switch oracle {
	case OracleHang:
		return r.answer == AnswerTimeout && r.prompt
	case OracleAccept:
		return r.answer == AnswerAccept && r.must
	case OracleDifferential:
		return r2 != nil && r.answer == want.answer && r2.answer != r.answer && disagree(r, r2)
	}
	return false
}

// output is the target's output during conversation r, and its site.
func (cp *campaign) output(r *result) (lines []logLine, lost bool, site *Site) {
	lines, lost = cp.log.window(r.start, r.end())
	if s, ok := siteOf(outputText(lines)); ok {
		site = &s
	}
	return lines, lost, site
}

// outputText is the lines the target printed, without the campaign's
// notes: what siteOf reads.
func outputText(lines []logLine) string {
	var b strings.Builder
	for _, ln := range lines {
		if !ln.mark {
			b.WriteString(ln.s)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// keyOf is the signature of r for oracle (r2: the second target's; site:
// the site r's output names, for a hang).
func (cp *campaign) keyOf(oracle string, r, r2 *result, site *Site) string {
	switch oracle {
	case OracleAccept:
		return ruleSignature(oracle, cp.cat.ruleKey(r.applied), answerOf(r))
	case OracleDifferential:
		return ruleSignature(oracle, cp.cat.ruleKey(r.applied), string(r.answer)+"-"+string(r2.answer))
	}
	return crashSignature(oracle, site, r.applied, "")
}

// expectedFor is the expected-deviations entry that excuses an
// acceptance of the changes names at the case's version, if any. Every
// change of the chain that calls for a rejection must be excused (the
// last one decides, but a chain whose rejected changes the expectations
// all name is not worth minimizing to learn which).
func (cp *campaign) expectedFor(c Case, names []string) (ExpectedDeviation, bool) {
	if cp.cfg.Expect == nil {
		return ExpectedDeviation{}, false
	}
	var d ExpectedDeviation
	found := false
	for _, n := range names {
		if cl := cp.cat.expectation(n).Class; cl != mutators.MustReject && cl != mutators.Oracle {
			continue
		}
		dev, ok := cp.cfg.Expect.match(cp.cat.gateChecks(c.Kind, n, c.version()))
		if !ok {
			return ExpectedDeviation{}, false
		}
		d, found = dev, true
	}
	return d, found
}

// countExpected counts an acceptance the expectations excuse.
func (cp *campaign) countExpected(d ExpectedDeviation) {
	cp.expected.Add(1)
	cp.store.expected(d.ID)
}

// noteAllowed counts a case dropped after minimization, and remembers
// it (bounded) so that it is not minimized again.
func (cp *campaign) noteAllowed(c Case, vd verdict, best *result) {
	cp.allowed.Add(1)
	cp.store.allowed()
	cp.noteJudged(c, false)
	cp.logf("campaign: dropped after minimization: allowed: %s at TLS %s: %s", strings.Join(best.applied, "+"), best.c.Version, vd.Why)
}

// noteJudged remembers the verdict on case c (finding: it is one).
func (cp *campaign) noteJudged(c Case, finding bool) {
	cp.judgedMu.Lock()
	defer cp.judgedMu.Unlock()
	if len(cp.judgedCases) < maxJudgedCases {
		cp.judgedCases[c.key()] = finding
	}
}

// judgedBefore is the verdict on case c when it was judged before.
func (cp *campaign) judgedBefore(c Case) (finding, ok bool) {
	cp.judgedMu.Lock()
	defer cp.judgedMu.Unlock()
	finding, ok = cp.judgedCases[c.key()]
	return finding, ok
}

// maxJudgedCases bounds the memory of judged cases.
const maxJudgedCases = 4096

// report handles a hang, an acceptance or a disagreement of r (r2: the
// second target's answer) drawn by worker w at iteration it: one more
// input of a finding saved before, or a new finding, minimized, judged
// again and saved. Its work is bounded and finishes after an interrupt.
func (cp *campaign) report(ctx context.Context, oracle string, w int, it uint64, r, r2 *result) {
	r.c.Mutators = slices.Clone(r.applied)
	if oracle == OracleAccept {
		if d, ok := cp.expectedFor(r.c, r.applied); ok {
			cp.countExpected(d)
			return
		}
		if finding, ok := cp.judgedBefore(r.c); ok && !finding {
			cp.allowed.Add(1)
			cp.store.allowed()
			return
		}
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), findingBudget)
	defer cancel()
	in := inputOf(r, w, it)
	lines, lost, site := cp.output(r)
	if sig := cp.keyOf(oracle, r, r2, site); cp.store.known(sig) {
		var vd *verdict
		if finding, ok := cp.judgedBefore(r.c); oracle == OracleAccept && !(ok && finding) {
			// A repeat of a case judged a finding before is not sent to
			// the reference server again.
			v := cp.cat.judgeAccept(wctx, r, cp.ref)
			if !v.Finding {
				cp.noteAllowed(r.c, v, r)
				return
			}
			cp.noteJudged(r.c, true)
			vd = &v
		}
		f := cp.finding(oracle, w, it, r, r2)
		f.Signature, f.Site, f.Reproduced = sig, site, true
		cp.judged(f, vd, r)
		cp.record(f, cp.files(r, r2, lines, lost, r.start, cp.windowEnd(oracle)), in)
		return
	}
	orig := slices.Clone(r.applied)
	best, best2, bestLines, bestLost, bestSite := r, r2, lines, lost, site
	// again sends c once more to the target(s) the oracle needs; when the
	// target crashes meanwhile (on this or another worker's conversation),
	// the crash is handled first and c sent again. false: the target is
	// gone.
	again := func(c Case) (t, t2 *result, ok bool) {
		for range 3 {
			t, gen, dead := cp.ep.run(wctx, cp.cat, c, nil)
			cp.conversations.Add(1)
			if dead {
				cp.crashed(wctx, gen)
				continue
			}
			if oracle == OracleDifferential {
				t2, _, _ = cp.ep2.run(wctx, cp.cat, c, nil)
				cp.conversations.Add(1)
			}
			return t, t2, true
		}
		return nil, nil, false
	}
	// same: a hang keyed by its site stays at that site.
	same := func(t *result) (bool, []logLine, bool, *Site) {
		if oracle != OracleHang {
			return true, nil, false, nil
		}
		l, lo, s := cp.output(t)
		return (s == nil) == (site == nil) && (s == nil || s.Key() == site.Key()), l, lo, s
	}
	dropped := false
	for i := 0; len(best.applied) > 1 && i < len(best.applied); {
		c := best.c.without(i)
		t, t2, ok := again(c)
		if !ok {
			return
		}
		if len(t.applied) == len(c.Mutators) && reproduces(oracle, t, t2, r) {
			if ok, l, lo, s := same(t); ok {
				best, best2, dropped = t, t2, true
				if oracle == OracleHang {
					bestLines, bestLost, bestSite = l, lo, s
				} else {
					bestLines, bestLost, _ = cp.output(t)
				}
				continue // the same index now names the next mutator
			}
		}
		i++
	}
	reproduced := dropped
	if !dropped {
		t, t2, ok := again(best.c)
		if !ok {
			return
		}
		reproduced = reproduces(oracle, t, t2, r)
	}
	var vd *verdict
	if oracle == OracleAccept {
		// The expectations first: a deviation they name needs no
		// conversation with the reference server.
		if d, ok := cp.expectedFor(best.c, best.applied); ok {
			cp.countExpected(d)
			return
		}
		v := cp.cat.judgeAccept(wctx, best, cp.ref)
		if !v.Finding {
			cp.noteAllowed(r.c, v, best)
			return
		}
		cp.noteJudged(r.c, true)
		vd = &v
	}
	f := cp.finding(oracle, w, it, best, best2)
	f.Reproduced, f.Site = reproduced, bestSite
	f.Signature = cp.keyOf(oracle, best, best2, bestSite)
	cp.judged(f, vd, best)
	ins := []Input{in}
	if dropped {
		f.MinimizedFrom = orig
		mi := inputOf(best, w, it)
		mi.Minimized = true
		ins = append(ins, mi)
	}
	cp.record(f, cp.files(best, best2, bestLines, bestLost, best.start, cp.windowEnd(oracle)), ins...)
}

// windowEnd says where a finding's output window ends, for stderr.txt.
func (cp *campaign) windowEnd(oracle string) string {
	if oracle == OracleHang {
		return "the end of the conversation (the " + cp.cfg.Timeout.String() + " deadline passed)"
	}
	return "the end of the conversation"
}

// judged fills in what judging r found: the rule, the verdict and the
// gate checks the finding stands for.
func (cp *campaign) judged(f *Finding, vd *verdict, r *result) {
	if f.Oracle == OracleAccept || f.Oracle == OracleDifferential {
		f.Rule = cp.cat.ruleText(r.applied, r.c.version())
		f.Checks = cp.cat.gateChecks(r.c.Kind, deciding(r.applied), r.c.version())
		if len(f.Checks) > maxChecksListed {
			f.Checks = append(f.Checks[:maxChecksListed:maxChecksListed], fmt.Sprintf("... and %d more", len(f.Checks)-maxChecksListed))
		}
	}
	if vd != nil {
		f.Verdict = vd.String()
	}
}

// maxChecksListed bounds the check ids a finding lists (a Finding
// variant stands for a check per bit of verify_data).
const maxChecksListed = 8

// finding fills in a finding about r.
func (cp *campaign) finding(oracle string, w int, it uint64, r, r2 *result) *Finding {
	f := &Finding{
		Oracle: oracle, Seed: cp.cfg.Seed, Worker: w, Iteration: it,
		Mutators: slices.Clone(r.c.Mutators), Version: r.c.Version,
		Target: cp.cfg.Target, TargetCmd: cp.cfg.TargetCmd, Target2: cp.cfg.Target2,
		Time: time.Now().UTC(), Outcome: r.describe(), Answer: r.answer, Expected: r.expected,
		Timeout: cp.cfg.Timeout.String(), Case: r.c, Size: len(r.sent.b) + r.sent.dropped,
	}
	switch oracle {
	case OracleHang:
		f.Expected = "an answer (an alert, a close, or the next handshake message) before the " + cp.cfg.Timeout.String() + " deadline; " + r.expected
	case OracleDifferential:
		f.Outcome2, f.Answer2 = r2.describe(), r2.answer
		f.Expected = "both targets accept, or both reject"
	case OracleCrash:
		f.Expected = "the target keeps running"
	}
	return f
}

// files are a finding's files: the bytes of r (and r2) and the target's
// output lines, from from (the start of the conversation that shows the
// finding) to what ends the window (what).
func (cp *campaign) files(r, r2 *result, lines []logLine, lost bool, from time.Time, what string) map[string][]byte {
	files := map[string][]byte{
		fileClient:     r.sent.b,
		fileServer:     r.recv.b,
		fileTranscript: []byte(r.transcript()),
	}
	if r2 != nil {
		files["client2.bin"] = r2.sent.b
		files["server2.bin"] = r2.recv.b
		files["transcript2.txt"] = []byte(r2.transcript())
	}
	if len(lines) > 0 {
		files[fileStderr] = []byte(windowText(lines, lost, from, what))
	}
	return files
}

// record saves f (with files) as a new finding whose inputs are ins, or,
// when its signature was saved before, adds ins to that finding and
// makes f its reproducer if f is smaller (or the saved one never
// reproduced) and f reproduced.
func (cp *campaign) record(f *Finding, files map[string][]byte, ins ...Input) {
	if sh := cp.cfg.Shard.String(); sh != "" {
		f.Shard = sh
		for i := range ins {
			ins[i].Shard = sh
		}
	}
	f.FoundAfter = (cp.elapsedBefore + time.Since(cp.start)).Round(time.Millisecond).String()
	if known, smaller := cp.store.hit(f.Signature, f.Size, ins...); known {
		cp.hits.Add(1)
		if smaller && f.Reproduced {
			if err := cp.store.replace(f, files); err != nil {
				cp.logf("campaign: %v", err)
			} else {
				cp.logf("campaign: finding %s: a smaller reproducer (%d bytes: %s at TLS %s)", f.Signature, f.Size, strings.Join(f.Mutators, "+"), f.Version)
			}
		}
		return
	}
	f.addInputs(ins...)
	if len(ins) == 0 {
		f.Hits++ // a conversation reached it, the campaign cannot say which
	}
	path, err := cp.store.save(f, files)
	switch {
	case err != nil:
		cp.logf("campaign: %v", err)
	case path != "":
		cp.newFindings.Add(1)
		cp.outMu.Lock()
		cp.lastSig = f.Signature
		cp.outMu.Unlock()
		cp.logf("campaign: finding %s (%s) saved in %s", f.Signature, f.Outcome, path)
	}
}

// crashOut is what a crash left: how the process ended, its output from
// the start of the conversation that crashed it, and the site it names.
type crashOut struct {
	status string
	from   time.Time
	lines  []logLine
	lost   bool
	site   *Site
}

// key is the crash's signature for the changes names.
func (o crashOut) key(names []string) string {
	return crashSignature(OracleCrash, o.site, names, o.status)
}

// sameSite says whether two crashes are one: the same site, or, when
// neither output names one, the same exit.
func (o crashOut) sameSite(p crashOut) bool {
	if o.site != nil || p.site != nil {
		return o.site != nil && p.site != nil && o.site.Key() == p.site.Key()
	}
	return o.status == p.status
}

// crashOutput reads the crash of the process since from.
func (cp *campaign) crashOutput(status string, from time.Time) crashOut {
	o := crashOut{status: status, from: from}
	o.lines, o.lost = cp.log.since(from)
	if s, ok := siteOf(outputText(o.lines)); ok {
		o.site = &s
	}
	return o
}

// crashed handles the exit of the started process seen by a
// conversation of generation gen: with every worker paused, it restarts
// the target and sends the last conversations again one at a time to
// find the one that crashes it. The crash is keyed by the site its
// output names: a site saved before gets one more input; a new one is
// minimized (changes dropped one at a time while it still crashes at the
// same site) and saved with its output.
func (cp *campaign) crashed(ctx context.Context, gen uint64) {
	ep := cp.ep
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.gen != gen {
		return // handled
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), findingBudget)
	defer cancel()
	status := ep.exitStatus()
	cp.log.markf("the target exited (%s)", status)
	cands := cp.recent.candidates()
	from := time.Now()
	for _, c := range cands {
		if c.r.start.Before(from) {
			from = c.r.start
		}
	}
	first := cp.crashOutput(status, from) // every candidate's output
	cp.logf("campaign: the target exited (%s); triage of the last %d conversations", status, len(cands))
	restart := func() bool {
		if err := ep.restart(wctx, nil); err != nil {
			cp.fail(fmt.Errorf("campaign: the target crashed and does not start again: %w", err))
			return false
		}
		return true
	}
	if len(cands) == 0 {
		restart()
		return
	}
	ok := restart()
	// try sends c to the restarted target and says whether it exits: at
	// once after a silent end, within exitGrace; after an answer (the
	// target was alive then), within closeGrace.
	try := func(c Case) (*result, crashOut, bool) {
		r := cp.cat.converse(wctx, ep.addr, c, cp.cfg.Timeout)
		cp.conversations.Add(1)
		grace := closeGrace
		if r.silent() {
			grace = exitGrace
		}
		if !ep.waitExit(wctx, grace) {
			return r, crashOut{}, false
		}
		st := ep.exitStatus()
		cp.log.markf("the target exited (%s)", st)
		out := cp.crashOutput(st, r.start)
		ok = restart()
		return r, out, true
	}
	// Candidates that hold a crash found before go first: the same
	// crash again, most likely.
	known := cp.store.crashSets()
	holdsKnown := func(e entry) bool {
		return slices.ContainsFunc(known, func(k []string) bool { return containsAll(e.r.applied, k) })
	}
	slices.SortStableFunc(cands, func(a, b entry) int {
		ka, kb := holdsKnown(a), holdsKnown(b)
		switch {
		case ka && !kb:
			return -1
		case kb && !ka:
			return 1
		}
		return 0
	})
	var hit *entry
	var hitOut crashOut
	for i := 0; ok && i < len(cands) && i < maxTriage; i++ {
		if r, out, crashed := try(cands[i].r.c); crashed {
			hit, hitOut = &entry{w: cands[i].w, it: cands[i].it, r: r}, out
			break
		}
	}
	if hit == nil {
		// Not pinned down. A site saved before gets one more hit (no
		// input: which conversation reached it is not known); a new one,
		// or an output that names none, is saved with the newest
		// conversation standing for it, the others as candidates, not
		// reproduced.
		// Not known which conversation crashed it: keyed by the site, or
		// by the exit alone, never by the newest conversation's changes.
		sig := first.key(nil)
		if first.site != nil && cp.store.hitUnknown(sig) {
			cp.hits.Add(1)
			cp.logf("campaign: the crash at %s again; triage did not find which conversation", first.site.Key())
			return
		}
		newest := cands[0]
		r := newest.r
		r.c.Mutators = slices.Clone(r.applied)
		f := cp.finding(OracleCrash, newest.w, newest.it, r, nil)
		for _, c := range cands {
			f.Candidates = append(f.Candidates, c.r.c)
		}
		f.ExitStatus, f.Site, f.Signature = status, first.site, sig
		cp.record(f, cp.files(r, nil, first.lines, first.lost, first.from, "the exit ("+status+")"))
		return
	}
	best, bestOut := hit.r, hitOut
	best.c.Mutators = slices.Clone(best.applied)
	in := inputOf(best, hit.w, hit.it)
	orig := slices.Clone(best.applied)
	var ins []Input
	if !cp.store.known(hitOut.key(best.applied)) {
		for i := 0; ok && len(best.applied) > 1 && i < len(best.applied); {
			c := best.c.without(i)
			if r, out, crashed := try(c); crashed && len(r.applied) == len(c.Mutators) && out.sameSite(hitOut) {
				r.c.Mutators = slices.Clone(r.applied)
				best, bestOut = r, out
				continue
			}
			i++
		}
	}
	f := cp.finding(OracleCrash, hit.w, hit.it, best, nil)
	f.Reproduced = true
	f.ExitStatus, f.Site = bestOut.status, bestOut.site
	f.Signature = bestOut.key(best.applied)
	ins = append(ins, in)
	if len(best.c.Mutators) < len(orig) {
		f.MinimizedFrom = orig
		mi := inputOf(best, hit.w, hit.it)
		mi.Minimized = true
		ins = append(ins, mi)
	}
	cp.record(f, cp.files(best, nil, bestOut.lines, bestOut.lost, bestOut.from, "the exit ("+bestOut.status+")"), ins...)
}

// containsAll says whether every name of sub is in names.
func containsAll(names, sub []string) bool {
	for _, n := range sub {
		if !slices.Contains(names, n) {
			return false
		}
	}
	return true
}

// down handles a target without TARGET_CMD that failed a liveness
// handshake after a silent conversation: with every worker paused, it
// tries once more after a short pause; if that fails too it saves a
// crash-or-dead finding with the last conversations (keyed by the site
// the target's output names, when it follows one), then waits for the
// target to come back (builtin, openssl and gnutls are opened again).
func (cp *campaign) down(ctx context.Context, gen uint64) {
	ep := cp.ep
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.gen != gen {
		return
	}
	pause := time.NewTimer(retryAfter)
	select {
	case <-pause.C:
	case <-ctx.Done():
		pause.Stop()
		return
	}
	cp.conversations.Add(1)
	if cp.env.alive(ctx, ep.addr, cp.cfg.Timeout) || ctx.Err() != nil {
		return
	}
	const why = "dead"
	cands := cp.recent.candidates()
	if len(cands) > 0 {
		from := time.Now()
		for _, c := range cands {
			if c.r.start.Before(from) {
				from = c.r.start
			}
		}
		if ep.tgt != nil {
			if err := ep.tgt.Alive(ctx); err != nil {
				cp.log.markf("the target is down: %v", err)
			}
		}
		out := cp.crashOutput(why, from)
		newest := cands[0]
		r := newest.r
		r.c.Mutators = slices.Clone(r.applied)
		f := cp.finding(OracleCrash, newest.w, newest.it, r, nil)
		for _, c := range cands {
			f.Candidates = append(f.Candidates, c.r.c)
		}
		f.ExitStatus = "dead: no valid handshake completes after this conversation (twice); without TARGET_CMD the campaign cannot tell a crash from a target that stopped"
		f.Site = out.site
		f.Signature = out.key(nil) // which conversation did it is not known
		f.Expected = "the target keeps answering valid handshakes"
		if out.site != nil && cp.store.hitUnknown(f.Signature) {
			cp.hits.Add(1)
		} else {
			cp.record(f, cp.files(r, nil, out.lines, out.lost, out.from, "the second failed liveness handshake"))
		}
	}
	cp.logf("campaign: target %s does not answer; waiting for it", cp.cfg.Target)
	if err := ep.restart(ctx, func(ctx context.Context) bool {
		cp.conversations.Add(1)
		return cp.env.alive(ctx, ep.addr, cp.cfg.Timeout)
	}); err != nil && ctx.Err() == nil {
		cp.fail(err)
	}
}
