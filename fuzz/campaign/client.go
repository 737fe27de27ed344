package campaign

import (
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/targets"
)

// The client campaign: the reference server sends the client under test
// (started once per conversation) server flights with one message
// changed at random, and three oracles watch the client process: it dies
// of a signal (crash), it is still running after the server closed the
// connection (hang), or it goes on after a changed Finished,
// CertificateVerify or ServerKeyExchange, whose changes it must refuse
// (accept).

// KindClientFlight is the Case kind of a client campaign's conversation:
// Version and KX name the context, Mutators the one change ("server/
// finished/flip"), Seed where in the message and how.
const KindClientFlight = "client-flight"

// ClientConfig is a campaign against a client under test.
type ClientConfig struct {
	// Client is builtin, openssl, gnutls, curl, or a command line with
	// {addr} (see targets.OpenClient).
	Client    string
	Duration  time.Duration
	Seed      uint64
	ReportDir string
	// Timeout bounds each read and write of the suite's server (the
	// client's run is bounded by five of them). Default 2s.
	Timeout       time.Duration
	ProgressEvery time.Duration
	MaxFindings   int
	Out           io.Writer
	// Open, when set, opens the client instead of Client (a test's
	// client in-process).
	Open func(ctx context.Context) (targets.Client, error)
}

// clientChange is one way to change a server message.
type clientChange struct {
	msg  wire.HandshakeType
	how  string // flip, truncate, extend
	must bool   // any change here must be refused: the accept oracle applies
}

func (c clientChange) name() string { return "server/" + c.msg.RFCName() + "/" + c.how }

// clientChanges are the changes that apply to context c: the messages of
// its server flight, each flipped (one bit), truncated or extended (its
// length fixed up). A flipped Finished, CertificateVerify or
// ServerKeyExchange must be refused: what they carry is a MAC or is
// signed.
func clientChanges(c checks.Context) []clientChange {
	msgs := []wire.HandshakeType{wire.TypeServerHello, wire.TypeCertificate, wire.TypeFinished}
	switch {
	case c.Version == wire.VersionTLS13:
		msgs = append(msgs, wire.TypeEncryptedExtensions, wire.TypeCertificateVerify)
	case c.KX != checks.KXRSA:
		msgs = append(msgs, wire.TypeServerKeyExchange, wire.TypeServerHelloDone)
	default:
		msgs = append(msgs, wire.TypeServerHelloDone)
	}
	var out []clientChange
	for _, m := range msgs {
		signed := m == wire.TypeFinished || m == wire.TypeCertificateVerify || m == wire.TypeServerKeyExchange
		out = append(out, clientChange{m, "flip", signed}, clientChange{m, "truncate", false}, clientChange{m, "extend", false})
	}
	return out
}

// changeByName finds a change of context c.
func changeByName(c checks.Context, name string) (clientChange, bool) {
	changes := clientChanges(c)
	i := slices.IndexFunc(changes, func(ch clientChange) bool { return ch.name() == name })
	if i < 0 {
		return clientChange{}, false
	}
	return changes[i], true
}

// misbehaviour makes change ch to the server's first message of its
// type, at the places seed picks.
func (ch clientChange) misbehaviour(seed uint64) peers.Misbehaviour {
	return checks.EditServerFlight(ch.name(), func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
		for i, m := range msgs {
			if m.Type() != ch.msg {
				continue
			}
			if sh, ok := m.(*wire.ServerHello); ok && sh.IsHelloRetryRequest() {
				continue
			}
			raw, err := m.Marshal()
			if err != nil || len(raw) < 5 {
				return msgs
			}
			rnd := mrand.New(mrand.NewPCG(seed, mix(seed)))
			body := slices.Clone(raw[4:])
			switch ch.how {
			case "flip":
				bit := rnd.IntN(8 * len(body))
				body[bit/8] ^= 0x80 >> (bit % 8)
			case "truncate":
				body = body[:rnd.IntN(len(body))]
			case "extend":
				extra := make([]byte, 1+rnd.IntN(16))
				for j := range extra {
					extra[j] = byte(rnd.Uint32())
				}
				body = append(body, extra...)
			}
			out := slices.Clone(msgs)
			out[i] = checks.RawMessage{T: ch.msg, Raw: checks.Reframe(raw, body)}
			return out
		}
		return msgs
	})
}

// clientRun is one conversation of the client campaign, judged.
type clientRun struct {
	c      Case
	s      *checks.Served
	oracle string // "" when nothing was found
	detail string
}

