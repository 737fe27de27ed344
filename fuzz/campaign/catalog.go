package campaign

import (
	"slices"
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
	KindHello   = "client_hello"        // 1-3 ClientHello mutators composed on a template
	KindCKE     = "client_key_exchange" // one ClientKeyExchange mutator, RSA or ECDHE
	KindFraming = "record"              // one record framing of the ClientHello
	// KindOrder: a client step dropped, sent twice or moved: the message
	// order family's variants, and the campaign's own sequences of the
	// flights after a HelloRetryRequest and of a resumption
	// (sequence.go).
	KindOrder    = "order"
	KindFinished = "finished" // the client Finished corrupted
	// KindRetry: 1-3 ClientHello mutators composed on the second
	// ClientHello, the one that answers a HelloRetryRequest (TLS 1.3).
	KindRetry = "hello_retry"
	// KindResume: 1-3 ClientHello mutators composed on a ClientHello
	// that offers a session a first, valid, handshake of the same
	// conversation made (a ticket or a session ID, a TLS 1.3 PSK).
	KindResume = "resumption"
)

// kinds in the order a worker's PRNG picks among them, with weights: the
// ClientHello has by far the most mutators; the later messages, the
// orders, the second ClientHello and the resumption get one conversation
// in seven to fourteen each.
var kinds = []kindWeight{{KindHello, 5}, {KindCKE, 2}, {KindFraming, 1}, {KindOrder, 2}, {KindFinished, 1},
	{KindRetry, 1}, {KindResume, 2}}

// focus names, for the kinds that change a later ClientHello, the fields
// that ClientHello is there for: half of their compositions are drawn
// from the mutators about those alone (focusPool), the other half from
// every mutator of the template.
var focus = map[string][]string{
	KindRetry:  {"key_share", "supported_groups", "cipher_suites", "session_id", "random", "supported_versions", "cookie"},
	KindResume: {"pre_shared_key", "psk_key_exchange_modes", "session_ticket", "session_id"},
}

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
	// TemplateEngineSNI is the engine's ClientHello naming the host
	// localhost in server_name (the engine's own names none), so that
	// the changes inside a host_name have one to change.
	TemplateEngineSNI = "engine+sni"
	// TemplateResume is the engine's ClientHello offering a session (a
	// session_ticket or session ID, a TLS 1.3 pre_shared_key), naming
	// localhost: the template of KindResume.
	TemplateResume = "resume"
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

// sniName is the host the SNI templates name.
const sniName = "localhost"

// catalog is every change a campaign may make, after the -mutators filter,
// with the ClientHello templates.
type catalog struct {
	byName map[string]mutators.Mutator
	hello  []mutators.Mutator
	cke    []mutators.Mutator
	// ckeMsg and finMsg are the fine mutators of the ClientKeyExchange
	// and of the Finished (mutators.Fine, ClientMessage).
	ckeMsg    []mutators.Mutator
	finMsg    []mutators.Mutator
	sequences []sequence
	framing   []mutators.Mutator
	variants  map[string]checks.Variant
	order     []checks.Variant
	finished  []checks.Variant
	templates map[string]corpus.Template // by name, without the prefix
	// ckeGroups: for each ECDHE mutator, the groups it applies to.
	ckeGroups map[string][]wire.Group

	mu sync.Mutex
	// helloPool caches, per template and version, the hello mutators
	// that apply to that template alone; focused, per kind too, those of
	// them about the kind's focus.
	helloPool map[poolKey][]mutators.Mutator
	focused   map[poolKey][]mutators.Mutator
}

type poolKey struct {
	template string
	version  wire.Version
	kind     string
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
		templates: map[string]corpus.Template{}, helloPool: map[poolKey][]mutators.Mutator{}, focused: map[poolKey][]mutators.Mutator{},
		ckeGroups: map[string][]wire.Group{}}
	// The registry's mutators, then the fine ones (value-level, inside
	// fields, and the later messages'), which the checks do not send.
	for _, m := range slices.Concat(mutators.Registry(), mutators.Fine()) {
		cat.byName[m.Name] = m
		if !keep(m.Name) {
			continue
		}
		switch t, _ := mutators.ClientMessageType(m); {
		case m.Hello != nil || m.Bytes != nil:
			cat.hello = append(cat.hello, m)
		case t == wire.TypeClientKeyExchange:
			cat.ckeMsg = append(cat.ckeMsg, m)
		case t == wire.TypeFinished:
			cat.finMsg = append(cat.finMsg, m)
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
	for _, x := range sequences() {
		if keep(x.name) {
			cat.sequences = append(cat.sequences, x)
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
	return len(cat.hello)+len(cat.cke)+len(cat.ckeMsg)+len(cat.finMsg)+len(cat.sequences)+len(cat.framing)+len(cat.order)+len(cat.finished) == 0
}

// templateHello is the ClientHello a template starts from at version v:
// the sample (also the stand-in for the engine's, which has its shape) or
// a corpus capture.
func (cat *catalog) templateHello(template string, v wire.Version) (*wire.ClientHello, wire.Version, bool) {
	switch {
	case template == TemplateEngine || template == TemplateSample:
		return mutators.SampleHello(v), wire.VersionTLS10, true
	case template == TemplateEngineSNI:
		return mutators.SampleHelloSNI(v), wire.VersionTLS10, true
	case template == TemplateResume:
		return mutators.SampleResumptionHello(v), wire.VersionTLS10, true
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
	k := poolKey{template: template, version: v}
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

// focusPool is the mutators of pool(template, v) about a field of kind's
// focus (a name element, or a field path element, that is one of them).
func (cat *catalog) focusPool(kind, template string, v wire.Version) []mutators.Mutator {
	fields := focus[kind]
	if len(fields) == 0 {
		return nil
	}
	all := cat.pool(template, v)
	cat.mu.Lock()
	defer cat.mu.Unlock()
	k := poolKey{template, v, kind}
	if p, ok := cat.focused[k]; ok {
		return p
	}
	var out []mutators.Mutator
	for _, m := range all {
		if strings.HasSuffix(m.Name, "/any/random") {
			continue
		}
		words := strings.FieldsFunc(m.Name, func(r rune) bool { return r == '/' || r == '.' || r == '[' })
		if slices.ContainsFunc(words, func(w string) bool { return slices.Contains(fields, w) }) {
			out = append(out, m)
		}
	}
	cat.focused[k] = out
	return out
}
