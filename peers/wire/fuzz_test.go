package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// The fuzz targets of this file build their seed inputs (f.Add) with the
// sample messages and goldens of the other test files, through fuzzSeeds,
// which fuzzseeds_test.go fills. ClusterFuzzLite builds each target with
// go-118-fuzz-build, which compiles this file alone (as a non-test file of
// the package) and whose F ignores seeds: there fuzzSeeds stays empty, and
// everything the targets execute is in this file or in the package.
var fuzzSeeds = map[string]func(f any){}

// addSeeds adds the seeds of the target named (without its Fuzz prefix:
// that name must occur in this file only).
func addSeeds(f any, target string) {
	if seed := fuzzSeeds[target]; seed != nil {
		seed(f)
	}
}

// fuzzContexts are the parse contexts FuzzUnmarshalHandshake picks from.
var fuzzContexts = func() []Context {
	var out []Context
	for _, v := range []Version{0, VersionTLS10, VersionTLS12, VersionTLS13} {
		for _, kx := range []KeyExchangeForm{KXUnknown, KXRSA, KXECDHE, KXDHE} {
			out = append(out, Context{Version: v, KeyExchange: kx})
		}
	}
	return out
}()

func ctxIndex(c Context) uint8 {
	for i, x := range fuzzContexts {
		if x == c {
			return uint8(i)
		}
	}
	return 0
}

func FuzzUnmarshalHandshake(f *testing.F) {
	addSeeds(f, "UnmarshalHandshake")
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		ctx := fuzzContexts[int(sel)%len(fuzzContexts)]
		m, err := UnmarshalHandshake(data, ctx)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a *ParseError: %v", err)
			}
			if m != nil {
				t.Fatalf("error with a non-nil message %#v", m)
			}
			return
		}
		// Every encoding is canonical for its Context: the bytes come back.
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed %T: %v", m, err)
		}
		if !bytes.Equal(out, data) {
			t.Fatalf("%T re-marshals differently:\n got %x\nwant %x", m, out, data)
		}
		again, err := UnmarshalHandshake(out, ctx)
		if err != nil || !sameValue(again, m) {
			t.Fatalf("re-parse: %v\n got %#v\nwant %#v", err, again, m)
		}
		lraw, lay, err := MarshalLayout(m)
		if err != nil || !bytes.Equal(lraw, data) {
			t.Fatalf("MarshalLayout: %v", err)
		}
		checkLayout(t, lraw, lay)
	})
}

// extFuzzer is one typed parser with the constructor that writes its value
// back.
type extFuzzer struct {
	name  string
	check func(body []byte) (out []byte, ok bool)
}

func extFuzzers() []extFuzzer {
	return []extFuzzer{
		{"server_name", func(b []byte) ([]byte, bool) {
			v, err := ParseServerName(b)
			if err != nil || len(b) == 0 {
				return nil, false
			}
			return ServerNameListExt(v...).Body, true
		}},
		{"supported_groups", func(b []byte) ([]byte, bool) {
			v, err := ParseSupportedGroups(b)
			return SupportedGroupsExt(v...).Body, err == nil
		}},
		{"ec_point_formats", func(b []byte) ([]byte, bool) {
			v, err := ParseECPointFormats(b)
			return ECPointFormatsExt(v...).Body, err == nil
		}},
		{"signature_algorithms", func(b []byte) ([]byte, bool) {
			v, err := ParseSignatureAlgorithms(b)
			return SignatureAlgorithmsExt(v...).Body, err == nil
		}},
		{"alpn", func(b []byte) ([]byte, bool) {
			v, err := ParseALPN(b)
			if err != nil {
				return nil, false
			}
			return ALPNExt(v...).Body, true
		}},
		{"supported_versions/client", func(b []byte) ([]byte, bool) {
			v, err := ParseSupportedVersionsClient(b)
			return SupportedVersionsClientExt(v...).Body, err == nil
		}},
		{"supported_versions/server", func(b []byte) ([]byte, bool) {
			v, err := ParseSupportedVersionsServer(b)
			return SupportedVersionsServerExt(v).Body, err == nil
		}},
		{"key_share/client", func(b []byte) ([]byte, bool) {
			v, err := ParseKeyShareClient(b)
			if err != nil {
				return nil, false
			}
			return KeyShareClientExt(v...).Body, true
		}},
		{"key_share/server", func(b []byte) ([]byte, bool) {
			v, err := ParseKeyShareServer(b)
			if err != nil {
				return nil, false
			}
			return KeyShareServerExt(v).Body, true
		}},
		{"key_share/hrr", func(b []byte) ([]byte, bool) {
			v, err := ParseKeyShareHRR(b)
			return KeyShareHRRExt(v).Body, err == nil
		}},
		{"renegotiation_info", func(b []byte) ([]byte, bool) {
			v, err := ParseRenegotiationInfo(b)
			if err != nil {
				return nil, false
			}
			return RenegotiationInfoExt(v).Body, true
		}},
		{"pre_shared_key/client", func(b []byte) ([]byte, bool) {
			v, err := ParsePreSharedKeyClient(b)
			if err != nil {
				return nil, false
			}
			return v.Extension().Body, true
		}},
		{"pre_shared_key/server", func(b []byte) ([]byte, bool) {
			v, err := ParsePreSharedKeyServer(b)
			return PreSharedKeyServerExt(v).Body, err == nil
		}},
		{"psk_key_exchange_modes", func(b []byte) ([]byte, bool) {
			v, err := ParsePSKKeyExchangeModes(b)
			return PSKKeyExchangeModesExt(v...).Body, err == nil
		}},
		{"cookie", func(b []byte) ([]byte, bool) {
			v, err := ParseCookie(b)
			if err != nil {
				return nil, false
			}
			return CookieExt(v).Body, true
		}},
		{"early_data/nst", func(b []byte) ([]byte, bool) {
			v, err := ParseEarlyDataNST(b)
			return EarlyDataNSTExt(v).Body, err == nil
		}},
	}
}

