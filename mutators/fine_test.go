package mutators

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// fineOn applies a fine mutator to a marshalled sample of its scope.
func fineOn(m Mutator, s fineSample, seed uint64) ([]byte, bool) {
	f := m.Bytes
	if f == nil {
		f = m.ClientMessage
	}
	return f(slices.Clone(s.msg), s.lay, Rand(seed, m.Name))
}

// TestFineRegistry: names unique, outside Registry, one change function
// of the scope's kind, every mutator applies to a sample of each of its
// versions, and the same seed gives the same bytes.
func TestFineRegistry(t *testing.T) {
	all := Fine()
	if len(all) < 300 {
		t.Errorf("%d fine mutators, want the ~334 the samples give", len(all))
	}
	seen := map[string]bool{}
	for _, m := range Registry() {
		seen[m.Name] = true
	}
	samples := fineSamples()
	for _, m := range all {
		if seen[m.Name] {
			t.Errorf("%s: in Registry too, or twice", m.Name)
		}
		seen[m.Name] = true
		if got, ok := FineByName(m.Name); !ok || got.Name != m.Name {
			t.Errorf("FineByName(%q) = %v", m.Name, ok)
		}
		scope, _, _ := strings.Cut(m.Name, "/")
		switch {
		case scope == "client_hello" && (m.Bytes == nil || m.ClientMessage != nil):
			t.Errorf("%s: a ClientHello mutator must set Bytes alone", m.Name)
		case scope != "client_hello" && (m.ClientMessage == nil || m.Bytes != nil):
			t.Errorf("%s: a later message's mutator must set ClientMessage alone", m.Name)
		case m.Hello != nil || m.CKE != nil || m.Framing != nil || m.ServerMessage != nil:
			t.Errorf("%s: another change function set", m.Name)
		}
		if typ, ok := ClientMessageType(m); scope != "client_hello" && (!ok || typ != ClientMessageTypes[scope]) {
			t.Errorf("%s: ClientMessageType = %v, %v", m.Name, typ, ok)
		}
		if m.Doc == "" || m.Expect.RFC == "" {
			t.Errorf("%s: no Doc or no RFC", m.Name)
		}
		for _, v := range chAllVersions {
			if !m.AppliesTo(v) {
				continue
			}
			applied := false
			for _, s := range samples {
				if s.scope != scope || !slices.Contains(s.versions, v) {
					continue
				}
				a, okA := fineOn(m, s, 3)
				b, okB := fineOn(m, s, 3)
				if okA != okB || !bytes.Equal(a, b) {
					t.Errorf("%s: not deterministic", m.Name)
				}
				if okA && bytes.Equal(a, s.msg) {
					t.Errorf("%s: applied and changed nothing", m.Name)
				}
				applied = applied || okA
			}
			if !applied {
				t.Errorf("%s: applies to no sample of TLS %s, one of its versions", m.Name, v.Short())
			}
		}
	}
}

// TestFineNeverPanics: on every prefix of a sample, with the sample's
// layout, a fine mutator returns, changed or not.
func TestFineNeverPanics(t *testing.T) {
	for _, s := range fineSamples() {
		for _, m := range Fine() {
			if !strings.HasPrefix(m.Name, s.scope+"/") {
				continue
			}
			for _, n := range []int{0, 1, 4, 5, len(s.msg) / 2, len(s.msg) - 1} {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s on %d of %d bytes: panic: %v", m.Name, n, len(s.msg), r)
						}
					}()
					f := m.Bytes
					if f == nil {
						f = m.ClientMessage
					}
					f(slices.Clone(s.msg[:n]), s.lay, Rand(1, m.Name))
				}()
			}
		}
	}
}

// TestFineNestedLies: the lie is in the one length the name names, the
// vector it counts holds one byte more or less, every other length counts
// what follows it, and the message no longer parses.
func TestFineNestedLies(t *testing.T) {
	for _, s := range fineSamples() {
		names := msgExtNames(s.scope, s.msg, s.lay)
		for _, m := range Fine() {
			class, ok := strings.CutPrefix(m.Name, s.scope+"/nested/")
			if !ok || strings.HasPrefix(class, "any/") {
				continue
			}
			class, lie, _ := strings.Cut(class, "/")
			out, ok := fineOn(m, s, 1)
			if !ok {
				continue
			}
			lf, _ := msgFindClass(s.scope, s.msg, s.lay, class, true)
			c, _ := s.lay.Find(lf.Covers)
			delta := 1
			if lie == "missing-byte" {
				delta = -1
			}
			if len(out) != len(s.msg)+delta {
				t.Errorf("%s: %d bytes from %d", m.Name, len(out), len(s.msg))
				continue
			}
			for _, f := range s.lay.Lengths() {
				at := f.Start
				if at >= c.End {
					at += delta // after the change: moved
				}
				got := int(readUint(out[at : at+f.End-f.Start]))
				fc, _ := s.lay.Find(f.Covers)
				want := fc.End - fc.Start
				if f.Path != lf.Path && fc.Start <= c.Start && c.End <= fc.End {
					want += delta
				}
				if got != want {
					fcls, _ := msgClass(s.scope, f.Path, names)
					t.Errorf("%s: length %s is %d, want %d", m.Name, fcls, got, want)
				}
			}
			var err error
			switch s.scope {
			case "client_hello":
				err = strictParse(out)
			default:
				form := wire.KXECDHE
				if strings.Contains(class, "encrypted") {
					form = wire.KXRSA
				}
				_, err = wire.UnmarshalHandshake(out, wire.Context{Version: wire.VersionTLS12, KeyExchange: form})
			}
			if err == nil {
				t.Errorf("%s: the lie parses", m.Name)
			}
		}
	}
}

