package campaign

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/tlsconform/tlsconform/corpus"
	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
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

// variant is a change the campaign makes itself (message order, Finished),
// named like a mutator.
type variant struct {
	name   string
	doc    string
	tls13  bool // true: TLS 1.3 only; false: TLS 1.0-1.2 only
	both   bool // every version
	expect mutators.Expectation
	// build makes the conversation; app says whether the target answers
	// application data.
	build func(v wire.Version, app bool, seed uint64) built
}

// built is a conversation made by a variant.
type built struct {
	script peers.Script
	setup  []peers.Setup
	change string // the step that makes the change
	// prompt: a target, conformant or lenient, answers before the
	// deadline, so that silence there is a hang.
	prompt bool
}

func (x variant) appliesTo(v wire.Version) bool {
	return x.both || x.tls13 == (v == wire.VersionTLS13)
}

// fullScript is the default handshake of v, with the application-data
// round trip when the target answers one.
func fullScript(v wire.Version, app bool) peers.Script {
	if app {
		return peers.DefaultScript(v)
	}
	return peers.DefaultScript(v).Before(peers.StepApplicationData)
}

// rejectTail reads the target's answer after the client's last flight:
// with app, after the application-data probe, which a target that went on
// answers.
func rejectTail(app bool) peers.Step { return peers.ExpectRejection(app) }

// tailPrompt says whether a conformant or a lenient target answers what
// rejectTail waits for: without the probe a TLS 1.3 server that took the
// client Finished says nothing more, so silence there is no hang.
func tailPrompt(v wire.Version, app bool) bool { return app || v < wire.VersionTLS13 }

// badFinished is the handshake through the client Finished, then the
// target's answer.
func badFinished(v wire.Version, app bool) peers.Script {
	return peers.DefaultScript(v).Through(peers.StepFinished).Then(rejectTail(app))
}

func renamed(name string, st peers.Step) peers.Step { return st.Renamed(name) }

func ccsByte(*peers.Conversation) []byte { return []byte{1} }

