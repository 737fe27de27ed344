package fuzz_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tlsconform/tlsconform/fuzz"
	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

var (
	update = flag.Bool("update", false, "rewrite the generated seed corpora, testdata/fuzz/FuzzXxx/seed-*")
	export = flag.String("export", "", "write the seed corpus of -target (testdata/fuzz/TARGET/*) as go-fuzz and libFuzzer inputs into this directory")
	target = flag.String("target", "", "the target -export writes: FuzzClientHello, FuzzClientKeyExchange, FuzzRecord or FuzzServerFlight")
	maxLen = flag.Int("maxlen", 0, "with -export, leave out inputs longer than this (go-fuzz minimizes every input it loads: long ones cost minutes each)")
)

// seedPrefix marks the files the generator owns; anything else in a
// target's directory (a crasher kept as a regression seed) stays.
const seedPrefix = "seed-"

type seed struct {
	name string
	args []any
}

func index(list []string, name string) uint8 {
	i := slices.Index(list, name)
	if i < 0 {
		panic("no " + name + " in " + strings.Join(list, ","))
	}
	return uint8(i)
}

// oneEach keeps the first mutator of each family, with its index.
func oneEach(ms []mutators.Mutator) map[int]mutators.Mutator {
	out := map[int]mutators.Mutator{}
	seen := map[string]bool{}
	for i, m := range ms {
		if !seen[m.Family()] {
			seen[m.Family()] = true
			out[i] = m
		}
	}
	return out
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '+':
			return r
		}
		return '_'
	}, s)
}

// helloSeeds: every offer with every engine-built hello and every corpus
// hello sent unchanged (the fuzzer's bytes are the real marshalled hello:
// each of these must complete against crypto/tls, or in the corpus's case
// go as far as it can); each extension and a few fields of the default
// hello as they are; one mutator of each family.
func helloSeeds(t *testing.T, e func() *fuzz.Env) []seed {
	const s = 1
	modes, offers, templates := fuzz.HelloModes(), fuzz.Offers(), e().HelloTemplates()
	msg := index(modes, "message")
	var out []seed
	built := func(o, ti uint8) []byte {
		r := e().ClientHello(fuzz.HelloInput{Offer: o, Template: ti, Mode: msg, Seed: s})
		if r.Original == nil {
			t.Fatalf("no ClientHello built for %s %s: %s", offers[o], templates[ti], r.Outcome)
		}
		return r.Original
	}
	for ti, tn := range templates {
		for o, on := range offers {
			if strings.HasPrefix(tn, "corpus/") && o > 0 {
				break // a corpus hello offers what it offers
			}
			out = append(out, seed{fmt.Sprintf("%s-%s", on, tn), []any{uint8(o), uint8(ti), msg, uint16(0), uint64(s), built(uint8(o), uint8(ti))}})
		}
	}
	raw := built(0, 0)
	ch, err := wire.UnmarshalClientHello(raw)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, seed{"body", []any{uint8(0), uint8(0), index(modes, "body"), uint16(0), uint64(s), raw[4:]}})
	for i, x := range ch.Extensions {
		out = append(out, seed{"extension-" + x.Type.String(), []any{uint8(0), uint8(0), index(modes, "extension"), uint16(0), uint64(i), x.Body}})
	}
	_, layout, err := wire.MarshalLayout(ch)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range layout {
		switch f.Path {
		case "client_hello.session_id", "client_hello.cipher_suites", "client_hello.compression_methods.length", "client_hello.random":
			out = append(out, seed{"field-" + f.Path, []any{uint8(0), uint8(0), index(modes, "field"), uint16(0), uint64(i), raw[f.Start:f.End]}})
		}
	}
	grease := uint64(wire.GREASE(3)) | 1<<16
	out = append(out, seed{"append-grease", []any{uint8(0), uint8(0), index(modes, "append"), uint16(0), grease, []byte{}}})
	for _, on := range []string{"tls13+12", "tls12"} {
		o := index(offers, on)
		top := wire.VersionTLS13
		if on == "tls12" {
			top = wire.VersionTLS12
		}
		for i, m := range oneEach(fuzz.HelloMutators(top)) {
			out = append(out, seed{on + "-mutator-" + m.Name, []any{o, uint8(0), index(modes, "mutator"), uint16(i), uint64(s), []byte{}}})
		}
	}
	return out
}

