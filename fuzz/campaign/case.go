package campaign

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Case is one conversation, everything needed to send it again: saved in
// each finding, read back by replay.
type Case struct {
	Kind    string `json:"kind"`
	Version string `json:"version"` // "1.0" to "1.3"
	// Template is where a ClientHello mutation starts: "engine",
	// "engine+sni", "sample", "corpus:NAME", or "resume" (the ClientHello
	// of a resumption).
	Template string `json:"template,omitempty"`
	// KX is the key exchange the case offers below TLS 1.3, "rsa" or
	// "ecdhe": the one a ClientKeyExchange mutation changes, the one of
	// the handshake whose Finished, resumption or sequence it changes.
	KX string `json:"kx,omitempty"`
	// Mutators are the changes, in the order they are applied: registry
	// mutators, or the campaign's own order/ and finished/ variants.
	Mutators []string `json:"mutators"`
	// Seed fixes the client's randomness and every mutator's.
	Seed uint64 `json:"seed"`
	// Group is the group the client offers (and shares) first at TLS 1.3:
	// the one the target chose when probed, so that it answers at once
	// instead of with a HelloRetryRequest.
	Group string `json:"group,omitempty"`
	// AppData: the target answers application data, and the conversation
	// sends the probe.
	AppData bool `json:"app_data"`
}

func (c Case) version() wire.Version {
	v, _ := wire.ParseVersion(c.Version)
	return v
}

// without is the case with mutator i left out.
func (c Case) without(i int) Case {
	c.Mutators = slices.Delete(slices.Clone(c.Mutators), i, i+1)
	return c
}

// key identifies a case (for deduplicating crash candidates).
func (c Case) key() string {
	return c.Kind + "|" + c.Version + "|" + c.Template + "|" + c.KX + "|" + strings.Join(c.Mutators, "+") + "|" + strconv.FormatUint(c.Seed, 16)
}

// mix is SplitMix64's finalizer: seeds for distinct (worker, iteration)
// pairs that do not overlap.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// iterationRand is worker w's PRNG for iteration it: a pure function of
// the campaign seed, so a resumed campaign goes on where it stopped and a
// finding names the iteration that made it.
func iterationRand(seed uint64, w int, it uint64) *rand.Rand {
	return attemptRand(seed, w, it, 0)
}

// attemptRand is iterationRand for a shard's draw attempt a (see
// Shard): attempt 0 is iterationRand's stream, the others streams of
// their own.
func attemptRand(seed uint64, w int, it, a uint64) *rand.Rand {
	s2 := mix(it)
	if a > 0 {
		s2 = mix(s2 ^ mix(a))
	}
	return rand.New(rand.NewPCG(mix(seed^mix(uint64(w)+1)), s2))
}

