package kx

import (
	"crypto/ecdh"
	"errors"
	"fmt"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Sentinels carried in ExchangeError.Err and SignatureError.Err; compare with
// errors.Is.
var (
	// Key exchange.
	ErrUnsupportedGroup = errors.New("unsupported group")
	ErrShareLength      = errors.New("wrong key share length")
	ErrInvalidPoint     = errors.New("invalid point")
	ErrZeroSecret       = errors.New("all-zero shared secret")
	ErrInvalidKEMKey    = errors.New("invalid ML-KEM encapsulation key")
	ErrInvalidPublic    = errors.New("DH public value out of range")
	ErrDHParameters     = errors.New("unacceptable DH parameters")
	ErrRandom           = errors.New("random source failed")

	// Signatures.
	ErrUnsupportedScheme = errors.New("unsupported signature scheme")
	ErrUnsupportedHash   = errors.New("unsupported hash")
	ErrWrongKeyType      = errors.New("scheme does not fit the key type")
	ErrCurveMismatch     = errors.New("ECDSA curve does not match the scheme")
	ErrSchemeNotAllowed  = errors.New("scheme not allowed in this protocol version")
	ErrKeyTooSmall       = errors.New("key too small for the scheme")
	ErrBadSignature      = errors.New("signature does not verify")
	ErrNoCommonScheme    = errors.New("no common signature scheme")
	ErrSigning           = errors.New("signing failed")
)

// ExchangeError reports why a key exchange step failed. Group is zero for
// TLS 1.2 DHE with server-chosen (unnamed) parameters.
type ExchangeError struct {
	Group  wire.Group
	Reason string // e.g. "share is 31 bytes, want 32"
	Err    error  // one of the Err* sentinels
}

func (e *ExchangeError) Error() string {
	name := e.Group.String()
	if e.Group == 0 && e.Err != ErrUnsupportedGroup {
		name = "dhe" // TLS 1.2 DHE over server-chosen parameters
	}
	return "kx: " + name + ": " + e.Reason
}

func (e *ExchangeError) Unwrap() error { return e.Err }

func exchangeErr(g wire.Group, sentinel error, format string, args ...any) *ExchangeError {
	return &ExchangeError{Group: g, Reason: fmt.Sprintf(format, args...), Err: sentinel}
}

// SignatureError reports why signing or verification failed, or why no
// scheme could be chosen (Scheme is then zero).
type SignatureError struct {
	Scheme wire.SignatureScheme
	Reason string
	Err    error // an Err* sentinel, possibly joined with the library's error
}

func (e *SignatureError) Error() string {
	return "kx: " + schemeName(e.Scheme) + ": " + e.Reason
}

func (e *SignatureError) Unwrap() error { return e.Err }

func sigErr(s wire.SignatureScheme, sentinel error, format string, args ...any) *SignatureError {
	return &SignatureError{Scheme: s, Reason: fmt.Sprintf(format, args...), Err: sentinel}
}

func schemeName(s wire.SignatureScheme) string {
	if s == Legacy {
		return "legacy signature"
	}
	return s.String()
}

// X25519LowOrder reports whether u is an X25519 public value whose shared
// secret is zero for every private key (RFC 7748 §6.1): a clamped scalar is
// a multiple of 8, so one fixed scalar tells.
func X25519LowOrder(u []byte) bool {
	pub, err := ecdh.X25519().NewPublicKey(u)
	if err != nil {
		return false
	}
	k, err := ecdh.X25519().NewPrivateKey([]byte("tlsconform x25519 low-order test"))
	if err != nil {
		return false
	}
	_, err = k.ECDH(pub)
	return err != nil
}
