package replay

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tlsconform/tlsconform/suite/checks"

	"github.com/tlsconform/tlsconform/corpus"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
)

// corpusChecks: real ClientHellos from corpus/ replayed as they are
// (rows 41 and 43 of the check catalogue: unknown values and GREASE, and
// the size edges of a ClientHello). A server must ignore the values it
// does not know, GREASE included, and never select them (RFC 8446 §4.1.2,
// RFC 8701 §3); a client that real servers serve every day must be
// served.
func corpusChecks() []checks.Check {
	ts, err := corpus.Templates()
	if err != nil {
		// A corpus that does not load is a failure to see, not a check
		// that quietly disappears.
		return []checks.Check{{
			Source: checks.DefinedAt(),
			ID:     "real-client-hello/corpus-loads", Area: "real-client-hello", Row: 41, RFC: "RFC 8446 §4.1.2; RFC 8701", Level: checks.MUST,
			Title: "the corpus of real ClientHellos loads", Ctx: checks.Context{Version: wire.VersionTLS12, KX: checks.KXECDHERSA}, Always: true,
			Run: func(context.Context, *checks.Env) checks.Verdict {
				return checks.Verdict{Status: reports.Fail, Expected: "every corpus/clienthello file parses", Observed: err.Error(), Reason: "a suite bug: fix the corpus"}
			},
		}}
	}
	out := make([]checks.Check, 0, len(ts))
	for _, t := range ts {
		out = append(out, replayCheck(t))
	}
	return out
}

// replayCheck sends template t's ClientHello byte for byte and requires a
// ServerHello (or HelloRetryRequest) that selects only what the client
// offered. Our client does not own the hello's key shares, so the
// conversation ends there. The context is the highest version the client
// offers (its baseline must pass first).
func replayCheck(t corpus.Template) checks.Check {
	offer := corpus.OfferOf(t.Hello)
	c := checks.Context{Version: wire.VersionTLS12, KX: checks.KXECDHERSA}
	if top := offer.Top(); top == wire.VersionTLS13 {
		c = checks.Context{Version: top, KX: checks.KXTLS13}
	} else if top != 0 {
		c.Version = top
	}
	// Row 43 is the size edges (a 256-511 byte hello trips old servers,
	// more than 128 suites, larger than 2^14 and so split); row 41 the
	// unknown values and GREASE every other real hello carries.
	row := 41
	if !offer.GREASE && (len(t.Raw) >= 256 && len(t.Raw) < 512 || len(t.Raw) > wire.MaxPlaintext || len(t.Hello.CipherSuites) > 128) {
		row = 43
	}
	client := t.Provenance.Client
	if client == "" {
		client = t.Name
	}
	id := "real-client-hello/" + t.Name
	return checks.Check{
		Source: checks.DefinedAt(),
		ID:     id, Area: "real-client-hello", Row: row, RFC: "RFC 8446 §4.1.2; RFC 8701", Level: checks.MUST, Ctx: c,
		Title: "accepts the ClientHello of " + client + " replayed as it is",
		Run: func(ctx context.Context, env *checks.Env) checks.Verdict {
			script := peers.Script{peers.SendClientHelloBytes(t.Raw, t.RecordVersion()), peers.ReadFirstAnswer()}
			return judgeReplay(env.Converse(ctx, c, id, script), t, offer, client, env.Profile)
		},
	}
}

// judgeReplay: a ServerHello or HelloRetryRequest that selects what the
// client offered passes; an alert fails unless the target shares no
// version, suite or group with the client at all (then the check does not
// apply); silence, a close or anything else fails.
func judgeReplay(cv *peers.Conversation, t corpus.Template, o corpus.Offer, client string, p *checks.Profile) checks.Verdict {
	v := checks.Verdict{
		Expected:      "a ServerHello or HelloRetryRequest selecting only what the client offered",
		Observed:      checks.Observed(cv),
		Conversations: []*peers.Conversation{cv},
	}
	out := cv.Outcome
	switch {
	case out.Unreachable():
		v.Status, v.Reason = reports.Fail, "target unreachable"
	case out.Kind == peers.OutcomeCompleted && cv.ServerHello() != nil:
		sh := cv.ServerHello()
		v.Observed = describeServerHello(sh)
		if why := notOffered(sh, t.Hello, o); why != "" {
			v.Status, v.Reason = reports.Fail, why+" (RFC 8446 §4.1.3, §4.2; RFC 8701 §3: unknown and GREASE values are never selected)"
			break
		}
		v.Status = reports.Pass
	case out.Kind == peers.OutcomeCompleted:
		v.Status, v.Reason = reports.Fail, "the target answered the ClientHello with "+out.WentOn+", not a ServerHello"
	case out.Kind == peers.OutcomeAlert:
		v.Status, v.Reason = reports.Fail, "the target refused the ClientHello of a real client"
		switch out.Alert.Description {
		case wire.AlertHandshakeFailure, wire.AlertProtocolVersion, wire.AlertInsufficientSecurity:
			if ok, why := commonParams(o, p); !ok {
				v.Status, v.Reason = reports.Skip, "no common parameters with "+client+": "+why
				return v
			}
			v.Reason += ", although the target shares a version, a suite and a group with it (as probed)"
		}
	case out.Kind == peers.OutcomeTimeout, out.Pushed != "" && out.Kind != peers.OutcomeAlert && out.Kind != peers.OutcomeCompleted:
		// A whole ClientHello promises no more bytes: silence past the
		// deadline is the answer, whatever the target did once pushed.
		v.Status, v.Reason = reports.Fail, "the target did not answer the ClientHello before the deadline"
	default:
		v.Status, v.Reason = reports.Fail, "the target did not answer the ClientHello with a ServerHello"
	}
	return v
}

