package keys

import (
	"crypto"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	_ "crypto/sha256" // links SHA-224/SHA-256 for crypto.Hash.New
	_ "crypto/sha512" // links SHA-384/SHA-512 for crypto.Hash.New
	"crypto/subtle"
	"fmt"
	"hash"
)

// versionTLS12 is the first version whose PRF is P_hash with a single hash.
const versionTLS12 = 0x0303

const (
	// MasterSecretLen is the length of a TLS 1.0-1.2 master secret
	// (RFC 5246 §8.1).
	MasterSecretLen = 48
	// VerifyDataLen is the length of a TLS 1.0-1.2 Finished verify_data
	// (RFC 5246 §7.4.9).
	VerifyDataLen = 12
)

// PRF labels: RFC 5246 §8.1, §6.3, §7.4.9 and RFC 7627 §4.
const (
	labelMasterSecret         = "master secret"
	labelExtendedMasterSecret = "extended master secret"
	labelKeyExpansion         = "key expansion"
	labelClientFinished       = "client finished"
	labelServerFinished       = "server finished"
)

// PRF is the TLS 1.0-1.2 pseudo-random function PRF(secret, label, seed)
// truncated to n bytes.
//
// Below TLS 1.2 (version < 0x0303) it is P_MD5(S1, label+seed) XOR
// P_SHA1(S2, label+seed), where S1 and S2 are the two halves of the secret,
// sharing the middle byte when its length is odd (RFC 2246 §5); h is ignored.
// From TLS 1.2 on it is P_hash with h (RFC 5246 §5); h == 0 means SHA-256,
// the PRF of every RFC 5246 suite. SSL 3.0 is not supported.
func PRF(version uint16, h crypto.Hash, secret []byte, label string, seed []byte, n int) []byte {
	out := make([]byte, n)
	labelSeed := make([]byte, 0, len(label)+len(seed))
	labelSeed = append(append(labelSeed, label...), seed...)
	if version < versionTLS12 {
		half := (len(secret) + 1) / 2
		pHash(out, md5.New, secret[:half], labelSeed)
		sha := make([]byte, n)
		pHash(sha, sha1.New, secret[len(secret)-half:], labelSeed)
		subtle.XORBytes(out, out, sha)
		return out
	}
	pHash(out, prfHash(h).New, secret, labelSeed)
	return out
}

// pHash fills out with P_hash(secret, seed) (RFC 5246 §5):
//
//	A(0) = seed, A(i) = HMAC(secret, A(i-1))
//	P_hash = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + ...
func pHash(out []byte, newHash func() hash.Hash, secret, seed []byte) {
	mac := hmac.New(newHash, secret)
	mac.Write(seed)
	a := mac.Sum(nil)
	block := make([]byte, 0, mac.Size())
	for {
		mac.Reset()
		mac.Write(a)
		mac.Write(seed)
		block = mac.Sum(block[:0])
		out = out[copy(out, block):]
		if len(out) == 0 {
			return
		}
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(a[:0])
	}
}

// prfHash resolves the TLS 1.2 default: a suite that names no PRF hash uses
// SHA-256 (RFC 5246 §5).
func prfHash(h crypto.Hash) crypto.Hash {
	if h == 0 {
		return crypto.SHA256
	}
	return h
}

// MasterSecret computes the 48-byte TLS 1.0-1.2 master secret
// PRF(pre_master_secret, "master secret", ClientHello.random +
// ServerHello.random) (RFC 5246 §8.1). The TLS 1.3 master secret stage is
// the type MasterSecret13.
func MasterSecret(version uint16, h crypto.Hash, pms, clientRandom, serverRandom []byte) []byte {
	return PRF(version, h, pms, labelMasterSecret, concat(clientRandom, serverRandom), MasterSecretLen)
}

// ExtendedMasterSecret computes the 48-byte master secret of RFC 7627 §4:
// PRF(pre_master_secret, "extended master secret", session_hash), where
// session_hash is the transcript hash up to and including ClientKeyExchange
// (Transcript.Sum with the same version and hash).
func ExtendedMasterSecret(version uint16, h crypto.Hash, pms, sessionHash []byte) []byte {
	return PRF(version, h, pms, labelExtendedMasterSecret, sessionHash, MasterSecretLen)
}

// KeyBlock is the TLS 1.0-1.2 key block cut into its six parts, in the order
// of RFC 5246 §6.3. Each part's capacity ends with it, so appending to one
// never overwrites the next.
type KeyBlock struct {
	ClientMAC, ServerMAC []byte
	ClientKey, ServerKey []byte
	ClientIV, ServerIV   []byte
}

// DeriveKeyBlock expands the master secret into the key block
// PRF(master_secret, "key expansion", server_random + client_random)
// (RFC 5246 §6.3; note the server random comes first) and cuts it into
// client_write_MAC_key, server_write_MAC_key, client_write_key,
// server_write_key, client_write_IV, server_write_IV.
//
// ivLen is the implicit IV length: the CBC IV in TLS 1.0, the 4-byte salt of
// AES-GCM (RFC 5288), the 12-byte IV of ChaCha20-Poly1305 (RFC 7905), and 0
// for CBC in TLS 1.1 and 1.2.
func DeriveKeyBlock(version uint16, h crypto.Hash, master, clientRandom, serverRandom []byte, macLen, keyLen, ivLen int) KeyBlock {
	b := PRF(version, h, master, labelKeyExpansion, concat(serverRandom, clientRandom), 2*(macLen+keyLen+ivLen))
	cut := func(n int) []byte {
		part := b[:n:n]
		b = b[n:]
		return part
	}
	var kb KeyBlock
	kb.ClientMAC = cut(macLen)
	kb.ServerMAC = cut(macLen)
	kb.ClientKey = cut(keyLen)
	kb.ServerKey = cut(keyLen)
	kb.ClientIV = cut(ivLen)
	kb.ServerIV = cut(ivLen)
	return kb
}

// FinishedVerifyData computes the 12-byte TLS 1.0-1.2 verify_data
// PRF(master_secret, finished_label, Hash(handshake_messages)) (RFC 5246
// §7.4.9), with "client finished" when client is true and "server finished"
// otherwise. transcriptHash is Transcript.Sum for the same version and hash:
// MD5 || SHA-1 below TLS 1.2.
func FinishedVerifyData(version uint16, h crypto.Hash, master []byte, client bool, transcriptHash []byte) []byte {
	label := labelServerFinished
	if client {
		label = labelClientFinished
	}
	return PRF(version, h, master, label, transcriptHash, VerifyDataLen)
}

// ExportKeyingMaterial is the TLS 1.0-1.2 keying material exporter of
// RFC 5705 §4: PRF(master_secret, label, client_random + server_random
// [+ context_length + context]). A nil context means "no context", which
// differs from an empty one. It panics if context is longer than 65535 bytes.
func ExportKeyingMaterial(version uint16, h crypto.Hash, master, clientRandom, serverRandom []byte, label string, context []byte, length int) []byte {
	seed := concat(clientRandom, serverRandom)
	if context != nil {
		if len(context) > 0xffff {
			panic(fmt.Sprintf("keys: exporter context of %d bytes is longer than 65535", len(context)))
		}
		seed = append(seed, byte(len(context)>>8), byte(len(context)))
		seed = append(seed, context...)
	}
	return PRF(version, h, master, label, seed, length)
}

// concat returns a fresh a + b.
func concat(a, b []byte) []byte {
	out := make([]byte, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}