// clientEnv is what a client campaign's conversations share.
type clientEnv struct {
	env      *checks.Env
	contexts []checks.Context // what the client completes
	cleanup  func()
}

// openClientEnv starts the client under test's side of a campaign: the
// CA it trusts and the server's certificates, the client itself, and
// the contexts it completes.
func openClientEnv(ctx context.Context, cl targets.Client, timeout time.Duration, seed uint64) (*clientEnv, error) {
	pki, err := targets.NewClientPKI()
	if err != nil {
		return nil, fmt.Errorf("campaign: %w", err)
	}
	ce := &clientEnv{cleanup: func() { pki.Close() }}
	ce.env = &checks.Env{Timeout: timeout, Seed: int64(seed), ServerCerts: pki.Pairs,
		RunClient: func(ctx context.Context, addr string) checks.ClientEnd {
			c := pki.Connect
			c.Addr = addr
			r := cl.Run(ctx, c)
			return checks.ClientEnd{Started: r.Started, ExitCode: r.ExitCode, Killed: r.Killed, Err: r.Err, Output: r.Output}
		}}
	for _, c := range checks.Contexts() {
		if ctx.Err() != nil {
			break
		}
		if v := checks.ClientBaseline(c).Run(ctx, ce.env); v.Status == "pass" {
			ce.contexts = append(ce.contexts, c)
		}
	}
	return ce, nil
}

// context finds the context of a case.
func (ce *clientEnv) context(c Case) (checks.Context, bool) {
	i := slices.IndexFunc(ce.contexts, func(x checks.Context) bool { return x.Version.Short() == c.Version && string(x.KX) == c.KX })
	if i < 0 {
		return checks.Context{}, false
	}
	return ce.contexts[i], true
}

// converse runs one case against the client and applies the oracles.
func (ce *clientEnv) converse(ctx context.Context, c Case) (*clientRun, error) {
	cx, ok := ce.context(c)
	if !ok {
		return nil, fmt.Errorf("the client does not complete TLS %s with %s key exchange", c.Version, c.KX)
	}
	if len(c.Mutators) != 1 {
		return nil, fmt.Errorf("a client case makes one change, not %d", len(c.Mutators))
	}
	ch, ok := changeByName(cx, c.Mutators[0])
	if !ok {
		return nil, fmt.Errorf("no change %q at TLS %s with %s key exchange", c.Mutators[0], c.Version, c.KX)
	}
	s := ce.env.Serve(ctx, cx, "campaign/"+ch.name(), ch.misbehaviour(c.Seed))
	r := &clientRun{c: c, s: s}
	switch end := s.End; {
	case !end.Started:
		return nil, fmt.Errorf("the client did not start: %v", end.Err)
	case crashed(end):
		r.oracle, r.detail = OracleCrash, end.String()
	case end.Killed && s.ServerFirst:
		r.oracle = OracleHang
	case ch.must:
		if re := checks.ReactionTo(s, ch.msg); re.WentOn != "" && !re.MaybeFalseStart {
			r.oracle, r.detail = OracleAccept, re.WentOn
		}
	}
	return r, nil
}

// crashed reports whether a client's end is a death by a signal it was
// not sent by us: in-process that cannot be; a process reports it as
// exit -1 with the signal in Err, and a shell that ran it as 128+signal.
func crashed(end checks.ClientEnd) bool {
	if end.Killed {
		return false
	}
	if end.ExitCode == -1 && end.Err != nil && strings.Contains(end.Err.Error(), "signal") {
		return true
	}
	return end.ExitCode > 128 && end.ExitCode <= 128+31
}

