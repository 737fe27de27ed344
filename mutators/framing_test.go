package mutators_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// sampleHello is a ClientHello as the engine sends one, with
// pre_shared_key last when psk is set.
func sampleHello(t testing.TB, psk bool) []byte {
	t.Helper()
	ch := &wire.ClientHello{
		Version:            wire.VersionTLS12,
		Random:             bytes.Repeat([]byte{0xaa}, 32),
		SessionID:          bytes.Repeat([]byte{0xbb}, 32),
		CipherSuites:       []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		CompressionMethods: []uint8{0},
		Extensions: []wire.Extension{
			wire.ServerNameExt("example.com"),
			wire.SupportedGroupsExt(wire.GroupX25519, wire.GroupSecp256r1),
			wire.SignatureAlgorithmsExt(wire.ECDSAWithP256AndSHA256, wire.PSSWithSHA256),
			wire.SupportedVersionsClientExt(wire.VersionTLS13, wire.VersionTLS12),
			wire.KeyShareClientExt(wire.KeyShareEntry{Group: wire.GroupX25519, KeyExchange: bytes.Repeat([]byte{9}, 32)}),
		},
	}
	if psk {
		ch.Extensions = append(ch.Extensions, wire.PreSharedKeyClient{
			Identities: []wire.PSKIdentity{{Identity: []byte("ticket"), ObfuscatedTicketAge: 7}},
			Binders:    [][]byte{bytes.Repeat([]byte{1}, 32)},
		}.Extension())
	}
	raw, err := ch.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

type readRecord struct {
	rec wire.Record
	raw []byte
}

// readAll reads every record of b with wire.ReadRecord under limit max.
func readAll(t *testing.T, b []byte, max int) []readRecord {
	t.Helper()
	var out []readRecord
	r := bytes.NewReader(b)
	for {
		rec, raw, err := wire.ReadRecord(r, max)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("record %d: %v", len(out), err)
		}
		out = append(out, readRecord{rec, raw})
	}
}

// handshakeBytes is the handshake records' payloads back to back.
func handshakeBytes(recs []readRecord) []byte {
	var b []byte
	for _, r := range recs {
		if r.rec.Type == wire.ContentHandshake {
			b = append(b, r.rec.Payload...)
		}
	}
	return b
}

func frame(t *testing.T, name string, flight []byte, seed uint64) []byte {
	t.Helper()
	m, ok := mutators.ByName(name)
	if !ok || m.Framing == nil {
		t.Fatalf("no framing mutator %s", name)
	}
	out, ok := m.Framing(flight, wire.VersionTLS10, mutators.Rand(seed, name))
	if !ok {
		t.Fatalf("%s does not apply to a ClientHello", name)
	}
	return out
}

func TestFramingRegistry(t *testing.T) {
	all := mutators.Select("record/")
	if len(all) < 12 {
		t.Fatalf("%d record/ mutators, want at least 12", len(all))
	}
	seen := map[string]bool{}
	for _, m := range all {
		if seen[m.Name] {
			t.Errorf("duplicate name %s", m.Name)
		}
		seen[m.Name] = true
		if m.Framing == nil || m.Hello != nil || m.Bytes != nil || m.CKE != nil {
			t.Errorf("%s: want exactly Framing set", m.Name)
		}
		if m.Doc == "" || m.Expect.RFC == "" || m.Expect.Row == 0 {
			t.Errorf("%s: missing doc, RFC or row", m.Name)
		}
		if strings.ContainsAny(m.Name, " ^") {
			t.Errorf("%s: name has characters an id cannot carry", m.Name)
		}
	}
	// Names are unique across the whole registry too.
	names := map[string]int{}
	for _, m := range mutators.Registry() {
		names[m.Name]++
	}
	for n, k := range names {
		if k > 1 {
			t.Errorf("%s registered %d times", n, k)
		}
	}
}

// Same seed, same bytes; and the random ones do depend on the seed.
func TestFramingDeterministic(t *testing.T) {
	flight := sampleHello(t, false)
	for _, m := range mutators.Select("record/") {
		a, okA := m.Framing(flight, wire.VersionTLS10, mutators.Rand(7, m.Name))
		b, okB := m.Framing(flight, wire.VersionTLS10, mutators.Rand(7, m.Name))
		if okA != okB || !bytes.Equal(a, b) {
			t.Errorf("%s: two runs with one seed differ", m.Name)
		}
	}
	if bytes.Equal(frame(t, "record/fragment/random", flight, 1), frame(t, "record/fragment/random", flight, 2)) {
		t.Error("record/fragment/random: seeds 1 and 2 give the same framing")
	}
}

