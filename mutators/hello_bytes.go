package mutators

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Byte-level ClientHello families, aimed through the message layout:
// truncation at every field boundary (row 35), a lie in every length field
// (rows 35-39), trailing data (row 35) and a wrong handshake type (row 8).
// Fields are named by class, a layout path that does not depend on where
// an extension sits: "extensions.key_share.client_shares[0].group". Only
// the first element of a vector names a class (a cut after the third
// cipher suite is no new case).

const (
	rfcHelloFraming = "RFC 8446 §4, §6.2; RFC 5246 §7.4"
	rfcSessionID    = "RFC 5246 §7.4.1.2"
	rfcSuites       = "RFC 8446 §4.1.2; RFC 5246 §7.4.1.2"
	rfcCompression  = "RFC 5246 §7.4.1.2; RFC 8446 §4.1.2"
	rfcExtensions   = "RFC 8446 §4.2; RFC 5246 §7.4.1.4"
)

func helloByteMutators() []Mutator {
	out := chTruncations()
	out = append(out, chLengthLies()...)
	for _, n := range []int{1, 16} {
		out = append(out, Mutator{
			Name:   fmt.Sprintf("client_hello/trailing/%d", n),
			Doc:    fmt.Sprintf("%d random bytes after its last field, inside the message (the handshake length counts them)", n),
			Expect: Reject("RFC 8446 §4.1.2, §6.2; RFC 5246 §7.4.1.2", 35, wire.AlertDecodeError),
			Bytes:  chTrailing(n),
		})
	}
	for _, t := range []struct {
		name string
		typ  wire.HandshakeType
	}{
		{"server_hello", wire.TypeServerHello},
		{"finished", wire.TypeFinished},
		{"99", wire.HandshakeType(99)},
	} {
		out = append(out, Mutator{
			Name:   "client_hello/type/" + t.name,
			Doc:    fmt.Sprintf("the handshake type of %s (%d) on a ClientHello body", t.typ, uint8(t.typ)),
			Expect: Reject("RFC 5246 §7.3; RFC 8446 §4", 8, wire.AlertUnexpectedMessage),
			Bytes:  chWrongType(t.typ),
		})
	}
	return out
}

// --- classes ---

// chClass names the field at path in a ClientHello layout by class:
// "client_hello." is dropped, "extensions[i]" becomes "extensions.<type>"
// and the typed body's scope goes (it repeats the type). ok is false for a
// field inside a second or later vector element.
func chClass(path string, extName func(i int) string) (string, bool) {
	return msgClass("client_hello", path, extName)
}

// msgClass names the field at path in the layout of a message whose
// scope is scope ("client_hello", "server_hello", ...) by class, as
// chClass does for a ClientHello.
func msgClass(scope, path string, extName func(i int) string) (string, bool) {
	p, ok := strings.CutPrefix(path, scope+".")
	if !ok {
		return path, strings.HasPrefix(path, "handshake.")
	}
	if rest, ok := strings.CutPrefix(p, "extensions["); ok {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", false
		}
		i, err := strconv.Atoi(rest[:end])
		if err != nil {
			return "", false
		}
		rest = rest[end+1:]
		segs := strings.Split(strings.TrimPrefix(rest, "."), ".")
		if rest != "" && segs[0] != "type" && segs[0] != "length" && segs[0] != "body" {
			segs = segs[1:] // the typed body's scope
		}
		p = "extensions." + extName(i)
		if len(segs) > 0 && segs[0] != "" {
			p += "." + strings.Join(segs, ".")
		}
	}
	// Only element 0 of a vector names a class.
	for s := p; ; {
		i := strings.IndexByte(s, '[')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], ']')
		if j < 0 || s[i+1:i+j] != "0" {
			return "", false
		}
		s = s[i+j:]
	}
	return p, true
}

// chExtNames reads the extension types of a marshalled ClientHello from its
// layout.
func chExtNames(msg []byte, lay wire.Layout) func(int) string {
	return msgExtNames("client_hello", msg, lay)
}

