package fuzz

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The go-fuzz and libFuzzer entry points take one byte string. It encodes
// the knobs of a native target's arguments in order, big-endian (a byte, a
// uint16 in two bytes, a uint64 in eight), and the raw bytes after them. A
// short input reads as zeros, so every byte string is an input.

// knobs reads the fixed-size head of an input.
type knobs struct{ b []byte }

func (k *knobs) take(n int) []byte {
	out := make([]byte, n)
	m := copy(out, k.b)
	k.b = k.b[m:]
	return out
}

func (k *knobs) u8() uint8   { return k.take(1)[0] }
func (k *knobs) u16() uint16 { return binary.BigEndian.Uint16(k.take(2)) }
func (k *knobs) u64() uint64 { return binary.BigEndian.Uint64(k.take(8)) }
func (k *knobs) rest() []byte {
	r := k.b
	k.b = nil
	return r
}

// DecodeHelloInput reads a HelloInput from the byte-string encoding.
func DecodeHelloInput(b []byte) HelloInput {
	k := knobs{b}
	return HelloInput{Offer: k.u8(), Template: k.u8(), Mode: k.u8(), Mutator: k.u16(), Seed: k.u64(), Data: k.rest()}
}

// Args are the native target's arguments.
func (in HelloInput) Args() []any {
	return []any{in.Offer, in.Template, in.Mode, in.Mutator, in.Seed, in.Data}
}

// DecodeCKEInput reads a CKEInput from the byte-string encoding.
func DecodeCKEInput(b []byte) CKEInput {
	k := knobs{b}
	return CKEInput{Version: k.u8(), Exchange: k.u8(), Mode: k.u8(), Mutator: k.u16(), Seed: k.u64(), Data: k.rest()}
}

// Args are the native target's arguments.
func (in CKEInput) Args() []any {
	return []any{in.Version, in.Exchange, in.Mode, in.Mutator, in.Seed, in.Data}
}

// DecodeRecordInput reads a RecordInput from the byte-string encoding.
func DecodeRecordInput(b []byte) RecordInput {
	k := knobs{b}
	return RecordInput{Offer: k.u8(), Flight: k.u8(), Mode: k.u8(), Mutator: k.u16(), Seed: k.u64(), Data: k.rest()}
}

// Args are the native target's arguments.
func (in RecordInput) Args() []any {
	return []any{in.Offer, in.Flight, in.Mode, in.Mutator, in.Seed, in.Data}
}

// DecodeFlightInput reads a FlightInput from the byte-string encoding.
func DecodeFlightInput(b []byte) FlightInput {
	k := knobs{b}
	return FlightInput{Offer: k.u8(), Mode: k.u8(), Data: k.rest()}
}

// Args are the native target's arguments.
func (in FlightInput) Args() []any { return []any{in.Offer, in.Mode, in.Data} }

// EncodeArgs is the byte-string encoding of a native target's arguments
// (uint8, uint16, uint64 and a last []byte).
func EncodeArgs(args []any) ([]byte, error) {
	var out []byte
	for i, a := range args {
		switch v := a.(type) {
		case uint8:
			out = append(out, v)
		case uint16:
			out = binary.BigEndian.AppendUint16(out, v)
		case uint64:
			out = binary.BigEndian.AppendUint64(out, v)
		case []byte:
			if i != len(args)-1 {
				return nil, fmt.Errorf("fuzz: []byte argument %d is not the last", i)
			}
			out = append(out, v...)
		default:
			return nil, fmt.Errorf("fuzz: argument %d: unsupported type %T", i, a)
		}
	}
	return out, nil
}

// corpusHeader is the first line of a native seed corpus file.
const corpusHeader = "go test fuzz v1"

// MarshalCorpusFile writes args in the format of testdata/fuzz/FuzzXxx
// files (the encoding `go test` reads; only the types the targets take).
func MarshalCorpusFile(args []any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(corpusHeader + "\n")
	for i, a := range args {
		switch v := a.(type) {
		case uint8:
			fmt.Fprintf(&b, "byte(%q)\n", v)
		case uint16, uint64:
			fmt.Fprintf(&b, "%T(%v)\n", v, v)
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		default:
			return nil, fmt.Errorf("fuzz: argument %d: unsupported type %T", i, a)
		}
	}
	return b.Bytes(), nil
}

// ParseCorpusFile reads a testdata/fuzz/FuzzXxx file back (the types
// MarshalCorpusFile writes; uint8 written as uint8(n) too).
func ParseCorpusFile(data []byte) ([]any, error) {
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != corpusHeader {
		return nil, fmt.Errorf("fuzz: not a %q file", corpusHeader)
	}
	var out []any
	for _, line := range lines[1:] {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		typ, arg, ok := strings.Cut(line, "(")
		if !ok || !strings.HasSuffix(arg, ")") {
			return nil, fmt.Errorf("fuzz: malformed line %q", line)
		}
		arg = strings.TrimSuffix(arg, ")")
		switch typ {
		case "byte":
			// %q of a byte is a rune literal: 'a', '\x01', 'ÿ' (U+00FF).
			s, err := strconv.Unquote(arg)
			r, size := utf8.DecodeRuneInString(s)
			if err != nil || size != len(s) || r > 0xff {
				return nil, fmt.Errorf("fuzz: malformed byte %q", arg)
			}
			out = append(out, uint8(r))
		case "uint8", "uint16", "uint64":
			bits, _ := strconv.Atoi(strings.TrimPrefix(typ, "uint"))
			n, err := strconv.ParseUint(arg, 0, bits)
			if err != nil {
				return nil, fmt.Errorf("fuzz: malformed %s %q: %w", typ, arg, err)
			}
			switch typ {
			case "uint8":
				out = append(out, uint8(n))
			case "uint16":
				out = append(out, uint16(n))
			default:
				out = append(out, n)
			}
		case "[]byte":
			s, err := strconv.Unquote(arg)
			if err != nil {
				return nil, fmt.Errorf("fuzz: malformed []byte: %w", err)
			}
			out = append(out, []byte(s))
		default:
			return nil, fmt.Errorf("fuzz: unsupported type %q", typ)
		}
	}
	return out, nil
}