// orderVariants drop, repeat or move a step of the client's flight: a
// message out of order draws unexpected_message (RFC 5246 §7.3, RFC 8446
// §4), as the checks of suite/order judge it.
func orderVariants() []variant {
	rej := func(rfc string) mutators.Expectation {
		return mutators.Reject(rfc, 7, wire.AlertUnexpectedMessage)
	}
	return []variant{
		// TLS 1.0-1.2.
		{name: "order/drop/client_key_exchange", doc: "no ClientKeyExchange (the CCS and Finished keyed with an empty pre-master secret)",
			expect: rej("RFC 5246 §7.3, §7.4.7"),
			build: func(v wire.Version, app bool, _ uint64) built {
				return built{badFinished(v, app).Replace(peers.StepClientKeyExchange, peers.OmitClientKeyExchange(nil)), nil, peers.StepOmitClientKeyExchange, tailPrompt(v, app)}
			}},
		{name: "order/drop/change_cipher_spec", doc: "no ChangeCipherSpec before the client Finished (sent in the clear)",
			expect: rej("RFC 5246 §7.4.9"),
			build: func(v wire.Version, _ bool, _ uint64) built {
				return built{peers.DefaultScript(v).Remove(peers.StepChangeCipherSpec).Through(peers.StepFinished).Then(peers.ExpectRejection(false)), nil, peers.StepFinished, true}
			}},
		{name: "order/duplicate/client_hello", doc: "the ClientHello sent twice", both: true,
			expect: rej("RFC 5246 §7.3; RFC 8446 §4"),
			build: func(v wire.Version, app bool, _ uint64) built {
				return built{badFinished(v, app).InsertAfter(peers.StepClientHello, peers.SendAgain("ClientHelloAgain", wire.TypeClientHello)), nil, "ClientHelloAgain", tailPrompt(v, app)}
			}},
		{name: "order/duplicate/client_key_exchange", doc: "the ClientKeyExchange sent twice",
			expect: rej("RFC 5246 §7.3"),
			build: func(v wire.Version, app bool, _ uint64) built {
				return built{badFinished(v, app).InsertAfter(peers.StepClientKeyExchange, peers.SendAgain("ClientKeyExchangeAgain", wire.TypeClientKeyExchange)), nil, "ClientKeyExchangeAgain", tailPrompt(v, app)}
			}},
		{name: "order/duplicate/change_cipher_spec", doc: "a second ChangeCipherSpec before the client Finished",
			expect: rej("RFC 5246 §7.1, §7.4.9"),
			build: func(v wire.Version, app bool, _ uint64) built {
				return built{badFinished(v, app).InsertAfter(peers.StepChangeCipherSpec, renamed("ChangeCipherSpecAgain", peers.SendChangeCipherSpec())), nil, "ChangeCipherSpecAgain", tailPrompt(v, app)}
			}},
		{name: "order/duplicate/finished", doc: "the client Finished sent twice", both: true,
			expect: rej("RFC 5246 §7.3, §7.4.9; RFC 8446 §4"),
			build: func(v wire.Version, app bool, _ uint64) built {
				s := badFinished(v, app)
				if v < wire.VersionTLS13 {
					// The server's CCS and Finished rightly come before its
					// answer to the second Finished.
					s = peers.DefaultScript(v).Before(peers.StepApplicationData).Then(rejectTail(app))
				}
				// A target that passes the second Finished over says nothing
				// more unless it answers the probe.
				return built{s.InsertAfter(peers.StepFinished, peers.SendAgain("FinishedAgain", wire.TypeFinished)), nil, "FinishedAgain", app}
			}},
		{name: "order/reorder/ccs-before-client_key_exchange", doc: "the ChangeCipherSpec moved before the ClientKeyExchange (early CCS, CVE-2014-0224)",
			expect: rej("RFC 5246 §7.1"),
			build: func(v wire.Version, app bool, _ uint64) built {
				s := badFinished(v, app).Replace(peers.StepChangeCipherSpec, peers.Step{Name: "SwitchWriteKeys",
					Run: func(cv *peers.Conversation) error { return cv.SwitchWriteKeys12() }})
				return built{s.InsertBefore(peers.StepClientKeyExchange, peers.SendRecord("EarlyChangeCipherSpec", wire.ContentChangeCipherSpec, ccsByte)), nil, "EarlyChangeCipherSpec", tailPrompt(v, app)}
			}},
		{name: "order/reorder/finished-before-ccs", doc: "the client Finished (in the clear) before the ChangeCipherSpec",
			expect: rej("RFC 5246 §7.4.9"),
			build: func(v wire.Version, _ bool, _ uint64) built {
				s := peers.DefaultScript(v).Remove(peers.StepChangeCipherSpec).Through(peers.StepFinished).
					Then(renamed("ChangeCipherSpecLate", peers.SendChangeCipherSpec()), peers.ExpectRejection(false))
				return built{s, nil, peers.StepFinished, true}
			}},
		// TLS 1.3.
		{name: "order/drop/compat-ccs", doc: "no compatibility ChangeCipherSpec", tls13: true,
			expect: mutators.Tolerate("RFC 8446 §5, App. D.4", 11),
			build: func(v wire.Version, app bool, _ uint64) built {
				return built{fullScript(v, app).Remove(peers.StepChangeCipherSpec), nil, peers.StepFinished, true}
			}},
		{name: "order/duplicate/compat-ccs", doc: "the compatibility ChangeCipherSpec sent twice", tls13: true,
			expect: mutators.MayAbort("RFC 8446 §5", 7, wire.AlertUnexpectedMessage),
			build: func(v wire.Version, app bool, _ uint64) built {
				return built{fullScript(v, app).InsertAfter(peers.StepChangeCipherSpec, renamed("ChangeCipherSpecAgain", peers.SendChangeCipherSpec())), nil, "ChangeCipherSpecAgain", true}
			}},
		{name: "order/reorder/finished-before-compat-ccs", doc: "the compatibility ChangeCipherSpec after the client Finished instead of before", tls13: true,
			expect: rej("RFC 8446 §5"),
			build: func(v wire.Version, app bool, _ uint64) built {
				s := peers.DefaultScript(v).Remove(peers.StepChangeCipherSpec).Through(peers.StepFinished).
					Then(peers.SendPlaintextRecord("ChangeCipherSpecAfterFinished", wire.ContentChangeCipherSpec, []byte{1}), rejectTail(app))
				return built{s, nil, "ChangeCipherSpecAfterFinished", tailPrompt(v, app)}
			}},
	}
}

