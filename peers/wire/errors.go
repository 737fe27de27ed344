package wire

import (
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/crypto/cryptobyte"
)

// ParseError says which message and which field of it failed to parse, and
// where. Err is one of the sentinels below, so callers test it with errors.Is.
type ParseError struct {
	Message string // e.g. "ClientHello", "record", "alert", "extension key_share"
	Field   string // e.g. "session_id", "cipher_suites.length", "extensions[3].body"
	Offset  int    // byte offset in the input where it failed
	Err     error  // ErrTruncated, ErrTrailing, ErrTooLarge or ErrWrongType
	Detail  string // optional: numbers that explain the failure ("65535 > 16640")
}

func (e *ParseError) Error() string {
	s := "wire: " + e.Message + ": "
	if e.Field != "" {
		s += e.Field + ": "
	}
	s += e.Err.Error() + " at offset " + strconv.Itoa(e.Offset)
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

func (e *ParseError) Unwrap() error { return e.Err }

// The causes a ParseError wraps.
var (
	ErrTruncated = errors.New("truncated")
	ErrTrailing  = errors.New("trailing data")
	ErrTooLarge  = errors.New("length exceeds limit")
	ErrWrongType = errors.New("wrong message type")
)

// parser is the state shared by a reader and the sub-readers it hands out for
// vectors: the message name for errors and the first error met. After an
// error every read is a no-op, so parse functions check once at the end.
type parser struct {
	msg string
	err *ParseError
}

// reader walks one vector of the input. end is the offset, in the whole
// input, just past the bytes s holds, so the current offset is end-len(s).
type reader struct {
	p   *parser
	s   cryptobyte.String
	end int
}

// newReader reads data, which starts at offset base of the input.
func newReader(msg string, data []byte, base int) *reader {
	return &reader{p: &parser{msg: msg}, s: cryptobyte.String(data), end: base + len(data)}
}

func (r *reader) off() int { return r.end - len(r.s) }

func (r *reader) ok() bool { return r.p.err == nil }

func (r *reader) empty() bool { return len(r.s) == 0 }

// fail records the first error only: later reads cannot be more precise.
func (r *reader) fail(field string, off int, err error) {
	if r.p.err == nil {
		r.p.err = &ParseError{Message: r.p.msg, Field: field, Offset: off, Err: err}
	}
}

// error returns the first failure as an error (nil when none). It returns a
// plain nil interface, never a typed nil pointer.
func (r *reader) error() error {
	if r.p.err == nil {
		return nil
	}
	return r.p.err
}

func (r *reader) u8(field string) uint8 {
	var v uint8
	if r.ok() && !r.s.ReadUint8(&v) {
		r.fail(field, r.off(), ErrTruncated)
	}
	return v
}

func (r *reader) u16(field string) uint16 {
	var v uint16
	if r.ok() && !r.s.ReadUint16(&v) {
		r.fail(field, r.off(), ErrTruncated)
	}
	return v
}

func (r *reader) u24(field string) uint32 {
	var v uint32
	if r.ok() && !r.s.ReadUint24(&v) {
		r.fail(field, r.off(), ErrTruncated)
	}
	return v
}

func (r *reader) u32(field string) uint32 {
	var v uint32
	if r.ok() && !r.s.ReadUint32(&v) {
		r.fail(field, r.off(), ErrTruncated)
	}
	return v
}

// raw reads n bytes and copies them out (nil when n is 0), so that parsed
// messages never alias a buffer the caller may reuse.
func (r *reader) raw(field string, n int) []byte {
	var v []byte
	if !r.ok() {
		return nil
	}
	if !r.s.ReadBytes(&v, n) {
		r.fail(field, r.off(), ErrTruncated)
		return nil
	}
	return clone(v)
}

// rest reads everything left.
func (r *reader) rest() []byte {
	if !r.ok() {
		return nil
	}
	v := clone(r.s)
	r.s = r.s[len(r.s):]
	return v
}

// sub reads a vector with an lenBytes-byte length prefix and returns a reader
// over its contents. A short prefix fails as "<field>.length", short contents
// as "<field>".
func (r *reader) sub(field string, lenBytes int) *reader {
	return r.subNamed(field+".length", field, lenBytes)
}

// subNamed is sub with the length prefix and the contents named apart, as
// for "extensions[3].length" and "extensions[3].body".
func (r *reader) subNamed(lenField, field string, lenBytes int) *reader {
	child := &reader{p: r.p}
	if !r.ok() {
		return child
	}
	start := r.off()
	var n uint32
	var ok bool
	switch lenBytes {
	case 1:
		var v uint8
		ok = r.s.ReadUint8(&v)
		n = uint32(v)
	case 2:
		var v uint16
		ok = r.s.ReadUint16(&v)
		n = uint32(v)
	case 3:
		ok = r.s.ReadUint24(&n)
	}
	if !ok {
		r.fail(lenField, start, ErrTruncated)
		return child
	}
	contentStart := r.off()
	var v []byte
	if !r.s.ReadBytes(&v, int(n)) {
		r.fail(field, contentStart, ErrTruncated)
		return child
	}
	child.s = cryptobyte.String(v)
	child.end = r.off()
	return child
}

// vec reads a length-prefixed opaque vector and copies it out.
func (r *reader) vec(field string, lenBytes int) []byte {
	c := r.sub(field, lenBytes)
	return c.rest()
}

// done fails with ErrTrailing if bytes are left.
func (r *reader) done(field string) {
	if r.ok() && len(r.s) != 0 {
		r.fail(field, r.off(), ErrTrailing)
	}
}

func clone(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return append([]byte(nil), b...)
}

// idx names the i-th element of a vector: "cipher_suites[3]".
func idx(name string, i int) string {
	return name + "[" + strconv.Itoa(i) + "]"
}

// u16List reads a vector of 16-bit values (cipher suites, groups, schemes).
// An odd length fails on the element it cuts short.
func u16List[T ~uint16](r *reader, field string, lenBytes int) []T {
	c := r.sub(field, lenBytes)
	var out []T
	for i := 0; c.ok() && !c.empty(); i++ {
		var v uint16
		if !c.s.ReadUint16(&v) {
			c.fail(idx(field, i), c.off(), ErrTruncated)
			break
		}
		out = append(out, T(v))
	}
	return out
}

// u8List reads a vector of single bytes.
func u8List(r *reader, field string, lenBytes int) []uint8 {
	return r.vec(field, lenBytes)
}

// tooLong is the Marshal error for a vector that does not fit its prefix.
func tooLong(msg, path string, n, lenBytes int) error {
	return fmt.Errorf("wire: %s: %s: %d bytes do not fit a %d-byte length prefix: %w", msg, path, n, lenBytes, ErrTooLarge)
}
