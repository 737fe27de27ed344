package record

import (
	"crypto/cipher"

	"golang.org/x/crypto/chacha20poly1305"
)

// newChaCha20Poly1305 is AEAD_CHACHA20_POLY1305 (RFC 8439 §2.8), as TLS
// uses it (RFC 7905, RFC 8446 §5.3).
func newChaCha20Poly1305(key []byte) (cipher.AEAD, error) {
	return chacha20poly1305.New(key)
}