// drawCase draws the conversation of worker w's iteration it (attempt a:
// see nextCase): a kind, a version the target serves, and the changes.
// ok is false when nothing in the catalog applies to what the target
// serves.
func (cp *campaign) drawCase(w int, it, a uint64) (Case, bool) {
	rnd := attemptRand(cp.cfg.Seed, w, it, a)
	c := Case{Seed: rnd.Uint64()}
	var choices []string
	total := 0
	for _, k := range kinds {
		if cp.kindPossible(k.name) {
			choices = append(choices, k.name)
			total += k.weight
		}
	}
	if total == 0 {
		return Case{}, false
	}
	pick := rnd.IntN(total)
	for _, k := range kinds {
		if !slices.Contains(choices, k.name) {
			continue
		}
		if pick < k.weight {
			c.Kind = k.name
			break
		}
		pick -= k.weight
	}
	vs := cp.versionsFor(c.Kind)
	v := vs[rnd.IntN(len(vs))]
	if c.Kind == KindResume && slices.Contains(vs, wire.VersionTLS13) && rnd.IntN(2) == 0 {
		// TLS 1.3's PSK half the time: the versions below share one
		// mechanism (a ticket or a session ID).
		v = wire.VersionTLS13
	}
	c.Version = v.Short()
	c.AppData = cp.env.appData[v]
	if v == wire.VersionTLS13 && cp.env.group13 != 0 {
		c.Group = cp.env.group13.String()
	}
	switch c.Kind {
	case KindHello:
		c.Template = pickTemplate(cp.templatesFor(v), rnd)
		c.Mutators = cp.compose(c.Kind, c.Template, v, rnd)
	case KindRetry:
		c.Template = TemplateEngine
		if rnd.IntN(2) == 1 && len(cp.cat.pool(TemplateEngineSNI, v)) > 0 {
			c.Template = TemplateEngineSNI
		}
		c.Mutators = cp.compose(c.Kind, c.Template, v, rnd)
	case KindResume:
		c.Template = TemplateResume
		c.KX = cp.pickKX(v, rnd)
		c.Mutators = cp.compose(c.Kind, c.Template, v, rnd)
	case KindCKE:
		kxs := cp.env.kx[v]
		var fams []string
		for _, k := range kxs {
			if len(cp.ckeFor(k, v)) > 0 {
				fams = append(fams, k)
			}
		}
		c.KX = fams[rnd.IntN(len(fams))]
		ms := cp.ckeFor(c.KX, v)
		c.Mutators = []string{ms[rnd.IntN(len(ms))].Name}
	case KindFraming:
		var ms []string
		for _, m := range cp.cat.framing {
			if m.AppliesTo(v) {
				ms = append(ms, m.Name)
			}
		}
		c.Mutators = []string{ms[rnd.IntN(len(ms))]}
	case KindOrder, KindFinished:
		list := cp.cat.order
		if c.Kind == KindFinished {
			list = cp.cat.finished
		}
		var xs []string
		for _, x := range list {
			if x.AppliesTo(v) {
				xs = append(xs, x.Name)
			}
		}
		if c.Kind == KindFinished {
			// The Finished at every key exchange, with the fine changes
			// of its verify_data beside the family's variants.
			for _, m := range cp.cat.finMsg {
				if m.AppliesTo(v) {
					xs = append(xs, m.Name)
				}
			}
			c.KX = cp.pickKX(v, rnd)
		} else {
			// The sequences after a HelloRetryRequest and in a
			// resumption, beside the family's variants.
			for _, x := range cp.cat.sequences {
				if cp.sequencePossible(x, v) {
					xs = append(xs, x.name)
				}
			}
		}
		c.Mutators = []string{xs[rnd.IntN(len(xs))]}
		if _, ok := cp.cat.sequence(c.Mutators[0]); ok {
			// A sequence: at a key exchange of its own.
			c.KX = cp.pickKX(v, rnd)
		}
	}
	return c, true
}

// compose picks 1 to maxComposed ClientHello mutators of template's pool
// at v (half the time only those of kind's focus, when it has one), in
// the order helloOrder gives them.
func (cp *campaign) compose(kind, template string, v wire.Version, rnd *rand.Rand) []string {
	pool := cp.cat.pool(template, v)
	if f := cp.cat.focusPool(kind, template, v); len(f) > 0 && rnd.IntN(2) == 0 {
		pool = f
	}
	n := min(1+rnd.IntN(maxComposed), len(pool))
	var out []string
	for _, i := range rnd.Perm(len(pool)) {
		if len(out) == n {
			break
		}
		m := pool[i]
		if notComposed[m.Name] && len(out) > 0 {
			continue
		}
		out = append(out, m.Name)
		if notComposed[m.Name] {
			break
		}
	}
	return cp.cat.helloOrder(out)
}

// pickKX picks one of the key exchanges the target took at v (below TLS
// 1.3; "" at TLS 1.3 or when the probe found none).
func (cp *campaign) pickKX(v wire.Version, rnd *rand.Rand) string {
	kxs := cp.env.kx[v]
	if v >= wire.VersionTLS13 || len(kxs) == 0 {
		return ""
	}
	return kxs[rnd.IntN(len(kxs))]
}

// sequencePossible says whether the target makes the conversation
// sequence x changes at v.
func (cp *campaign) sequencePossible(x sequence, v wire.Version) bool {
	if !x.appliesTo(v) {
		return false
	}
	switch x.needs {
	case needRetry:
		return v == wire.VersionTLS13 && cp.env.retry
	case needResume:
		return cp.env.resume[v]
	}
	return true
}

