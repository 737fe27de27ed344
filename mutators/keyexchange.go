package mutators

import (
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// ClientKeyExchange mutators (RFC 5246 §7.4.7; RFC 8422 §5.7; RFC 7748
// §6.1), in two families:
//
//   - client_key_exchange/rsa/...: the EncryptedPreMasterSecret of RSA key
//     transport (RFC 5246 §7.4.7.1). Every PKCS#1 v1.5 variant is built as
//     a block (00 02 PS 00 PMS, RFC 8017 §7.2.1) with one thing wrong and
//     encrypted raw under the server's key, so the server sees exactly
//     that block after decryption. A server must treat each like a good
//     pre-master secret with a wrong Finished (Oracle).
//   - client_key_exchange/ecdhe/...: the client's ECPoint (RFC 8422 §5.7):
//     points a server must refuse (RFC 8422 §5.11, RFC 7748 §6.1).
//
// The mutators that lie in a length field return the whole body (raw).

const (
	rfcRSAKX   = "RFC 5246 §7.4.7.1"
	rfcCKE     = "RFC 5246 §7.4.7, §7.2.2"
	rfcECPoint = "RFC 8422 §5.7, §5.11"
	rfcX25519  = "RFC 7748 §6.1; RFC 8422 §5.11"
)

// tls10to12 are the versions with a ClientKeyExchange.
func tls10to12() []wire.Version {
	return []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12}
}

// oracle is an Oracle expectation; alts are answers the RFC allows instead
// of the one a good pre-master secret with a wrong Finished gets.
func oracle(rfc string, row int, alts ...wire.AlertDescription) Expectation {
	return Expectation{Class: Oracle, Alerts: alts, RFC: rfc, Row: row}
}

// keyExchangeMutators change a ClientKeyExchange: RSA key transport and
// ECDHE public values.
func keyExchangeMutators() []Mutator {
	return slices.Concat(rsaMutators(), ecdheMutators())
}

// rsaMutator names an RSA mutator and fixes its versions.
func rsaMutator(name, doc string, e Expectation, f CKE) Mutator {
	return Mutator{Name: "client_key_exchange/rsa/" + name, Doc: doc, Expect: e, Versions: tls10to12(), CKE: f}
}

