package record

import (
	"encoding/binary"

	"github.com/tlsconform/tlsconform/peers/wire"
)

const explicitNonceLen = 8 // RFC 5288 §3: GenericAEADCipher.nonce_explicit

// sealAEAD12 protects a TLS 1.2 AEAD record.
//
// GCM (RFC 5288 §3): payload = nonce_explicit(8) || ciphertext || tag, the
// nonce is salt(4) || nonce_explicit and nonce_explicit is the sequence
// number, as crypto/tls, BoringSSL and OpenSSL send it.
// ChaCha20-Poly1305 (RFC 7905 §2): payload = ciphertext || tag, the nonce is
// iv XOR seq_num. Both authenticate seq_num || type || version || length
// (RFC 5246 §6.2.3.3).
func (h *HalfConn) sealAEAD12(dst []byte, typ wire.ContentType, v wire.Version, plaintext []byte) ([]byte, error) {
	n := len(plaintext)
	explicit := 0
	if h.mode == modeGCM12 {
		explicit = explicitNonceLen
	}
	payloadLen := explicit + n + h.aead.Overhead()
	if payloadLen > maxPayload {
		return dst, tooLong(payloadLen)
	}
	whole, rec := grow(dst, HeaderLen+payloadLen)
	body := rec[HeaderLen+explicit:]
	copy(body, plaintext) // first: plaintext may sit where the header goes
	putHeader(rec, typ, v, payloadLen)
	var nonce []byte
	if h.mode == modeGCM12 {
		binary.BigEndian.PutUint64(rec[HeaderLen:], h.seq)
		copy(h.nonce[:4], h.iv[:4])
		copy(h.nonce[4:], rec[HeaderLen:HeaderLen+explicit])
		nonce = h.nonce[:]
	} else {
		nonce = h.xorNonce()
	}
	h.aead.Seal(body[:0], nonce, body[:n], h.additionalData12(typ, v, n))
	return whole, nil
}

func (h *HalfConn) openAEAD12(dst []byte, typ wire.ContentType, v wire.Version, payload []byte, unbounded bool) ([]byte, error) {
	if len(payload) > MaxCiphertext12 && !unbounded {
		return nil, errorf(RecordOverflow, "protected payload of %d bytes, limit 2^14+2048", len(payload))
	}
	explicit := 0
	if h.mode == modeGCM12 {
		explicit = explicitNonceLen
	}
	overhead := explicit + h.aead.Overhead()
	if len(payload) < overhead {
		return nil, errorf(DecodeError, "payload of %d bytes cannot hold the %d-byte nonce and tag", len(payload), overhead)
	}
	var nonce []byte
	if h.mode == modeGCM12 {
		copy(h.nonce[:4], h.iv[:4])
		copy(h.nonce[4:], payload[:explicit])
		nonce = h.nonce[:]
	} else {
		nonce = h.xorNonce()
	}
	n := len(payload) - overhead
	out, err := h.aead.Open(dst, nonce, payload[explicit:], h.additionalData12(typ, v, n))
	if err != nil {
		return nil, &Error{Kind: BadRecordMAC, Reason: h.tagFail}
	}
	if n > MaxPlaintext && !unbounded {
		return nil, errorf(RecordOverflow, "plaintext of %d bytes, limit 2^14", n)
	}
	return out, nil
}

// seal13 protects a TLS 1.3 record (RFC 8446 §5.2-5.3): the inner plaintext
// is content || type || zeros(pad), the outer type is application_data, the
// nonce is iv XOR seq_num and the additional data is the record header.
func (h *HalfConn) seal13(dst []byte, typ wire.ContentType, v wire.Version, plaintext []byte, pad int) ([]byte, error) {
	if pad < 0 {
		return dst, errorf(InternalError, "negative padding %d", pad)
	}
	n := len(plaintext)
	inner := n + 1 + pad
	payloadLen := inner + h.aead.Overhead()
	if payloadLen > maxPayload || payloadLen < inner {
		return dst, tooLong(payloadLen)
	}
	whole, rec := grow(dst, HeaderLen+payloadLen)
	body := rec[HeaderLen:]
	copy(body, plaintext) // first: plaintext may sit where the header goes
	body[n] = byte(typ)
	clear(body[n+1 : inner])
	putHeader(rec, wire.ContentApplicationData, v, payloadLen)
	copy(h.ad[:HeaderLen], rec[:HeaderLen])
	h.aead.Seal(body[:0], h.xorNonce(), body[:inner], h.ad[:HeaderLen])
	return whole, nil
}

func (h *HalfConn) open13(dst []byte, typ wire.ContentType, v wire.Version, payload []byte, unbounded bool) (wire.ContentType, []byte, error) {
	if typ != wire.ContentApplicationData {
		return 0, nil, errorf(UnexpectedType, "TLS 1.3 protected record with outer type %s, want application_data (RFC 8446 §5.2)", typ)
	}
	if len(payload) > MaxCiphertext13 && !unbounded {
		return 0, nil, errorf(RecordOverflow, "protected payload of %d bytes, limit 2^14+256", len(payload))
	}
	if len(payload) < h.aead.Overhead() {
		return 0, nil, errorf(DecodeError, "payload of %d bytes cannot hold the %d-byte tag", len(payload), h.aead.Overhead())
	}
	putHeader(h.ad[:HeaderLen], typ, v, len(payload))
	out, err := h.aead.Open(dst, h.xorNonce(), payload, h.ad[:HeaderLen])
	if err != nil {
		return 0, nil, &Error{Kind: BadRecordMAC, Reason: h.tagFail}
	}
	inner := out[len(dst):]
	if len(inner) > MaxPlaintext+1 && !unbounded {
		return 0, nil, errorf(RecordOverflow, "inner plaintext of %d bytes, limit 2^14+1 (RFC 8446 §5.4)", len(inner))
	}
	// The content type is the last non-zero byte (RFC 8446 §5.4).
	i := len(inner) - 1
	for i >= 0 && inner[i] == 0 {
		i--
	}
	if i < 0 {
		return 0, nil, errorf(NoContentType, "inner plaintext of %d zero bytes has no content type (RFC 8446 §5.4)", len(inner))
	}
	return wire.ContentType(inner[i]), out[:len(dst)+i], nil
}
