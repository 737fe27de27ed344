package wire

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// Field is one named byte range of a marshalled message. Mutators aim at
// fields by Path; a length field also names the vector it measures.
//
// Paths are dotted: "handshake.type", "handshake.length" (covers
// "handshake.body"), then "<message>.<field>" such as
// "client_hello.session_id.length" (covers "client_hello.session_id"),
// "client_hello.cipher_suites[0]", "client_hello.extensions[2]" (the whole
// extension), "client_hello.extensions[2].type", ".length" (covers ".body"),
// ".body", and inside a typed body
// "client_hello.extensions[2].key_share.client_shares[0].key_exchange.length".
// A vector's length field is "<vector>.length"; a type-length-body structure
// (handshake header, extension) has "<x>.length" covering "<x>.body".
type Field struct {
	Path       string
	Start, End int    // [Start,End) in the marshalled message, header included
	Length     bool   // a length prefix
	Covers     string // for a length field: the Path of the bytes it counts
}

// Layout lists the fields of one marshalled message in the order they are
// written: by start offset, an enclosing field before the fields inside it.
type Layout []Field

// Lengths returns only the length fields.
func (l Layout) Lengths() []Field {
	var out []Field
	for _, f := range l {
		if f.Length {
			out = append(out, f)
		}
	}
	return out
}

// Find returns the field with the given path.
func (l Layout) Find(path string) (Field, bool) {
	for _, f := range l {
		if f.Path == path {
			return f, true
		}
	}
	return Field{}, false
}

// Boundaries returns the sorted, distinct offsets at which some field starts
// or ends: the cut points for "truncate at every field boundary".
func (l Layout) Boundaries() []int {
	seen := make(map[int]bool, 2*len(l))
	var out []int
	for _, f := range l {
		for _, o := range [2]int{f.Start, f.End} {
			if !seen[o] {
				seen[o] = true
				out = append(out, o)
			}
		}
	}
	sort.Ints(out)
	return out
}

// MarshalLayout marshals m and returns where each of its fields lies. The
// bytes are the same as m.Marshal's. Extension bodies of the types this
// package parses are broken down into their fields when they parse; any other
// body, or one that does not parse, is a single opaque "...body" field.
// For a Message type from outside this package only the handshake header and
// body are named.
func MarshalLayout(m Message) ([]byte, Layout, error) {
	lm, ok := m.(layoutMarshaler)
	if !ok {
		// Not ours: name the header and body of whatever it writes.
		raw, err := m.Marshal()
		if err != nil {
			return nil, nil, err
		}
		if len(raw) < handshakeHeaderLen {
			return nil, nil, fmt.Errorf("wire: MarshalLayout: %T marshalled to %d bytes, shorter than a handshake header", m, len(raw))
		}
		return raw, Layout{
			{Path: "handshake.type", Start: 0, End: 1},
			{Path: "handshake.length", Start: 1, End: 4, Length: true, Covers: "handshake.body"},
			{Path: "handshake.body", Start: 4, End: len(raw)},
		}, nil
	}
	lay := Layout{}
	b := &builder{lay: &lay, typed: true}
	lm.marshalTo(b)
	if b.err != nil {
		return nil, nil, b.err
	}
	return b.buf, lay, nil
}

// ParseLayout parses one handshake message and returns it with the layout of
// its bytes: the way to aim a mutator at a captured message. It fails if the
// bytes do not parse, or (a codec bug) do not marshal back to themselves.
func ParseLayout(data []byte, ctx Context) (Message, Layout, error) {
	m, err := UnmarshalHandshake(data, ctx)
	if err != nil {
		return nil, nil, err
	}
	out, lay, err := MarshalLayout(m)
	if err != nil {
		return nil, nil, err
	}
	if !bytes.Equal(out, data) {
		return nil, nil, fmt.Errorf("wire: ParseLayout: %s does not re-marshal to its input", m.Type())
	}
	return m, lay, nil
}

// layoutMarshaler is implemented by every message of this package: it writes
// the whole message, header included, through a builder.
type layoutMarshaler interface {
	marshalTo(b *builder)
}

// builder appends a message and, when lay is set, records its fields. It
// never validates values; its only error is a vector too long for its length
// prefix, in which case the length written is wrong and the error says so.
type builder struct {
	buf   []byte
	err   error
	msg   string  // message name for errors
	pfx   string  // path prefix of the current scope, "" or ending in "."
	lay   *Layout // nil: Marshal, no layout wanted
	typed bool    // break known extension bodies into fields
}

func (b *builder) path(name string) string { return b.pfx + name }

// add records a leaf field from start to the current end.
func (b *builder) add(name string, start int) {
	if b.lay == nil || name == "" {
		return
	}
	*b.lay = append(*b.lay, Field{Path: b.path(name), Start: start, End: len(b.buf)})
}

func (b *builder) u8(name string, v uint8) {
	s := len(b.buf)
	b.buf = append(b.buf, v)
	b.add(name, s)
}

