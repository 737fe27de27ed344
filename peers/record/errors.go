package record

import (
	"fmt"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// ErrorKind classifies a record protection failure by the alert it calls for.
type ErrorKind uint8

const (
	// BadRecordMAC: AEAD tag, CBC MAC or CBC padding check failed. One kind
	// (and one Reason for CBC) for all of them, so the error is no padding
	// oracle (RFC 5246 §6.2.3.2, RFC 8446 §5.2).
	BadRecordMAC ErrorKind = iota + 1
	// RecordOverflow: the payload is longer than 2^14+2048 (TLS 1.2 and
	// earlier) or 2^14+256 (TLS 1.3), or the plaintext longer than 2^14
	// (RFC 5246 §6.2, RFC 8446 §5.2, §5.4).
	RecordOverflow
	// DecodeError: the payload is too short to hold the explicit IV and MAC,
	// or the explicit nonce and tag.
	DecodeError
	// NoContentType: a TLS 1.3 inner plaintext of zeros only (RFC 8446 §5.4).
	NoContentType
	// UnexpectedType: a TLS 1.3 protected record whose outer type is neither
	// application_data nor a middlebox-compatibility change_cipher_spec
	// (RFC 8446 §5, §5.2).
	UnexpectedType
	// InternalError: Seal could not build the record (sequence number
	// exhausted, payload too long for the length field, no randomness).
	InternalError
)

func (k ErrorKind) String() string {
	switch k {
	case BadRecordMAC:
		return "bad_record_mac"
	case RecordOverflow:
		return "record_overflow"
	case DecodeError:
		return "decode_error"
	case NoContentType:
		return "no_content_type"
	case UnexpectedType:
		return "unexpected_type"
	case InternalError:
		return "internal_error"
	}
	return fmt.Sprintf("ErrorKind(%d)", uint8(k))
}

// Error is a record protection failure.
type Error struct {
	Kind   ErrorKind
	Reason string
}

func (e *Error) Error() string {
	return "record: " + e.Kind.String() + ": " + e.Reason
}

// Alert is the alert a peer sends for this failure.
func (e *Error) Alert() wire.AlertDescription {
	switch e.Kind {
	case BadRecordMAC:
		return wire.AlertBadRecordMAC
	case RecordOverflow:
		return wire.AlertRecordOverflow
	case DecodeError:
		return wire.AlertDecodeError
	case NoContentType, UnexpectedType:
		return wire.AlertUnexpectedMessage
	}
	return wire.AlertInternalError
}

// Is makes errors.Is(err, &Error{Kind: k}) match any *Error of kind k.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && (t.Reason == "" || t.Reason == e.Reason)
}

func errorf(k ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: k, Reason: fmt.Sprintf(format, args...)}
}
