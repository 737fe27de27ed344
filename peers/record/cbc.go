package record

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"io"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// cbcFailure is the one Reason for every CBC MAC or padding failure, so
// neither Kind nor Reason tells bad padding from a bad MAC
// (RFC 5246 §6.2.3.2, the Vaudenay/Lucky13 padding oracles).
const cbcFailure = "CBC MAC or padding check failed"

// ivSetter is what crypto/cipher's CBC modes implement (crypto/tls relies
// on it too): reusing one BlockMode saves an allocation per record.
type ivSetter interface {
	SetIV([]byte)
}

func (h *HalfConn) cbcMode(m *cipher.BlockMode, iv []byte, encrypt bool) cipher.BlockMode {
	if s, ok := (*m).(ivSetter); ok {
		s.SetIV(iv)
		return *m
	}
	if encrypt {
		*m = cipher.NewCBCEncrypter(h.block, iv)
	} else {
		*m = cipher.NewCBCDecrypter(h.block, iv)
	}
	return *m
}

func (h *HalfConn) explicitIVLen() int {
	if h.version >= wire.VersionTLS11 {
		return aes.BlockSize
	}
	return 0
}

// SealCBC is Seal for CBC suites with caller-chosen padding: padding is the
// exact byte string placed after the MAC, normally pad_len+1 bytes each
// equal to pad_len (RFC 5246 §6.2.3.2), and len(plaintext) + MAC length +
// len(padding) must be a multiple of 16. A nil padding is the minimal one,
// as Seal uses; an empty non-nil one is no padding at all. It lets checks
// send the longest legal padding (256 bytes) or malformed padding (the
// POODLE-TLS family).
func (h *HalfConn) SealCBC(dst []byte, typ wire.ContentType, recordVersion wire.Version, plaintext, padding []byte) ([]byte, error) {
	if h.mode != modeCBC {
		return dst, errorf(InternalError, "SealCBC on a non-CBC HalfConn")
	}
	if err := h.checkSeq(); err != nil {
		return dst, err
	}
	out, err := h.sealCBC(dst, typ, recordVersion, plaintext, padding)
	if err != nil {
		return dst, err
	}
	h.advance()
	return out, nil
}

// sealCBC builds GenericBlockCipher (RFC 5246 §6.2.3.2): [IV ||]
// E(content || MAC || padding || padding_length), MAC = HMAC(mac_key,
// seq_num || type || version || length || content). A nil padding means the
// minimal one: pad_len = 15 - (len(content)+mac_len) mod 16.
func (h *HalfConn) sealCBC(dst []byte, typ wire.ContentType, v wire.Version, plaintext, padding []byte) ([]byte, error) {
	n := len(plaintext)
	padLen := len(padding)
	if padding == nil {
		padLen = aes.BlockSize - (n+h.macLen)%aes.BlockSize // pad_len + 1
	}
	bodyLen := n + h.macLen + padLen
	if bodyLen%aes.BlockSize != 0 {
		return dst, errorf(InternalError, "CBC content, MAC and %d padding bytes are %d bytes, not whole blocks", padLen, bodyLen)
	}
	ivLen := h.explicitIVLen()
	payloadLen := ivLen + bodyLen
	if payloadLen > maxPayload {
		return dst, tooLong(payloadLen)
	}
	whole, rec := grow(dst, HeaderLen+payloadLen)
	body := rec[HeaderLen+ivLen:]
	copy(body, plaintext) // first: plaintext may sit where the header goes
	putHeader(rec, typ, v, payloadLen)

	h.mac.Reset()
	h.mac.Write(h.additionalData12(typ, v, n))
	h.mac.Write(body[:n])
	h.mac.Sum(body[n:n])
	if padding == nil {
		p := body[n+h.macLen:]
		for i := range p {
			p[i] = byte(padLen - 1)
		}
	} else {
		copy(body[n+h.macLen:], padding)
	}

	iv := h.cbcIV[:]
	if ivLen > 0 {
		iv = rec[HeaderLen : HeaderLen+ivLen]
		if _, err := io.ReadFull(h.randReader(), iv); err != nil {
			return dst, errorf(InternalError, "reading the explicit IV: %v", err)
		}
	}
	h.cbcMode(&h.enc, iv, true).CryptBlocks(body, body)
	if ivLen == 0 {
		// TLS 1.0 (RFC 2246 §6.2.3.2): the next IV is the last ciphertext block.
		copy(h.cbcIV[:], body[len(body)-aes.BlockSize:])
	}
	return whole, nil
}