// msgExtNames reads the extension types of a marshalled message whose
// scope is scope from its layout.
func msgExtNames(scope string, msg []byte, lay wire.Layout) func(int) string {
	return func(i int) string {
		f, ok := lay.Find(fmt.Sprintf("%s.extensions[%d].type", scope, i))
		if !ok || f.End > len(msg) || f.End-f.Start != 2 {
			return fmt.Sprintf("extensions[%d]", i)
		}
		return wire.ExtensionType(uint16(msg[f.Start])<<8 | uint16(msg[f.Start+1])).String()
	}
}

// chFindClass returns the first field of class in the layout (the
// outermost, as enclosing fields come first); lengthField picks length
// fields only, named without their ".length".
func chFindClass(msg []byte, lay wire.Layout, class string, lengthField bool) (wire.Field, bool) {
	return msgFindClass("client_hello", msg, lay, class, lengthField)
}

// msgFindClass is chFindClass for a message whose scope is scope.
func msgFindClass(scope string, msg []byte, lay wire.Layout, class string, lengthField bool) (wire.Field, bool) {
	names := msgExtNames(scope, msg, lay)
	for _, f := range lay {
		if lengthField && !f.Length {
			continue
		}
		c, ok := msgClass(scope, f.Path, names)
		if lengthField {
			c = strings.TrimSuffix(c, ".length")
		}
		if ok && c == class && f.End <= len(msg) {
			return f, true
		}
	}
	return wire.Field{}, false
}

// chSample is a marshalled sample, its layout and the versions whose
// ClientHellos it stands for.
type chSample struct {
	msg      []byte
	lay      wire.Layout
	versions []wire.Version
}

// chSamples are the samples the byte-level families are generated from:
// TLS 1.2 (whose shape TLS 1.0 and 1.1 share) and TLS 1.3. A generated
// mutator's Versions are those of the samples it was found in: the
// registry stays cheap to build (the fuzzers build it often).
func chSamples() []chSample {
	var out []chSample
	for _, vs := range [][]wire.Version{chVersions12, chVersion13} {
		msg, lay, err := wire.MarshalLayout(SampleHello(vs[len(vs)-1]))
		if err != nil {
			panic(err) // SampleHello is ours: a bug
		}
		out = append(out, chSample{msg, lay, vs})
	}
	return out
}

// chVersionSet collects the versions a generated mutator is found for, in
// the order first seen.
type chVersionSet struct {
	names    []string
	versions map[string][]wire.Version
}

// addLengthLies adds, under class, every lie of chLies that can be told
// of the length field f of msg at versions vs (skip leaves some out).
func (s *chVersionSet) addLengthLies(class string, msg []byte, f wire.Field, vs []wire.Version, skip func(chLie) bool) {
	n := f.End - f.Start
	var v uint64
	for _, b := range msg[f.Start:f.End] {
		v = v<<8 | uint64(b)
	}
	for _, lie := range chLies {
		if skip != nil && skip(lie) {
			continue
		}
		if _, ok := lie.value(v, uint64(1)<<(8*n)-1); ok {
			s.add(class+"/"+lie.name, vs)
		}
	}
}

func (s *chVersionSet) add(name string, vs []wire.Version) {
	if s.versions == nil {
		s.versions = map[string][]wire.Version{}
	}
	if _, ok := s.versions[name]; !ok {
		s.names = append(s.names, name)
	}
	for _, v := range vs {
		if !slices.Contains(s.versions[name], v) {
			s.versions[name] = append(s.versions[name], v)
		}
	}
}

// of returns the Versions of a mutator: nil when all of them.
func (s *chVersionSet) of(name string) []wire.Version {
	vs := slices.Clone(s.versions[name])
	if len(vs) == len(chAllVersions) {
		return nil
	}
	slices.Sort(vs)
	return vs
}

// chCompressionEnd is where the compression methods end: a ClientHello cut
// there is a valid one without extensions, not a truncation.
func chCompressionEnd(lay wire.Layout) int {
	if f, ok := lay.Find("client_hello.compression_methods"); ok {
		return f.End
	}
	return -1
}

