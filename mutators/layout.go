package mutators

import (
	"slices"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Layout primitives of the fine families (fine.go): changes aimed at one
// field of a marshalled message whose every enclosing length is then
// recomputed, so that what lies (if anything) is exactly the field the
// change is about.

// readUint reads a big-endian unsigned integer of up to 8 bytes.
func readUint(b []byte) uint64 {
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v
}

// putUint writes v big-endian into b (its low len(b) bytes).
func putUint(b []byte, v uint64) {
	for i := range b {
		b[i] = byte(v >> (8 * (len(b) - 1 - i)))
	}
}

// splice replaces msg[at:at+del], which lies inside the field scope,
// with ins, and re-fixes every length field that counts scope (its own
// included) except the one at path keep (the length that is to lie; ""
// keeps none): the vectors around the change grow or shrink with it;
// lengths inside scope are left as they were. It reports false when the
// change is outside scope or a length would leave its range.
func splice(msg []byte, lay wire.Layout, scope wire.Field, at, del int, ins []byte, keep string) ([]byte, bool) {
	if at < scope.Start || del < 0 || at+del > scope.End || scope.End > len(msg) {
		return nil, false
	}
	out := slices.Concat(msg[:at], ins, msg[at+del:])
	delta := int64(len(ins) - del)
	if delta == 0 {
		return out, true
	}
	for _, f := range lay.Lengths() {
		if f.Path == keep || f.End > scope.Start {
			continue
		}
		c, ok := lay.Find(f.Covers)
		if !ok || c.Start > scope.Start || c.End < scope.End {
			continue
		}
		n := f.End - f.Start
		v := int64(readUint(out[f.Start:f.End])) + delta
		if n < 1 || n > 4 || v < 0 || v >= int64(1)<<(8*n) {
			return nil, false
		}
		putUint(out[f.Start:f.End], uint64(v))
	}
	return out, true
}

// isLeaf says whether field i of lay holds no other field: no field after
// it in the layout starts inside it.
func isLeaf(lay wire.Layout, i int) bool {
	f := lay[i]
	for _, g := range lay[i+1:] {
		if g.Start >= f.End {
			break
		}
		if g.Start >= f.Start {
			return false
		}
	}
	return true
}

// covered is the set of fields some length field counts: the contents of
// vectors.
func covered(lay wire.Layout) map[string]bool {
	out := map[string]bool{}
	for _, f := range lay.Lengths() {
		out[f.Covers] = true
	}
	return out
}
