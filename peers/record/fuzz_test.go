package record

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// fuzzKinds is the Null protector plus one combo per record layout.
func fuzzKinds() []combo {
	return append([]combo{{}}, oneOfEach()...)
}

func fuzzHalf(c combo) (*HalfConn, error) {
	if c.spec == nil {
		return NewNull(), nil
	}
	return halfConn(c, 0)
}

// seedOpen adds the seed inputs, sealed with the helpers of the other test
// files (fuzzseeds_test.go sets it). ClusterFuzzLite builds the target
// with go-118-fuzz-build, which compiles this file alone (as a non-test
// file of the package) and whose F ignores seeds: there it stays nil, and
// everything the target executes is in this file or in the package.
var seedOpen func(f any)

// FuzzOpen feeds arbitrary records to every kind of protector. Open must
// never panic, never modify its input, fail only with a *Error of a known
// kind without moving the sequence number, and whatever it accepts must seal
// back to the same bytes.
func FuzzOpen(f *testing.F) {
	kinds := fuzzKinds()
	if seedOpen != nil {
		seedOpen(f)
	}
	f.Fuzz(func(t *testing.T, kind uint8, seq uint64, typ uint8, version uint16, payload []byte) {
		c := kinds[int(kind)%len(kinds)]
		h, err := fuzzHalf(c)
		if err != nil {
			t.Fatal(err)
		}
		h.SetSeq(seq)
		in := bytes.Clone(payload)
		gotTyp, pt, err := h.Open(wire.ContentType(typ), wire.Version(version), payload)
		if !bytes.Equal(in, payload) {
			t.Fatal("Open modified its payload")
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind < BadRecordMAC || e.Kind > InternalError || e.Reason == "" {
				t.Fatalf("error %v is not a record *Error", err)
			}
			if h.Seq() != seq {
				t.Fatalf("failed Open moved seq from %d to %d", seq, h.Seq())
			}
			return
		}
		if len(pt) > MaxPlaintext {
			t.Fatalf("accepted %d bytes of plaintext", len(pt))
		}
		passThrough := h.TLS13() && wire.ContentType(typ) == wire.ContentChangeCipherSpec
		if !passThrough && seq != ^uint64(0) && h.Seq() != seq+1 {
			t.Fatalf("seq %d after Open at %d", h.Seq(), seq)
		}
		if passThrough || c.spec == nil {
			if !bytes.Equal(pt, payload) {
				t.Fatal("pass-through changed the payload")
			}
			return
		}

		// What opened must seal back to the same record.
		w, err := fuzzHalf(c)
		if err != nil {
			t.Fatal(err)
		}
		w.SetSeq(seq)
		var sealed []byte
		switch {
		case c.v == wire.VersionTLS13:
			pad := len(payload) - 16 - 1 - len(pt)
			sealed, err = w.Seal(nil, gotTyp, wire.Version(version), pt, pad)
		case c.spec.AEAD():
			sealed, err = w.Seal(nil, gotTyp, wire.Version(version), pt, 0)
		default:
			ivLen := 0
			if c.v >= wire.VersionTLS11 {
				ivLen = 16
				w.SetRand(bytes.NewReader(payload[:16]))
			}
			padLen := len(payload) - ivLen - len(pt) - c.spec.MACLen
			padding := bytes.Repeat([]byte{byte(padLen - 1)}, padLen)
			sealed, err = w.SealCBC(nil, gotTyp, wire.Version(version), pt, padding)
		}
		if err != nil {
			t.Fatalf("resealing: %v", err)
		}
		if !bytes.Equal(sealed[HeaderLen:], payload) {
			t.Fatalf("resealed payload differs:\n got %x\nwant %x", sealed[HeaderLen:], payload)
		}
	})
}

// combo is one suite at one version it is defined for.
type combo struct {
	spec *suites.Spec
	v    wire.Version
}

func (c combo) String() string { return c.spec.Name() + "/" + c.v.Short() }

// combos lists every suite at every version it supports.
func combos() []combo {
	var out []combo
	for _, s := range suites.All() {
		for v := wire.VersionTLS10; v <= wire.VersionTLS13; v++ {
			if s.SupportsVersion(v) {
				out = append(out, combo{s, v})
			}
		}
	}
	return out
}

// oneOfEach is one combo per record-protection layout: the CBC, GCM and
// ChaCha20 variants at each version, for the slower exhaustive tests.
func oneOfEach() []combo {
	seen := map[string]bool{}
	var out []combo
	for _, c := range combos() {
		k := fmt.Sprintf("%s/%v/%s", c.spec.Bulk, c.spec.MAC, c.v)
		if !seen[k] {
			seen[k] = true
			out = append(out, c)
		}
	}
	return out
}

// testKeys returns distinct deterministic key material for c.
func testKeys(c combo, salt byte) (key, iv, macKey []byte) {
	fill := func(n int, base byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = base + byte(i)*7 + salt
		}
		return b
	}
	ivLen := c.spec.FixedIVLen
	if c.v == wire.VersionTLS13 {
		ivLen = 12
	}
	return fill(c.spec.KeyLen, 0x10), fill(ivLen, 0x80), fill(c.spec.MACLen, 0xc0)
}

// halfConn is a protector for c keyed with testKeys(c, salt), its
// randomness seeded(1).
func halfConn(c combo, salt byte) (*HalfConn, error) {
	key, iv, macKey := testKeys(c, salt)
	var h *HalfConn
	var err error
	if c.v == wire.VersionTLS13 {
		h, err = NewHalfConn13(c.spec, key, iv)
	} else {
		h, err = NewHalfConn12(c.v, c.spec, key, iv, macKey)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c, err)
	}
	h.SetRand(seeded(1))
	return h, nil
}

// seeded is a deterministic randomness source for explicit IVs.
func seeded(seed byte) *rand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}