// Every mutator survives every input: empty, short, garbage, truncated
// and real flights, at every record version.
func TestFramingNeverPanics(t *testing.T) {
	hello := sampleHello(t, true)
	inputs := [][]byte{nil, {}, {1}, {1, 0, 0}, {1, 0, 0, 9, 1}, hello[:40], hello, slices.Concat(hello, hello), bytes.Repeat([]byte{0xff}, 300)}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		b := make([]byte, rnd.IntN(600))
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		inputs = append(inputs, b)
	}
	for _, m := range mutators.Select("record/") {
		for i, in := range inputs {
			for _, v := range []wire.Version{wire.VersionTLS10, wire.VersionTLS12, 0} {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s on input %d: panic %v", m.Name, i, r)
						}
					}()
					out, ok := m.Framing(slices.Clone(in), v, mutators.Rand(uint64(i), m.Name))
					if ok && len(out) == 0 {
						t.Errorf("%s on input %d: applies but sends nothing", m.Name, i)
					}
				}()
			}
		}
	}
}

// What each framing sends reads back as records, and the handshake
// records carry the flight (or, for the two that pad it, the padded
// ClientHello).
func TestFramingOutput(t *testing.T) {
	flight := sampleHello(t, true)
	const v = wire.VersionTLS10
	big := wire.MaxCiphertext12

	check := map[string]func(t *testing.T, recs []readRecord){
		"record/fragment/one-byte": func(t *testing.T, recs []readRecord) {
			for _, r := range recs {
				if r.rec.Type != wire.ContentHandshake || len(r.rec.Payload) != 1 || r.rec.Version != v {
					t.Fatalf("record %v %s %d bytes, want one-byte handshake records", r.rec.Type, r.rec.Version, len(r.rec.Payload))
				}
			}
		},
		"record/fragment/random": func(t *testing.T, recs []readRecord) {
			if len(recs) < len(flight)/64 {
				t.Fatalf("%d records for %d bytes", len(recs), len(flight))
			}
			for _, r := range recs {
				if n := len(r.rec.Payload); n < 1 || n > 64 {
					t.Fatalf("record of %d bytes, want 1 to 64", n)
				}
			}
		},
		"record/unknown-type/first": func(t *testing.T, recs []readRecord) {
			if recs[0].rec.Type != 99 || recs[1].rec.Type != wire.ContentHandshake {
				t.Fatalf("records %v, %v: want type 99 then handshake", recs[0].rec.Type, recs[1].rec.Type)
			}
		},
		"record/version/mixed-03xx": func(t *testing.T, recs []readRecord) {
			var got []wire.Version
			for _, r := range recs {
				got = append(got, r.rec.Version)
			}
			if want := []wire.Version{v, 0x0300, 0x0304, 0x03ff}; !slices.Equal(got, want) {
				t.Fatalf("record versions %v, want %v", got, want)
			}
		},
		"record/version/below-0300": func(t *testing.T, recs []readRecord) {
			if len(recs) != 2 || recs[0].rec.Version != v || recs[1].rec.Version != 0x0200 {
				t.Fatalf("want two records, the second {02,00}")
			}
		},
		"record/zero-length/handshake": func(t *testing.T, recs []readRecord) {
			if recs[0].rec.Type != wire.ContentHandshake || len(recs[0].rec.Payload) != 0 || len(recs[1].rec.Payload) == 0 {
				t.Fatal("want an empty handshake record first, then the hello")
			}
		},
		"record/zero-length/alert": func(t *testing.T, recs []readRecord) {
			if recs[0].rec.Type != wire.ContentAlert || len(recs[0].rec.Payload) != 0 {
				t.Fatal("want an empty alert record first")
			}
		},
		"record/interleave/alert": func(t *testing.T, recs []readRecord) {
			if len(recs) != 3 || recs[1].rec.Type != wire.ContentAlert {
				t.Fatal("want handshake, alert, handshake")
			}
			if a, err := wire.UnmarshalAlert(recs[1].rec.Payload); err != nil || a.Level != wire.AlertLevelWarning {
				t.Fatalf("interleaved alert %v, %v: want a warning", a, err)
			}
		},
		"record/interleave/ccs": func(t *testing.T, recs []readRecord) {
			if len(recs) != 3 || recs[1].rec.Type != wire.ContentChangeCipherSpec || !bytes.Equal(recs[1].rec.Payload, []byte{1}) {
				t.Fatal("want handshake, ChangeCipherSpec 01, handshake")
			}
		},
		"record/warning-alert-first": func(t *testing.T, recs []readRecord) {
			a, err := wire.UnmarshalAlert(recs[0].rec.Payload)
			if recs[0].rec.Type != wire.ContentAlert || err != nil || a.Level != wire.AlertLevelWarning || a.Description == wire.AlertCloseNotify {
				t.Fatalf("first record %v %v: want a warning alert other than close_notify", recs[0].rec.Type, a)
			}
		},
	}
	padded := map[string]int{"record/fragment/large-hello": wire.MaxPlaintext + 1024, "record/oversize": wire.MaxPlaintext + 1}

	for _, m := range mutators.Select("record/") {
		t.Run(m.Name, func(t *testing.T) {
			out, ok := m.Framing(flight, v, mutators.Rand(1, m.Name))
			if m.Name == "record/coalesce" {
				if ok {
					t.Fatal("coalesce applies to a one-message flight")
				}
				return
			}
			if !ok {
				t.Fatal("does not apply to a ClientHello")
			}
			recs := readAll(t, out, big)
			hs := handshakeBytes(recs)
			if size, ok := padded[m.Name]; ok {
				if len(hs) != size {
					t.Fatalf("padded hello of %d bytes, want %d", len(hs), size)
				}
				ch, err := wire.UnmarshalClientHello(hs)
				if err != nil {
					t.Fatalf("padded hello does not parse: %v", err)
				}
				if n := len(ch.Extensions); ch.Extensions[n-1].Type != wire.ExtPreSharedKey || ch.Extensions[n-2].Type != wire.ExtPadding {
					t.Fatal("padding must go just before pre_shared_key")
				}
			} else if !bytes.Equal(hs, flight) {
				t.Fatal("the handshake records do not carry the flight")
			}
			if f := check[m.Name]; f != nil {
				f(t, recs)
			}
		})
	}
}

