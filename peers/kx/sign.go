package kx

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"io"
	"slices"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Legacy is the scheme value meaning "no SignatureScheme": the TLS 1.0/1.1
// forms. RSA signs MD5(m)||SHA1(m) with PKCS#1 v1.5 type 1 padding and no
// DigestInfo (RFC 4346 §4.7, §7.4.3); ECDSA signs SHA1(m) (RFC 4492 §5.4).
const Legacy wire.SignatureScheme = 0

type sigAlg uint8

const (
	algPKCS1 sigAlg = iota + 1
	algPSS
	algECDSA
	algEd25519
	algLegacy
)

type schemeInfo struct {
	alg   sigAlg
	hash  crypto.Hash // 0 for Ed25519; MD5SHA1 (RSA) / SHA1 (ECDSA) for Legacy
	curve elliptic.Curve
}

// schemeTable maps each SignatureScheme to its algorithm (RFC 8446 §4.2.3).
// The rsa_pss_pss schemes verify with an *rsa.PublicKey like rsae: the key
// encoding differs only in the certificate.
func schemeTable(s wire.SignatureScheme) (schemeInfo, bool) {
	switch s {
	case Legacy:
		return schemeInfo{alg: algLegacy}, true
	case wire.PKCS1WithSHA1:
		return schemeInfo{alg: algPKCS1, hash: crypto.SHA1}, true
	case wire.PKCS1WithSHA256:
		return schemeInfo{alg: algPKCS1, hash: crypto.SHA256}, true
	case wire.PKCS1WithSHA384:
		return schemeInfo{alg: algPKCS1, hash: crypto.SHA384}, true
	case wire.PKCS1WithSHA512:
		return schemeInfo{alg: algPKCS1, hash: crypto.SHA512}, true
	case wire.PSSWithSHA256, wire.PSSPSSWithSHA256:
		return schemeInfo{alg: algPSS, hash: crypto.SHA256}, true
	case wire.PSSWithSHA384, wire.PSSPSSWithSHA384:
		return schemeInfo{alg: algPSS, hash: crypto.SHA384}, true
	case wire.PSSWithSHA512, wire.PSSPSSWithSHA512:
		return schemeInfo{alg: algPSS, hash: crypto.SHA512}, true
	case wire.ECDSAWithSHA1:
		return schemeInfo{alg: algECDSA, hash: crypto.SHA1}, true
	case wire.ECDSAWithP256AndSHA256:
		return schemeInfo{alg: algECDSA, hash: crypto.SHA256, curve: elliptic.P256()}, true
	case wire.ECDSAWithP384AndSHA384:
		return schemeInfo{alg: algECDSA, hash: crypto.SHA384, curve: elliptic.P384()}, true
	case wire.ECDSAWithP521AndSHA512:
		return schemeInfo{alg: algECDSA, hash: crypto.SHA512, curve: elliptic.P521()}, true
	case wire.Ed25519:
		return schemeInfo{alg: algEd25519}, true
	}
	return schemeInfo{}, false
}

// keyKind classifies a public key; ok is false for unknown types and for
// nil or malformed keys, which no scheme fits.
type keyKind uint8

const (
	kindRSA keyKind = iota + 1
	kindECDSA
	kindEd25519
)

func classify(pub crypto.PublicKey) (keyKind, bool) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return kindRSA, usableRSA(k)
	case *ecdsa.PublicKey:
		return kindECDSA, k != nil && k.Curve != nil && k.X != nil && k.Y != nil
	case ed25519.PublicKey:
		return kindEd25519, len(k) == ed25519.PublicKeySize
	}
	return 0, false
}

func describeKey(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if usableRSA(k) {
			return fmt.Sprintf("RSA-%d key", k.N.BitLen())
		}
		return "unusable RSA key"
	case *ecdsa.PublicKey:
		if k != nil && k.Curve != nil {
			return "ECDSA " + k.Curve.Params().Name + " key"
		}
		return "unusable ECDSA key"
	case ed25519.PublicKey:
		return "Ed25519 key"
	case nil:
		return "nil key"
	}
	return fmt.Sprintf("%T key", pub)
}

