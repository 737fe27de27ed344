package mutators

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Fine families: changes inside one field of a message, aimed through its
// layout, for the fuzzers. Where the structural families (hello_bytes.go)
// cut a message or lie in a length with the bytes around it unchanged,
// these change what a vector holds and keep every length around the field
// consistent, so that the one thing wrong is deep inside a message that
// otherwise parses:
//
//   - <scope>/nested/<class>/extra-byte and .../missing-byte: one byte more
//     (or one less) inside the vector than its own length says, every
//     enclosing length recomputed ("the point's length says 32 while 33
//     bytes follow"), for every length field of the samples (the first
//     element of each vector); .../nested/any/... picks any length field,
//     of any element, at random.
//   - <scope>/value/<class>/<value>: an interesting value in one field:
//     boundary integers (0, 1, the maximum, the top bit) in every integer
//     field; all-zero, all-0xff, a first or last byte changed, empty, one
//     byte longer or shorter (lengths recomputed) in every opaque field
//     (key shares, points, identities, session IDs, random,
//     verify_data); and in every host_name a NUL, a trailing or leading
//     dot, non-ASCII bytes, an IP literal, labels and names past DNS's
//     limits. .../value/any/random puts a random one of them in a random
//     field.
//
// The scopes are client_hello (Bytes, like the byte-level families),
// client_key_exchange and finished (ClientMessage: a later message of a
// complete handshake, where a bug behind a valid ClientHello waits).
//
// The fine mutators are not in Registry: every nested lie is the
// decode_error rule the length families already check once per field,
// and most values bind only the sender (RFC 6066 §3's "MUST NOT" on a
// host name's form is the client's), so as conformance checks they
// would add hundreds of checks that say nothing new. Their expectations
// are honest all the same, for the campaign's acceptance oracle: a
// nested lie is decode_error at the level of the field it is in (RFC 8446
// §6; RFC 5246 §7.4.1.2: a receiver "MUST check that the amount of data
// in the message precisely matches" its format), a changed verify_data
// is the Finished rule, and a value is MayReject (the receiver may take
// it or refuse it) unless a rule makes refusing it a MUST whatever the
// value (an RSA ciphertext: the random pre-master secret of RFC 5246
// §7.4.7.1). A MUST the registry's own value families check (an X25519
// low-order point, an off-curve point) is not claimed here: these serve
// the crash and hang oracles first.

const (
	// rfcFineValue: no receiver rule covers every value of a field; the
	// typed families state those that do.
	rfcFineValue    = "RFC 8446 §4.1.2, §4.2; RFC 5246 §7.4.1.2 (the receiver may take the value or refuse it)"
	rfcHostName     = "RFC 6066 §3"
	rfcFinishedData = "RFC 8446 §4.4.4; RFC 5246 §7.4.9"
	rfcFineAny      = "RFC 8446 §4, §6; RFC 5246 §7.4.1.2"
	// fineWhyAny: a nested lie at a random place may be inside an
	// extension body, which only TLS 1.3 makes a MUST to refuse.
	fineWhyAny = "the length picked may be inside an extension body: " + chWhyExtBody
)

// Fine is every fine mutator, sorted by name: the fuzzers' value-level
// changes (see the package's fine families). They are not in Registry
// and so not conformance checks.
func Fine() []Mutator { return slices.Clone(fineRegistry()) }

// fineRegistry builds the list once, from the layouts of the samples.
var fineRegistry = sync.OnceValue(func() []Mutator {
	var all []Mutator
	for _, scope := range []string{"client_hello", "client_key_exchange", "finished"} {
		all = append(all, fineFamilies(slices.DeleteFunc(fineSamples(), func(s fineSample) bool { return s.scope != scope }))...)
	}
	slices.SortFunc(all, func(a, b Mutator) int { return strings.Compare(a.Name, b.Name) })
	return all
})

// FineByName finds a fine mutator.
func FineByName(name string) (Mutator, bool) {
	for _, m := range fineRegistry() {
		if m.Name == name {
			return m, true
		}
	}
	return Mutator{}, false
}

