package kx

import (
	"crypto/elliptic"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// LenientPoint reads a NIST curve point as an implementation without the
// point-format checks of RFC 8422 §5.1 and RFC 8446 §4.2.8.2 would: the
// compressed form decompressed, the X9.62 hybrid form taken as
// uncompressed. Other points, and points of other groups, are returned
// as they are. The reference server's misbehaviours use it to play such an
// implementation.
func LenientPoint(g wire.Group, point []byte) []byte {
	var curve elliptic.Curve
	switch g {
	case wire.GroupSecp256r1:
		curve = elliptic.P256()
	case wire.GroupSecp384r1:
		curve = elliptic.P384()
	case wire.GroupSecp521r1:
		curve = elliptic.P521()
	default:
		return point
	}
	size := (curve.Params().BitSize + 7) / 8
	switch {
	case len(point) == 1+size && (point[0] == 2 || point[0] == 3):
		x, y := elliptic.UnmarshalCompressed(curve, point)
		if x == nil {
			return point
		}
		return append(append([]byte{4}, x.FillBytes(make([]byte, size))...), y.FillBytes(make([]byte, size))...)
	case len(point) == 1+2*size && (point[0] == 6 || point[0] == 7):
		return append([]byte{4}, point[1:]...)
	}
	return point
}

// NullPoint reports whether point is the point at infinity (the single
// byte 0x00) or (0,0) in uncompressed form: points from which an
// implementation without validation derives an all-zero secret.
func NullPoint(point []byte) bool {
	if len(point) == 1 && point[0] == 0 {
		return true
	}
	if len(point) < 3 || point[0] != 4 {
		return false
	}
	for _, b := range point[1:] {
		if b != 0 {
			return false
		}
	}
	return true
}