// ckeSeeds: every version and key exchange unchanged; the valid exchange
// value as the fuzzer's bytes; a good pre-master secret; the PKCS#1 block
// as built; one mutator of each family.
func ckeSeeds(t *testing.T, e func() *fuzz.Env) []seed {
	const s = 1
	modes, versions, exchanges := fuzz.CKEModes(), fuzz.CKEVersions(), fuzz.CKEExchanges()
	msg := index(modes, "message")
	var out []seed
	for vi, v := range versions {
		for xi, xn := range exchanges {
			r := e().ClientKeyExchange(fuzz.CKEInput{Version: uint8(vi), Exchange: uint8(xi), Mode: msg, Seed: s})
			if r.Original == nil {
				t.Fatalf("no ClientKeyExchange built for %s %s: %s", v, xn, r.Outcome)
			}
			name := v.Short() + "-" + xn
			out = append(out, seed{name + "-message", []any{uint8(vi), uint8(xi), msg, uint16(0), uint64(s), r.Original}})
			if vi > 0 {
				continue
			}
			form := wire.KXECDHE
			if xn == "rsa" {
				form = wire.KXRSA
			}
			m, err := wire.UnmarshalClientKeyExchange(r.Original, wire.Context{Version: v, KeyExchange: form})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out,
				seed{name + "-exchange", []any{uint8(vi), uint8(xi), index(modes, "exchange"), uint16(0), uint64(s), m.Exchange}},
				seed{name + "-patch", []any{uint8(vi), uint8(xi), index(modes, "patch"), uint16(0), uint64(s), []byte{0}}})
			if xn == "rsa" {
				pms := append([]byte{3, 3}, make([]byte, 46)...)
				out = append(out,
					seed{name + "-pms", []any{uint8(vi), uint8(xi), index(modes, "pms"), uint16(0), uint64(s), pms}},
					seed{name + "-block", []any{uint8(vi), uint8(xi), index(modes, "block"), uint16(0), uint64(0), []byte{0, 1}}})
			}
		}
	}
	for i, m := range oneEach(fuzz.CKEMutators(wire.VersionTLS12)) {
		for xi := range []string{"rsa", "ecdhe-rsa-x25519"} {
			out = append(out, seed{fmt.Sprintf("%s-mutator-%s", exchanges[xi], m.Name), []any{uint8(0), uint8(xi), index(modes, "mutator"), uint16(i), uint64(s), []byte{}}})
		}
	}
	return out
}