func rsaMutators() []Mutator {
	padding := oracle(rfcRSAKX, 47)
	out := []Mutator{
		// Row 47: the block's framing.
		rsaMutator("leading-byte-01", "a PKCS#1 block that begins 0x01 instead of 0x00", padding,
			rsaBlock(kx.PreMasterSecretSize, func(b []byte, _ KeyExchange, _ *rand.Rand) { b[0] = 0x01 })),
		rsaMutator("no-separator", "a PKCS#1 block with no zero byte after the block type (no separator)", padding,
			rsaBlock(kx.PreMasterSecretSize, func(b []byte, _ KeyExchange, rnd *rand.Rand) {
				for i := 2; i < len(b); i++ {
					for b[i] == 0 {
						b[i] = byte(rnd.Uint32())
					}
				}
			})),
		rsaMutator("zero-in-padding-first", "a PKCS#1 block whose padding string begins with a zero byte (an empty padding string)", padding,
			rsaBlock(kx.PreMasterSecretSize, func(b []byte, _ KeyExchange, _ *rand.Rand) { b[2] = 0 })),
		rsaMutator("zero-in-padding-eighth", "a PKCS#1 block with a zero as the eighth padding byte (a padding string of 7 bytes, below the minimum of 8)", padding,
			rsaBlock(kx.PreMasterSecretSize, func(b []byte, _ KeyExchange, _ *rand.Rand) { b[9] = 0 })),
	}
	for _, t := range []byte{0x00, 0x01, 0xff} {
		out = append(out, rsaMutator("block-type-"+hex.EncodeToString([]byte{t}),
			"a PKCS#1 block of type 0x"+hex.EncodeToString([]byte{t})+" instead of 0x02", padding,
			rsaBlock(kx.PreMasterSecretSize, func(b []byte, _ KeyExchange, _ *rand.Rand) { b[1] = t })))
	}
	// Row 47: a pre-master secret of the wrong length, its first two bytes
	// still the client version.
	for _, n := range []int{0, 4, 47, 49} {
		name := "pms-" + strconv.Itoa(n) + "-bytes"
		out = append(out, rsaMutator(name, "a well-formed PKCS#1 block carrying a pre-master secret of "+strconv.Itoa(n)+" bytes instead of 48", padding,
			rsaBlock(n, nil)))
	}
	// Row 48: the version in the pre-master secret is not
	// ClientHello.client_version.
	version := oracle(rfcRSAKX, 48)
	out = append(out,
		rsaMutator("pms-version-ssl30", "a pre-master secret whose version is {3,0} (SSL 3.0) instead of ClientHello.client_version", version,
			rsaVersion(func(wire.Version) wire.Version { return wire.VersionSSL30 })),
		rsaMutator("pms-version-higher", "a pre-master secret whose version is one above ClientHello.client_version", version,
			rsaVersion(func(v wire.Version) wire.Version { return v + 1 })),
	)
	swapped := rsaMutator("pms-version-swapped", "a pre-master secret whose version bytes are swapped ({minor, major})", version,
		rsaVersion(func(v wire.Version) wire.Version { return v<<8 | v>>8 }))
	// At TLS 1.2, {3,3} swapped is itself.
	swapped.Versions = []wire.Version{wire.VersionTLS10, wire.VersionTLS11}
	out = append(out, swapped)

	// Row 49: encrypted values a server must not tell from a bad padding,
	// and ciphertexts of the wrong length (decode_error allowed).
	values := oracle(rfcRSAKX, 49)
	wrongLength := oracle(rfcRSAKX, 49, wire.AlertDecodeError)
	out = append(out,
		rsaMutator("ciphertext-zero", "an encrypted pre-master secret that is all zeros", values,
			rsaCiphertext(func(in KeyExchange, _ []byte) []byte { return make([]byte, in.RSA.Size()) })),
		rsaMutator("ciphertext-modulus", "an encrypted pre-master secret equal to the modulus", values,
			rsaCiphertext(func(in KeyExchange, _ []byte) []byte { return in.RSA.N.FillBytes(make([]byte, in.RSA.Size())) })),
		rsaMutator("ciphertext-above-modulus", "an encrypted pre-master secret above the modulus (all 0xff)", values,
			rsaCiphertext(func(in KeyExchange, _ []byte) []byte {
				b := make([]byte, in.RSA.Size())
				for i := range b {
					b[i] = 0xff
				}
				return b
			})),
		rsaMutator("ciphertext-short", "an encrypted pre-master secret one byte shorter than the modulus", wrongLength,
			rsaCiphertext(func(_ KeyExchange, ct []byte) []byte { return ct[:len(ct)-1] })),
		rsaMutator("ciphertext-long", "an encrypted pre-master secret one byte longer than the modulus (a zero in front)", wrongLength,
			rsaCiphertext(func(_ KeyExchange, ct []byte) []byte { return append([]byte{0}, ct...) })),
		rsaMutator("ciphertext-empty", "an empty encrypted pre-master secret (a length of zero)", wrongLength,
			rsaCiphertext(func(KeyExchange, []byte) []byte { return []byte{} })),
	)

	// Row 50: the length of the EncryptedPreMasterSecret lies, or the
	// message is empty. RFC 5246 §7.4.7.1 lets a server go on with a
	// random pre-master secret whatever went wrong with the encrypted
	// one, so the answer of a good pre-master secret with a wrong
	// Finished is as right as decode_error.
	lie := oracle(rfcRSAKX, 50, wire.AlertDecodeError)
	out = append(out,
		rsaMutator("length-short", "a ClientKeyExchange whose EncryptedPreMasterSecret length is one less than the bytes that follow", lie,
			rsaRaw(func(ct []byte) []byte { return prefix16(len(ct)-1, ct) })),
		rsaMutator("length-long", "a ClientKeyExchange whose EncryptedPreMasterSecret length is one more than the bytes that follow", lie,
			rsaRaw(func(ct []byte) []byte { return prefix16(len(ct)+1, ct) })),
		rsaMutator("empty", "an empty ClientKeyExchange (no EncryptedPreMasterSecret length)", lie,
			rsaRaw(func([]byte) []byte { return []byte{} })),
	)
	return out
}

// rsaUsable reports whether the key leaves room for a PKCS#1 v1.5 block
// of a 48-byte secret (RFC 8017 §7.2.1: k ≥ mLen + 11).
func rsaUsable(in KeyExchange) bool {
	return in.RSA != nil && in.RSA.N != nil && in.RSA.N.Sign() > 0 && in.RSA.E > 0 && in.RSA.Size() >= kx.PreMasterSecretSize+11+1
}

