package campaign

import (
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Key exchanges of the ClientKeyExchange kind.
const (
	KXRSA   = "rsa"
	KXECDHE = "ecdhe"
)

// plan is a Case made ready to run.
type plan struct {
	cfg    *peers.ClientConfig
	script peers.Script
	setup  []peers.Setup
	// change is the step that makes the change: an answer before it says
	// nothing about the change.
	change string
	// prompt: whatever the target makes of the change, a conformant or a
	// lenient one answers before the deadline; silence is a hang.
	prompt  bool
	applied *applied
	// multiShare: the ClientHello sent offers more than one key share.
	multiShare bool
	// first, when set, is a valid handshake that runs before the case's
	// own conversation and makes the session it offers (converse).
	first peers.Script
}

// applied records which of a case's changes were made: a mutator that does
// not apply to the message the conversation built leaves it as it was.
type applied struct {
	names []string
}

func (a *applied) add(name string) {
	if !slices.Contains(a.names, name) {
		a.names = append(a.names, name)
	}
}

// caseRand is the client's randomness for a case.
func caseRand(seed uint64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	copy(s[8:], "tlsconform/campaign")
	return rand.NewChaCha8(s)
}

// errNotApplicable ends a conversation whose change does not apply to what
// the target chose (an ECDHE point for a group it did not pick).
var errNotApplicable = errors.New("campaign: the change does not apply to this conversation")

// build makes case c ready to run with a per-read deadline of timeout.
func (cat *catalog) build(c Case, timeout time.Duration) (*plan, error) {
	v := c.version()
	if v < wire.VersionTLS10 || v > wire.VersionTLS13 {
		return nil, fmt.Errorf("campaign: case version %q: want 1.0 to 1.3", c.Version)
	}
	if len(c.Mutators) == 0 {
		return nil, errors.New("campaign: case has no mutator")
	}
	cfg := &peers.ClientConfig{Versions: []wire.Version{v}, Timeout: timeout, Rand: caseRand(c.Seed)}
	if c.Group != "" {
		g, err := wire.ParseGroup(c.Group)
		if err != nil {
			return nil, fmt.Errorf("campaign: case group: %w", err)
		}
		cfg.Groups = []wire.Group{g}
	}
	p := &plan{cfg: cfg, applied: &applied{}, prompt: true}
	if c.KX != "" && c.Kind != KindCKE && v < wire.VersionTLS13 {
		// A later message at each key exchange: only its suites.
		if cfg.CipherSuites = suitesOf(c.KX, v); len(cfg.CipherSuites) == 0 {
			return nil, fmt.Errorf("campaign: no %q cipher suite at TLS %s", c.KX, c.Version)
		}
	}
	switch c.Kind {
	case KindHello:
		return p, cat.buildHello(p, c, v)
	case KindCKE:
		if m, err := cat.mutator(c.Mutators[0]); err == nil && m.ClientMessage != nil && len(c.Mutators) == 1 {
			return p, cat.buildCKEMessage(p, c, v, m)
		}
		return p, cat.buildCKE(p, c, v)
	case KindFraming:
		return p, cat.buildFraming(p, c, v)
	case KindRetry:
		return p, cat.buildRetry(p, c, v)
	case KindResume:
		return p, cat.buildResume(p, c, v)
	case KindFinished:
		if m, err := cat.mutator(c.Mutators[0]); err == nil && m.ClientMessage != nil && len(c.Mutators) == 1 {
			if t, _ := mutators.ClientMessageType(m); t != wire.TypeFinished {
				return nil, fmt.Errorf("campaign: %s does not change a Finished", m.Name)
			}
			cat.buildFinishedMessage(p, c, v, m)
			return p, nil
		}
		fallthrough
	case KindOrder:
		if _, ok := cat.sequence(c.Mutators[0]); ok && c.Kind == KindOrder {
			return p, cat.buildSequence(p, c, v)
		}
		x, ok := cat.variants[c.Mutators[0]]
		if !ok || len(c.Mutators) != 1 || !x.AppliesTo(v) {
			return nil, fmt.Errorf("campaign: no %s change %q at TLS %s", c.Kind, strings.Join(c.Mutators, "+"), c.Version)
		}
		b := x.Build(v, c.AppData, c.Seed)
		p.script, p.setup, p.change, p.prompt = b.Script, b.Setup, b.Change, b.Prompt
		p.applied.add(x.Name)
		return p, nil
	}
	return nil, fmt.Errorf("campaign: unknown case kind %q", c.Kind)
}

// mutator finds a registry mutator the case names.
func (cat *catalog) mutator(name string) (mutators.Mutator, error) {
	m, ok := cat.byName[name]
	if !ok {
		return m, fmt.Errorf("campaign: no mutator %q in the registry", name)
	}
	return m, nil
}

// buildHello: the ClientHello of the template with the case's mutators,
// typed changes first, then byte changes. The engine's own hello goes
// through the reference client, which can go on with the handshake; a
// sample or corpus hello goes as bytes and only the first answer is read
// (the client does not own its key shares).
func (cat *catalog) buildHello(p *plan, c Case, v wire.Version) error {
	var typed, byteLevel []mutators.Mutator
	for _, n := range c.Mutators {
		m, err := cat.mutator(n)
		if err != nil {
			return err
		}
		switch {
		case m.Hello != nil:
			typed = append(typed, m)
		case m.Bytes != nil:
			byteLevel = append(byteLevel, m)
		default:
			return fmt.Errorf("campaign: %s does not change a ClientHello", n)
		}
	}
	p.change = peers.StepClientHello
	if c.Template == TemplateEngine || c.Template == TemplateEngineSNI {
		if c.Template == TemplateEngineSNI {
			p.cfg.ServerName = sniName
		}
		reject := false
		for _, n := range c.Mutators {
			if e := cat.expectation(n); e.Class == mutators.MustReject {
				reject = true
			}
		}
		script := checks.FullScript(v, c.AppData)
		if reject {
			// Only the answer to the ClientHello matters; a
			// HelloRetryRequest is told apart from a ServerHello.
			script = script.Through(peers.StepClientHello).Then(peers.ReadFirstAnswer())
		}
		if len(typed) > 0 {
			script = script.Replace(peers.StepClientHello, peers.SendClientHello(func(ch *wire.ClientHello) {
				applyTyped(ch, typed, c.Seed, p.applied)
			}))
		}
		p.script = script
		if len(byteLevel) > 0 {
			p.setup = append(p.setup, func(cv *peers.Conversation) {
				first := true
				cv.Edit(peers.StepClientHello, func(raw []byte) []byte {
					if !first {
						return raw // a second ClientHello (after a HelloRetryRequest) goes as built
					}
					first = false
					return applyBytes(raw, byteLevel, c.Seed, p.applied)
				})
			})
		}
		return nil
	}
	ch, rv, ok := cat.templateHello(c.Template, v)
	if !ok {
		return fmt.Errorf("campaign: unknown ClientHello template %q", c.Template)
	}
	ch = ch.Clone()
	applyTyped(ch, typed, c.Seed, p.applied)
	raw, err := ch.Marshal()
	if err != nil {
		return fmt.Errorf("campaign: marshal the mutated ClientHello: %w", err)
	}
	if name, ok := strings.CutPrefix(c.Template, templateCorpus); ok && len(p.applied.names) == 0 {
		raw = slices.Clone(cat.templates[name].Raw) // exactly as captured
	}
	raw = applyBytes(raw, byteLevel, c.Seed, p.applied)
	if shares, ok := wire.FindExtension(ch.Extensions, wire.ExtKeyShare); ok {
		if s, err := wire.ParseKeyShareClient(shares.Body); err == nil && len(s) > 1 {
			p.multiShare = true
		}
	}
	p.script = peers.Script{peers.SendClientHelloBytes(raw, rv), peers.ReadFirstAnswer()}
	return nil
}

// applyTyped applies each typed mutator to ch in turn, each on a copy that
// replaces ch only when the mutator applied.
func applyTyped(ch *wire.ClientHello, ms []mutators.Mutator, seed uint64, a *applied) {
	for _, m := range ms {
		c := ch.Clone()
		if m.Hello(c, mutators.Rand(seed, m.Name)) {
			*ch = *c
			a.add(m.Name)
		}
	}
}

// applyBytes applies each byte mutator to the message in turn, aimed by
// the layout of what the previous one left (which may no longer parse:
// the mutator then does not apply).
func applyBytes(raw []byte, ms []mutators.Mutator, seed uint64, a *applied) []byte {
	for _, m := range ms {
		_, lay, err := wire.ParseLayout(raw, wire.Context{})
		if err != nil {
			continue
		}
		if out, ok := m.Bytes(slices.Clone(raw), lay, mutators.Rand(seed, m.Name)); ok {
			raw = out
			a.add(m.Name)
		}
	}
	return raw
}

// buildCKE: the handshake with the changed ClientKeyExchange, then the
// ChangeCipherSpec and a Finished keyed with the client's pre-master
// secret, and the answer (as suite/keyexchange judges it). Only suites of the
// case's key exchange are offered, and for ECDHE only the groups the
// mutator applies to.
func (cat *catalog) buildCKE(p *plan, c Case, v wire.Version) error {
	m, err := cat.mutator(c.Mutators[0])
	if err != nil {
		return err
	}
	if m.CKE == nil || len(c.Mutators) != 1 || v >= wire.VersionTLS13 {
		return fmt.Errorf("campaign: %s is not a ClientKeyExchange change at TLS %s", strings.Join(c.Mutators, "+"), c.Version)
	}
	p.cfg.CipherSuites = suitesOf(c.KX, v)
	if len(p.cfg.CipherSuites) == 0 {
		return fmt.Errorf("campaign: no %q cipher suite at TLS %s", c.KX, c.Version)
	}
	if c.KX == KXECDHE {
		p.cfg.Groups = cat.ckeGroups[m.Name]
	}
	change := func(cv *peers.Conversation, cke *wire.ClientKeyExchange) ([]byte, []byte, error) {
		in := mutators.KeyExchange{Version: cv.Version(), ClientVersion: cv.Hello().Version, Group: cv.Conn().Group()}
		switch cke.Form {
		case wire.KXRSA:
			in.RSA, _ = cv.ServerPublicKey().(*rsa.PublicKey)
		case wire.KXECDHE:
			in.Point = cke.Exchange
		}
		body, raw, ok := m.CKE(in, mutators.Rand(c.Seed, m.Name))
		if !ok {
			return nil, nil, errNotApplicable
		}
		p.applied.add(m.Name)
		var msg []byte
		if raw {
			n := len(body)
			msg = append([]byte{byte(wire.TypeClientKeyExchange), byte(n >> 16), byte(n >> 8), byte(n)}, body...)
		} else {
			var merr error
			if msg, merr = (&wire.ClientKeyExchange{Form: cke.Form, Exchange: body}).Marshal(); merr != nil {
				return nil, nil, merr
			}
		}
		var pms []byte
		if !raw && cke.Form == wire.KXECDHE && in.Group == wire.GroupX25519 && kx.X25519LowOrder(body) {
			// What a server that skips RFC 7748 §6.1 derives: it then
			// completes the handshake.
			pms = make([]byte, 32)
		}
		return msg, pms, nil
	}
	p.script = peers.DefaultScript(v).Replace(peers.StepClientKeyExchange, peers.SendClientKeyExchangeChanged(change)).
		Through(peers.StepFinished).Then(peers.ExpectRejection(false))
	p.change = peers.StepClientKeyExchange
	return nil
}

// suitesOf is every suite the engine has for key exchange k at v.
func suitesOf(k string, v wire.Version) []wire.CipherSuite {
	var out []wire.CipherSuite
	for _, s := range suites.All() {
		if !s.SupportsVersion(v) || s.TLS13() {
			continue
		}
		if (k == KXRSA && s.KX == suites.KXRSA) || (k == KXECDHE && s.KX == suites.KXECDHE) {
			out = append(out, s.ID)
		}
	}
	return out
}

// ckeGroupsOf is the ECDHE groups m applies to (nil for RSA mutators).
func ckeGroupsOf(m mutators.Mutator) []wire.Group {
	if m.Family() != "client_key_exchange/"+KXECDHE {
		return nil
	}
	var out []wire.Group
	for _, g := range []wire.Group{wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1} {
		priv, err := kx.Generate(g, rand.NewChaCha8([32]byte{}))
		if err != nil {
			continue
		}
		in := mutators.KeyExchange{Version: wire.VersionTLS12, ClientVersion: wire.VersionTLS12, Group: g, Point: priv.Public()}
		if _, _, ok := m.CKE(in, mutators.Rand(0, m.Name)); ok {
			out = append(out, g)
		}
	}
	return out
}

// buildFraming: the engine's ClientHello framed by the mutator; a
// tolerated framing must let the handshake complete, a rejected one is
// followed by the rest of the flight and the answer read
// (as suite/records judges it).
func (cat *catalog) buildFraming(p *plan, c Case, v wire.Version) error {
	m, err := cat.mutator(c.Mutators[0])
	if err != nil {
		return err
	}
	if m.Framing == nil || len(c.Mutators) != 1 {
		return fmt.Errorf("campaign: %s is not a record framing", strings.Join(c.Mutators, "+"))
	}
	rnd := mutators.Rand(c.Seed, m.Name)
	send := peers.SendClientHelloFramed(func(flight []byte, rv wire.Version) []byte {
		out, ok := m.Framing(flight, rv, rnd)
		if !ok {
			return nil
		}
		p.applied.add(m.Name)
		return out
	})
	p.change = peers.StepClientHello
	if m.Expect.Class == mutators.MustTolerate {
		p.script = checks.FullScript(v, c.AppData).Replace(peers.StepClientHello, send)
		return nil
	}
	p.script = checks.BadFinishedTail(v, c.AppData).Replace(peers.StepClientHello, send)
	p.prompt = checks.TailPrompt(v, c.AppData)
	return nil
}

// expectation is what a target must do with one named change.
func (cat *catalog) expectation(name string) mutators.Expectation {
	if m, ok := cat.byName[name]; ok {
		return m.Expect
	}
	if x, ok := cat.variants[name]; ok {
		return x.Expect
	}
	if x, ok := cat.sequence(name); ok {
		return x.expect
	}
	return mutators.Expectation{Class: mutators.MayReject}
}

// verdictOf is what a target must do with the changes names, applied in
// that order, at v: must says that going on violates a MUST. The last
// change decides (helloOrder puts the rejected ones last): an earlier one
// may have been overwritten by it (empty compression methods, then
// deflate and null), never the other way round. A must-reject change at
// SHOULD level at v (the mutator's Expectation.Should, which the
// conformance checks read too), or one about a key share the target may
// not have used (multiShare: the ClientHello offers several), is not a
// MUST.
func (cat *catalog) verdictOf(names []string, v wire.Version, multiShare bool) (must bool, expected string) {
	if len(names) == 0 {
		return false, "nothing (no change applied)"
	}
	n := names[len(names)-1]
	e := cat.expectation(n)
	switch e.Class {
	case mutators.MustReject, mutators.Oracle:
		// Oracle: a server that decrypts a bad RSA block carries on with
		// a random secret and fails at the Finished (RFC 5246 §7.4.7.1):
		// it never completes the handshake.
		switch {
		case e.Level(v) == mutators.LevelShould:
			return false, fmt.Sprintf("the handshake stops (%s, SHOULD-level at TLS %s), or goes on", n, v.Short())
		case multiShare && unselectedShare(n):
			return false, fmt.Sprintf("the handshake stops (%s), or goes on with another of the key shares offered", n)
		}
		return true, fmt.Sprintf("the handshake stops: the target must reject %s (%s)", n, e.RFC)
	case mutators.MayReject:
		return false, fmt.Sprintf("the handshake completes or stops (%s, %s)", n, e.RFC)
	}
	return false, "the handshake completes"
}

// unselectedShare: the change breaks the first key share's value, which a
// server validates only when it selects that share (RFC 8446 §4.2.8.2).
func unselectedShare(name string) bool {
	return name == "client_hello/key_share/share-truncated" || name == "client_hello/key_share/share-extended"
}
