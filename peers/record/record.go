// Package record is the record protection layer of the reference TLS engine:
// one HalfConn protects (Seal) or unprotects (Open) one direction of a
// connection with the null cipher, TLS 1.0-1.2 AES-CBC with HMAC
// (RFC 5246 §6.2.3.2), TLS 1.2 AES-GCM (RFC 5288) and ChaCha20-Poly1305
// (RFC 7905), or TLS 1.3 AEAD protection (RFC 8446 §5.2-5.4).
//
// The layer is byte-exact and deterministic for a given Rand: GCM explicit
// nonces are the sequence number, CBC padding is minimal, TLS 1.3 padding is
// what the caller asks for. Seal enforces no plaintext size limit (so checks
// can send oversized records); Open enforces the RFC limits.
//
// Start with HalfConn (record.go); aead.go, cbc.go and chacha.go are the
// ciphers. record imports the standard library, golang.org/x/crypto,
// peers/wire (the registry types) and peers/suites, and nothing else of
// this project.
package record

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	_ "crypto/sha1" // HMAC hashes of the CBC suites
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"

	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Record size limits (RFC 5246 §6.2, RFC 8446 §5.1-5.2).
const (
	HeaderLen       = 5
	MaxPlaintext    = 1 << 14
	MaxCiphertext12 = MaxPlaintext + 2048 // TLSCiphertext.length, TLS 1.0-1.2
	MaxCiphertext13 = MaxPlaintext + 256  // TLSCiphertext.length, TLS 1.3
	maxPayload      = math.MaxUint16      // what the length field can say
)

type mode uint8

const (
	modeNull  mode = iota
	modeGCM12      // RFC 5288: salt || 8-byte explicit nonce on the wire
	modeXOR12      // RFC 7905: iv XOR seq, no explicit nonce
	modeTLS13      // RFC 8446 §5.3
	modeCBC        // RFC 5246 §6.2.3.2 (RFC 2246 §6.2.3.2 chained IV at 1.0)
)

// HalfConn protects or unprotects one direction of a connection. It owns the
// sequence number. A HalfConn is not safe for concurrent use.
type HalfConn struct {
	mode    mode
	version wire.Version // 1.0-1.2 for NewHalfConn12; 1.3 for NewHalfConn13
	spec    *suites.Spec // nil for Null

	seq   uint64
	spent bool // seq 2^64-1 has been used (RFC 5246 §6.1: no wrapping)
	rand  io.Reader

	// AEAD modes.
	aead    cipher.AEAD
	iv      [12]byte // GCM: the 4-byte salt in iv[:4]; ChaCha20 and 1.3: the IV
	nonce   [12]byte // per-record scratch
	ad      [13]byte // per-record scratch additional data
	tagFail string   // Reason for a tag mismatch

	// CBC mode.
	block  cipher.Block
	enc    cipher.BlockMode // implements SetIV when ivSetter says so
	dec    cipher.BlockMode
	mac    hash.Hash
	macLen int
	cbcIV  [aes.BlockSize]byte // TLS 1.0: the IV of the next record
	macBuf [64]byte            // per-record scratch for the computed MAC
}

// NewNull returns a HalfConn without protection (the initial state):
// records pass as they are.
func NewNull() *HalfConn {
	return &HalfConn{mode: modeNull}
}