// finishedVariants corrupt the client Finished: a verify_data that does
// not verify draws decrypt_error (RFC 5246 §7.4.9, RFC 8446 §4.4.4), one
// of the wrong length decode_error (RFC 8446 §6.2), as the checks of
// suite/finished judge them.
func finishedVariants() []variant {
	edit := func(f func(raw []byte, rnd *rand.Rand) []byte) func(wire.Version, bool, uint64) built {
		return func(v wire.Version, app bool, seed uint64) built {
			setup := func(cv *peers.Conversation) {
				cv.Edit(peers.StepFinished, func(raw []byte) []byte {
					if len(raw) < 5 {
						return raw
					}
					return f(raw, mutators.Rand(seed, "finished"))
				})
			}
			return built{badFinished(v, app), []peers.Setup{setup}, peers.StepFinished, tailPrompt(v, app)}
		}
	}
	body := func(raw, b []byte) []byte {
		n := len(b)
		return append([]byte{raw[0], byte(n >> 16), byte(n >> 8), byte(n)}, b...)
	}
	rfc := "RFC 5246 §7.4.9; RFC 8446 §4.4.4"
	return []variant{
		{name: "finished/flip-bit", doc: "one bit of verify_data flipped", both: true,
			expect: mutators.Reject(rfc, 28, wire.AlertDecryptError),
			build: edit(func(raw []byte, rnd *rand.Rand) []byte {
				bit := rnd.IntN((len(raw) - 4) * 8)
				raw[4+bit/8] ^= 0x80 >> (bit % 8)
				return raw
			})},
		{name: "finished/all-zero", doc: "verify_data all zeros", both: true,
			expect: mutators.Reject(rfc, 28, wire.AlertDecryptError),
			build:  edit(func(raw []byte, _ *rand.Rand) []byte { clear(raw[4:]); return raw })},
		{name: "finished/random", doc: "verify_data random bytes of the right length", both: true,
			expect: mutators.Reject(rfc, 28, wire.AlertDecryptError),
			build: edit(func(raw []byte, rnd *rand.Rand) []byte {
				for i := 4; i < len(raw); i++ {
					raw[i] = byte(rnd.Uint32())
				}
				return raw
			})},
		{name: "finished/truncated", doc: "verify_data one byte short", both: true,
			expect: mutators.Reject("RFC 8446 §6.2; RFC 5246 §7.4.9", 30, wire.AlertDecodeError),
			build:  edit(func(raw []byte, _ *rand.Rand) []byte { return body(raw, slices.Clone(raw[4:len(raw)-1])) })},
		{name: "finished/empty", doc: "an empty verify_data", both: true,
			expect: mutators.Reject("RFC 8446 §6.2; RFC 5246 §7.4.9", 30, wire.AlertDecodeError),
			build:  edit(func(raw []byte, _ *rand.Rand) []byte { return body(raw, nil) })},
		{name: "finished/trailing-message-bytes", doc: "a byte after verify_data inside the message", both: true,
			expect: mutators.Reject("RFC 8446 §6.2; RFC 5246 §7.4.9", 31, wire.AlertDecodeError),
			build:  edit(func(raw []byte, _ *rand.Rand) []byte { return body(raw, append(slices.Clone(raw[4:]), 0)) })},
		{name: "finished/trailing-record-bytes", doc: "a byte after the Finished in its record", tls13: true,
			expect: mutators.Reject("RFC 8446 §5.1", 31, wire.AlertUnexpectedMessage),
			build:  edit(func(raw []byte, _ *rand.Rand) []byte { return append(raw, 0) })},
	}
}

// catalog is every change a campaign may make, after the -mutators filter,
// with the ClientHello templates.
type catalog struct {
	byName    map[string]mutators.Mutator
	hello     []mutators.Mutator
	cke       []mutators.Mutator
	framing   []mutators.Mutator
	variants  map[string]variant
	order     []variant
	finished  []variant
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
	cat := &catalog{byName: map[string]mutators.Mutator{}, variants: map[string]variant{},
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
	for _, x := range orderVariants() {
		cat.variants[x.name] = x
		if keep(x.name) {
			cat.order = append(cat.order, x)
		}
	}
	for _, x := range finishedVariants() {
		cat.variants[x.name] = x
		if keep(x.name) {
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