// rsaBlock builds 00 02 PS 00 M with an n-byte message M (the client
// version, then random bytes), lets change alter the block, and encrypts
// it raw. Padding and message come from rnd.
func rsaBlock(n int, change func(b []byte, in KeyExchange, rnd *rand.Rand)) CKE {
	return func(in KeyExchange, rnd *rand.Rand) ([]byte, bool, bool) {
		if !rsaUsable(in) {
			return nil, false, false
		}
		msg := make([]byte, n)
		fill(msg, rnd)
		if n >= 2 {
			msg[0], msg[1] = byte(in.ClientVersion>>8), byte(in.ClientVersion)
		}
		b, err := kx.PKCS1Block(in.RSA.Size(), msg, reader{rnd})
		if err != nil {
			return nil, false, false
		}
		if change != nil {
			change(b, in, rnd)
		}
		return kx.RawRSAEncrypt(in.RSA, b), false, true
	}
}

// rsaVersion is a well-formed block whose 48-byte secret carries the
// version v makes of ClientHello.client_version.
func rsaVersion(v func(wire.Version) wire.Version) CKE {
	return rsaBlock(kx.PreMasterSecretSize, func(b []byte, in KeyExchange, _ *rand.Rand) {
		w := v(in.ClientVersion)
		at := len(b) - kx.PreMasterSecretSize
		b[at], b[at+1] = byte(w>>8), byte(w)
	})
}

// rsaGood is the correct encryption of a fresh pre-master secret.
func rsaGood(in KeyExchange, rnd *rand.Rand) ([]byte, bool) {
	ct, _, ok := rsaBlock(kx.PreMasterSecretSize, nil)(in, rnd)
	return ct, ok
}

// rsaCiphertext replaces the ciphertext: f gets a correct one.
func rsaCiphertext(f func(in KeyExchange, ct []byte) []byte) CKE {
	return func(in KeyExchange, rnd *rand.Rand) ([]byte, bool, bool) {
		ct, ok := rsaGood(in, rnd)
		if !ok {
			return nil, false, false
		}
		return f(in, ct), false, true
	}
}

// rsaRaw replaces the whole body: f gets a correct ciphertext.
func rsaRaw(f func(ct []byte) []byte) CKE {
	return func(in KeyExchange, rnd *rand.Rand) ([]byte, bool, bool) {
		ct, ok := rsaGood(in, rnd)
		if !ok {
			return nil, false, false
		}
		return f(ct), true, true
	}
}

// prefix16 puts a 2-byte length n (kept within 16 bits) before b.
func prefix16(n int, b []byte) []byte {
	n = max(min(n, 0xffff), 0)
	return append([]byte{byte(n >> 8), byte(n)}, b...)
}

// ecdheMutator names an ECDHE mutator and fixes its versions.
func ecdheMutator(name, doc string, e Expectation, f CKE) Mutator {
	return Mutator{Name: "client_key_exchange/ecdhe/" + name, Doc: doc, Expect: e, Versions: tls10to12(), CKE: f}
}

func ecdheMutators() []Mutator {
	invalid := Reject(rfcECPoint, 51, wire.AlertIllegalParameter, wire.AlertDecodeError)
	// Row 50, a length that lies: RFC 8422 §5.7's "Actions of the
	// receiver" state no length rule; the server's duty is RFC 5246
	// §7.4.1.2's, "(as for all other messages) it MUST check that the
	// amount of data in the message precisely matches" its format, else
	// decode_error.
	lie := Reject(rfcCKE+"; RFC 8422 §5.7", 50, wire.AlertDecodeError)
	out := []Mutator{
		// Row 51, NIST curves: points that are not on the curve or not in
		// the one format RFC 8422 §5.1.2 allows.
		ecdheMutator("point-off-curve", "an ECDHE point off the curve (the last byte of y changed)", invalid,
			nistPoint(func(p []byte) []byte { p[len(p)-1] ^= 0x01; return p })),
		ecdheMutator("point-zero", "the ECDHE point (0,0), in uncompressed form", invalid,
			nistPoint(func(p []byte) []byte { clear(p[1:]); return p })),
		ecdheMutator("point-identity", "the ECDHE point at infinity (the single byte 0x00)", invalid,
			nistPoint(func([]byte) []byte { return []byte{0} })),
		ecdheMutator("point-compressed", "an ECDHE point in compressed form, which was not negotiated", invalid,
			nistPoint(func(p []byte) []byte {
				n := (len(p) - 1) / 2
				return append([]byte{2 | p[len(p)-1]&1}, p[1:1+n]...)
			})),
		ecdheMutator("point-hybrid", "an ECDHE point in the X9.62 hybrid form (0x06/0x07), which TLS does not allow", invalid,
			nistPoint(func(p []byte) []byte { p[0] = 6 | p[len(p)-1]&1; return p })),
		// Rows 51 and 52: the wrong length, for every group.
		ecdheMutator("point-truncated", "an ECDHE public value one byte short", invalid,
			anyPoint(func(p []byte) []byte { return p[:len(p)-1] })),
		ecdheMutator("point-extended", "an ECDHE public value one byte too long (a zero appended)", invalid,
			anyPoint(func(p []byte) []byte { return append(p, 0) })),
		ecdheMutator("point-empty", "an empty ECDHE public value (an ECPoint of length zero)", invalid,
			anyPoint(func([]byte) []byte { return []byte{} })),
		// Row 50: the ECPoint length lies, or the message is empty.
		ecdheMutator("length-short", "a ClientKeyExchange whose ECPoint length is one less than the bytes that follow", lie,
			anyRaw(func(p []byte) []byte { return append([]byte{byte(len(p) - 1)}, p...) })),
		ecdheMutator("length-long", "a ClientKeyExchange whose ECPoint length is one more than the bytes that follow", lie,
			anyRaw(func(p []byte) []byte { return append([]byte{byte(len(p) + 1)}, p...) })),
		ecdheMutator("empty", "an empty ClientKeyExchange (no ECPoint length)", lie,
			anyRaw(func([]byte) []byte { return []byte{} })),
	}
	// Row 52: X25519 values whose shared secret is all zeros for every
	// private key (the low-order points and their non-canonical forms).
	lowOrder := Reject(rfcX25519, 52, wire.AlertIllegalParameter)
	for _, p := range x25519LowOrder() {
		out = append(out, ecdheMutator("x25519-"+p.name, "the X25519 public value "+p.doc+", a low-order point (all-zero shared secret)", lowOrder,
			x25519Point(p.u)))
	}
	return out
}

