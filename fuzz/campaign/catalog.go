package campaign

import (
	"strings"
	"sync"

	"github.com/tlsconform/tlsconform/corpus"
	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/suite/finished"
	"github.com/tlsconform/tlsconform/suite/order"
)

// Conversation kinds.
const (
	KindHello    = "client_hello"        // 1-3 ClientHello mutators composed on a template
	KindCKE      = "client_key_exchange" // one ClientKeyExchange mutator, RSA or ECDHE
	KindFraming  = "record"              // one record framing of the ClientHello
	KindOrder    = "order"               // a client step dropped, sent twice or moved
	KindFinished = "finished"            // the client Finished corrupted
)

// kinds in the order a worker's PRNG picks among them, with weights: the
// ClientHello has by far the most mutators.
var kinds = []kindWeight{{KindHello, 5}, {KindCKE, 2}, {KindFraming, 1}, {KindOrder, 1}, {KindFinished, 1}}

type kindWeight struct {
	name   string
	weight int
}

// Templates a ClientHello mutation starts from.
const (
	// TemplateEngine is the reference client's own ClientHello: the client
	// owns its key shares and can carry the handshake on.
	TemplateEngine = "engine"
	// TemplateSample is mutators.SampleHello for the version, sent as
	// bytes; only the target's first answer is read.
	TemplateSample = "sample"
	// templateCorpus prefixes a corpus template's name: "corpus:curl".
	templateCorpus = "corpus:"
)

// maxComposed is the most ClientHello mutators one conversation composes.
const maxComposed = 3

// notComposed are mutators that change what the rest of a ClientHello
// means (a TLS 1.3 hello turned into a TLS 1.2 one), so that a rejection
// another mutator calls for would no longer hold: they run alone.
var notComposed = map[string]bool{
	"client_hello/extensions/missing/supported_versions": true,
}

// catalog is every change a campaign may make, after the -mutators filter,
// with the ClientHello templates.
type catalog struct {
	byName    map[string]mutators.Mutator
	hello     []mutators.Mutator
	cke       []mutators.Mutator
	framing   []mutators.Mutator
	variants  map[string]checks.Variant
	order     []checks.Variant
	finished  []checks.Variant
	templates map[string]corpus.Template // by name, without the prefix
	// ckeGroups: for each ECDHE mutator, the groups it applies to.
	ckeGroups map[string][]wire.Group

	mu sync.Mutex
	// helloPool caches, per template and version, the hello mutators
	// that apply to that template alone.
	helloPool map[poolKey][]mutators.Mutator
}

type poolKey struct {
	template string
	version  wire.Version
}

// newCatalog selects the changes whose name starts with one of prefixes
// (all when prefixes is empty).
func newCatalog(prefixes []string) (*catalog, error) {
	keep := func(name string) bool {
		if len(prefixes) == 0 {
			return true
		}
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
		return false
	}
	cat := &catalog{byName: map[string]mutators.Mutator{}, variants: map[string]checks.Variant{},
		templates: map[string]corpus.Template{}, helloPool: map[poolKey][]mutators.Mutator{},
		ckeGroups: map[string][]wire.Group{}}
	for _, m := range mutators.Registry() {
		cat.byName[m.Name] = m
		if !keep(m.Name) {
			continue
		}
		switch {
		case m.Hello != nil || m.Bytes != nil:
			cat.hello = append(cat.hello, m)
		case m.CKE != nil:
			cat.cke = append(cat.cke, m)
			cat.ckeGroups[m.Name] = ckeGroupsOf(m)
		case m.Framing != nil && m.Name != "record/coalesce": // the ClientHello flight is one message
			cat.framing = append(cat.framing, m)
		}
	}
	for _, x := range order.Variants() {
		cat.variants[x.Name] = x
		if keep(x.Name) {
			cat.order = append(cat.order, x)
		}
	}
	for _, x := range finished.Variants() {
		cat.variants[x.Name] = x
		if keep(x.Name) {
			cat.finished = append(cat.finished, x)
		}
	}
	tpls, err := corpus.Templates()
	if err != nil {
		return nil, err
	}
	for _, t := range tpls {
		cat.templates[t.Name] = t
	}
	return cat, nil
}

// empty says whether the filter left nothing to do.
func (cat *catalog) empty() bool {
	return len(cat.hello)+len(cat.cke)+len(cat.framing)+len(cat.order)+len(cat.finished) == 0
}

// templateHello is the ClientHello a template starts from at version v:
// the sample (also the stand-in for the engine's, which has its shape) or
// a corpus capture.
func (cat *catalog) templateHello(template string, v wire.Version) (*wire.ClientHello, wire.Version, bool) {
	switch {
	case template == TemplateEngine || template == TemplateSample:
		return mutators.SampleHello(v), wire.VersionTLS10, true
	case strings.HasPrefix(template, templateCorpus):
		t, ok := cat.templates[strings.TrimPrefix(template, templateCorpus)]
		if !ok {
			return nil, 0, false
		}
		return t.Hello, t.RecordVersion(), true
	}
	return nil, 0, false
}

// pool is the hello mutators that apply, alone, to template at v.
func (cat *catalog) pool(template string, v wire.Version) []mutators.Mutator {
	cat.mu.Lock()
	defer cat.mu.Unlock()
	k := poolKey{template, v}
	if p, ok := cat.helloPool[k]; ok {
		return p
	}
	ch, _, ok := cat.templateHello(template, v)
	var out []mutators.Mutator
	if ok {
		for _, m := range cat.hello {
			if !m.AppliesTo(v) {
				continue
			}
			if _, applied, err := mutators.MutateHello(m, ch, 1); err == nil && applied {
				out = append(out, m)
			}
		}
	}
	cat.helloPool[k] = out
	return out
}
