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

// LenientSecret is the shared secret an implementation without point
// validation derives from the peer's share in group g, when the other side
// can know it: ok is false when it cannot. secret is nil where it is the
// real shared secret (the peer's own point in compressed or hybrid form);
// otherwise it is the all-zero secret (an X25519 low-order point, RFC 7748
// §6.1; (0,0) or the identity on a NIST curve). certain is false for the
// NIST null points, whose zeros are what many such implementations derive,
// not what all of them do; what names the secret for a verdict.
func LenientSecret(g wire.Group, share []byte) (secret []byte, what string, certain, ok bool) {
	switch g {
	case wire.GroupX25519:
		if X25519LowOrder(share) {
			return make([]byte, 32), "the all-zero secret", true, true
		}
	case wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1:
		n := pointSize(g)
		size := (n - 1) / 2
		switch {
		case NullPoint(share):
			return make([]byte, size), "the all-zero secret (the point at infinity's x-coordinate)", false, true
		case len(share) == 1+size && (share[0] == 2 || share[0] == 3),
			len(share) == n && (share[0] == 6 || share[0] == 7):
			return nil, "the real shared secret (the share is the client's own point in another form)", true, true
		}
	}
	return nil, "", false, false
}
