package record

import (
	"testing"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// The seed inputs of the fuzz target of fuzz_test.go, which takes them
// from here (seedOpen) so that it compiles without this file's helpers.
func init() {
	seedOpen = func(a any) {
		f := a.(*testing.F)
		kinds := fuzzKinds()
		for i, c := range kinds {
			w, err := fuzzHalf(c)
			if err != nil {
				f.Fatal(err)
			}
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
	}
}
