package kx

import (
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// PreMasterSecretSize is the length of an RSA pre-master secret (RFC 5246
// §7.4.7.1).
const PreMasterSecretSize = 48

// NewPreMasterSecret returns client_version (the highest version the client
// offered, not the negotiated one) followed by 46 random bytes.
func NewPreMasterSecret(clientVersion wire.Version, rand io.Reader) ([]byte, error) {
	pms := make([]byte, PreMasterSecretSize)
	pms[0], pms[1] = byte(clientVersion>>8), byte(clientVersion)
	if _, err := io.ReadFull(orSystem(rand), pms[2:]); err != nil {
		return nil, fmt.Errorf("kx: pre-master secret: %w: %w", ErrRandom, err)
	}
	return pms, nil
}

// EncryptPMS encrypts pms with RSAES-PKCS1-v1_5 (RFC 8017 §7.2.1). Unlike
// rsa.EncryptPKCS1v15 (which ignores its reader since Go 1.26) the padding
// comes from rand, so the ciphertext is reproducible. The result is exactly
// the modulus length. With the system reader (nil or crypto/rand.Reader)
// nothing is reproducible anyway, and crypto/rsa's faster public operation
// is used.
func EncryptPMS(pub *rsa.PublicKey, pms []byte, rand io.Reader) ([]byte, error) {
	if !usableRSA(pub) {
		return nil, errors.New("kx: RSA encryption: unusable public key")
	}
	if rand == nil || rand == crand.Reader {
		if len(pms) > pub.Size()-11 {
			return nil, fmt.Errorf("kx: PKCS#1 block: message is %d bytes, at most %d fit in %d", len(pms), max(pub.Size()-11, 0), pub.Size())
		}
		// crypto/rsa refuses some keys a target may still use (under
		// 1024 bits): those take the raw path below.
		if ct, err := rsa.EncryptPKCS1v15(crand.Reader, pub, pms); err == nil {
			return ct, nil
		}
	}
	block, err := PKCS1Block(pub.Size(), pms, rand)
	if err != nil {
		return nil, err
	}
	return RawRSAEncrypt(pub, block), nil
}

// maxPadTries bounds the redraws for nonzero padding so a reader that only
// yields zeros fails instead of spinning.
const maxPadTries = 1 << 16

// PKCS1Block builds the k-byte encryption block 00 02 PS 00 msg with PS
// nonzero random bytes (at least 8, RFC 8017 §7.2.1). The caller may alter
// any byte before RawRSAEncrypt: that is how Bleichenbacher oracle probes
// are made.
func PKCS1Block(k int, msg []byte, rand io.Reader) ([]byte, error) {
	if len(msg) > k-11 {
		return nil, fmt.Errorf("kx: PKCS#1 block: message is %d bytes, at most %d fit in %d", len(msg), max(k-11, 0), k)
	}
	rand = orSystem(rand)
	block := make([]byte, k)
	block[1] = 2
	ps := block[2 : k-len(msg)-1]
	if _, err := io.ReadFull(rand, ps); err != nil {
		return nil, fmt.Errorf("kx: PKCS#1 padding: %w: %w", ErrRandom, err)
	}
	var one [1]byte
	tries := 0
	for i := range ps {
		for ps[i] == 0 {
			if tries++; tries > maxPadTries {
				return nil, fmt.Errorf("kx: PKCS#1 padding: %w: no nonzero byte in %d reads", ErrRandom, maxPadTries)
			}
			if _, err := io.ReadFull(rand, one[:]); err != nil {
				return nil, fmt.Errorf("kx: PKCS#1 padding: %w: %w", ErrRandom, err)
			}
			ps[i] = one[0]
		}
	}
	copy(block[k-len(msg):], msg)
	return block, nil
}

// RawRSAEncrypt computes block^e mod n with no padding checks: a block
// numerically ≥ n is reduced first, a short one is taken as a smaller number.
// The result is always k bytes (the modulus length), left-padded with zeros.
// It returns nil for a key it cannot use (nil, n ≤ 0, e ≤ 0) rather than
// panic. Not constant time: it encrypts, it holds no secret.
func RawRSAEncrypt(pub *rsa.PublicKey, block []byte) []byte {
	if !usableRSA(pub) {
		return nil
	}
	m := new(big.Int).SetBytes(block)
	m.Mod(m, pub.N)
	c := m.Exp(m, big.NewInt(int64(pub.E)), pub.N)
	return c.FillBytes(make([]byte, pub.Size()))
}

func usableRSA(pub *rsa.PublicKey) bool {
	return pub != nil && pub.N != nil && pub.N.Sign() > 0 && pub.E > 0
}

// DecryptPMS is the server side done right (RFC 5246 §7.4.7.1, the
// Bleichenbacher countermeasure): it always returns 48 bytes. When the
// ciphertext has the wrong length, the padding is wrong, the message is not
// 48 bytes, or its first two bytes are not clientVersion, the result is a
// random PMS from rand, chosen before decryption and substituted in constant
// time, so the handshake fails only at Finished and no branch depends on
// where the check failed. (The wrong-length case returns early inside
// crypto/rsa, but length is public.)
func DecryptPMS(priv *rsa.PrivateKey, ciphertext []byte, clientVersion wire.Version, rand io.Reader) []byte {
	fake := make([]byte, PreMasterSecretSize)
	if _, err := io.ReadFull(orSystem(rand), fake); err != nil {
		// A broken reader must not turn into a distinguishable outcome.
		_, _ = io.ReadFull(crand.Reader, fake)
	}
	pms := make([]byte, PreMasterSecretSize)
	copy(pms, fake)
	if priv == nil || priv.N == nil || priv.N.Sign() <= 0 {
		return pms
	}
	// On any failure pms is left holding fake. The error only reports a
	// wrong ciphertext length or c ≥ n, both public.
	//lint:ignore SA1019 PKCS#1 v1.5 key transport is what TLS 1.2 RSA suites are.
	_ = rsa.DecryptPKCS1v15SessionKey(nil, priv, ciphertext, pms)
	ok := subtle.ConstantTimeByteEq(pms[0], byte(clientVersion>>8)) &
		subtle.ConstantTimeByteEq(pms[1], byte(clientVersion))
	subtle.ConstantTimeCopy(1-ok, pms, fake)
	return pms
}