func FuzzExtensions(f *testing.F) {
	fz := extFuzzers()
	addSeeds(f, "Extensions")
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		c := fz[int(which)%len(fz)]
		out, ok := c.check(body)
		if ok && !bytes.Equal(out, body) {
			t.Fatalf("%s: parsed body re-marshals differently:\n got %x\nwant %x", c.name, out, body)
		}
		// Also inside a message: the layout must stay consistent whether
		// the body parses as its type or not.
		typs := []ExtensionType{ExtServerName, ExtKeyShare, ExtPreSharedKey, ExtALPN, ExtSupportedVersions, ExtCookie, ExtSupportedGroups, ExtEarlyData}
		typ := typs[int(which/16)%len(typs)]
		var m Message
		switch which % 3 {
		case 0:
			m = &ClientHello{Random: seq(0, 32), Extensions: []Extension{{Type: typ, Body: body}}}
		case 1:
			m = &ServerHello{Random: HelloRetryRequestRandom[:], Extensions: []Extension{{Type: typ, Body: body}}}
		default:
			m = &NewSessionTicket13{Extensions: []Extension{{Type: typ, Body: body}}}
		}
		raw, lay, err := MarshalLayout(m)
		if err != nil {
			if len(body) < 1<<16 {
				t.Fatal(err)
			}
			return
		}
		checkLayout(t, raw, lay)
	})
}

func FuzzRecord(f *testing.F) {
	addSeeds(f, "Record")
	f.Fuzz(func(t *testing.T, max uint16, data []byte) {
		rec, n, perr := ParseRecord(data)
		if perr == nil {
			if out := rec.Marshal(); !bytes.Equal(out, data[:n]) {
				t.Fatalf("record re-marshals differently")
			}
			if rec.Type == ContentAlert {
				if a, err := UnmarshalAlert(rec.Payload); err == nil && !bytes.Equal(a.Marshal(), rec.Payload) {
					t.Fatal("alert re-marshals differently")
				}
			}
		} else {
			var pe *ParseError
			if !errors.As(perr, &pe) {
				t.Fatalf("not a *ParseError: %v", perr)
			}
		}
		rr, raw, err := ReadRecord(bytes.NewReader(data), int(max))
		switch {
		case len(data) == 0:
			if err == nil {
				t.Fatal("record read from nothing")
			}
		case perr == nil && len(rec.Payload) <= int(max):
			if err != nil || !sameValue(rr, rec) || !bytes.Equal(raw, data[:n]) {
				t.Fatalf("ReadRecord disagrees with ParseRecord: %v", err)
			}
		case err == nil:
			t.Fatalf("ReadRecord accepted what ParseRecord (%v) or the limit %d refused", perr, max)
		}
	})
}