// NewHalfConn12 builds a TLS 1.0, 1.1 or 1.2 protector from key-block
// material (RFC 5246 §6.3). version selects CBC IV handling: at 1.0 the IV is
// the key block's IV and then the last ciphertext block of the previous
// record; at 1.1 and later each record carries a fresh random IV
// (RFC 4346 §6.2.3.2). iv is the 4-byte salt for GCM, the 12-byte IV for
// ChaCha20-Poly1305, the 16-byte IV for CBC at 1.0 and ignored for CBC at
// 1.1 and later. macKey is used by CBC suites only.
//
// The suite's own version range is not enforced, so a peer can follow a
// target that negotiates a suite at the wrong version.
func NewHalfConn12(version wire.Version, spec *suites.Spec, key, iv, macKey []byte) (*HalfConn, error) {
	if spec == nil {
		return nil, errors.New("record: nil suite")
	}
	if version < wire.VersionTLS10 || version > wire.VersionTLS12 {
		return nil, fmt.Errorf("record: NewHalfConn12 needs TLS 1.0 to 1.2, got %s", version)
	}
	if spec.TLS13() {
		return nil, fmt.Errorf("record: %s is a TLS 1.3 suite", spec.Name())
	}
	if len(key) != spec.KeyLen {
		return nil, fmt.Errorf("record: %s key is %d bytes, want %d", spec.Name(), len(key), spec.KeyLen)
	}
	s := *spec
	h := &HalfConn{version: version, spec: &s}
	switch spec.Bulk {
	case suites.BulkAES128GCM, suites.BulkAES256GCM:
		if len(iv) != 4 {
			return nil, fmt.Errorf("record: %s salt is %d bytes, want 4 (RFC 5288 §3)", spec.Name(), len(iv))
		}
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
		if h.aead, err = cipher.NewGCM(b); err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
		h.mode, h.tagFail = modeGCM12, "GCM tag mismatch"
		copy(h.iv[:], iv)
	case suites.BulkChaCha20Poly1305:
		if len(iv) != 12 {
			return nil, fmt.Errorf("record: %s IV is %d bytes, want 12 (RFC 7905 §2)", spec.Name(), len(iv))
		}
		var err error
		if h.aead, err = newChaCha20Poly1305(key); err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
		h.mode, h.tagFail = modeXOR12, "ChaCha20-Poly1305 tag mismatch"
		copy(h.iv[:], iv)
	case suites.BulkAES128CBC, suites.BulkAES256CBC:
		if version == wire.VersionTLS10 && len(iv) != aes.BlockSize {
			return nil, fmt.Errorf("record: %s at TLS 1.0 needs a 16-byte IV, got %d", spec.Name(), len(iv))
		}
		if !spec.MAC.Available() || spec.MAC.Size() != spec.MACLen {
			return nil, fmt.Errorf("record: %s: MAC hash %v with MACLen %d", spec.Name(), spec.MAC, spec.MACLen)
		}
		if len(macKey) != spec.MACLen {
			return nil, fmt.Errorf("record: %s MAC key is %d bytes, want %d", spec.Name(), len(macKey), spec.MACLen)
		}
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
		h.mode, h.block = modeCBC, b
		if version == wire.VersionTLS10 {
			copy(h.cbcIV[:], iv)
		}
		h.enc = cipher.NewCBCEncrypter(b, h.cbcIV[:])
		h.dec = cipher.NewCBCDecrypter(b, h.cbcIV[:])
		h.mac = hmac.New(spec.MAC.New, macKey)
		h.macLen = spec.MACLen
	default:
		return nil, fmt.Errorf("record: %s: unknown bulk cipher %s", spec.Name(), spec.Bulk)
	}
	return h, nil
}

// NewHalfConn13 builds a TLS 1.3 protector from a traffic key and IV
// (RFC 8446 §5.3, §7.3). Any AEAD suite is accepted, so a peer can follow a
// target that negotiates a TLS 1.2 AEAD suite in TLS 1.3.
func NewHalfConn13(spec *suites.Spec, key, iv []byte) (*HalfConn, error) {
	if spec == nil {
		return nil, errors.New("record: nil suite")
	}
	if !spec.AEAD() {
		return nil, fmt.Errorf("record: %s is not an AEAD suite; TLS 1.3 needs one", spec.Name())
	}
	if len(key) != spec.KeyLen {
		return nil, fmt.Errorf("record: %s key is %d bytes, want %d", spec.Name(), len(key), spec.KeyLen)
	}
	if len(iv) != 12 {
		return nil, fmt.Errorf("record: TLS 1.3 IV is %d bytes, want 12 (RFC 8446 §5.3)", len(iv))
	}
	s := *spec
	h := &HalfConn{mode: modeTLS13, version: wire.VersionTLS13, spec: &s}
	var err error
	if spec.Bulk == suites.BulkChaCha20Poly1305 {
		h.aead, err = newChaCha20Poly1305(key)
		h.tagFail = "ChaCha20-Poly1305 tag mismatch"
	} else {
		var b cipher.Block
		if b, err = aes.NewCipher(key); err == nil {
			h.aead, err = cipher.NewGCM(b)
		}
		h.tagFail = "GCM tag mismatch"
	}
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	copy(h.iv[:], iv)
	return h, nil
}

