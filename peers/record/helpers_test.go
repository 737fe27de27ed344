package record

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

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

func newHalf(t testing.TB, c combo, salt byte) *HalfConn {
	t.Helper()
	key, iv, macKey := testKeys(c, salt)
	var h *HalfConn
	var err error
	if c.v == wire.VersionTLS13 {
		h, err = NewHalfConn13(c.spec, key, iv)
	} else {
		h, err = NewHalfConn12(c.v, c.spec, key, iv, macKey)
	}
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	h.SetRand(seeded(1))
	return h
}

// pair returns a writer and a reader sharing keys.
func pair(t testing.TB, c combo) (w, r *HalfConn) {
	return newHalf(t, c, 0), newHalf(t, c, 0)
}

// seeded is a deterministic randomness source for explicit IVs.
func seeded(seed byte) *rand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// recordVersion is what the header carries: 0x0303 in TLS 1.3.
func recordVersion(v wire.Version) wire.Version {
	if v == wire.VersionTLS13 {
		return wire.VersionTLS12
	}
	return v
}

// rec is one record split from a byte stream.
type rec struct {
	typ     wire.ContentType
	version wire.Version
	payload []byte
	raw     []byte
}

// splitRecords parses back-to-back records.
func splitRecords(t testing.TB, b []byte) []rec {
	t.Helper()
	var out []rec
	for len(b) > 0 {
		if len(b) < HeaderLen {
			t.Fatalf("%d trailing bytes", len(b))
		}
		n := int(binary.BigEndian.Uint16(b[3:]))
		if len(b) < HeaderLen+n {
			t.Fatalf("record of %d bytes truncated to %d", n, len(b)-HeaderLen)
		}
		out = append(out, rec{
			typ:     wire.ContentType(b[0]),
			version: wire.Version(binary.BigEndian.Uint16(b[1:])),
			payload: b[HeaderLen : HeaderLen+n],
			raw:     b[:HeaderLen+n],
		})
		b = b[HeaderLen+n:]
	}
	return out
}

// sealedLen is the payload length a record of n plaintext bytes must have.
func sealedLen(c combo, n, pad int) int {
	switch {
	case c.v == wire.VersionTLS13:
		return n + 1 + pad + 16
	case c.spec.Bulk == suites.BulkChaCha20Poly1305:
		return n + 16
	case c.spec.AEAD():
		return 8 + n + 16
	}
	iv := 0
	if c.v >= wire.VersionTLS11 {
		iv = 16
	}
	return iv + (n+c.spec.MACLen+1+15)/16*16
}

func kindOf(err error) ErrorKind {
	if e, ok := err.(*Error); ok {
		return e.Kind
	}
	return 0
}

func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)*31 + seed
	}
	return b
}