// fits checks the scheme's algorithm against the key type.
func fits(info schemeInfo, kind keyKind) bool {
	switch info.alg {
	case algPKCS1, algPSS:
		return kind == kindRSA
	case algECDSA:
		return kind == kindECDSA
	case algEd25519:
		return kind == kindEd25519
	case algLegacy:
		return kind == kindRSA || kind == kindECDSA
	}
	return false
}

// digest hashes message for the scheme; Ed25519 signs the message itself.
func digest(info schemeInfo, kind keyKind, message []byte) ([]byte, crypto.Hash) {
	switch info.alg {
	case algEd25519:
		return message, 0
	case algLegacy:
		if kind == kindRSA {
			m, s := md5.Sum(message), sha1.Sum(message)
			return cat(m[:], s[:]), crypto.MD5SHA1
		}
		s := sha1.Sum(message)
		return s[:], crypto.SHA1
	}
	switch info.hash {
	case crypto.SHA1:
		s := sha1.Sum(message)
		return s[:], info.hash
	case crypto.SHA256:
		s := sha256.Sum256(message)
		return s[:], info.hash
	case crypto.SHA384:
		s := sha512.Sum384(message)
		return s[:], info.hash
	case crypto.SHA512:
		s := sha512.Sum512(message)
		return s[:], info.hash
	}
	return nil, info.hash
}

// lookup resolves the scheme and checks it against the key.
func lookup(pub crypto.PublicKey, scheme wire.SignatureScheme) (schemeInfo, keyKind, error) {
	info, ok := schemeTable(scheme)
	if !ok {
		return info, 0, sigErr(scheme, ErrUnsupportedScheme, "unsupported signature scheme")
	}
	kind, ok := classify(pub)
	if !ok || !fits(info, kind) {
		return info, kind, sigErr(scheme, ErrWrongKeyType, "scheme does not fit a %s", describeKey(pub))
	}
	if info.alg == algLegacy && kind == kindRSA || info.alg == algPKCS1 || info.alg == algPSS {
		if err := rsaSizeOK(pub.(*rsa.PublicKey), info, scheme); err != nil {
			return info, kind, err
		}
	}
	return info, kind, nil
}

// DigestInfo prefix lengths (RFC 8017 §9.2 note 1) plus the hash.
func pkcs1Len(h crypto.Hash) int {
	switch h {
	case crypto.MD5SHA1:
		return 36 // no DigestInfo
	case crypto.SHA1:
		return 15 + 20
	case crypto.SHA256:
		return 19 + 32
	case crypto.SHA384:
		return 19 + 48
	case crypto.SHA512:
		return 19 + 64
	}
	return 0
}

// rsaSizeOK rejects keys too small for the encoding: PKCS#1 v1.5 needs
// k ≥ tLen+11 (RFC 8017 §9.2), PSS with salt = hash length needs
// emLen ≥ 2·hLen+2 (§9.1.1).
func rsaSizeOK(pub *rsa.PublicKey, info schemeInfo, scheme wire.SignatureScheme) error {
	k := pub.Size()
	need := 0
	switch info.alg {
	case algPSS:
		emLen := (pub.N.BitLen() - 1 + 7) / 8
		if need = 2*info.hash.Size() + 2; emLen >= need {
			return nil
		}
		k = emLen
	case algLegacy:
		need = pkcs1Len(crypto.MD5SHA1) + 11
	default:
		need = pkcs1Len(info.hash) + 11
	}
	if k >= need {
		return nil
	}
	return sigErr(scheme, ErrKeyTooSmall, "%s is too small: the encoding needs %d bytes, the key gives %d", describeKey(pub), need, k)
}

// Sign signs message (the content itself, not a digest) with scheme, or the
// legacy TLS 1.0/1.1 form for scheme Legacy. PSS uses salt length = hash
// length (RFC 8446 §4.2.3). The scheme's curve is not checked against an
// ECDSA key (TLS 1.2 allows any pairing; see CheckScheme). Errors are
// *SignatureError. PKCS#1 v1.5 and Ed25519 are deterministic and PSS takes
// its salt from rand, so those reproduce with a seeded reader; ECDSA does
// not, since Go 1.26 ignores rand there.
func Sign(key crypto.Signer, scheme wire.SignatureScheme, message []byte, rand io.Reader) ([]byte, error) {
	if key == nil {
		return nil, sigErr(scheme, ErrWrongKeyType, "nil signing key")
	}
	pub := key.Public()
	info, kind, err := lookup(pub, scheme)
	if err != nil {
		return nil, err
	}
	d, h := digest(info, kind, message)
	var opts crypto.SignerOpts = h
	if info.alg == algPSS {
		opts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
	}
	sig, err := key.Sign(orSystem(rand), d, opts)
	if err != nil {
		return nil, &SignatureError{Scheme: scheme, Reason: "signing failed: " + err.Error(), Err: fmt.Errorf("%w: %w", ErrSigning, err)}
	}
	return sig, nil
}