// ClientMessageTypes are the client handshake messages after the
// ClientHello that ClientMessage mutators change, by the scope that
// begins their names.
var ClientMessageTypes = map[string]wire.HandshakeType{
	"client_key_exchange": wire.TypeClientKeyExchange,
	"finished":            wire.TypeFinished,
}

// ClientMessageType is the message type a ClientMessage mutator changes.
func ClientMessageType(m Mutator) (wire.HandshakeType, bool) {
	if m.ClientMessage == nil {
		return 0, false
	}
	scope, _, _ := strings.Cut(m.Name, "/")
	t, ok := ClientMessageTypes[scope]
	return t, ok
}

// MutateClientMessage applies a ClientMessage mutator to a marshalled
// client message (header included), parsed in ctx (the negotiated
// version and key exchange) for its layout.
func MutateClientMessage(m Mutator, msg []byte, ctx wire.Context, seed uint64) ([]byte, bool, error) {
	if m.ClientMessage == nil {
		return nil, false, fmt.Errorf("mutators: %s does not change a client message", m.Name)
	}
	_, lay, err := wire.ParseLayout(msg, ctx)
	if err != nil {
		return nil, false, err
	}
	out, ok := m.ClientMessage(slices.Clone(msg), lay, Rand(seed, m.Name))
	return out, ok, nil
}

// SampleHelloSNI is SampleHello(v) naming the host example.com in a
// server_name extension, first, as browsers send it.
func SampleHelloSNI(v wire.Version) *wire.ClientHello {
	ch := SampleHello(v)
	ch.Extensions = append([]wire.Extension{wire.ServerNameExt("example.com")}, ch.Extensions...)
	return ch
}

// SampleResumptionHello is SampleHelloSNI(v) offering a session again:
// below TLS 1.3 a 32-byte session ID and a session_ticket of 64 bytes;
// in TLS 1.3 a pre_shared_key (one identity of 64 bytes, one SHA-256
// binder), last. Bytes are fixed patterns.
func SampleResumptionHello(v wire.Version) *wire.ClientHello {
	ch := SampleHelloSNI(v)
	pattern := func(n int, b byte) []byte {
		out := make([]byte, n)
		for i := range out {
			out[i] = b + byte(i)
		}
		return out
	}
	if v < wire.VersionTLS13 {
		ch.SessionID = pattern(32, 0xa0)
		chSetExt(ch, wire.SessionTicketExt(pattern(64, 0x30)))
		return ch
	}
	psk := wire.PreSharedKeyClient{
		Identities: []wire.PSKIdentity{{Identity: pattern(64, 0x30), ObfuscatedTicketAge: 0x01020304}},
		Binders:    [][]byte{pattern(32, 0x70)},
	}
	ch.Extensions = append(ch.Extensions, psk.Extension())
	return ch
}

// fineSample is a marshalled sample of a scope with its layout and the
// versions whose messages it stands for.
type fineSample struct {
	scope    string
	msg      []byte
	lay      wire.Layout
	versions []wire.Version
}

func sampleOf(scope string, m wire.Message, vs []wire.Version) fineSample {
	msg, lay, err := wire.MarshalLayout(m)
	if err != nil {
		panic(err) // the samples are ours: a bug
	}
	return fineSample{scope, msg, lay, vs}
}

// fineSamples are the messages the fine families are generated from:
// TLS 1.2 and 1.3 ClientHellos with server_name and ALPN, fresh and
// offering a session (session ticket, PSK); an RSA and an ECDHE (X25519
// and P-256) ClientKeyExchange; a Finished of each size.
func fineSamples() []fineSample {
	var out []fineSample
	for _, vs := range [][]wire.Version{chVersions12, chVersion13} {
		v := vs[len(vs)-1]
		for _, ch := range []*wire.ClientHello{SampleHelloSNI(v), SampleResumptionHello(v)} {
			chSetExt(ch, wire.ALPNExt("h2", "http/1.1"))
			out = append(out, sampleOf("client_hello", ch, vs))
		}
	}
	fill := func(n int) []byte { return bytes.Repeat([]byte{0x5a}, n) }
	p256 := append([]byte{4}, fill(64)...)
	return append(out,
		sampleOf("client_key_exchange", &wire.ClientKeyExchange{Form: wire.KXRSA, Exchange: fill(256)}, tls10to12()),
		sampleOf("client_key_exchange", &wire.ClientKeyExchange{Form: wire.KXECDHE, Exchange: fill(32)}, tls10to12()),
		sampleOf("client_key_exchange", &wire.ClientKeyExchange{Form: wire.KXECDHE, Exchange: p256}, tls10to12()),
		sampleOf("finished", &wire.Finished{VerifyData: fill(12)}, chVersions12),
		sampleOf("finished", &wire.Finished{VerifyData: fill(32)}, chVersion13),
	)
}