// SetRand sets the source of CBC explicit IVs (TLS 1.1 and later); nil
// restores crypto/rand. GCM explicit nonces are the sequence number and need
// no randomness, so with a deterministic Rand the output is deterministic.
func (h *HalfConn) SetRand(r io.Reader) { h.rand = r }

// Seq is the sequence number of the next record.
func (h *HalfConn) Seq() uint64 { return h.seq }

// SetSeq sets the sequence number of the next record.
func (h *HalfConn) SetSeq(n uint64) { h.seq, h.spent = n, false }

// Protected reports whether records are protected (false for Null).
func (h *HalfConn) Protected() bool { return h.mode != modeNull }

// TLS13 reports whether h uses TLS 1.3 record protection.
func (h *HalfConn) TLS13() bool { return h.mode == modeTLS13 }

// Spec is the suite h protects with, or nil for Null.
func (h *HalfConn) Spec() *suites.Spec { return h.spec }

// Version is the protocol version h was built for (0 for Null).
func (h *HalfConn) Version() wire.Version { return h.version }

func (h *HalfConn) advance() {
	if h.seq == math.MaxUint64 {
		h.spent = true
		return
	}
	h.seq++
}

func (h *HalfConn) checkSeq() error {
	if h.spent {
		return errorf(InternalError, "sequence number exhausted (RFC 5246 §6.1)")
	}
	return nil
}

func (h *HalfConn) randReader() io.Reader {
	if h.rand == nil {
		return rand.Reader
	}
	return h.rand
}

// Seal appends to dst one complete record (5-byte header and protected
// payload) carrying plaintext of content type typ, and advances the
// sequence number. recordVersion goes in the header. In TLS 1.3 the outer
// type is application_data, typ goes inside followed by pad zero bytes
// (RFC 8446 §5.2; callers pass 0x0303 as recordVersion); pad is ignored
// before 1.3. For Null the record is the header and plaintext unchanged.
//
// Seal does not limit the plaintext to 2^14 bytes: the only limit is the
// 16-bit length field. plaintext may be anywhere, including dst's spare
// capacity. In TLS 1.3 every type is protected, change_cipher_spec included
// (which a check may want to send); the middlebox-compatibility CCS goes out
// before the keys change, or through NewNull.
func (h *HalfConn) Seal(dst []byte, typ wire.ContentType, recordVersion wire.Version, plaintext []byte, pad int) ([]byte, error) {
	if err := h.checkSeq(); err != nil {
		return dst, err
	}
	var out []byte
	var err error
	switch h.mode {
	case modeNull:
		out, err = h.sealNull(dst, typ, recordVersion, plaintext)
	case modeGCM12, modeXOR12:
		out, err = h.sealAEAD12(dst, typ, recordVersion, plaintext)
	case modeTLS13:
		out, err = h.seal13(dst, typ, recordVersion, plaintext, pad)
	case modeCBC:
		out, err = h.sealCBC(dst, typ, recordVersion, plaintext, nil)
	}
	if err != nil {
		return dst, err
	}
	h.advance()
	return out, nil
}

// Open unprotects one record given its header fields and payload as read,
// and advances the sequence number on success only. It returns the real
// content type (TLS 1.3: from the inner plaintext, after stripping the zero
// padding) and the plaintext. payload is not modified. For Null it returns
// typ and payload itself.
//
// In TLS 1.3 an unprotected change_cipher_spec record passes through
// unchanged and does not advance the sequence number: RFC 8446 §5 lets it
// arrive in the clear between the first ClientHello and the peer's Finished;
// the caller checks its body and its timing.
//
// Failures are *Error values; the header fields are authenticated as given,
// so a changed type or version fails as BadRecordMAC.
func (h *HalfConn) Open(typ wire.ContentType, recordVersion wire.Version, payload []byte) (wire.ContentType, []byte, error) {
	return h.open(nil, typ, recordVersion, payload, true, false)
}

// OpenUnbounded is Open without the size limits: a record longer than
// 2^14 of plaintext or 2^14+2048 (TLS 1.3: 2^14+256) of ciphertext, or a
// TLS 1.3 inner plaintext longer than 2^14+1, is unprotected like any
// other. It plays a reader that never checks them, for the reference
// client's misbehaviours (RFC 5246 §6.2, RFC 8446 §5.1-5.4 require the
// checks).
func (h *HalfConn) OpenUnbounded(typ wire.ContentType, recordVersion wire.Version, payload []byte) (wire.ContentType, []byte, error) {
	return h.open(nil, typ, recordVersion, payload, true, true)
}