// Verify checks sig over message with the algorithm and hash of scheme
// (Legacy for the TLS 1.0/1.1 forms). It does not apply version rules: an
// ecdsa_secp256r1_sha256 signature by a P-384 key verifies, as TLS 1.2
// allows. Use VerifyForVersion for the TLS 1.3 rules. Errors are
// *SignatureError.
func Verify(pub crypto.PublicKey, scheme wire.SignatureScheme, message, sig []byte) error {
	info, kind, err := lookup(pub, scheme)
	if err != nil {
		return err
	}
	d, h := digest(info, kind, message)
	switch kind {
	case kindRSA:
		k := pub.(*rsa.PublicKey)
		if info.alg == algPSS {
			err = rsa.VerifyPSS(k, h, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		} else {
			err = rsa.VerifyPKCS1v15(k, h, d, sig)
		}
		if err != nil {
			return &SignatureError{Scheme: scheme, Reason: "signature does not verify", Err: fmt.Errorf("%w: %w", ErrBadSignature, err)}
		}
	case kindECDSA:
		if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), d, sig) {
			return sigErr(scheme, ErrBadSignature, "signature does not verify")
		}
	case kindEd25519:
		if !ed25519.Verify(pub.(ed25519.PublicKey), d, sig) {
			return sigErr(scheme, ErrBadSignature, "signature does not verify")
		}
	}
	return nil
}

// VerifyForVersion is CheckScheme followed by Verify: the scheme must be
// allowed for the key in that version, then the signature must verify.
func VerifyForVersion(pub crypto.PublicKey, version wire.Version, scheme wire.SignatureScheme, message, sig []byte) error {
	if err := CheckScheme(pub, scheme, version); err != nil {
		return err
	}
	return Verify(pub, scheme, message, sig)
}

// CheckScheme reports whether a handshake signature (ServerKeyExchange or
// CertificateVerify) with scheme and this key is allowed in version:
//   - TLS 1.0/1.1 carry no scheme: only Legacy with RSA or ECDSA;
//   - TLS 1.2: any defined scheme that fits the key (ECDSA with any curve
//     and hash), not Legacy;
//   - TLS 1.3 (RFC 8446 §4.2.3, §4.4.3): no RSASSA-PKCS1-v1_5, no SHA-1,
//     and the ECDSA curve must be the scheme's.
func CheckScheme(pub crypto.PublicKey, scheme wire.SignatureScheme, version wire.Version) error {
	info, _, err := lookup(pub, scheme)
	if err != nil {
		return err
	}
	switch {
	case version < wire.VersionTLS12:
		if info.alg != algLegacy {
			return sigErr(scheme, ErrSchemeNotAllowed, "%s signatures carry no scheme; only the legacy form is allowed", version)
		}
	case info.alg == algLegacy:
		return sigErr(scheme, ErrSchemeNotAllowed, "the legacy form is not allowed in %s", version)
	case version >= wire.VersionTLS13:
		switch {
		case info.alg == algPKCS1:
			return sigErr(scheme, ErrSchemeNotAllowed, "RSASSA-PKCS1-v1_5 is not allowed in TLS 1.3 handshake signatures")
		case info.hash == crypto.SHA1:
			return sigErr(scheme, ErrSchemeNotAllowed, "SHA-1 is not allowed in TLS 1.3 handshake signatures")
		case info.alg == algECDSA && pub.(*ecdsa.PublicKey).Curve != info.curve:
			return sigErr(scheme, ErrCurveMismatch, "%s, but TLS 1.3 requires %s", describeKey(pub), info.curve.Params().Name)
		}
	}
	return nil
}

