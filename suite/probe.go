package suite

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/suite/negotiation"
)

// ErrUnreachable is returned by Probe when nothing answers.
var ErrUnreachable = errors.New("target unreachable")

// ErrSilent is returned by Probe when the target accepts connections but
// answers no ClientHello at all.
var ErrSilent = errors.New("the target accepts connections but answered no ClientHello")

// ErrNoHandshake is returned by Probe when the target answers but takes
// up no version the client offers.
var ErrNoHandshake = errors.New("the target answered, but took up no TLS version from 1.0 to 1.3")

// probeScript is a handshake without the application-data round trip.
func probeScript(v wire.Version) peers.Script {
	return peers.DefaultScript(v).Before(peers.StepApplicationData)
}

// Probe learns what the target supports: versions, key exchanges, groups,
// suites, resumption. Each probe is one short conversation. An unreachable
// target is an error; a target that answers a probe with something it
// should not (a version the client did not offer) is noted as a problem,
// not as a missing feature.
func Probe(ctx context.Context, env *checks.Env) (*checks.Profile, error) {
	p := &checks.Profile{KX: map[wire.Version][]checks.KX{}, Resumption: map[wire.Version]bool{}}
	probeEnv := *env
	probeEnv.Profile = nil
	askedCert := false // some answer carried a CertificateRequest
	completes := func(c checks.Context, id string, edit func(*peers.ClientConfig)) (*peers.Conversation, bool) {
		cfg := probeEnv.Config(c, "probe/"+id)
		if edit != nil {
			edit(cfg)
		}
		cv := peers.RunScript(ctx, env.Dial, cfg, probeScript(c.Version))
		askedCert = askedCert || cv.CertificateRequested()
		return cv, speaks(cv, c.Version)
	}
	reachable := false
	var last peers.Outcome // the last answer, for the error when nothing completes
	answered := false      // some probe got more than silence
	for _, v := range checks.Versions {
		var any bool
		for _, k := range checks.KXFor(v) {
			var offer func(*peers.ClientConfig)
			if v == wire.VersionTLS13 {
				offer = negotiation.ProbeAnswerEdit(true)
			}
			cv, ok := completes(checks.Context{Version: v, KX: k}, "version", offer)
			if !cv.Outcome.Unreachable() {
				reachable = true
			}
			if !cv.Outcome.Unreachable() && cv.Outcome.Kind != peers.OutcomeTimeout {
				answered = true
			}
			last = cv.Outcome
			if !ok && v == wire.VersionTLS13 {
				// Again with classical key shares only: a server that
				// stumbles over the hybrid share, or whose answer our
				// client refuses, must not pass for one without TLS 1.3.
				// A refused answer is judged, with the rule it breaks, by
				// the checks version-negotiation/tls13/ecdhe/probe-answer-valid/*,
				// which make the same two offers whatever the profile says.
				first := cv
				cv, ok = completes(checks.Context{Version: v, KX: k}, "version-classical", negotiation.ProbeAnswerEdit(false))
				if refused(first) {
					p.Problems = append(p.Problems, fmt.Sprintf("TLS 1.3 with an X25519MLKEM768 key share: the client refused the target's answer (%s); see %s", first.Outcome, probeAnswerID("mlkem-share")))
				}
				if !ok && refused(cv) {
					p.Problems = append(p.Problems, fmt.Sprintf("answers a TLS 1.3 ClientHello, but with a ServerHello or HelloRetryRequest the client refused (%s): TLS 1.3 is left out of the profile; see %s", cv.Outcome, probeAnswerID("classical-share")))
				}
			}
			if ok {
				p.KX[v] = append(p.KX[v], k)
				any = true
				continue
			}
			if sh := cv.ServerHello(); sh != nil && cv.Outcome.Kind == peers.OutcomeError {
				if got := checks.NegotiatedOf(sh); got != v && got != 0 {
					p.Problems = append(p.Problems, fmt.Sprintf("answers a TLS %s-only ClientHello (%s) with %s", v.Short(), k, got))
				}
			}
		}
		if any {
			p.Versions = append(p.Versions, v)
		}
	}
	if !reachable {
		return nil, fmt.Errorf("%w (%s)", ErrUnreachable, last)
	}
	if len(p.Versions) == 0 && !answered {
		return p, fmt.Errorf("%w (each probe waited %s for an answer)", ErrSilent, env.Timeout)
	}
	if len(p.Versions) == 0 {
		return p, fmt.Errorf("%w (the last answer: %s)", ErrNoHandshake, last)
	}
	top := p.Versions[len(p.Versions)-1]

	// Groups, at every version: a server may offer a group at TLS 1.3
	// and not below (X25519 in TLS 1.2, for one). TLS 1.0-1.2 through
	// their first ECDHE key exchange, with the EC curves only.
	p.GroupsByVersion = map[wire.Version][]wire.Group{}
	for _, v := range p.Versions {
		gctx := checks.Context{Version: v, KX: checks.KXTLS13}
		if v != wire.VersionTLS13 {
			gctx.KX = firstECDHE(p.KX[v])
		}
		if gctx.KX == "" {
			continue
		}
		for _, g := range kx.Groups() {
			if v != wire.VersionTLS13 && !ecCurve(g) {
				continue
			}
			cv, ok := completes(gctx, "group/"+v.Short()+"/"+g.String(), func(cfg *peers.ClientConfig) { cfg.Groups = []wire.Group{g} })
			if ok && cv.Conn() != nil && cv.Conn().Group() == g {
				p.GroupsByVersion[v] = append(p.GroupsByVersion[v], g)
			}
		}
	}
	p.Groups = p.GroupsByVersion[top]
	// Suites: each at the highest version the target has that fits it.
	for _, s := range suites.All() {
		v := highestFor(p.Versions, s)
		if v == 0 {
			continue
		}
		c := checks.Context{Version: v, KX: checks.KXOf(s)}
		if !slices.Contains(p.KX[v], c.KX) {
			continue
		}
		if _, ok := completes(c, "suite/"+s.Name(), func(cfg *peers.ClientConfig) {
			cfg.CipherSuites = []wire.CipherSuite{s.ID}
			if gs := p.GroupsAt(v); len(gs) > 0 {
				cfg.Groups = gs
			}
		}); ok {
			p.Suites = append(p.Suites, s.ID)
		}
	}
	// Resumption at each version, with the first key exchange that works.
	for _, v := range p.Versions {
		c := checks.Context{Version: v, KX: p.KX[v][0]}
		cache := peers.NewSessionCache()
		edit := func(cfg *peers.ClientConfig) {
			cfg.Sessions = cache
			if gs := p.GroupsAt(v); len(gs) > 0 {
				cfg.Groups = gs
			}
		}
		// TLS 1.3 tickets arrive after the handshake: read them with the
		// application-data round trip.
		cfg := probeEnv.Config(c, "probe/resume")
		edit(cfg)
		first := peers.RunScript(ctx, env.Dial, cfg, peers.DefaultScript(v))
		if first.Outcome.Kind != peers.OutcomeCompleted {
			if v == top {
				p.Notes = append(p.Notes, "does not answer application data after the handshake ("+first.Outcome.String()+")")
			}
			continue
		}
		p.AppData = true
		second, ok := completes(c, "resume2", edit)
		if ok && second.Conn() != nil && second.Conn().Resumed() {
			p.Resumption[v] = true
		}
	}
	if askedCert {
		note := "asks for a client certificate (CertificateRequest)"
		if env.ClientCert == nil {
			note += "; the client has none to give (-client-cert, -client-key): a target that requires one fails its baselines"
		}
		p.Notes = append(p.Notes, note)
	}
	if err := ctx.Err(); err != nil {
		// Probes cut short by the deadline look like missing features: a
		// partial profile would skip what the target supports.
		return nil, fmt.Errorf("probing did not finish within its deadline: %w", err)
	}
	// Checks offer the target's groups; put its cheapest first.
	p.Groups = preferCheap(p.Groups)
	for v, gs := range p.GroupsByVersion {
		p.GroupsByVersion[v] = preferCheap(gs)
	}
	return p, nil
}