// fieldKind classes a leaf field for the values it gets.
type fieldKind uint8

const (
	kindInt    fieldKind = iota // a fixed integer of 1 to 4 bytes
	kindFixed                   // fixed opaque bytes (random, verify_data)
	kindVector                  // the contents of a vector
	kindHost                    // a host_name
)

// leafKind says what kind of field the leaf lay[i] is; false for the
// handshake header and for fields the families leave alone.
func leafKind(lay wire.Layout, i int, cov map[string]bool) (fieldKind, bool) {
	f := lay[i]
	if f.Length || strings.HasPrefix(f.Path, "handshake.") || !isLeaf(lay, i) {
		return 0, false
	}
	n := f.End - f.Start
	switch {
	case cov[f.Path] && strings.HasSuffix(f.Path, ".host_name"):
		return kindHost, true
	case cov[f.Path]:
		return kindVector, true
	case n >= 1 && n <= 4:
		return kindInt, true
	case n > 4:
		return kindFixed, true
	}
	return 0, false
}

// fineValue is one value a field of some kind gets: change returns the
// field's new bytes from its current ones (false: no such value here).
type fineValue struct {
	name, doc string
	change    func(cur []byte, rnd *rand.Rand) ([]byte, bool)
}

// valuesOf is the values of a kind of field.
func valuesOf(k fieldKind) []fineValue {
	switch k {
	case kindInt:
		return intValues
	case kindFixed:
		return fixedValues
	case kindVector:
		return vectorValues
	}
	return slices.Concat(hostValues, vectorValues)
}

// intValues are the boundary integers, for a field of n bytes.
var intValues = []fineValue{
	{"zero", "0", func(c []byte, _ *rand.Rand) ([]byte, bool) { return intOf(len(c), 0), true }},
	{"one", "1", func(c []byte, _ *rand.Rand) ([]byte, bool) { return intOf(len(c), 1), true }},
	{"max", "its largest value (all bits set)", func(c []byte, _ *rand.Rand) ([]byte, bool) { return intOf(len(c), maxOf(len(c))), true }},
	{"max-minus-one", "one below its largest value", func(c []byte, _ *rand.Rand) ([]byte, bool) { return intOf(len(c), maxOf(len(c))-1), true }},
	{"top-bit", "only its top bit set (the sign bit of a signed reading)", func(c []byte, _ *rand.Rand) ([]byte, bool) {
		return intOf(len(c), 1<<(8*len(c)-1)), true
	}},
	{"below-top-bit", "every bit but the top one set (the largest signed value)", func(c []byte, _ *rand.Rand) ([]byte, bool) {
		return intOf(len(c), 1<<(8*len(c)-1)-1), true
	}},
}

func maxOf(n int) uint64 { return uint64(1)<<(8*n) - 1 }

func intOf(n int, v uint64) []byte {
	b := make([]byte, n)
	putUint(b, v)
	return b
}

// sameSizeValues keep the field's size.
var sameSizeValues = []fineValue{
	{"all-zero", "all zero bytes", func(c []byte, _ *rand.Rand) ([]byte, bool) { return make([]byte, len(c)), len(c) > 0 }},
	{"all-ff", "all 0xff bytes", func(c []byte, _ *rand.Rand) ([]byte, bool) { return bytes.Repeat([]byte{0xff}, len(c)), len(c) > 0 }},
	{"first-00", "its first byte 0x00", func(c []byte, _ *rand.Rand) ([]byte, bool) { return setAt(c, 0, 0x00) }},
	{"first-ff", "its first byte 0xff", func(c []byte, _ *rand.Rand) ([]byte, bool) { return setAt(c, 0, 0xff) }},
	{"last-flipped", "the low bit of its last byte flipped", func(c []byte, _ *rand.Rand) ([]byte, bool) {
		if len(c) == 0 {
			return nil, false
		}
		return setAt(c, len(c)-1, c[len(c)-1]^0x01)
	}},
}

