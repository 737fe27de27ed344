package campaign

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Conversations that get past a valid ClientHello: the fine mutators of
// the ClientKeyExchange and of the Finished (mutators.Fine), the
// ClientHello that answers a HelloRetryRequest (KindRetry) and the one
// that offers a session again (KindResume). The sequences of those
// flights are in sequence.go.

// sessionKey is the key a case's session is stored under.
const sessionKey = "campaign"

// firstSalt separates the randomness of the handshake that makes a
// session from the case's own.
const firstSalt = 0x5e5510_4e5510

// splitHello sorts a ClientHello composition into typed and byte-level
// mutators.
func (cat *catalog) splitHello(names []string) (typed, byteLevel []mutators.Mutator, reject bool, err error) {
	for _, n := range names {
		m, err := cat.mutator(n)
		if err != nil {
			return nil, nil, false, err
		}
		switch {
		case m.Hello != nil:
			typed = append(typed, m)
		case m.Bytes != nil:
			byteLevel = append(byteLevel, m)
		default:
			return nil, nil, false, fmt.Errorf("campaign: %s does not change a ClientHello", n)
		}
		if m.Expect.Class == mutators.MustReject {
			reject = true
		}
	}
	return typed, byteLevel, reject, nil
}

// noShares empties client_shares: a TLS 1.3 server that shares a group
// with the client must then answer with a HelloRetryRequest (RFC 8446
// §4.1.1; §4.2.8: "This vector MAY be empty if the client is requesting
// a HelloRetryRequest").
func noShares(ch *wire.ClientHello) {
	for i := range ch.Extensions {
		if ch.Extensions[i].Type == wire.ExtKeyShare {
			ch.Extensions[i] = wire.KeyShareClientExt()
		}
	}
}

// onSecondHello registers edit for the ClientHello that answers the
// HelloRetryRequest; the first goes as built.
func onSecondHello(edit func(raw []byte) []byte) peers.Setup {
	return func(cv *peers.Conversation) {
		calls := 0
		cv.Edit(peers.StepClientHello, func(raw []byte) []byte {
			if calls++; calls != 2 {
				return raw
			}
			return edit(raw)
		})
	}
}

// retryScript is the handshake of v whose first ClientHello asks for a
// HelloRetryRequest; through reject, only to the answer to the second
// ClientHello (the ServerHello: the target went on).
func retryScript(v wire.Version, app, reject bool) peers.Script {
	s := checks.FullScript(v, app).Replace(peers.StepClientHello, peers.SendClientHello(noShares))
	if reject {
		s = s.Through(peers.StepServerHello)
	}
	return s
}

// buildRetry: the case's ClientHello mutators change the second
// ClientHello, typed ones on its parse, then byte ones. A target that
// answers the empty client_shares with a ServerHello leaves them
// unapplied (the case says nothing).
func (cat *catalog) buildRetry(p *plan, c Case, v wire.Version) error {
	if v != wire.VersionTLS13 {
		return fmt.Errorf("campaign: a HelloRetryRequest case at TLS %s", c.Version)
	}
	typed, byteLevel, reject, err := cat.splitHello(c.Mutators)
	if err != nil {
		return err
	}
	if c.Template == TemplateEngineSNI {
		p.cfg.ServerName = sniName
	}
	p.script = retryScript(v, c.AppData, reject)
	p.change = peers.StepClientHello
	p.setup = append(p.setup, onSecondHello(func(raw []byte) []byte {
		if len(typed) > 0 {
			if ch, err := wire.UnmarshalClientHello(raw); err == nil {
				applyTyped(ch, typed, c.Seed, p.applied)
				if b, err := ch.Marshal(); err == nil {
					raw = b
				}
			}
		}
		return applyBytes(raw, byteLevel, c.Seed, p.applied)
	}))
	return nil
}

// restAfterHello runs the rest of the handshake after the ServerHello of
// a ClientHello that offered a session: the abbreviated one when the
// target resumed (RFC 5246 §7.3 Figure 2), the full one otherwise. TLS
// 1.3's default steps read either.
func restAfterHello(v wire.Version, app bool) peers.Step {
	return peers.Step{Name: "Handshake", Run: func(cv *peers.Conversation) error {
		s := checks.FullScript(v, app)
		if v < wire.VersionTLS13 && cv.Conn() != nil && cv.Conn().Resumed() {
			s = resumedScript(v, app)
		}
		for _, st := range s[s.Index(peers.StepServerHello)+1:] {
			if err := st.Run(cv); err != nil {
				return err
			}
		}
		return nil
	}}
}