// OpenAppend is Open that appends the plaintext to dst and returns the
// extended slice, so a caller can reuse one buffer for every record.
// payload must not overlap dst's spare capacity.
func (h *HalfConn) OpenAppend(dst []byte, typ wire.ContentType, recordVersion wire.Version, payload []byte) (wire.ContentType, []byte, error) {
	return h.open(dst, typ, recordVersion, payload, false, false)
}

func (h *HalfConn) open(dst []byte, typ wire.ContentType, recordVersion wire.Version, payload []byte, alias, unbounded bool) (wire.ContentType, []byte, error) {
	if err := h.checkSeq(); err != nil {
		return 0, nil, err
	}
	var (
		out     []byte
		realTyp = typ
		err     error
	)
	switch h.mode {
	case modeNull:
		if len(payload) > MaxPlaintext && !unbounded {
			return 0, nil, errorf(RecordOverflow, "plaintext record of %d bytes, limit 2^14", len(payload))
		}
		if alias {
			out = payload
		} else {
			out = append(dst, payload...)
		}
	case modeGCM12, modeXOR12:
		out, err = h.openAEAD12(dst, typ, recordVersion, payload, unbounded)
	case modeTLS13:
		if typ == wire.ContentChangeCipherSpec {
			if len(payload) > MaxPlaintext && !unbounded {
				return 0, nil, errorf(RecordOverflow, "change_cipher_spec record of %d bytes, limit 2^14", len(payload))
			}
			if alias {
				return typ, payload, nil
			}
			return typ, append(dst, payload...), nil
		}
		realTyp, out, err = h.open13(dst, typ, recordVersion, payload, unbounded)
	case modeCBC:
		out, err = h.openCBC(dst, typ, recordVersion, payload, unbounded)
	}
	if err != nil {
		return 0, nil, err
	}
	h.advance()
	return realTyp, out, nil
}

// grow extends dst by n bytes, reusing its capacity when it can, and
// returns the whole slice and the n new bytes.
func grow(dst []byte, n int) (whole, tail []byte) {
	total := len(dst) + n
	if cap(dst) >= total {
		whole = dst[:total]
	} else {
		whole = make([]byte, total)
		copy(whole, dst)
	}
	return whole, whole[len(dst):]
}

func putHeader(b []byte, typ wire.ContentType, v wire.Version, n int) {
	b[0] = byte(typ)
	binary.BigEndian.PutUint16(b[1:], uint16(v))
	binary.BigEndian.PutUint16(b[3:], uint16(n))
}

func tooLong(n int) *Error {
	return errorf(InternalError, "protected payload of %d bytes does not fit the 16-bit length field", n)
}

func (h *HalfConn) sealNull(dst []byte, typ wire.ContentType, v wire.Version, plaintext []byte) ([]byte, error) {
	n := len(plaintext)
	if n > maxPayload {
		return dst, tooLong(n)
	}
	whole, rec := grow(dst, HeaderLen+n)
	copy(rec[HeaderLen:], plaintext) // first: plaintext may sit where the header goes
	putHeader(rec, typ, v, n)
	return whole, nil
}

// additionalData12 fills h.ad with seq_num || type || version || length, the
// TLS 1.2 AEAD additional data (RFC 5246 §6.2.3.3) and the CBC MAC prefix
// (RFC 5246 §6.2.3.1).
func (h *HalfConn) additionalData12(typ wire.ContentType, v wire.Version, n int) []byte {
	binary.BigEndian.PutUint64(h.ad[0:], h.seq)
	h.ad[8] = byte(typ)
	binary.BigEndian.PutUint16(h.ad[9:], uint16(v))
	binary.BigEndian.PutUint16(h.ad[11:], uint16(n))
	return h.ad[:13]
}

// xorNonce sets h.nonce to iv XOR the sequence number left-padded to 12
// bytes (RFC 7905 §2, RFC 8446 §5.3).
func (h *HalfConn) xorNonce() []byte {
	h.nonce = h.iv
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], h.seq)
	for i := range s {
		h.nonce[4+i] ^= s[i]
	}
	return h.nonce[:]
}