// chWithBody returns a handshake message of type typ with body, its length
// fixed.
func chWithBody(typ byte, body []byte) []byte {
	n := len(body)
	return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

// --- truncation ---

// chTruncations cuts the body right after every field boundary class of the
// samples, the handshake length fixed to the cut body: the message ends
// before its fields do (decode_error, RFC 8446 §6.2).
func chTruncations() []Mutator {
	var classes chVersionSet
	for _, s := range chSamples() {
		names, compEnd := chExtNames(s.msg, s.lay), chCompressionEnd(s.lay)
		seen := map[int]bool{}
		for _, f := range s.lay {
			// The first field ending at an offset is the outermost there.
			if seen[f.End] || strings.HasPrefix(f.Path, "handshake.") {
				continue
			}
			seen[f.End] = true
			if f.End <= 4 || f.End >= len(s.msg) || f.End == compEnd {
				continue
			}
			if c, ok := chClass(f.Path, names); ok {
				classes.add(c, s.versions)
			}
		}
	}
	out := []Mutator{{
		Name:   "client_hello/truncate/empty-body",
		Doc:    "an empty body (handshake length 0)",
		Expect: Reject(rfcHelloFraming, 35, wire.AlertDecodeError),
		Bytes: func(msg []byte, _ wire.Layout, _ *rand.Rand) ([]byte, bool) {
			if len(msg) <= 4 {
				return nil, false
			}
			return chWithBody(msg[0], nil), true
		},
	}}
	for _, c := range classes.names {
		out = append(out, Mutator{
			Name:     "client_hello/truncate/" + c,
			Doc:      "its body cut right after " + c + " (the handshake length fixed to match)",
			Expect:   Reject(rfcHelloFraming, 35, wire.AlertDecodeError),
			Versions: classes.of(c),
			Bytes:    chTruncateAfter(c),
		})
	}
	return out
}

func chTruncateAfter(class string) Bytes {
	return func(msg []byte, lay wire.Layout, _ *rand.Rand) ([]byte, bool) {
		f, ok := chFindClass(msg, lay, class, false)
		if !ok || f.End <= 4 || f.End >= len(msg) || f.End == chCompressionEnd(lay) {
			return nil, false
		}
		return chWithBody(msg[0], msg[4:f.End]), true
	}
}

// --- length lies ---

// chLie is one way to lie in a length field: value returns the new value
// for the true one v (maxV is the field's largest), false when the lie
// would be the truth or does not exist (one short of zero).
type chLie struct {
	name, doc string
	value     func(v, maxV uint64) (uint64, bool)
}

var chLies = []chLie{
	{"short", "one less than the bytes it counts", func(v, _ uint64) (uint64, bool) { return v - 1, v > 0 }},
	{"long", "one more than the bytes it counts", func(v, m uint64) (uint64, bool) { return v + 1, v < m }},
	{"zero", "zero", func(v, _ uint64) (uint64, bool) { return 0, v > 0 }},
	{"max", "its maximum", func(v, m uint64) (uint64, bool) { return m, v < m }},
}

// chLengthLies sets every length field class of the samples one short, one
// long, to zero and to its maximum, leaving the bytes as they are: the lie
// is the point. The handshake length is lied about only downwards: a
// longer one makes a conformant server wait for bytes that never come,
// which the client's push then fills in (peers' Outcome.Filled) only
// after a whole deadline per check.
func chLengthLies() []Mutator {
	var lies chVersionSet // "<class>/<lie>"
	for _, s := range chSamples() {
		names := chExtNames(s.msg, s.lay)
		for _, f := range s.lay.Lengths() {
			c, ok := chClass(f.Path, names)
			if !ok {
				continue
			}
			c = strings.TrimSuffix(c, ".length")
			lies.addLengthLies(c, s.msg, f, s.versions, func(lie chLie) bool {
				return c == "handshake" && (lie.name == "long" || lie.name == "max")
			})
		}
	}
	var out []Mutator
	for _, name := range lies.names {
		c, lieName, _ := strings.Cut(name, "/")
		i := slices.IndexFunc(chLies, func(l chLie) bool { return l.name == lieName })
		out = append(out, Mutator{
			Name:     "client_hello/length/" + name,
			Doc:      fmt.Sprintf("the length of %s %s", c, chLies[i].doc),
			Expect:   chLengthExpect(c),
			Versions: lies.of(name),
			Bytes:    chLengthLie(c, chLies[i].value),
		})
	}
	return out
}

// chLengthExpect is what a server must do with a ClientHello whose
// length field of class lies (the bytes around it unchanged, or the
// vector it counts one byte longer or shorter): decode_error, at the
// level of the field's extension body where it is inside one.
func chLengthExpect(class string) Expectation {
	row, rfc := chLengthRow(class)
	expect := Reject(rfc, row, wire.AlertDecodeError)
	// A length of one extension ("extensions.key_share") or of a field
	// inside its body ("extensions.key_share.client_shares").
	switch ext, ok := strings.CutPrefix(class, "extensions."); {
	case class == "extensions.renegotiation_info.renegotiated_connection":
		// Every lie there gives renegotiated_connection a length
		// other than zero, which RFC 5746 §3.6 makes the server
		// refuse (\"if it is not, MUST abort the handshake\") at
		// every version that reads it.
		expect = Reject("RFC 5746 §3.6", 46, wire.AlertHandshakeFailure, wire.AlertDecodeError).ShouldAt(chWhyOnly12, wire.VersionTLS13)
	case ok:
		ext, _, inside := strings.Cut(ext, ".")
		expect = chExtBodyLevel(expect, ext, inside)
	}
	return expect
}

func chLengthRow(class string) (int, string) {
	switch {
	case class == "session_id":
		return 36, rfcSessionID
	case class == "cipher_suites":
		return 37, rfcSuites
	case class == "compression_methods":
		return 35, rfcCompression
	case strings.HasPrefix(class, "extensions"):
		return 39, rfcExtensions
	}
	return 35, rfcHelloFraming
}

func chLengthLie(class string, value func(v, maxV uint64) (uint64, bool)) Bytes {
	return msgLengthLie("client_hello", class, value)
}

// msgLengthLie is chLengthLie for a message whose scope is scope.
func msgLengthLie(scope, class string, value func(v, maxV uint64) (uint64, bool)) Bytes {
	return func(msg []byte, lay wire.Layout, _ *rand.Rand) ([]byte, bool) {
		f, ok := msgFindClass(scope, msg, lay, class, true)
		n := f.End - f.Start
		if !ok || n < 1 || n > 3 {
			return nil, false
		}
		var v uint64
		for _, b := range msg[f.Start:f.End] {
			v = v<<8 | uint64(b)
		}
		nv, ok := value(v, uint64(1)<<(8*n)-1)
		if !ok {
			return nil, false
		}
		out := slices.Clone(msg)
		for i := range n {
			out[f.Start+i] = byte(nv >> (8 * (n - 1 - i)))
		}
		return out, true
	}
}

// chInsert inserts p at the end of the vector whose contents are the field
// at path (a class), and re-fixes its length and those of every vector
// around it: the vector grows, and only what is inside it lies.
func chInsert(msg []byte, lay wire.Layout, class string, p []byte) ([]byte, bool) {
	target, ok := chFindClass(msg, lay, class, false)
	if !ok {
		return nil, false
	}
	at := target.End
	out := slices.Concat(msg[:at], p, msg[at:])
	for _, f := range lay.Lengths() {
		c, ok := lay.Find(f.Covers)
		if !ok || c.Start > target.Start || c.End < target.End {
			continue
		}
		n := f.End - f.Start
		var v uint64
		for _, b := range out[f.Start:f.End] {
			v = v<<8 | uint64(b)
		}
		v += uint64(len(p))
		if v >= uint64(1)<<(8*n) {
			return nil, false
		}
		for i := range n {
			out[f.Start+i] = byte(v >> (8 * (n - 1 - i)))
		}
	}
	return out, true
}

// --- trailing data and type ---

func chTrailing(n int) Bytes {
	return func(msg []byte, _ wire.Layout, rnd *rand.Rand) ([]byte, bool) {
		if len(msg) < 4 {
			return nil, false
		}
		extra := make([]byte, n)
		for i := range extra {
			extra[i] = byte(rnd.IntN(256))
		}
		return chWithBody(msg[0], slices.Concat(msg[4:], extra)), true
	}
}

func chWrongType(t wire.HandshakeType) Bytes {
	return func(msg []byte, _ wire.Layout, _ *rand.Rand) ([]byte, bool) {
		if len(msg) < 4 || msg[0] == byte(t) {
			return nil, false
		}
		out := slices.Clone(msg)
		out[0] = byte(t)
		return out, true
	}
}