// recordSeeds: the first two flights of every offer as they are; the
// ClientHello flight re-cut, with a record between, with its header as
// it is; records injected before each step; one framing mutator of each
// family.
func recordSeeds(t *testing.T, e func() *fuzz.Env) []seed {
	const s = 1
	modes, offers, steps := fuzz.RecordModes(), fuzz.Offers(), fuzz.RecordSteps()
	raw := index(modes, "raw")
	var out []seed
	for o, on := range offers {
		for flight := range uint8(2) {
			r := e().Record(fuzz.RecordInput{Offer: uint8(o), Flight: flight, Mode: raw, Seed: s})
			if r.Original == nil {
				t.Fatalf("no flight %d for %s: %s", flight, on, r.Outcome)
			}
			out = append(out, seed{fmt.Sprintf("%s-flight%d-raw", on, flight), []any{uint8(o), flight, raw, uint16(0), uint64(s), r.Original}})
			if flight == 0 && o == 0 {
				out = append(out, seed{on + "-flight0-header", []any{uint8(o), flight, index(modes, "header"), uint16(0), uint64(0), r.Original[:wire.RecordHeaderLen]}})
			}
		}
		out = append(out,
			seed{on + "-fragment", []any{uint8(o), uint8(0), index(modes, "fragment"), uint16(0), uint64(s), []byte{1, 3, 100, 7}}},
			seed{on + "-interleave-ccs", []any{uint8(o), uint8(0), index(modes, "interleave"), uint16(0), uint64(wire.ContentChangeCipherSpec) | 1<<8, []byte{1}}},
			seed{on + "-suffix", []any{uint8(o), uint8(1), index(modes, "suffix"), uint16(0), uint64(s), []byte{}}})
	}
	inject := index(modes, "inject")
	payloads := []struct {
		name string
		typ  wire.ContentType
		data []byte
	}{
		{"appdata", wire.ContentApplicationData, []byte("ping")},
		{"warning-close_notify", wire.ContentAlert, []byte{1, 0}},
		{"hello_request", wire.ContentHandshake, []byte{0, 0, 0, 0}},
		{"key_update", wire.ContentHandshake, []byte{24, 0, 0, 1, 0}},
		{"ccs", wire.ContentChangeCipherSpec, []byte{1}},
		{"heartbeat", wire.ContentType(24), []byte{1, 0, 16}},
	}
	for _, on := range []string{"tls13+12", "tls12"} {
		o := index(offers, on)
		for i, st := range steps {
			for _, p := range payloads {
				out = append(out, seed{fmt.Sprintf("%s-inject-%s-before-%s", on, p.name, st), []any{o, uint8(i), inject, uint16(0), uint64(p.typ), p.data}})
			}
		}
	}
	for i, m := range oneEach(fuzz.FramingMutators()) {
		out = append(out, seed{"framing-" + m.Name, []any{uint8(0), uint8(0), index(modes, "framing"), uint16(i), uint64(s), []byte{}}})
	}
	return out
}

// flightSeeds: crypto/tls's whole answer to the target's client for every
// offer (replayed, it completes the handshake); marshalled server messages
// for the framed mode; an alert.
func flightSeeds(t *testing.T, e func() *fuzz.Env) []seed {
	modes, offers := fuzz.FlightModes(), fuzz.Offers()
	var out []seed
	recorded := map[string][]byte{}
	for o, on := range offers {
		b, r := e().RecordServerFlight(uint8(o))
		if err := r.Check(); err != nil {
			t.Fatalf("recording %s: %v", on, err)
		}
		out = append(out, seed{on + "-recorded", []any{uint8(o), index(modes, "raw"), b}})
		recorded[on] = b
	}
	// The recorded TLS 1.2 flight, its handshake messages framed afresh by
	// the target; the TLS 1.3 ServerHello alone, and a HelloRetryRequest
	// made from it.
	for _, on := range []string{"tls12", "tls13"} {
		o := index(offers, on)
		msgs := plaintextHandshake(t, recorded[on])
		out = append(out, seed{on + "-handshake", []any{o, index(modes, "handshake"), msgs}})
		if on != "tls13" {
			continue
		}
		sh, err := wire.UnmarshalServerHello(msgs)
		if err != nil {
			t.Fatalf("recorded TLS 1.3 ServerHello: %v", err)
		}
		hrr := &wire.ServerHello{Version: wire.VersionTLS12, Random: wire.HelloRetryRequestRandom[:], SessionID: sh.SessionID, CipherSuite: sh.CipherSuite,
			Extensions: []wire.Extension{wire.SupportedVersionsServerExt(wire.VersionTLS13), wire.KeyShareHRRExt(wire.GroupSecp256r1)}}
		raw, err := hrr.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, seed{"helloretryrequest", []any{o, index(modes, "handshake"), raw}})
	}
	out = append(out, seed{"alert", []any{uint8(0), index(modes, "raw"), []byte{21, 3, 3, 0, 2, 2, 40}}})
	return out
}

// A generator calls e before each execution: as in the targets, crypto's
// randomness starts afresh, so the seed replays what it recorded.
// plaintextHandshake is the handshake payload of the plaintext records at
// the start of a recorded server stream: from the ServerHello up to the
// first record of another type (in TLS 1.3, the ServerHello alone).
func plaintextHandshake(t *testing.T, stream []byte) []byte {
	var out []byte
	for len(stream) > 0 {
		r, n, err := wire.ParseRecord(stream)
		if err != nil || r.Type != wire.ContentHandshake {
			break
		}
		out = append(out, r.Payload...)
		stream = stream[n:]
	}
	if len(out) == 0 {
		t.Fatal("the recorded stream starts with no handshake record")
	}
	return out
}