// resizeValues change the field's size, every enclosing length
// recomputed.
var resizeValues = []fineValue{
	{"grow-00", "one zero byte longer (the lengths around it recomputed)", func(c []byte, _ *rand.Rand) ([]byte, bool) { return append(c, 0), true }},
	{"shrink", "one byte shorter (the lengths around it recomputed)", func(c []byte, _ *rand.Rand) ([]byte, bool) {
		return c[:max(len(c)-1, 0)], len(c) > 0
	}},
}

var fixedValues = slices.Concat(sameSizeValues, resizeValues)

var vectorValues = slices.Concat(sameSizeValues, resizeValues, []fineValue{
	{"empty", "empty (the lengths around it recomputed)", func(c []byte, _ *rand.Rand) ([]byte, bool) { return []byte{}, len(c) > 0 }},
	{"doubled", "its contents twice (the lengths around it recomputed)", func(c []byte, _ *rand.Rand) ([]byte, bool) {
		return slices.Concat(c, c), len(c) > 0
	}},
})

// setAt is c with byte i set to b; false when there is no byte i.
func setAt(c []byte, i int, b byte) ([]byte, bool) {
	if i < 0 || i >= len(c) {
		return nil, false
	}
	out := slices.Clone(c)
	out[i] = b
	return out, true
}

// insertAt is c with p inserted at i (clamped).
func insertAt(c []byte, i int, p []byte) []byte {
	i = max(min(i, len(c)), 0)
	return slices.Concat(c[:i], p, c[i:])
}

// dnsName is a name of n bytes made of labels of at most label bytes.
func dnsName(n, label int) []byte {
	var b []byte
	for len(b) < n {
		if len(b) > 0 {
			b = append(b, '.')
		}
		l := min(label, n-len(b))
		b = append(b, bytes.Repeat([]byte{'a'}, l)...)
	}
	if b[len(b)-1] == '.' {
		b[len(b)-1] = 'a'
	}
	return b
}