// pickTemplate chooses the engine's ClientHello one time in five, the
// engine's naming a host (server_name) one in five, the sample one in
// five and a corpus capture two in five, among those at hand: the
// engine's carries a handshake on, the captures are many.
func pickTemplate(tpls []string, rnd *rand.Rand) string {
	var corpus []string
	has := map[string]bool{}
	for _, t := range tpls {
		has[t] = true
		if strings.HasPrefix(t, templateCorpus) {
			corpus = append(corpus, t)
		}
	}
	pick := rnd.IntN(5)
	switch {
	case pick >= 3 && len(corpus) > 0:
		return corpus[rnd.IntN(len(corpus))]
	case pick == 2 && has[TemplateSample]:
		return TemplateSample
	case pick == 1 && has[TemplateEngineSNI]:
		return TemplateEngineSNI
	case has[TemplateEngine]:
		return TemplateEngine
	}
	return tpls[rnd.IntN(len(tpls))]
}

// helloOrder puts the changes a target may take first and those it must
// reject last, removals first within each, keeping the order of the
// others; byte changes, which need the marshalled message, come after
// every typed one. The last change applied then decides what the target
// must do (see verdictOf): nothing after it can undo it.
func (cat *catalog) helloOrder(names []string) []string {
	rank := func(n string) int {
		m := cat.byName[n]
		r := 0
		switch {
		case m.Bytes != nil:
			return 4
		case m.Expect.Class == mutators.MustReject:
			r = 2
		}
		if !strings.Contains(n, "/missing/") {
			r++
		}
		return r
	}
	out := slices.Clone(names)
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	return out
}

// kindPossible says whether the catalog and the target leave anything of
// kind k to do.
func (cp *campaign) kindPossible(k string) bool { return len(cp.versionsFor(k)) > 0 }

// versionsFor is the versions the target serves at which kind k has a
// change to make.
func (cp *campaign) versionsFor(k string) []wire.Version {
	var out []wire.Version
	for _, v := range cp.env.versions {
		ok := false
		switch k {
		case KindHello:
			ok = len(cp.templatesFor(v)) > 0
		case KindRetry:
			ok = v == wire.VersionTLS13 && cp.env.retry && len(cp.cat.pool(TemplateEngine, v)) > 0
		case KindResume:
			ok = cp.env.resume[v] && len(cp.cat.pool(TemplateResume, v)) > 0
		case KindCKE:
			for _, x := range cp.env.kx[v] {
				if len(cp.ckeFor(x, v)) > 0 {
					ok = true
				}
			}
		case KindFraming:
			ok = slices.ContainsFunc(cp.cat.framing, func(m mutators.Mutator) bool { return m.AppliesTo(v) })
		case KindOrder:
			ok = slices.ContainsFunc(cp.cat.order, func(x checks.Variant) bool { return x.AppliesTo(v) }) ||
				slices.ContainsFunc(cp.cat.sequences, func(x sequence) bool { return cp.sequencePossible(x, v) })
		case KindFinished:
			ok = slices.ContainsFunc(cp.cat.finished, func(x checks.Variant) bool { return x.AppliesTo(v) }) ||
				slices.ContainsFunc(cp.cat.finMsg, func(m mutators.Mutator) bool { return m.AppliesTo(v) })
		}
		if ok {
			out = append(out, v)
		}
	}
	return out
}

// templatesFor is the ClientHello templates with at least one mutator
// for them at v: the engine's and the sample always (when a mutator
// applies), a corpus capture when the target answered it, unchanged, at
// v.
func (cp *campaign) templatesFor(v wire.Version) []string {
	var out []string
	for _, t := range append([]string{TemplateEngine, TemplateEngineSNI, TemplateSample}, cp.env.templatesAt(v)...) {
		if len(cp.cat.pool(t, v)) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// ckeFor is the ClientKeyExchange mutators of family kx at v: the
// registry's, then the fine ones of that key exchange's message.
func (cp *campaign) ckeFor(kx string, v wire.Version) []mutators.Mutator {
	var out []mutators.Mutator
	for _, m := range cp.cat.cke {
		if m.Family() == "client_key_exchange/"+kx && m.AppliesTo(v) && (kx == KXRSA || len(cp.cat.ckeGroups[m.Name]) > 0) {
			out = append(out, m)
		}
	}
	for _, m := range cp.cat.ckeMsg {
		if m.AppliesTo(v) && fineCKEFor(m, kx) {
			out = append(out, m)
		}
	}
	return out
}