// resumedScript is the handshake of v when the target resumes, with the
// application-data round trip when it answers one.
func resumedScript(v wire.Version, app bool) peers.Script {
	s := peers.ResumptionScript(v)
	if !app {
		s = s.Before(peers.StepApplicationData)
	}
	return s
}

// buildResume: a first handshake makes a session (see converse), and the
// case's ClientHello offers it with the mutators applied: typed ones
// before the engine adds its PSK binder (which then covers them), byte
// ones after.
func (cat *catalog) buildResume(p *plan, c Case, v wire.Version) error {
	typed, byteLevel, reject, err := cat.splitHello(c.Mutators)
	if err != nil {
		return err
	}
	p.cfg.ServerName = sniName
	p.first = checks.FullScript(v, c.AppData)
	send := peers.SendClientHello(func(ch *wire.ClientHello) { applyTyped(ch, typed, c.Seed, p.applied) })
	if reject {
		p.script = peers.Script{send, peers.ReadFirstAnswer()}
	} else {
		p.script = peers.Script{send, peers.ExpectServerHello(), restAfterHello(v, c.AppData)}
	}
	p.change = peers.StepClientHello
	if len(byteLevel) > 0 {
		p.setup = append(p.setup, func(cv *peers.Conversation) {
			first := true
			cv.Edit(peers.StepClientHello, func(raw []byte) []byte {
				if !first {
					return raw
				}
				first = false
				return applyBytes(raw, byteLevel, c.Seed, p.applied)
			})
		})
	}
	return nil
}

// clientMessageEdit applies the fine mutator m to the message the step
// sends, parsed in the negotiated context (and ctx's key exchange form).
func clientMessageEdit(p *plan, c Case, step string, m mutators.Mutator, form wire.KeyExchangeForm) peers.Setup {
	return func(cv *peers.Conversation) {
		cv.Edit(step, func(raw []byte) []byte {
			_, lay, err := wire.ParseLayout(raw, wire.Context{Version: cv.Version(), KeyExchange: form})
			if err != nil {
				return raw // a client Certificate in the same flight: not this change's message
			}
			out, ok := m.ClientMessage(slices.Clone(raw), lay, mutators.Rand(c.Seed, m.Name))
			if !ok {
				return raw
			}
			p.applied.add(m.Name)
			return out
		})
	}
}

// buildCKEMessage: the ClientKeyExchange of the case's key exchange, with
// a fine mutator applied to its bytes. A change that must be refused is
// followed by the ChangeCipherSpec, the Finished and the answer (as
// buildCKE); any other lets the handshake complete.
func (cat *catalog) buildCKEMessage(p *plan, c Case, v wire.Version, m mutators.Mutator) error {
	if v >= wire.VersionTLS13 || !fineCKEFor(m, c.KX) {
		return fmt.Errorf("campaign: %s is not a %s ClientKeyExchange change at TLS %s", m.Name, c.KX, c.Version)
	}
	p.cfg.CipherSuites = suitesOf(c.KX, v)
	form := wire.KXECDHE
	if c.KX == KXRSA {
		form = wire.KXRSA
	}
	p.setup = append(p.setup, clientMessageEdit(p, c, peers.StepClientKeyExchange, m, form))
	p.change = peers.StepClientKeyExchange
	if m.Expect.Class == mutators.MayReject || m.Expect.Class == mutators.MustTolerate {
		p.script = checks.FullScript(v, c.AppData)
		return nil
	}
	p.script = peers.DefaultScript(v).Through(peers.StepFinished).Then(peers.ExpectRejection(false))
	return nil
}

// fineCKEFor says whether the fine ClientKeyExchange mutator m changes
// the message of key exchange kx.
func fineCKEFor(m mutators.Mutator, kx string) bool {
	switch {
	case strings.Contains(m.Name, "/any/"):
		return true
	case kx == KXECDHE:
		return strings.Contains(m.Name, "/ecdh_Yc/")
	case kx == KXRSA:
		return strings.Contains(m.Name, "/encrypted_pre_master_secret/")
	}
	return false
}

// buildFinishedMessage: the client Finished with a fine mutator applied to
// its plaintext, then the answer (as the finished/ variants).
func (cat *catalog) buildFinishedMessage(p *plan, c Case, v wire.Version, m mutators.Mutator) {
	p.setup = append(p.setup, clientMessageEdit(p, c, peers.StepFinished, m, wire.KXUnknown))
	p.script = checks.BadFinishedTail(v, c.AppData)
	p.change = peers.StepFinished
	p.prompt = checks.TailPrompt(v, c.AppData)
}