// hostValues are the values of a host_name (RFC 6066 §3: "the
// hostname is represented as a byte string using ASCII encoding without a
// trailing dot"; "Literal IPv4 and IPv6 addresses are not permitted";
// RFC 1035 §2.3.4: labels of 63 bytes, names of 255).
var hostValues = []fineValue{
	{"nul-inside", "a NUL byte in place of its middle byte", func(c []byte, _ *rand.Rand) ([]byte, bool) { return setAt(c, len(c)/2, 0) }},
	{"nul-appended", "a NUL byte appended (\"example.com\\x00\")", func(c []byte, _ *rand.Rand) ([]byte, bool) { return append(c, 0), true }},
	{"nul-prefixed", "a NUL byte in front", func(c []byte, _ *rand.Rand) ([]byte, bool) { return insertAt(c, 0, []byte{0}), true }},
	{"nul-only", "the single byte NUL", func([]byte, *rand.Rand) ([]byte, bool) { return []byte{0}, true }},
	{"trailing-dot", "a trailing dot (\"example.com.\")", func(c []byte, _ *rand.Rand) ([]byte, bool) { return append(c, '.'), true }},
	{"leading-dot", "a leading dot (\".example.com\")", func(c []byte, _ *rand.Rand) ([]byte, bool) { return insertAt(c, 0, []byte{'.'}), true }},
	{"dot-only", "a single dot", func([]byte, *rand.Rand) ([]byte, bool) { return []byte{'.'}, true }},
	{"double-dot", "an empty label (two dots in a row)", func(c []byte, _ *rand.Rand) ([]byte, bool) {
		i := bytes.IndexByte(c, '.')
		if i < 0 {
			i = len(c) / 2
		}
		return insertAt(c, i, []byte{'.'}), true
	}},
	{"byte-ff", "0xff in place of its middle byte", func(c []byte, _ *rand.Rand) ([]byte, bool) { return setAt(c, len(c)/2, 0xff) }},
	{"latin1", "the Latin-1 byte 0xe9 (e acute) in place of its middle byte", func(c []byte, _ *rand.Rand) ([]byte, bool) { return setAt(c, len(c)/2, 0xe9) }},
	{"utf8", "the UTF-8 bytes of e acute (c3 a9) inserted in the middle (an IDN not in A-label form)", func(c []byte, _ *rand.Rand) ([]byte, bool) {
		return insertAt(c, len(c)/2, []byte{0xc3, 0xa9}), true
	}},
	{"utf8-overlong", "an overlong UTF-8 encoding of '.' (c0 ae) inserted in the middle", func(c []byte, _ *rand.Rand) ([]byte, bool) {
		return insertAt(c, len(c)/2, []byte{0xc0, 0xae}), true
	}},
	{"space", "a space in place of its middle byte", func(c []byte, _ *rand.Rand) ([]byte, bool) { return setAt(c, len(c)/2, ' ') }},
	{"slash", "a '/' in place of its middle byte (a path in a name)", func(c []byte, _ *rand.Rand) ([]byte, bool) { return setAt(c, len(c)/2, '/') }},
	{"percent", "a '%' in place of its middle byte (a format directive or an escape)", func(c []byte, _ *rand.Rand) ([]byte, bool) { return setAt(c, len(c)/2, '%') }},
	{"uppercase", "in upper case", func(c []byte, _ *rand.Rand) ([]byte, bool) { return bytes.ToUpper(c), true }},
	{"wildcard", "a wildcard label in front (\"*.example.com\")", func(c []byte, _ *rand.Rand) ([]byte, bool) { return insertAt(c, 0, []byte("*.")), true }},
	{"ipv4", "the IPv4 literal 127.0.0.1", func([]byte, *rand.Rand) ([]byte, bool) { return []byte("127.0.0.1"), true }},
	{"ipv6", "the IPv6 literal ::1", func([]byte, *rand.Rand) ([]byte, bool) { return []byte("::1"), true }},
	{"label-63", "a first label of 63 bytes (DNS's longest)", func(c []byte, _ *rand.Rand) ([]byte, bool) {
		return slices.Concat(dnsName(63, 63), []byte("."), c), true
	}},
	{"label-64", "a first label of 64 bytes (one past DNS's longest)", func(c []byte, _ *rand.Rand) ([]byte, bool) {
		return slices.Concat(bytes.Repeat([]byte{'a'}, 64), []byte("."), c), true
	}},
	{"name-255", "a name of 255 bytes (DNS's longest)", func([]byte, *rand.Rand) ([]byte, bool) { return dnsName(255, 63), true }},
	{"name-256", "a name of 256 bytes (one past DNS's longest)", func([]byte, *rand.Rand) ([]byte, bool) { return dnsName(256, 63), true }},
	{"name-16384", "a name of 16384 bytes (a ClientHello longer than a record)", func([]byte, *rand.Rand) ([]byte, bool) { return dnsName(16384, 63), true }},
}

