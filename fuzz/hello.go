package fuzz

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// HelloInput is one execution of the ClientHello target: a few small knobs
// and the fuzzer's bytes.
type HelloInput struct {
	Offer    uint8  // which versions the client offers (offers)
	Template uint8  // which hello: built by the engine with a variant, or a real one from the corpus
	Mode     uint8  // how the hello is changed (helloModes)
	Mutator  uint16 // index among the applicable mutators (mode "mutator")
	Seed     uint64 // the mutator's seed; picks fields and extensions in the other modes
	Data     []byte // raw bytes spliced in
}

// helloModes are how the raw bytes or a mutator change the hello.
var helloModes = []string{
	"mutator",   // a Hello or Bytes mutator from the registry
	"body",      // Data replaces the body; the header's length is right
	"message",   // Data is the whole message, header included
	"field",     // Data replaces one field of the layout (lengths left as they were)
	"extension", // Data replaces the body of one extension; lengths are fixed
	"append",    // an extension of type Seed with body Data is added
}

// helloVariant is an engine-built hello: the client config changed a
// little.
type helloVariant struct {
	name  string
	apply func(*peers.ClientConfig)
}

var helloVariants = []helloVariant{
	{"default", func(*peers.ClientConfig) {}},
	{"x25519+p256-shares", func(c *peers.ClientConfig) {
		c.Groups = []wire.Group{wire.GroupX25519, wire.GroupSecp256r1, wire.GroupSecp384r1}
		c.KeyShares = []wire.Group{wire.GroupX25519, wire.GroupSecp256r1}
	}},
	{"sni+alpn", func(c *peers.ClientConfig) {
		c.ServerName = "localhost"
		c.ALPN = []string{"h2", "http/1.1"}
	}},
	{"rsa-kx", func(c *peers.ClientConfig) {
		c.CipherSuites = suitesWhere(func(s *suites.Spec) bool { return s.TLS13() || s.KX == suites.KXRSA })
	}},
	{"rsa-signatures", func(c *peers.ClientConfig) {
		c.SignatureSchemes = []wire.SignatureScheme{wire.PSSWithSHA256, wire.PKCS1WithSHA256, wire.PKCS1WithSHA1}
	}},
	{"p384-no-ems", func(c *peers.ClientConfig) {
		c.Groups = []wire.Group{wire.GroupSecp384r1}
		c.DisableEMS = true
	}},
}

func suitesWhere(f func(*suites.Spec) bool) []wire.CipherSuite {
	var out []wire.CipherSuite
	for _, s := range suites.All() {
		if f(s) {
			out = append(out, s.ID)
		}
	}
	return out
}

// HelloTemplates names the templates the Template knob picks from: the
// engine's variants, then the corpus.
func (e *Env) HelloTemplates() []string {
	var out []string
	for _, v := range helloVariants {
		out = append(out, v.name)
	}
	for _, t := range e.templates {
		out = append(out, "corpus/"+t.Name)
	}
	return out
}

// Offers names the choices of the Offer knob (the versions the client
// offers).
func Offers() []string {
	var out []string
	for _, o := range offers {
		out = append(out, o.name)
	}
	return out
}

// ClientHello runs one execution: the client's first ClientHello is
// replaced by its changed form and the conversation goes on as far as it
// can.
func (e *Env) ClientHello(in HelloInput) Result {
	off := pick(offers, int(in.Offer))
	ti := int(in.Template) % (len(helloVariants) + len(e.templates))
	cfg := e.clientConfig(execSeed, off.versions)
	var build []func(*wire.ClientHello)
	control := true
	if ti < len(helloVariants) {
		helloVariants[ti].apply(cfg)
	} else {
		// A real client's hello: the versions it offers, and key shares
		// for the groups it sends shares for, so that the conversation can
		// go on.
		t := e.templates[ti-len(helloVariants)]
		top := topVersion(t.Hello)
		cfg.Versions = slices.DeleteFunc(slices.Clone(offers[len(offers)-1].versions), func(v wire.Version) bool { return v > top })
		cfg.KeyShares = templateShares(t.Hello)
		build = append(build, func(ch *wire.ClientHello) { *ch = *adaptTemplate(t.Hello, ch) })
		control = false
	}
	var applied string
	var original []byte
	setup := func(cv *peers.Conversation) {
		if ti >= len(helloVariants) {
			cv.Conn().SetRecordVersion(e.templates[ti-len(helloVariants)].RecordVersion)
		}
		first := true
		cv.Edit(peers.StepClientHello, func(raw []byte) []byte {
			if !first { // the second hello, after a HelloRetryRequest, goes out unchanged
				return raw
			}
			first = false
			original = slices.Clone(raw)
			out, what := mutateHello(in, cv.Hello(), raw)
			if !bytes.Equal(out, raw) {
				applied = what
			}
			return out
		})
	}
	sc := script()
	sc[0] = peers.SendClientHello(build...)
	r := e.run(execSeed, cfg, sc, nil, setup)
	r.Applied, r.Control, r.Original = applied, control, original
	return r
}