// TestFinePointLengthLie is the example: an ECDHE
// ClientKeyExchange whose point length byte says 32 while 33 bytes follow,
// the handshake length counting them all.
func TestFinePointLengthLie(t *testing.T) {
	m, ok := FineByName("client_key_exchange/nested/ecdh_Yc/extra-byte")
	if !ok {
		t.Fatal("no client_key_exchange/nested/ecdh_Yc/extra-byte")
	}
	msg, err := (&wire.ClientKeyExchange{Form: wire.KXECDHE, Exchange: bytes.Repeat([]byte{9}, 32)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, ok, err := MutateClientMessage(m, msg, wire.Context{Version: wire.VersionTLS12, KeyExchange: wire.KXECDHE}, 1)
	if err != nil || !ok {
		t.Fatalf("applied %v, %v", ok, err)
	}
	if body := out[4:]; int(readUint(out[1:4])) != len(body) || body[0] != 32 || len(body) != 1+33 {
		t.Errorf("got %x: want a handshake length of 34, a point length of 32 and 33 bytes after it", out)
	}
	if m.Expect.Class != MustReject || !slices.Contains(m.Expect.Alerts, wire.AlertDecodeError) {
		t.Errorf("expectation %+v, want decode_error", m.Expect)
	}
}

// TestFineHostNames: every host name value keeps the ClientHello well
// formed (each length recomputed) and puts that value in host_name; the
// NUL one is the example.
func TestFineHostNames(t *testing.T) {
	ch := SampleHelloSNI(wire.VersionTLS13)
	msg, lay, err := wire.MarshalLayout(ch)
	if err != nil {
		t.Fatal(err)
	}
	const class = "extensions.server_name.server_name_list[0].host_name"
	for _, v := range hostValues {
		m, ok := FineByName("client_hello/value/" + class + "/" + v.name)
		if !ok {
			t.Errorf("no mutator for %s", v.name)
			continue
		}
		if m.Expect.Class != MayReject || m.Expect.RFC != rfcHostName {
			t.Errorf("%s: %s %s, want may-reject under RFC 6066 §3 (its rules bind the sender)", m.Name, m.Expect.Class, m.Expect.RFC)
		}
		out, ok := m.Bytes(slices.Clone(msg), lay, Rand(1, m.Name))
		if !ok {
			t.Errorf("%s: does not apply", m.Name)
			continue
		}
		if err := strictParse(out); err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		got, _ := wire.UnmarshalClientHello(out)
		e, _ := wire.FindExtension(got.Extensions, wire.ExtServerName)
		names, _ := wire.ParseServerName(e.Body)
		want, _ := v.change([]byte("example.com"), nil)
		if len(names) != 1 || !bytes.Equal(names[0].Name, want) {
			t.Errorf("%s: host_name %q, want %q", m.Name, names, want)
		}
		if v.name == "nul-inside" && !bytes.Contains(want, []byte{0}) {
			t.Errorf("nul-inside gives %q", want)
		}
	}
}

// TestFineValuesKeepLengths: a value in a field of a vector or an integer
// keeps the ClientHello's framing valid: only the value changed.
func TestFineValuesKeepLengths(t *testing.T) {
	for _, s := range fineSamples() {
		if s.scope != "client_hello" {
			continue
		}
		for _, m := range Fine() {
			if !strings.HasPrefix(m.Name, "client_hello/value/") || strings.HasPrefix(m.Name, "client_hello/value/random/") ||
				strings.HasPrefix(m.Name, "client_hello/value/any/") {
				continue
			}
			out, ok := fineOn(m, s, 1)
			if !ok {
				continue
			}
			if _, err := wire.UnmarshalHandshake(out, wire.Context{}); err != nil {
				t.Errorf("%s: %v", m.Name, err)
			}
		}
	}
}

// TestFineExpectations: nested lies are decode_error as the length lies
// of the same field; values claim no MUST but for the Finished and an RSA
// ciphertext.
func TestFineExpectations(t *testing.T) {
	for _, m := range Fine() {
		scope, rest, _ := strings.Cut(m.Name, "/")
		family, _, _ := strings.Cut(rest, "/")
		switch {
		case family == "nested" && strings.Contains(m.Name, "renegotiated_connection"):
			if m.Expect.Level(wire.VersionTLS12) != LevelShould {
				t.Errorf("%s: a byte after an empty renegotiated_connection is a malformed body, SHOULD-level before TLS 1.3", m.Name)
			}
		case family == "nested" && scope == "client_hello" && !strings.Contains(m.Name, "/any/"):
			class := strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(m.Name, "client_hello/nested/"), "/extra-byte"), "/missing-byte")
			if want := chLengthExpect(class); m.Expect.RFC != want.RFC || m.Expect.Class != want.Class || !slices.Equal(m.Expect.Alerts, want.Alerts) || len(m.Expect.Should) != len(want.Should) {
				t.Errorf("%s: %+v, want the length lies' %+v", m.Name, m.Expect, want)
			}
		case family == "nested" && m.Expect.Class == MayReject:
			t.Errorf("%s: a nested lie must be rejected", m.Name)
		case family == "value" && scope == "finished":
			if m.Expect.Class != MustReject {
				t.Errorf("%s: a changed verify_data must be rejected", m.Name)
			}
		case family == "value" && strings.Contains(m.Name, "encrypted_pre_master_secret"):
			if m.Expect.Class != Oracle {
				t.Errorf("%s: a changed RSA ciphertext is the oracle family", m.Name)
			}
		case family == "value" && m.Expect.Class != MayReject:
			t.Errorf("%s: %s, want may-reject", m.Name, m.Expect.Class)
		}
	}
}