// x25519LowOrder are u-coordinates (little-endian, RFC 7748 §5) of points
// of order 1, 2, 4 or 8 on Curve25519 or its twist, and non-canonical
// encodings of them (at or above p = 2^255-19): X25519 with any clamped
// scalar maps them to zero.
func x25519LowOrder() []struct{ name, doc, u string } {
	return []struct{ name, doc, u string }{
		{"zero", "0 (all zeros)", "0000000000000000000000000000000000000000000000000000000000000000"},
		{"one", "1", "0100000000000000000000000000000000000000000000000000000000000000"},
		{"order-8-a", "of a point of order 8", "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"},
		{"order-8-b", "of the other point of order 8", "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"},
		{"p-minus-1", "p-1", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
		{"p", "p (0, not reduced)", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
		{"p-plus-1", "p+1 (1, not reduced)", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
	}
}

// nistPoint changes a copy of an uncompressed NIST point.
func nistPoint(f func(p []byte) []byte) CKE {
	return func(in KeyExchange, _ *rand.Rand) ([]byte, bool, bool) {
		if !isNIST(in.Group) || len(in.Point) < 3 || len(in.Point)%2 == 0 || in.Point[0] != 4 {
			return nil, false, false
		}
		return f(slices.Clone(in.Point)), false, true
	}
}

// anyPoint changes a copy of the public value of any group.
func anyPoint(f func(p []byte) []byte) CKE {
	return func(in KeyExchange, _ *rand.Rand) ([]byte, bool, bool) {
		if len(in.Point) == 0 || len(in.Point) > 254 {
			return nil, false, false
		}
		return f(slices.Clone(in.Point)), false, true
	}
}

// anyRaw replaces the whole body: f gets the public value.
func anyRaw(f func(p []byte) []byte) CKE {
	return func(in KeyExchange, _ *rand.Rand) ([]byte, bool, bool) {
		if len(in.Point) == 0 || len(in.Point) > 254 {
			return nil, false, false
		}
		return f(slices.Clone(in.Point)), true, true
	}
}

// x25519Point sends the fixed value u (hex) on an X25519 exchange.
func x25519Point(u string) CKE {
	return func(in KeyExchange, _ *rand.Rand) ([]byte, bool, bool) {
		if in.Group != wire.GroupX25519 {
			return nil, false, false
		}
		b, err := hex.DecodeString(u)
		return b, false, err == nil
	}
}

func isNIST(g wire.Group) bool {
	switch g {
	case wire.GroupSecp256r1, wire.GroupSecp384r1, wire.GroupSecp521r1:
		return true
	}
	return false
}

// reader reads from a *rand.Rand (math/rand/v2 has no Read).
type reader struct{ r *rand.Rand }

func (r reader) Read(p []byte) (int, error) {
	fill(p, r.r)
	return len(p), nil
}

func fill(p []byte, rnd *rand.Rand) {
	for i := range p {
		p[i] = byte(rnd.Uint32())
	}
}
