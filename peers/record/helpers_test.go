package record

import (
	"encoding/binary"
	"testing"

	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

func newHalf(t testing.TB, c combo, salt byte) *HalfConn {
	t.Helper()
	h, err := halfConn(c, salt)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// pair returns a writer and a reader sharing keys.
func pair(t testing.TB, c combo) (w, r *HalfConn) {
	return newHalf(t, c, 0), newHalf(t, c, 0)
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
