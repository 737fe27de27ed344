package record

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// fuzzKinds is the Null protector plus one combo per record layout.
func fuzzKinds() []combo {
	return append([]combo{{}}, oneOfEach()...)
}

func fuzzHalf(t testing.TB, c combo) *HalfConn {
	if c.spec == nil {
		return NewNull()
	}
	return newHalf(t, c, 0)
}

// FuzzOpen feeds arbitrary records to every kind of protector. Open must
// never panic, never modify its input, fail only with a *Error of a known
// kind without moving the sequence number, and whatever it accepts must seal
// back to the same bytes.
func FuzzOpen(f *testing.F) {
	kinds := fuzzKinds()
	for i, c := range kinds {
		w := fuzzHalf(f, c)
		for _, n := range []int{0, 1, 16, 100} {
			seq := uint64(n)
			w.SetSeq(seq)
			typ := wire.ContentHandshake
			b, err := w.Seal(nil, typ, recordVersion(c.v), pattern(n, 1), n%3)
			if err != nil {
				f.Fatal(err)
			}
			rc := splitRecords(f, b)[0]
			f.Add(uint8(i), seq, uint8(rc.typ), uint16(rc.version), rc.payload)
		}
		f.Add(uint8(i), uint64(0), uint8(23), uint16(0x0303), []byte{})
		f.Add(uint8(i), uint64(0), uint8(20), uint16(0x0303), []byte{1})
	}
	f.Fuzz(func(t *testing.T, kind uint8, seq uint64, typ uint8, version uint16, payload []byte) {
		c := kinds[int(kind)%len(kinds)]
		h := fuzzHalf(t, c)
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
		w := fuzzHalf(t, c)
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
