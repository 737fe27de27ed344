// Package kx is the key exchange and signature layer of the reference TLS
// engine: ephemeral (EC)DH and ML-KEM hybrid key shares (TLS 1.2 and 1.3),
// finite-field DHE (RFC 5246 §8.1.2, RFC 7919), RSA key transport with the
// Bleichenbacher countermeasure (RFC 5246 §7.4.7.1), and handshake
// signatures for every SignatureScheme plus the TLS 1.0/1.1 legacy forms.
//
// Every function takes its randomness from an io.Reader so a seeded peer is
// reproducible. Where the standard library ignores the reader (since Go 1.26
// GenerateKey, ECDSA signing and RSA encryption draw from the system), the
// package works from the reader's bytes itself: X25519, P-256/384/521 and
// ML-KEM keys, DH exponents, PKCS#1 padding and PSS salts are a pure
// function of the bytes read. ML-KEM encapsulation (Respond for the
// hybrids) and ECDSA signatures are not reproducible. A nil reader means
// crypto/rand.
//
// Errors are typed: *ExchangeError for key exchange and *SignatureError for
// signatures, each wrapping one of the Err* sentinels so callers branch with
// errors.Is and never on message text.
//
// Start with kx.go (key shares), then rsa.go, ffdhe.go, hybrid.go and
// sign.go. kx imports the standard library and peers/wire (registry
// constants only); it must not import any other package of this project.
package kx