// HelloModes names the choices of the Mode knob.
func HelloModes() []string { return slices.Clone(helloModes) }

// HelloMutators names the mutators the Mutator knob picks from for a hello
// whose top version is top, in index order.
func HelloMutators(top wire.Version) []mutators.Mutator { return helloMutators(top) }

// helloMutators are the registry's mutators that change a ClientHello of
// a conversation offering top, in registry order.
func helloMutators(top wire.Version) []mutators.Mutator {
	var out []mutators.Mutator
	for _, m := range mutators.Registry() {
		if (m.Hello != nil || m.Bytes != nil) && m.AppliesTo(top) {
			out = append(out, m)
		}
	}
	return out
}

// mutateHello changes the marshalled hello raw (whose parse is ch) as in
// says and names the change.
func mutateHello(in HelloInput, ch *wire.ClientHello, raw []byte) ([]byte, string) {
	mode := pick(helloModes, int(in.Mode))
	if mode == "mutator" {
		ms := helloMutators(topVersion(ch))
		if len(ms) > 0 {
			m := pick(ms, int(in.Mutator))
			out, ok, err := mutators.MutateHello(m, ch, in.Seed)
			if ok && err == nil {
				return out, "mutator " + m.Name
			}
			return raw, ""
		}
		// No mutator applies (the registry is still being written): splice
		// the bytes instead, so that the execution still tests something.
		mode = "field"
	}
	switch mode {
	case "body":
		return header(wire.TypeClientHello, in.Data), mode
	case "message":
		return slices.Clone(in.Data), mode
	case "field":
		return spliceField(raw, ch, in.Seed, in.Data)
	case "extension":
		if len(ch.Extensions) == 0 {
			return raw, ""
		}
		c := ch.Clone()
		i := int(in.Seed % uint64(len(c.Extensions)))
		c.Extensions[i].Body = slices.Clone(in.Data)
		return marshalOr(c, raw), fmt.Sprintf("extension %s", c.Extensions[i].Type)
	case "append":
		c := ch.Clone()
		ext := wire.Extension{Type: wire.ExtensionType(in.Seed), Body: slices.Clone(in.Data)}
		at := int((in.Seed >> 16) % uint64(len(c.Extensions)+1))
		c.Extensions = slices.Insert(c.Extensions, at, ext)
		return marshalOr(c, raw), fmt.Sprintf("append %s", ext.Type)
	}
	return raw, ""
}

// spliceField replaces one field of the marshalled message (picked by
// seed among every field of its layout) with data, leaving every length
// as it was.
func spliceField(raw []byte, m wire.Message, seed uint64, data []byte) ([]byte, string) {
	_, layout, err := wire.MarshalLayout(m)
	if err != nil || len(layout) == 0 {
		return raw, ""
	}
	f := layout[seed%uint64(len(layout))]
	if f.End > len(raw) || f.Start > f.End {
		return raw, ""
	}
	out := slices.Concat(raw[:f.Start], data, raw[f.End:])
	return out, "field " + f.Path
}

func marshalOr(m wire.Message, fallback []byte) []byte {
	b, err := m.Marshal()
	if err != nil {
		return fallback
	}
	return b
}

// topVersion is the highest version the hello offers.
func topVersion(ch *wire.ClientHello) wire.Version {
	top := ch.Version
	if e, ok := wire.FindExtension(ch.Extensions, wire.ExtSupportedVersions); ok {
		if vs, err := wire.ParseSupportedVersionsClient(e.Body); err == nil {
			for _, v := range vs {
				if !wire.IsGREASE(uint16(v)) && v <= wire.VersionTLS13 {
					top = max(top, v)
				}
			}
		}
	}
	return top
}

// templateShares are the groups of a real hello's key_share that the
// engine can make keys for (at least x25519).
func templateShares(ch *wire.ClientHello) []wire.Group {
	var out []wire.Group
	if e, ok := wire.FindExtension(ch.Extensions, wire.ExtKeyShare); ok {
		if entries, err := wire.ParseKeyShareClient(e.Body); err == nil {
			for _, k := range entries {
				if kx.Supported(k.Group) && !slices.Contains(out, k.Group) {
					out = append(out, k.Group)
				}
			}
		}
	}
	if len(out) == 0 {
		out = []wire.Group{wire.GroupX25519}
	}
	return out
}

// adaptTemplate is the real hello t carrying the engine's random, session
// ID and key shares (ours is the hello the engine built), so that the
// engine holds the secrets behind what it sends; everything else is t's.
func adaptTemplate(t, ours *wire.ClientHello) *wire.ClientHello {
	c := t.Clone()
	c.Random = slices.Clone(ours.Random)
	c.SessionID = slices.Clone(ours.SessionID)
	mine, _ := wire.FindExtension(ours.Extensions, wire.ExtKeyShare)
	for i, e := range c.Extensions {
		if e.Type == wire.ExtKeyShare && mine.Type == wire.ExtKeyShare {
			c.Extensions[i].Body = slices.Clone(mine.Body)
		}
	}
	return c
}
