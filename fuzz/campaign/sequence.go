package campaign

import (
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Sequences change the order of the client's flight where the message
// order family (suite/order, KindOrder) does not go: after a
// HelloRetryRequest and in a resumption. Each repeats, replaces, drops
// or adds one message; the rest of the conversation is the engine's.

// Conversations a sequence needs.
const (
	needRetry  = "retry"  // a target that answers an empty client_shares with a HelloRetryRequest
	needResume = "resume" // a target that resumes the sessions it issues
)

// sequence is one change of the order of a client flight.
type sequence struct {
	name, doc string
	expect    mutators.Expectation
	versions  []wire.Version
	needs     string
	// build makes the conversation (p's config is the case's).
	build func(p *plan, c Case, v wire.Version)
}

func (x sequence) appliesTo(v wire.Version) bool { return slices.Contains(x.versions, v) }

var (
	tls13Only  = []wire.Version{wire.VersionTLS13}
	tls10To12  = []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12}
	everyTLSV  = []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13}
	unexpected = func(rfc string) mutators.Expectation { return mutators.Reject(rfc, 7, wire.AlertUnexpectedMessage) }
)

// sequences are the campaign's own sequence changes.
func sequences() []sequence {
	return []sequence{
		{
			name: "sequence/retry/first-hello-again", needs: needRetry, versions: tls13Only,
			doc: "the first ClientHello (without the key share the HelloRetryRequest asked for) sent again in place of the second",
			// As the check hello/hrr/second-hello-without-requested-share.
			expect: mutators.Reject("RFC 8446 §4.1.2, §4.2.8", 44, wire.AlertIllegalParameter),
			build: func(p *plan, c Case, v wire.Version) {
				var first []byte
				p.script = retryScript(v, c.AppData, true)
				p.setup = append(p.setup, func(cv *peers.Conversation) {
					calls := 0
					cv.Edit(peers.StepClientHello, func(raw []byte) []byte {
						if calls++; calls == 1 {
							first = slices.Clone(raw)
							return raw
						}
						if calls == 2 && first != nil {
							p.applied.add("sequence/retry/first-hello-again")
							return first
						}
						return raw
					})
				})
				p.change = peers.StepClientHello
			},
		},
		{
			name: "sequence/retry/second-hello-twice", needs: needRetry, versions: tls13Only,
			doc:    "the second ClientHello sent twice in one record, the copy before the key change (RFC 8446 §5.1)",
			expect: unexpected("RFC 8446 §5.1; RFC 8446 §4"),
			build: func(p *plan, c Case, v wire.Version) {
				p.script = retryScript(v, c.AppData, false)
				p.setup = append(p.setup, onSecondHello(func(raw []byte) []byte {
					p.applied.add("sequence/retry/second-hello-twice")
					return slices.Concat(raw, raw)
				}))
				p.change = peers.StepClientHello
			},
		},
		{
			name: "sequence/resume/finished-twice", needs: needResume, versions: everyTLSV,
			doc:    "the client Finished of a resumed handshake sent twice",
			expect: unexpected("RFC 5246 §7.3, §7.4.9; RFC 8446 §4"),
			build: func(p *plan, c Case, v wire.Version) {
				s := resumedScript(v, false).Then(checks.RejectTail(c.AppData))
				if v == wire.VersionTLS13 {
					s = checks.BadFinishedTail(v, c.AppData)
				}
				p.script = s.InsertAfter(peers.StepFinished, peers.SendAgain("FinishedAgain", wire.TypeFinished))
				p.change, p.prompt = "FinishedAgain", c.AppData
				p.applied.add("sequence/resume/finished-twice")
			},
		},
		{
			name: "sequence/resume/drop-change_cipher_spec", needs: needResume, versions: tls10To12,
			doc:    "no ChangeCipherSpec before the client Finished of an abbreviated handshake (the Finished in the clear)",
			expect: unexpected("RFC 5246 §7.4.9"),
			build: func(p *plan, _ Case, v wire.Version) {
				p.script = resumedScript(v, false).Remove(peers.StepChangeCipherSpec).Then(peers.ExpectRejection(false))
				p.change = peers.StepFinished
				p.applied.add("sequence/resume/drop-change_cipher_spec")
			},
		},
		{
			name: "sequence/resume/client_key_exchange-added", needs: needResume, versions: tls10To12,
			doc:    "a ClientKeyExchange before the ChangeCipherSpec of an abbreviated handshake, which has none (RFC 5246 §7.3)",
			expect: unexpected("RFC 5246 §7.3, §7.4.7"),
			build: func(p *plan, c Case, v wire.Version) {
				cke := peers.SendRecord("ClientKeyExchangeAdded", wire.ContentHandshake, func(*peers.Conversation) []byte {
					point := make([]byte, 32)
					fillFrom(point, c.Seed)
					b, _ := (&wire.ClientKeyExchange{Form: wire.KXECDHE, Exchange: point}).Marshal()
					return b
				})
				p.script = resumedScript(v, false).InsertBefore(peers.StepChangeCipherSpec, cke).Then(checks.RejectTail(c.AppData))
				p.change = "ClientKeyExchangeAdded"
				p.applied.add("sequence/resume/client_key_exchange-added")
			},
		},
	}
}

// fillFrom fills b with bytes of the case's randomness.
func fillFrom(b []byte, seed uint64) {
	rnd := mutators.Rand(seed, "campaign/sequence")
	for i := range b {
		b[i] = byte(rnd.Uint32())
	}
}

// buildSequence makes a sequence case: the session first for a
// resumption (see converse).
func (cat *catalog) buildSequence(p *plan, c Case, v wire.Version) error {
	x, ok := cat.sequence(c.Mutators[0])
	if !ok || len(c.Mutators) != 1 || !x.appliesTo(v) {
		return fmt.Errorf("campaign: no sequence change %q at TLS %s", c.Mutators, c.Version)
	}
	if x.needs == needResume {
		p.cfg.ServerName = sniName
		p.first = checks.FullScript(v, c.AppData)
	}
	x.build(p, c, v)
	return nil
}

// sequence finds a sequence change by name (among all of them: a saved
// case replays whatever -mutators said).
func (cat *catalog) sequence(name string) (sequence, bool) {
	for _, x := range sequences() {
		if x.name == name {
			return x, true
		}
	}
	return sequence{}, false
}