// RunClient runs a campaign against a client under test until
// cfg.Duration has passed or ctx ends.
func RunClient(ctx context.Context, cfg ClientConfig) (Summary, error) {
	switch {
	case cfg.Client == "" && cfg.Open == nil:
		return Summary{}, setupErr("CLIENT is required: builtin, openssl, gnutls, curl, or a command with {addr}")
	case cfg.Duration <= 0:
		return Summary{}, setupErr("DURATION %v: want a positive duration such as 60s or 8h", cfg.Duration)
	case cfg.ReportDir == "":
		return Summary{}, setupErr("REPORT_DIR is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = defaultEvery
	}
	if cfg.MaxFindings <= 0 {
		cfg.MaxFindings = defaultMaxFindings
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	open := cfg.Open
	if open == nil {
		open = func(ctx context.Context) (targets.Client, error) {
			return targets.OpenClient(ctx, cfg.Client, targets.ClientOptions{})
		}
	}
	cl, err := open(ctx)
	if err != nil {
		return Summary{}, &SetupError{fmt.Errorf("campaign: client %s: %w", cfg.Client, err)}
	}
	defer cl.Close()
	st, err := openStore(cfg.ReportDir, cfg.Seed, "client:"+cfg.Client, cfg.MaxFindings)
	if err != nil {
		return Summary{}, err
	}
	ce, err := openClientEnv(ctx, cl, cfg.Timeout, cfg.Seed)
	if err != nil {
		return Summary{}, err
	}
	defer ce.cleanup()
	if ctx.Err() != nil {
		return Summary{}, fmt.Errorf("campaign: interrupted while probing the client: %w", context.Cause(ctx))
	}
	if len(ce.contexts) == 0 {
		return Summary{}, setupErr("CLIENT %s completed no handshake with the reference server at any version: check that it connects to {addr} and trusts {ca}", cfg.Client)
	}
	start := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	it := st.iterations(1)[0]
	earlier := st.conversations()
	var names []string
	for _, c := range ce.contexts {
		names = append(names, c.String())
	}
	fmt.Fprintf(cfg.Out, "campaign: client %s completes %s; seed %d, %s; findings so far %d; report dir %s\n",
		cfg.Client, strings.Join(names, ", "), cfg.Seed, cfg.Duration, st.count(), cfg.ReportDir)
	sum := Summary{}
	last := time.Now()
	before := st.elapsedBefore()
	sampledAt, sampled := start, uint64(0)
	sample := func(now time.Time) {
		st.sample(RateSample{At: (before + now.Sub(start)).Seconds(), Seconds: now.Sub(sampledAt).Seconds(), Conversations: sum.Conversations - sampled})
		sampledAt, sampled = now, sum.Conversations
	}
	for ; runCtx.Err() == nil; it++ {
		rnd := iterationRand(cfg.Seed, 0, it)
		cx := ce.contexts[rnd.IntN(len(ce.contexts))]
		changes := clientChanges(cx)
		ch := changes[rnd.IntN(len(changes))]
		c := Case{Kind: KindClientFlight, Version: cx.Version.Short(), KX: string(cx.KX), Mutators: []string{ch.name()}, Seed: rnd.Uint64()}
		st.ran(c.Mutators)
		r, err := ce.converse(runCtx, c)
		if runCtx.Err() != nil {
			break // cut by the end: says nothing
		}
		sum.Conversations++
		if err != nil {
			return sum, &SetupError{fmt.Errorf("campaign: %w", err)}
		}
		if r.oracle != "" {
			if saved := ce.save(runCtx, st, cfg, it, r, before+time.Since(start)); saved != "" {
				sum.NewFindings++
				fmt.Fprintf(cfg.Out, "campaign: finding %s saved in %s\n", r.oracle+" "+strings.Join(r.c.Mutators, "+")+" at TLS "+r.c.Version, saved)
			}
		}
		if now := time.Now(); now.Sub(sampledAt) >= defaultSampleEvery {
			sample(now)
		}
		if time.Since(last) >= cfg.ProgressEvery {
			last = time.Now()
			fmt.Fprintf(cfg.Out, "campaign: %s: %d conversations, %d findings (%d new)\n", time.Since(start).Round(time.Second), sum.Conversations, st.count(), sum.NewFindings)
		}
	}
	sum.Elapsed = time.Since(start)
	sum.Findings = st.count()
	sum.Interrupted = ctx.Err() != nil
	if now := time.Now(); now.Sub(sampledAt) >= defaultSampleEvery/4 || sampledAt.Equal(start) {
		sample(now)
	}
	err = st.checkpoint([]uint64{it}, earlier+sum.Conversations, st.restarts(), sum.Elapsed)
	fmt.Fprintf(cfg.Out, "campaign: done after %s: %d conversations (%.1f/s), %d new findings, %d in all\n", sum.Elapsed.Round(time.Millisecond),
		sum.Conversations, float64(sum.Conversations)/sum.Elapsed.Seconds(), sum.NewFindings, sum.Findings)
	model, serr := st.writeSummary(cfg.ReportDir, runInfo{newFindings: sum.NewFindings, interrupted: sum.Interrupted, duration: cfg.Duration, ran: sum.Elapsed})
	if model != nil {
		fmt.Fprint(cfg.Out, reports.CampaignResultBlock(model, cfg.ReportDir))
	}
	if err == nil {
		err = serr
	}
	return sum, err
}

// save sends a finding's case again (to see whether it reproduces) and
// saves it, unless its signature is known: then the conversation is one
// more input of that finding. A crash or hang is keyed by the site the
// client's output names, when it names one. It returns where it was
// saved.
func (ce *clientEnv) save(ctx context.Context, st *store, cfg ClientConfig, it uint64, r *clientRun, after time.Duration) string {
	sig := signature(r.oracle, r.c.Mutators, r.c.Version, r.c.KX)
	var site *Site
	if r.oracle == OracleCrash || r.oracle == OracleHang {
		if s, ok := siteOf(r.s.End.Output); ok {
			site = &s
			sig = crashSignature(r.oracle, site, nil, "")
		}
	}
	in := Input{Kind: r.c.Kind, Mutators: slices.Clone(r.c.Mutators), Version: r.c.Version, KX: r.c.KX, Hits: 1, Seed: r.c.Seed,
		Iteration: it, First: time.Now().UTC()}
	if known, _ := st.hit(sig, 0, in); known {
		return ""
	}
	again, err := ce.converse(context.WithoutCancel(ctx), r.c)
	f := &Finding{
		Oracle: r.oracle, Signature: sig, Seed: cfg.Seed, Iteration: it, Mutators: slices.Clone(r.c.Mutators), Version: r.c.Version,
		Target: "client:" + cfg.Client, Time: time.Now().UTC(), Outcome: clientOutcome(r), Expected: clientExpected(r.oracle),
		Reproduced: err == nil && again.oracle == r.oracle, Timeout: cfg.Timeout.String(), Case: r.c, Site: site,
		FoundAfter: after.Round(time.Millisecond).String(),
	}
	if r.oracle == OracleCrash {
		f.ExitStatus = r.detail
	}
	f.addInputs(in)
	files := map[string][]byte{fileTranscript: []byte(servedText(r.s))}
	if r.s.End.Output != "" {
		files[fileStderr] = []byte(r.s.End.Output)
	}
	path, err := st.save(f, files)
	if err != nil {
		fmt.Fprintf(cfg.Out, "campaign: %v\n", err)
		return ""
	}
	return path
}

func clientOutcome(r *clientRun) string {
	switch r.oracle {
	case OracleAccept:
		return "the client went on: sent " + r.detail + " after the changed message"
	case OracleHang:
		return "the client still ran after the server closed the connection, and was killed"
	}
	return "client " + r.s.End.String()
}

func clientExpected(oracle string) string {
	switch oracle {
	case OracleAccept:
		return "the client aborts: the changed message carries a MAC or a signature"
	case OracleHang:
		return "the client ends once the connection is closed"
	}
	return "the client ends with a status of its own, never a signal"
}

// servedText is a conversation of the client campaign, record by record.
func servedText(s *checks.Served) string {
	var b strings.Builder
	for _, ev := range s.Events {
		who := "server"
		if ev.Dir == peers.Received {
			who = "client"
		}
		fmt.Fprintf(&b, "%s %s: %s\n  %x\n", who, ev.Type, ev.Summary(), ev.Raw)
	}
	fmt.Fprintf(&b, "client %s\n", s.End)
	return b.String()
}

// replayClient sends a client finding's case again to the client it
// names (or opts.Target, a client spec), and reports whether its oracle
// fires again.
func replayClient(ctx context.Context, f *Finding, opts ReplayOptions, out io.Writer) (bool, error) {
	spec := strings.TrimPrefix(f.Target, "client:")
	if opts.Target != "" {
		spec = opts.Target
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		var err error
		if timeout, err = time.ParseDuration(f.Timeout); err != nil || timeout <= 0 {
			timeout = DefaultTimeout
		}
	}
	cl, err := targets.OpenClient(ctx, spec, targets.ClientOptions{})
	if err != nil {
		return false, &SetupError{fmt.Errorf("campaign: client %s: %w", spec, err)}
	}
	defer cl.Close()
	ce, err := openClientEnv(ctx, cl, timeout, f.Seed)
	if err != nil {
		return false, err
	}
	defer ce.cleanup()
	fmt.Fprintf(out, "replay: %s\ncase: %s at TLS %s (%s), change %s, seed %#x\nclient: %s\n", f.Signature, f.Case.Kind, f.Case.Version, f.Case.KX,
		strings.Join(f.Case.Mutators, " + "), f.Case.Seed, spec)
	r, err := ce.converse(ctx, f.Case)
	if err != nil {
		return false, &SetupError{fmt.Errorf("campaign: %w", err)}
	}
	fmt.Fprintf(out, "outcome: %s\n", clientOutcome(r))
	return r.oracle == f.Oracle, nil
}