// schemePreference is the order SchemesForKey filters; the ECDSA scheme of
// the key's own curve is moved to the front.
var schemePreference = [...]wire.SignatureScheme{
	wire.Ed25519,
	wire.PSSWithSHA256, wire.PSSWithSHA384, wire.PSSWithSHA512,
	wire.PKCS1WithSHA256, wire.PKCS1WithSHA384, wire.PKCS1WithSHA512,
	wire.ECDSAWithP256AndSHA256, wire.ECDSAWithP384AndSHA384, wire.ECDSAWithP521AndSHA512,
	wire.PKCS1WithSHA1, wire.ECDSAWithSHA1,
}

// SchemesForKey lists what the key can sign with in version, most preferred
// first: RSA in 1.3 PSS only, in 1.2 PSS then PKCS#1 v1.5 SHA-256/384/512
// then SHA-1 (schemes the key is too small for are left out); ECDSA in 1.3
// the key's curve only, in 1.2 the curve's own hash first, then the other
// hashes, then SHA-1; Ed25519 its one scheme. Below 1.2 the answer is
// [Legacy] for RSA and ECDSA keys.
func SchemesForKey(pub crypto.PublicKey, version wire.Version) []wire.SignatureScheme {
	if version < wire.VersionTLS12 {
		if CheckScheme(pub, Legacy, version) == nil {
			return []wire.SignatureScheme{Legacy}
		}
		return nil
	}
	var out []wire.SignatureScheme
	for _, s := range schemePreference {
		if CheckScheme(pub, s, version) == nil {
			out = append(out, s)
		}
	}
	if k, ok := pub.(*ecdsa.PublicKey); ok && k != nil {
		for i, s := range out {
			if info, _ := schemeTable(s); info.curve == k.Curve && i > 0 {
				out = append(append([]wire.SignatureScheme{s}, out[:i]...), out[i+1:]...)
				break
			}
		}
	}
	return out
}

// PickScheme chooses the first of SchemesForKey (our preference, not the
// peer's order) that the peer offered. Below TLS 1.2 it returns Legacy. In
// TLS 1.2 an empty peerOffered means the peer sent no
// signature_algorithms, so the RFC 5246 §7.4.1.4.1 default applies: SHA-1
// with the key's algorithm. Errors are *SignatureError with
// ErrNoCommonScheme.
func PickScheme(pub crypto.PublicKey, version wire.Version, peerOffered []wire.SignatureScheme) (wire.SignatureScheme, error) {
	ours := SchemesForKey(pub, version)
	switch {
	case version < wire.VersionTLS12:
		if len(ours) > 0 {
			return Legacy, nil
		}
	case version == wire.VersionTLS12 && len(peerOffered) == 0:
		for _, s := range []wire.SignatureScheme{wire.PKCS1WithSHA1, wire.ECDSAWithSHA1} {
			if slices.Contains(ours, s) {
				return s, nil
			}
		}
	default:
		for _, s := range ours {
			if slices.Contains(peerOffered, s) {
				return s, nil
			}
		}
	}
	return 0, sigErr(0, ErrNoCommonScheme, "no signature scheme the peer offered (%v) fits a %s in %s", peerOffered, describeKey(pub), version)
}

// SignedParams12 is the content signed in a TLS 1.2 (and 1.0/1.1)
// ServerKeyExchange: client_random || server_random || params (RFC 5246
// §7.4.3).
func SignedParams12(clientRandom, serverRandom, params []byte) []byte {
	return cat(clientRandom, serverRandom, params)
}

// CertificateVerifyInput13 is the content signed in a TLS 1.3
// CertificateVerify (RFC 8446 §4.4.3): 64 spaces, the context string, a
// zero byte, then the transcript hash.
func CertificateVerifyInput13(server bool, transcriptHash []byte) []byte {
	context := "TLS 1.3, client CertificateVerify"
	if server {
		context = "TLS 1.3, server CertificateVerify"
	}
	out := make([]byte, 0, 64+len(context)+1+len(transcriptHash))
	for range 64 {
		out = append(out, 0x20)
	}
	out = append(out, context...)
	out = append(out, 0)
	return append(out, transcriptHash...)
}