// fineFamilies generates the fine mutators of a scope's samples.
func fineFamilies(samples []fineSample) []Mutator {
	if len(samples) == 0 {
		return nil
	}
	scope := samples[0].scope
	// nested and shrinkable (those not empty): class; values: class +
	// "/" + value.
	var nested, shrinkable, values, all chVersionSet
	kinds := map[string]fieldKind{}
	for _, s := range samples {
		all.add(scope, s.versions)
		names := msgExtNames(s.scope, s.msg, s.lay)
		cov := covered(s.lay)
		for i, f := range s.lay {
			c, ok := msgClass(s.scope, f.Path, names)
			if !ok {
				continue
			}
			if f.Length {
				// A lie that leaves the sample well formed (the byte read
				// as the next field) is no mutator.
				if c = strings.TrimSuffix(c, ".length"); c != "handshake" {
					if _, ok := nestedLie(s.scope, s.msg, s.lay, f, true, Rand(0, "")); ok {
						nested.add(c, s.versions)
					}
					if _, ok := nestedLie(s.scope, s.msg, s.lay, f, false, Rand(0, "")); ok {
						shrinkable.add(c, s.versions)
					}
				}
				continue
			}
			k, ok := leafKind(s.lay, i, cov)
			if !ok {
				continue
			}
			kinds[c] = k
			cur := s.msg[f.Start:f.End]
			for _, v := range valuesOf(k) {
				if nv, ok := v.change(slices.Clone(cur), Rand(0, "")); ok && !bytes.Equal(nv, cur) {
					values.add(c+"/"+v.name, s.versions)
				}
			}
		}
	}
	set := func(m Mutator, f Bytes) Mutator {
		if scope == "client_hello" {
			m.Bytes = f
		} else {
			m.ClientMessage = f
		}
		return m
	}
	var out []Mutator
	for _, c := range nested.names {
		out = append(out, set(Mutator{Name: scope + "/nested/" + c + "/extra-byte", Versions: nested.of(c), Expect: fineNestedExpect(scope, c),
			Doc: "one byte more inside " + c + " than its length says (that length kept, every length around it recomputed)"},
			fineNested(scope, c, true)))
	}
	for _, c := range shrinkable.names {
		out = append(out, set(Mutator{Name: scope + "/nested/" + c + "/missing-byte", Versions: shrinkable.of(c), Expect: fineNestedExpect(scope, c),
			Doc: "one byte less inside " + c + " than its length says (that length kept, every length around it recomputed)"},
			fineNested(scope, c, false)))
	}
	for _, name := range values.names {
		c, vname := name[:strings.LastIndexByte(name, '/')], name[strings.LastIndexByte(name, '/')+1:]
		i := slices.IndexFunc(valuesOf(kinds[c]), func(v fineValue) bool { return v.name == vname })
		v := valuesOf(kinds[c])[i]
		out = append(out, set(Mutator{Name: scope + "/value/" + name, Versions: values.of(name),
			Expect: fineValueExpect(scope, c, kinds[c], vname), Doc: c + " " + v.doc}, fineSet(scope, c, v)))
	}
	if scope != "finished" {
		anyNested := Reject(rfcFineAny, 35, wire.AlertDecodeError)
		if scope == "client_hello" {
			anyNested = anyNested.ShouldAt(fineWhyAny, chVersions12...)
		} else {
			anyNested = oracle(rfcCKE, 50, wire.AlertDecodeError) // an RSA lie may end in the random-PMS path
		}
		vs := all.of(scope)
		out = append(out,
			set(Mutator{Name: scope + "/nested/any/extra-byte", Versions: vs, Expect: anyNested,
				Doc: "one byte more inside a vector picked at random (any depth, any element) than its length says, every length around it recomputed"},
				fineNestedAny(scope, true)),
			set(Mutator{Name: scope + "/nested/any/missing-byte", Versions: vs, Expect: anyNested,
				Doc: "one byte less inside a vector picked at random (any depth, any element) than its length says, every length around it recomputed"},
				fineNestedAny(scope, false)))
	}
	anyValue := MayAbort(rfcFineValue, 0)
	if scope == "finished" {
		anyValue = Reject(rfcFinishedData, 28, wire.AlertDecryptError, wire.AlertDecodeError)
	}
	out = append(out, set(Mutator{Name: scope + "/value/any/random", Versions: all.of(scope), Expect: anyValue,
		Doc: "an interesting value (boundary integer, all-zero or all-0xff bytes, NUL or dots in a name, ...) in a field picked at random"},
		fineSetAny()))
	return out
}

// fineNestedExpect: a vector whose length does not match what it holds
// is decode_error, at the level the length families give its field.
func fineNestedExpect(scope, class string) Expectation {
	switch {
	case scope == "client_hello" && class == "extensions.renegotiation_info.renegotiated_connection":
		// The length stays zero, as RFC 5746 §3.6 wants: what is wrong
		// is a byte after it in the extension's body.
		return chExtBodyLevel(Reject(rfcExtensions, 39, wire.AlertDecodeError), "renegotiation_info", true)
	case scope == "client_hello":
		return chLengthExpect(class)
	case class == "encrypted_pre_master_secret":
		// RFC 5246 §7.4.7.1 lets the server carry on with a random
		// pre-master secret whatever went wrong (as rsa/length-*).
		return oracle(rfcRSAKX, 50, wire.AlertDecodeError)
	}
	return Reject(rfcCKE+"; RFC 8422 §5.7", 50, wire.AlertDecodeError)
}