// describeServerHello: "ServerHello: TLS 1.3, TLS_AES_128_GCM_SHA256,
// X25519MLKEM768" or "HelloRetryRequest: TLS 1.3, ..., selected group
// secp256r1".
func describeServerHello(sh *wire.ServerHello) string {
	name := "ServerHello"
	if sh.IsHelloRetryRequest() {
		name = "HelloRetryRequest"
	}
	parts := []string{checks.NegotiatedOf(sh).String(), sh.CipherSuite.String()}
	if e, ok := wire.FindExtension(sh.Extensions, wire.ExtKeyShare); ok {
		if sh.IsHelloRetryRequest() {
			if g, err := wire.ParseKeyShareHRR(e.Body); err == nil {
				parts = append(parts, "selected group "+g.String())
			}
		} else if ks, err := wire.ParseKeyShareServer(e.Body); err == nil {
			parts = append(parts, ks.Group.String())
		}
	}
	return name + ": " + strings.Join(parts, ", ")
}

// notOffered says what the ServerHello selected that the client did not
// offer, or "".
func notOffered(sh *wire.ServerHello, ch *wire.ClientHello, o corpus.Offer) string {
	ver := checks.NegotiatedOf(sh)
	if !slices.Contains(o.Versions, ver) || wire.IsGREASE(uint16(ver)) {
		return fmt.Sprintf("the target selected %s, which the client did not offer", ver)
	}
	s := sh.CipherSuite
	if !slices.Contains(ch.CipherSuites, s) || wire.IsGREASE(uint16(s)) || s == wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV || s == wire.TLS_FALLBACK_SCSV {
		return fmt.Sprintf("the target selected cipher suite %s, which the client did not offer", s)
	}
	if !slices.Contains(ch.CompressionMethods, sh.CompressionMethod) {
		return fmt.Sprintf("the target selected compression method %d, which the client did not offer", sh.CompressionMethod)
	}
	if ver != wire.VersionTLS13 {
		return ""
	}
	e, ok := wire.FindExtension(sh.Extensions, wire.ExtKeyShare)
	if !ok {
		return "" // a PSK-only handshake, or the client's own checks to make
	}
	if sh.IsHelloRetryRequest() {
		// RFC 8446 §4.2.8: the selected group is in supported_groups and
		// is not one the client already sent a share for.
		g, err := wire.ParseKeyShareHRR(e.Body)
		if err == nil && (!slices.Contains(o.Groups, g) || slices.Contains(o.KeyShares, g) || wire.IsGREASE(uint16(g))) {
			return fmt.Sprintf("the HelloRetryRequest asks for group %s, which the client did not offer or already sent a share for", g)
		}
		return ""
	}
	// RFC 8446 §4.2.8: the server's share is in the group of one of the
	// client's shares.
	ks, err := wire.ParseKeyShareServer(e.Body)
	if err == nil && (!slices.Contains(o.KeyShares, ks.Group) || wire.IsGREASE(uint16(ks.Group))) {
		return fmt.Sprintf("the target answered with a key share for %s, for which the client sent none", ks.Group)
	}
	return ""
}

// commonParams reports whether the target, as probed, shares with the
// client's offer a version and, at that version, a suite with a key
// exchange it supports and (for ECDHE and TLS 1.3) a group; when not, why.
// Without a profile the answer is yes: a skip must never hide a failure.
func commonParams(o corpus.Offer, p *checks.Profile) (bool, string) {
	if p == nil {
		return true, ""
	}
	var vs []wire.Version
	for _, v := range p.Versions {
		if slices.Contains(o.Versions, v) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return false, fmt.Sprintf("the client offers %s, the target supports %s", versionList(o.Versions), versionList(p.Versions))
	}
	sharedGroup := slices.ContainsFunc(o.Groups, func(g wire.Group) bool { return slices.Contains(p.Groups, g) })
	for _, v := range vs {
		for _, id := range o.Suites {
			s, ok := suites.Lookup(id)
			if !ok || !s.SupportsVersion(v) || !slices.Contains(p.KX[v], checks.KXOf(s)) {
				continue
			}
			if len(p.Suites) > 0 && !slices.Contains(p.Suites, id) {
				continue
			}
			switch {
			case v == wire.VersionTLS13 && (sharedGroup || len(p.Groups) == 0):
				return true, ""
			case v == wire.VersionTLS13:
			case s.KX != suites.KXECDHE:
				return true, ""
			// RFC 8422 §4: without supported_groups the server may
			// choose any curve.
			case sharedGroup || len(o.Groups) == 0 || len(p.Groups) == 0:
				return true, ""
			}
		}
	}
	return false, fmt.Sprintf("at %s the target has no suite and group the client offers", versionList(vs))
}

func versionList(vs []wire.Version) string {
	var names []string
	for _, v := range vs {
		if !wire.IsGREASE(uint16(v)) {
			names = append(names, v.String())
		}
	}
	if len(names) == 0 {
		return "no TLS version"
	}
	return strings.Join(names, ", ")
}
