package hello

import (
	"context"
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Key share values (row 63; RFC 8446 §4.2.8.2, §7.4.2): the mutators with
// a Group. The ClientHello offers that group alone, with the bad share, so
// the server cannot pick another group and leave the share unread; a
// target that does not take the group at TLS 1.3 skips the check.
//
// The conversation is the whole handshake. A server that refuses the
// share stops at the ClientHello (illegal_parameter, the RFC 8446 §6
// alert; another alert or a close warns). Where a server that skips the
// validation derives a secret the client can compute (all zeros for an
// X25519 low-order point, RFC 7748 §6.1; the point at infinity's zero
// x-coordinate for (0,0) and the identity on a NIST curve; the real
// secret for the client's own point in the compressed or hybrid form),
// the client keys the handshake with it: a completed handshake proves the
// server took the share (a failure). A ServerHello followed by keys the
// client cannot read shows it did not (a pass: it refused late), except
// for the NIST null points, whose zeros are what many lenient servers
// derive, not what all do. Elsewhere a ServerHello followed by a failure
// proves neither (the server may have taken the point or replaced the
// secret): inconclusive. A completed handshake always fails: the server
// read the share as a valid one (a parser that ignores bytes past the
// share's size, for one).

// keyShareValue runs and judges the check of a Group mutator.
func keyShareValue(ctx context.Context, env *checks.Env, c checks.Context, id string, m mutators.Mutator) checks.Verdict {
	expected := "the handshake stops at the ClientHello, with " + checks.AlertNames(m.Expect.Alerts)
	if env.Profile != nil && !slices.Contains(env.Profile.GroupsAt(c.Version), m.Group) {
		return checks.Verdict{Status: reports.Skip, Expected: expected,
			Reason: fmt.Sprintf("the target does not take %s at TLS %s", m.Group, c.Version.Short())}
	}
	app := env.Profile == nil || env.Profile.AppData
	script, setup, applied := mutatedHello(c.Version, m, uint64(env.Seed))
	if !app {
		script = script.Before(peers.StepApplicationData)
	}
	keyed, certain, secret := false, false, ""
	override := func(cv *peers.Conversation) {
		cv.OverrideShared13(func(g wire.Group, computed []byte) []byte {
			s, what, sure, ok := kx.LenientSecret(g, sentShare(cv.Hello(), g))
			if !ok {
				return computed
			}
			keyed, certain, secret = true, sure, what
			if s == nil {
				return computed
			}
			return s
		})
	}
	cv := env.ConverseWith(ctx, c, id, func(cfg *peers.ClientConfig) {
		cfg.Groups, cfg.KeyShares = []wire.Group{m.Group}, []wire.Group{m.Group}
	}, script, setup, override)
	if !applied() {
		return checks.Verdict{Status: reports.Skip, Reason: fmt.Sprintf("%s does not apply to the client's ClientHello", m.Name),
			Conversations: []*peers.Conversation{cv}}
	}
	v := checks.Verdict{Expected: expected, Observed: checks.ObservedHello(cv), Conversations: []*peers.Conversation{cv}}
	o := cv.Outcome
	switch {
	case o.Unreachable():
		v.Status, v.Reason = reports.Fail, "target unreachable"
	case cv.ServerHello() == nil && cv.HelloRetryRequests() > 0 && o.Kind == peers.OutcomeError:
		v.Status = reports.Warn
		v.Reason = "the target answered with a HelloRetryRequest for the group whose share it got, instead of refusing the share with " +
			checks.AlertNames(m.Expect.Alerts)
	case cv.ServerHello() == nil:
		return checks.RejectsHello(cv, script, m.Expect.Alerts...)
	case o.Kind == peers.OutcomeCompleted && o.WentOn == "":
		v.Status = reports.Fail
		if keyed {
			v.Reason = fmt.Sprintf("the target completed a handshake keyed with %s, the secret a server that takes %s derives: it took the share it must refuse", secret, m.Doc)
		} else {
			v.Reason = fmt.Sprintf("the target completed the handshake after %s: it read the share as a valid one", m.Doc)
		}
	case keyed && certain:
		v.Status = reports.Pass
		v.Reason = fmt.Sprintf("the target answered with a ServerHello, but not keyed with %s, the secret a server that takes the share derives: it did not take the share, though it did not refuse it at the ClientHello with %s",
			secret, checks.AlertNames(m.Expect.Alerts))
	default:
		v.Status = reports.Inconclusive
		v.Reason = "the target went on with a ServerHello after the invalid share, then the handshake failed: it may have taken the share or replaced the secret with another; this proves neither"
	}
	return v
}

// sentShare is the key share for g that the ClientHello carries.
func sentShare(ch *wire.ClientHello, g wire.Group) []byte {
	if ch == nil {
		return nil
	}
	e, ok := wire.FindExtension(ch.Extensions, wire.ExtKeyShare)
	if !ok {
		return nil
	}
	shares, err := wire.ParseKeyShareClient(e.Body)
	if err != nil {
		return nil
	}
	for _, s := range shares {
		if s.Group == g {
			return s.KeyExchange
		}
	}
	return nil
}