func FuzzHandshakeBuffer(f *testing.F) {
	addSeeds(f, "HandshakeBuffer")
	f.Fuzz(func(t *testing.T, max uint16, cuts []byte, data []byte) {
		// Reference: the stream split by hand at each announced length.
		var want [][]byte
		var wantErr bool
		limit := int(max)
		if limit == 0 {
			limit = DefaultHandshakeMax
		}
		rest := data
		for len(rest) >= 4 {
			n := int(rest[1])<<16 | int(rest[2])<<8 | int(rest[3])
			if n > limit {
				wantErr = true
				break
			}
			if len(rest) < 4+n {
				break
			}
			want = append(want, rest[:4+n])
			rest = rest[4+n:]
		}

		h := HandshakeBuffer{Max: int(max)}
		var got [][]byte
		var gotErr error
		i, c := 0, 0
		for i < len(data) && gotErr == nil {
			step := 1
			if len(cuts) > 0 {
				step = int(cuts[c%len(cuts)]) + 1
				c++
			}
			h.Write(data[i:min(i+step, len(data))])
			i += step
			for {
				m, ok, err := h.Next()
				if err != nil {
					gotErr = err
					break
				}
				if !ok {
					break
				}
				got = append(got, m)
				_, _ = UnmarshalHandshake(m, Context{Version: VersionTLS13})
			}
		}
		if wantErr != (gotErr != nil) {
			t.Fatalf("error %v, want error: %v", gotErr, wantErr)
		}
		if gotErr != nil && !errors.Is(gotErr, ErrTooLarge) {
			t.Fatalf("unexpected error %v", gotErr)
		}
		if len(got) != len(want) {
			t.Fatalf("%d messages, want %d", len(got), len(want))
		}
		for k := range got {
			if !bytes.Equal(got[k], want[k]) {
				t.Fatalf("message %d differs", k)
			}
		}
		if !wantErr && h.Buffered() != len(rest) {
			t.Fatalf("Buffered = %d, want %d", h.Buffered(), len(rest))
		}
	})
}

func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// sameValue is reflect.DeepEqual except that a nil slice equals an empty
// one: parsers return nil for empty vectors, constructors may not. Where nil
// and empty mean different bytes (the optional extensions block of the
// hellos) the byte comparisons of the tests catch the difference.
func sameValue(a, b any) bool {
	return sameV(reflect.ValueOf(a), reflect.ValueOf(b))
}

func sameV(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !sameV(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameV(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !sameV(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
		return a.Uint() == b.Uint()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// checkLayout checks a layout against its bytes: fields in range, unique
// paths, every length field's value equal to the size of what it covers,
// boundaries from 0 to len.
func checkLayout(t *testing.T, raw []byte, lay Layout) {
	t.Helper()
	seen := map[string]bool{}
	for i, f := range lay {
		if f.Start < 0 || f.End < f.Start || f.End > len(raw) {
			t.Errorf("%s: range [%d,%d) outside %d bytes", f.Path, f.Start, f.End, len(raw))
		}
		if seen[f.Path] {
			t.Errorf("duplicate path %s", f.Path)
		}
		seen[f.Path] = true
		if i > 0 && f.Start < lay[i-1].Start {
			t.Errorf("%s starts at %d before %s at %d", f.Path, f.Start, lay[i-1].Path, lay[i-1].Start)
		}
	}
	for _, f := range lay.Lengths() {
		c, ok := lay.Find(f.Covers)
		if !ok {
			t.Errorf("%s covers %q, which is not in the layout", f.Path, f.Covers)
			continue
		}
		var v int
		for _, b := range raw[f.Start:f.End] {
			v = v<<8 | int(b)
		}
		if v != c.End-c.Start {
			t.Errorf("%s = %d, but %s is %d bytes", f.Path, v, c.Path, c.End-c.Start)
		}
		if c.Start != f.End {
			t.Errorf("%s does not start right after its length %s", c.Path, f.Path)
		}
	}
	bs := lay.Boundaries()
	if len(bs) == 0 || bs[0] != 0 || bs[len(bs)-1] != len(raw) {
		t.Errorf("boundaries %v do not run from 0 to %d", bs, len(raw))
	}
	for i := 1; i < len(bs); i++ {
		if bs[i] <= bs[i-1] {
			t.Errorf("boundaries not sorted and distinct: %v", bs)
		}
	}
	for _, p := range []string{"handshake.type", "handshake.length", "handshake.body"} {
		if _, ok := lay.Find(p); !ok {
			t.Errorf("no %s in layout", p)
		}
	}
}