func (b *builder) u16(name string, v uint16) {
	s := len(b.buf)
	b.buf = append(b.buf, byte(v>>8), byte(v))
	b.add(name, s)
}

func (b *builder) u32(name string, v uint32) {
	s := len(b.buf)
	b.buf = append(b.buf, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	b.add(name, s)
}

func (b *builder) raw(name string, p []byte) {
	s := len(b.buf)
	b.buf = append(b.buf, p...)
	b.add(name, s)
}

// scope runs f with name added to the path prefix, and records name as one
// field spanning everything f wrote.
func (b *builder) scope(name string, f func()) {
	i := b.open(name)
	old := b.pfx
	b.pfx = old + name + "."
	f()
	b.pfx = old
	b.close(i)
}

// open records a field starting here whose end close fills in, so that an
// enclosing field precedes the fields inside it. It returns -1 when no
// layout is recorded.
func (b *builder) open(name string) int {
	if b.lay == nil || name == "" {
		return -1
	}
	*b.lay = append(*b.lay, Field{Path: b.path(name), Start: len(b.buf)})
	return len(*b.lay) - 1
}

func (b *builder) close(i int) {
	if i >= 0 {
		(*b.lay)[i].End = len(b.buf)
	}
}

// vec writes a vector with an lenBytes-byte length prefix: "<name>.length"
// covers "<name>".
func (b *builder) vec(name string, lenBytes int, f func()) {
	b.vecNamed(name+".length", name, lenBytes, f)
}

// vecNamed is vec with the length field and the contents named apart.
func (b *builder) vecNamed(lenName, name string, lenBytes int, f func()) {
	s := len(b.buf)
	if b.lay != nil {
		*b.lay = append(*b.lay, Field{Path: b.path(lenName), Start: s, End: s + lenBytes, Length: true, Covers: b.path(name)})
	}
	for range lenBytes {
		b.buf = append(b.buf, 0)
	}
	ci := b.open(name)
	f()
	b.close(ci)
	n := len(b.buf) - s - lenBytes
	if n >= 1<<(8*lenBytes) && b.err == nil {
		b.err = tooLong(b.msg, b.path(name), n, lenBytes)
	}
	for i := range lenBytes {
		b.buf[s+i] = byte(n >> (8 * (lenBytes - 1 - i)))
	}
}

// vecBytes writes an opaque vector.
func (b *builder) vecBytes(name string, lenBytes int, p []byte) {
	b.vec(name, lenBytes, func() { b.buf = append(b.buf, p...) })
}

// handshake writes the 4-byte handshake header and the body f writes
// (RFC 8446 §4, RFC 5246 §7.4): "handshake.type", "handshake.length",
// "handshake.body". Fields of the body are prefixed with name.
func (b *builder) handshake(t HandshakeType, name string, f func()) {
	b.msg = t.String()
	old := b.pfx
	b.pfx = "handshake."
	b.u8("type", uint8(t))
	b.vecNamed("length", "body", 3, func() {
		if name != "" {
			b.pfx = name + "."
		} else {
			b.pfx = ""
		}
		f()
		b.pfx = "handshake."
	})
	b.pfx = old
}

// build runs f on a fresh builder and returns the bytes; for the typed
// extension constructors, whose signatures have no error: a vector too long
// for its length prefix there is a caller bug, reported by panic.
func build(what string, f func(b *builder)) []byte {
	b := &builder{msg: what}
	f(b)
	if b.err != nil {
		panic(b.err)
	}
	return b.buf
}

// marshalMessage is Marshal for the messages of this package.
func marshalMessage(m layoutMarshaler) ([]byte, error) {
	b := &builder{}
	m.marshalTo(b)
	if b.err != nil {
		return nil, b.err
	}
	return b.buf, nil
}

// Enclosing returns the innermost field that holds all of [start, end).
// For an empty range (bytes inserted before offset start) it is the list
// the bytes went into: the innermost field start is strictly inside, or a
// list (a field with elements) that begins at start; failing both, the
// outermost list that ends at start (bytes appended to it).
func (l Layout) Enclosing(start, end int) (Field, bool) {
	var best Field
	found := false
	isList := func(f Field) bool {
		for _, g := range l {
			if strings.HasPrefix(g.Path, f.Path+"[") {
				return true
			}
		}
		return false
	}
	for _, f := range l {
		inside := f.Start <= start && end <= f.End && start < f.End
		if start == end {
			inside = (f.Start < start && start < f.End) || (f.Start == start && f.End > start && isList(f))
		}
		if inside && (!found || f.End-f.Start <= best.End-best.Start) {
			best, found = f, true
		}
	}
	if found || start != end {
		return best, found
	}
	for _, f := range l {
		if f.End == start && isList(f) && (!found || f.End-f.Start > best.End-best.Start) {
			best, found = f, true
		}
	}
	return best, found
}