// refused reports whether the client refused the target's ServerHello or
// HelloRetryRequest (as opposed to the target refusing the offer).
func refused(cv *peers.Conversation) bool {
	return (cv.ServerHello() != nil || cv.HelloRetryRequests() > 0) && cv.Outcome.Kind == peers.OutcomeError && !cv.Outcome.Undecryptable &&
		(cv.Outcome.Step == peers.StepServerHello || peers.FaultOf(cv.Outcome.Err) != "")
}

// probeAnswerID is the id of the check that judges probing's TLS 1.3
// offer share.
func probeAnswerID(share string) string {
	return "version-negotiation/" + checks.Context{Version: wire.VersionTLS13, KX: checks.KXTLS13}.Slug() + "/" + negotiation.ProbeAnswerName + "/" + share
}

// speaks reports whether the target took up the offer: it answered with a
// ServerHello the client accepted, for version v. What happens after that
// (a bad signature, a wrong Finished) is for the checks to judge: a broken
// handshake is a failure to report, never a missing feature to skip.
func speaks(cv *peers.Conversation, v wire.Version) bool {
	if cv.Outcome.Kind == peers.OutcomeCompleted {
		return true
	}
	switch cv.Outcome.Step {
	case peers.StepDial, peers.StepClientHello, peers.StepServerHello:
		return false
	}
	return cv.ServerHello() != nil && cv.Version() == v
}

func firstECDHE(ks []checks.KX) checks.KX {
	for _, k := range ks {
		if k == checks.KXECDHERSA || k == checks.KXECDHEECDSA {
			return k
		}
	}
	return ""
}

func ecCurve(g wire.Group) bool {
	switch g {
	case wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1:
		return true
	}
	return false
}

func highestFor(versions []wire.Version, s *suites.Spec) wire.Version {
	for i := len(versions) - 1; i >= 0; i-- {
		if s.SupportsVersion(versions[i]) {
			return versions[i]
		}
	}
	return 0
}

// preferCheap orders groups x25519, secp256r1 first: every conversation of
// a run pays for the key share.
func preferCheap(gs []wire.Group) []wire.Group {
	order := []wire.Group{wire.GroupX25519, wire.GroupSecp256r1}
	out := slices.Clone(gs)
	slices.SortStableFunc(out, func(a, b wire.Group) int {
		ia, ib := slices.Index(order, a), slices.Index(order, b)
		if ia < 0 {
			ia = len(order)
		}
		if ib < 0 {
			ib = len(order)
		}
		return ia - ib
	})
	return out
}