var generators = map[string]func(t *testing.T, e func() *fuzz.Env) []seed{
	"FuzzClientHello":       helloSeeds,
	"FuzzClientKeyExchange": ckeSeeds,
	"FuzzRecord":            recordSeeds,
	"FuzzServerFlight":      flightSeeds,
}

// TestSeedCorpus writes the seed corpora with -update (go test ./fuzz -run
// TestSeedCorpus -update); without it, it checks that every target has
// seeds that parse.
func TestSeedCorpus(t *testing.T) {
	for name, gen := range generators {
		dir := filepath.Join("testdata", "fuzz", name)
		if !*update {
			files, err := filepath.Glob(filepath.Join(dir, "*"))
			if err != nil || len(files) == 0 {
				t.Errorf("%s has no seeds: go test ./fuzz -run TestSeedCorpus -update", dir)
			}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err == nil {
					_, err = fuzz.ParseCorpusFile(b)
				}
				if err != nil {
					t.Errorf("%s: %v", f, err)
				}
			}
			// The seeds name the mutator they were made with by its index
			// in the registry: a registry that grew leaves a seed named
			// for one mutator and driving another.
			for _, s := range gen(t, func() *fuzz.Env { return env(t) }) {
				want, err := fuzz.MarshalCorpusFile(s.args)
				if err != nil {
					t.Fatal(err)
				}
				f := filepath.Join(dir, seedPrefix+slug(s.name))
				if got, err := os.ReadFile(f); err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s is missing or stale: go test ./fuzz -run TestSeedCorpus -update", f)
				}
			}
			continue
		}
		seeds := gen(t, func() *fuzz.Env { return env(t) })
		old, _ := filepath.Glob(filepath.Join(dir, seedPrefix+"*"))
		for _, f := range old {
			if err := os.Remove(f); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, s := range seeds {
			file := seedPrefix + slug(s.name)
			if seen[file] {
				t.Fatalf("%s: two seeds named %s", name, file)
			}
			seen[file] = true
			b, err := fuzz.MarshalCorpusFile(s.args)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%s: %d seeds", name, len(seeds))
	}
}

// TestExportCorpus writes a target's seed corpus in the byte-string form
// of the go-fuzz and libFuzzer entry points (make gofuzz / make libfuzzer
// call it): go test ./fuzz -run TestExportCorpus -export DIR -target FuzzX.
func TestExportCorpus(t *testing.T) {
	if *export == "" {
		t.Skip("no -export directory")
	}
	if _, ok := generators[*target]; !ok {
		t.Fatalf("-target %q: not a fuzz target", *target)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", *target, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(*export, 0o755); err != nil {
		t.Fatal(err)
	}
	written := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		args, err := fuzz.ParseCorpusFile(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		in, err := fuzz.EncodeArgs(args)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if *maxLen > 0 && len(in) > *maxLen {
			continue
		}
		written++
		if err := os.WriteFile(filepath.Join(*export, filepath.Base(f)), in, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d of %d inputs in %s", written, len(files), *export)
}

// TestServerFlightReplay: crypto/tls's answer to the server-flight
// target's client, replayed by the target, takes the client through the
// whole handshake: the target's client is deterministic.
func TestServerFlightReplay(t *testing.T) {
	e := env(t)
	raw := index(fuzz.FlightModes(), "raw")
	for o, on := range fuzz.Offers() {
		b, rec := e.RecordServerFlight(uint8(o))
		if err := rec.Check(); err != nil {
			t.Fatalf("%s: recording: %v", on, err)
		}
		r := fuzz.ServerFlight(fuzz.FlightInput{Offer: uint8(o), Mode: raw, Data: b})
		if r.Outcome.Kind != peers.OutcomeCompleted {
			t.Errorf("%s: the replayed flight ended with %s at %s, want completed", on, r.Outcome, r.Outcome.Step)
		}
	}
}