// fineValueExpect: values claim no MUST (MayReject) but where any change
// of the field must be refused: the Finished's verify_data, an RSA
// EncryptedPreMasterSecret.
func fineValueExpect(scope, class string, k fieldKind, value string) Expectation {
	resized := slices.ContainsFunc(resizeValues, func(v fineValue) bool { return v.name == value }) || value == "empty" || value == "doubled"
	switch {
	case scope == "finished" && resized:
		return Reject("RFC 8446 §6.2; RFC 5246 §7.4.9", 30, wire.AlertDecodeError, wire.AlertDecryptError)
	case scope == "finished":
		return Reject(rfcFinishedData, 28, wire.AlertDecryptError)
	case class == "encrypted_pre_master_secret" && resized:
		return oracle(rfcRSAKX, 49, wire.AlertDecodeError)
	case class == "encrypted_pre_master_secret":
		return oracle(rfcRSAKX, 49)
	case class == "ecdh_Yc":
		// Whether the value is still a point of the group depends on the
		// group: the ecdhe/point-* mutators claim the MUSTs.
		return MayAbort(rfcECPoint, 51, wire.AlertIllegalParameter, wire.AlertDecodeError)
	case k == kindHost:
		// The form of a host name binds the client; a server that does
		// not recognize the name may abort with unrecognized_name, or
		// go on (RFC 6066 §3).
		return MayAbort(rfcHostName, 45, wire.AlertUnrecognizedName, wire.AlertIllegalParameter, wire.AlertDecodeError)
	}
	return MayAbort(rfcFineValue, 0, wire.AlertIllegalParameter, wire.AlertDecodeError)
}

// fineLeaf finds the first leaf field of class in the layout.
func fineLeaf(scope string, msg []byte, lay wire.Layout, class string) (wire.Field, bool) {
	names := msgExtNames(scope, msg, lay)
	for i, f := range lay {
		if f.Length || f.End > len(msg) {
			continue
		}
		if c, ok := msgClass(scope, f.Path, names); ok && c == class && isLeaf(lay, i) {
			return f, true
		}
	}
	return wire.Field{}, false
}