func (h *HalfConn) openCBC(dst []byte, typ wire.ContentType, v wire.Version, payload []byte, unbounded bool) ([]byte, error) {
	if len(payload) > MaxCiphertext12 && !unbounded {
		return nil, errorf(RecordOverflow, "protected payload of %d bytes, limit 2^14+2048", len(payload))
	}
	ivLen := h.explicitIVLen()
	// The shortest record: the IV, then whole blocks holding the MAC and at
	// least the padding_length byte.
	minLen := ivLen + (h.macLen+1+aes.BlockSize-1)/aes.BlockSize*aes.BlockSize
	if len(payload) < minLen {
		return nil, errorf(DecodeError, "payload of %d bytes cannot hold the IV, MAC and padding (%d bytes)", len(payload), minLen)
	}
	ct := payload[ivLen:]
	if len(ct)%aes.BlockSize != 0 {
		return nil, &Error{Kind: BadRecordMAC, Reason: cbcFailure}
	}
	iv := h.cbcIV[:]
	if ivLen > 0 {
		iv = payload[:ivLen]
	}
	whole, body := grow(dst, len(ct))
	h.cbcMode(&h.dec, iv, false).CryptBlocks(body, ct)

	// From here on, the work does not depend on whether the padding is
	// good: a bad padding is treated as a zero-length one and the MAC is
	// still computed, and both results are combined at the end.
	// (Like crypto/tls, the MAC still runs over a length that depends on
	// the padding, the Lucky13 timing channel; only the error is uniform.)
	strip, padGood := checkPadding(body)
	n := int64(len(body) - strip - h.macLen)
	// A bad padding strips 1 byte and len(body) >= mac_len+1, so n < 0 only
	// for a well-formed padding that eats into the MAC.
	neg := int(uint64(n) >> 63)
	macFits := neg ^ 1
	n &^= n >> 63 // n = max(n, 0)
	h.mac.Reset()
	h.mac.Write(h.additionalData12(typ, v, int(n)))
	h.mac.Write(body[:n])
	sum := h.mac.Sum(h.macBuf[:0])
	macGood := subtle.ConstantTimeCompare(sum, body[n:n+int64(h.macLen)])
	if padGood&macGood&macFits != 1 {
		clear(body)
		return nil, &Error{Kind: BadRecordMAC, Reason: cbcFailure}
	}
	if n > MaxPlaintext && !unbounded {
		return nil, errorf(RecordOverflow, "plaintext of %d bytes, limit 2^14", n)
	}
	if ivLen == 0 {
		copy(h.cbcIV[:], ct[len(ct)-aes.BlockSize:])
	}
	return whole[:len(dst)+int(n)], nil
}

// checkPadding reads the padding at the end of a decrypted CBC body in time
// that depends only on len(body): it returns how many bytes to strip (the
// padding and its length byte; 1 when the padding is bad) and 1 if every
// padding byte equals padding_length and fits in body, else 0.
func checkPadding(body []byte) (strip int, good int) {
	last := len(body) - 1
	padLen := int(body[last])
	good = subtle.ConstantTimeLessOrEq(padLen, last)
	// padding_length is at most 255, so look at the last 256 bytes (or all
	// of them) and require every byte within the padding to equal it.
	check := min(256, len(body))
	for i := 1; i < check; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, padLen)
		same := subtle.ConstantTimeByteEq(body[last-i], byte(padLen))
		good &= same | (inPad ^ 1)
	}
	strip = subtle.ConstantTimeSelect(good, padLen+1, 1)
	return strip, good
}