func TestFramingSizes(t *testing.T) {
	for _, psk := range []bool{false, true} {
		flight := sampleHello(t, psk)
		// The oversize record is one record of 2^14+1 bytes, which a reader
		// held to 2^14 refuses before reading it.
		out := frame(t, "record/oversize", flight, 1)
		if recs := readAll(t, out, wire.MaxCiphertext12); len(recs) != 1 || len(recs[0].rec.Payload) != wire.MaxPlaintext+1 {
			t.Fatalf("oversize: want one record of 2^14+1 bytes")
		}
		if _, _, err := wire.ReadRecord(bytes.NewReader(out), wire.MaxPlaintext); !errors.Is(err, wire.ErrTooLarge) {
			t.Fatalf("oversize under a 2^14 limit: %v, want ErrTooLarge", err)
		}
		// The large hello fills a first record of exactly 2^14, then the rest.
		recs := readAll(t, frame(t, "record/fragment/large-hello", flight, 1), wire.MaxPlaintext)
		if len(recs) != 2 || len(recs[0].rec.Payload) != wire.MaxPlaintext || len(recs[1].rec.Payload) != 1024 {
			t.Fatalf("large-hello: %d records, want 2^14 then 1024 bytes", len(recs))
		}
	}
	// A hello without an extensions block gets one.
	ch := &wire.ClientHello{Version: wire.VersionTLS10, Random: make([]byte, 32), CipherSuites: []wire.CipherSuite{0x002f}, CompressionMethods: []uint8{0}}
	raw, err := ch.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	hs := handshakeBytes(readAll(t, frame(t, "record/oversize", raw, 1), wire.MaxCiphertext12))
	if got, err := wire.UnmarshalClientHello(hs); err != nil || len(hs) != wire.MaxPlaintext+1 || len(got.Extensions) != 1 {
		t.Fatalf("padded extension-less hello: %d bytes, %v", len(hs), err)
	}
}

// Coalescing applies to a flight of several messages: one record.
func TestFramingCoalesce(t *testing.T) {
	fin, err := (&wire.Finished{VerifyData: make([]byte, 12)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	flight := slices.Concat(sampleHello(t, false), fin)
	recs := readAll(t, frame(t, "record/coalesce", flight, 1), wire.MaxPlaintext)
	if len(recs) != 1 || !bytes.Equal(recs[0].rec.Payload, flight) {
		t.Fatalf("%d records, want the whole flight in one", len(recs))
	}
}