// chStrictParse parses a ClientHello and the body of every extension the
// wire package knows, as a server that reads them all would.
func chStrictParse(b []byte) error {
	m, err := wire.UnmarshalHandshake(b, wire.Context{})
	if err != nil {
		return err
	}
	ch, ok := m.(*wire.ClientHello)
	if !ok {
		return fmt.Errorf("a %s, not a ClientHello", m.Type())
	}
	for _, e := range ch.Extensions {
		switch e.Type {
		case wire.ExtServerName:
			_, err = wire.ParseServerName(e.Body)
		case wire.ExtSupportedGroups:
			_, err = wire.ParseSupportedGroups(e.Body)
		case wire.ExtECPointFormats:
			_, err = wire.ParseECPointFormats(e.Body)
		case wire.ExtSignatureAlgorithms:
			_, err = wire.ParseSignatureAlgorithms(e.Body)
		case wire.ExtALPN:
			_, err = wire.ParseALPN(e.Body)
		case wire.ExtSupportedVersions:
			_, err = wire.ParseSupportedVersionsClient(e.Body)
		case wire.ExtKeyShare:
			_, err = wire.ParseKeyShareClient(e.Body)
		case wire.ExtPSKKeyExchangeModes:
			_, err = wire.ParsePSKKeyExchangeModes(e.Body)
		case wire.ExtRenegotiationInfo:
			_, err = wire.ParseRenegotiationInfo(e.Body)
		case wire.ExtPreSharedKey:
			_, err = wire.ParsePreSharedKeyClient(e.Body)
		case wire.ExtExtendedMasterSecret:
			if len(e.Body) != 0 {
				err = fmt.Errorf("extended_master_secret with a body")
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// stillParses says whether a nested lie's message of scope parses
// anyway: the byte it adds or takes was read as the next field (one more
// compression method after the cipher suites), making another message,
// well formed, that no decode_error rule covers. lay is the layout of
// the message before the lie (its key exchange form).
func stillParses(scope string, msg []byte, lay wire.Layout) bool {
	switch scope {
	case "client_hello":
		return chStrictParse(msg) == nil
	case "client_key_exchange":
		form := wire.KXECDHE
		if _, ok := lay.Find("client_key_exchange.encrypted_pre_master_secret"); ok {
			form = wire.KXRSA
		}
		_, err := wire.UnmarshalClientKeyExchange(msg, wire.Context{Version: wire.VersionTLS12, KeyExchange: form})
		return err == nil
	}
	return false
}

// fineNested lies in the length of class: the vector it counts gets one
// byte more (a random one) or loses its last, that length kept.
func fineNested(scope, class string, extra bool) Bytes {
	return func(msg []byte, lay wire.Layout, rnd *rand.Rand) ([]byte, bool) {
		lf, ok := msgFindClass(scope, msg, lay, class, true)
		if !ok {
			return nil, false
		}
		return nestedLie(scope, msg, lay, lf, extra, rnd)
	}
}

// nestedLie grows or shrinks by one byte the vector length field lf
// counts, keeping lf and re-fixing every length around it. It does not
// apply where the message then still parses (stillParses).
func nestedLie(scope string, msg []byte, lay wire.Layout, lf wire.Field, extra bool, rnd *rand.Rand) ([]byte, bool) {
	c, ok := lay.Find(lf.Covers)
	if !ok || c.End > len(msg) || c.Start < lf.End {
		return nil, false
	}
	var out []byte
	switch {
	case extra:
		out, ok = splice(msg, lay, c, c.End, 0, []byte{byte(rnd.Uint32())}, lf.Path)
	case c.End > c.Start:
		out, ok = splice(msg, lay, c, c.End-1, 1, nil, lf.Path)
	default:
		return nil, false
	}
	if !ok || stillParses(scope, out, lay) {
		return nil, false
	}
	return out, true
}

// fineNestedAny lies in a length field picked at random (the handshake
// header's aside).
func fineNestedAny(scope string, extra bool) Bytes {
	return func(msg []byte, lay wire.Layout, rnd *rand.Rand) ([]byte, bool) {
		var ls []wire.Field
		for _, f := range lay.Lengths() {
			if !strings.HasPrefix(f.Path, "handshake.") && f.End <= len(msg) {
				ls = append(ls, f)
			}
		}
		// A few tries: the lie in a length may leave the message well
		// formed.
		for range min(len(ls), 8) {
			if out, ok := nestedLie(scope, msg, lay, ls[rnd.IntN(len(ls))], extra, rnd); ok {
				return out, true
			}
		}
		return nil, false
	}
}

// fineSet puts value v in the leaf field of class.
func fineSet(scope, class string, v fineValue) Bytes {
	return func(msg []byte, lay wire.Layout, rnd *rand.Rand) ([]byte, bool) {
		f, ok := fineLeaf(scope, msg, lay, class)
		if !ok {
			return nil, false
		}
		return setField(msg, lay, f, v, rnd)
	}
}

// setField replaces field f with v's change of it, every length that
// counts f recomputed.
func setField(msg []byte, lay wire.Layout, f wire.Field, v fineValue, rnd *rand.Rand) ([]byte, bool) {
	cur := msg[f.Start:f.End]
	nv, ok := v.change(slices.Clone(cur), rnd)
	if !ok || bytes.Equal(nv, cur) {
		return nil, false
	}
	return splice(msg, lay, f, f.Start, f.End-f.Start, nv, "")
}

// fineSetAny puts a value of its kind, picked at random, in a leaf field
// picked at random.
func fineSetAny() Bytes {
	return func(msg []byte, lay wire.Layout, rnd *rand.Rand) ([]byte, bool) {
		cov := covered(lay)
		type leaf struct {
			f wire.Field
			k fieldKind
		}
		var ls []leaf
		for i, f := range lay {
			if k, ok := leafKind(lay, i, cov); ok && f.End <= len(msg) {
				ls = append(ls, leaf{f, k})
			}
		}
		if len(ls) == 0 {
			return nil, false
		}
		l := ls[rnd.IntN(len(ls))]
		vs := valuesOf(l.k)
		// A few tries: a value may equal what the field holds.
		for range 4 {
			if out, ok := setField(msg, lay, l.f, vs[rnd.IntN(len(vs))], rnd); ok {
				return out, true
			}
		}
		return nil, false
	}
}
