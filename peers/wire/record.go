package wire

import (
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Record-layer sizes (RFC 8446 §5.1, §5.2; RFC 5246 §6.2).
const (
	RecordHeaderLen = 5
	MaxPlaintext    = 1 << 14
	MaxCiphertext12 = MaxPlaintext + 2048 // TLSCiphertext.length limit, RFC 5246 §6.2.3
	MaxCiphertext13 = MaxPlaintext + 256  // RFC 8446 §5.2
)

// maxRecordPayload is what a 16-bit length field can say.
const maxRecordPayload = 1<<16 - 1

// Record is one TLSPlaintext or TLSCiphertext as framed on the wire
// (RFC 8446 §5.1, RFC 5246 §6.2.1): type, legacy version, opaque payload.
type Record struct {
	Type    ContentType
	Version Version
	Payload []byte
}

// Marshal returns header||payload with the header length equal to
// len(Payload). A payload longer than 65535 bytes cannot be framed and
// Marshal panics rather than write a length that lies; callers that want a
// length that lies write it with AppendRecordHeader.
func (r Record) Marshal() []byte {
	return AppendRecord(nil, r.Type, r.Version, r.Payload)
}

// AppendRecordHeader appends a 5-byte record header with the given length,
// whatever the payload that follows: the way to send a length that lies.
func AppendRecordHeader(b []byte, typ ContentType, v Version, length uint16) []byte {
	return append(b, byte(typ), byte(v>>8), byte(v), byte(length>>8), byte(length))
}

// AppendRecord appends one record carrying payload. It panics if payload is
// longer than 65535 bytes (see Record.Marshal).
func AppendRecord(b []byte, typ ContentType, v Version, payload []byte) []byte {
	if len(payload) > maxRecordPayload {
		panic("wire: AppendRecord: payload of " + strconv.Itoa(len(payload)) + " bytes does not fit a record's 16-bit length; use AppendRecordHeader to write a lying length")
	}
	b = AppendRecordHeader(b, typ, v, uint16(len(payload)))
	return append(b, payload...)
}

// ParseRecordHeader reads the 5-byte header at the start of b; what follows
// is not looked at.
func ParseRecordHeader(b []byte) (typ ContentType, v Version, length int, err error) {
	r := newReader("record", b, 0)
	typ = ContentType(r.u8("type"))
	v = Version(r.u16("version"))
	length = int(r.u16("length"))
	if err := r.error(); err != nil {
		return 0, 0, 0, err
	}
	return typ, v, length, nil
}

// ParseRecord reads one whole record from the front of b and returns it with
// the number of bytes it took. Payload aliases b.
func ParseRecord(b []byte) (rec Record, n int, err error) {
	typ, v, length, err := ParseRecordHeader(b)
	if err != nil {
		return Record{}, 0, err
	}
	if len(b)-RecordHeaderLen < length {
		return Record{}, 0, &ParseError{Message: "record", Field: "fragment", Offset: RecordHeaderLen, Err: ErrTruncated,
			Detail: strconv.Itoa(len(b)-RecordHeaderLen) + " of " + strconv.Itoa(length) + " bytes"}
	}
	n = RecordHeaderLen + length
	return Record{Type: typ, Version: v, Payload: b[RecordHeaderLen:n:n]}, n, nil
}

// ReadRecord reads one record from r. It reads the 5-byte header first and
// returns a *ParseError wrapping ErrTooLarge (Field "length") when the length
// exceeds maxPayload, before allocating or reading the body, so a hostile
// peer cannot make it allocate more than maxPayload. raw is header||payload
// as received and rec.Payload aliases it.
//
// I/O errors are wrapped with %w (errors.Is(err, os.ErrDeadlineExceeded)
// works). A clean EOF before the first header byte returns io.EOF itself;
// EOF anywhere inside a record returns a wrapped io.ErrUnexpectedEOF.
func ReadRecord(r io.Reader, maxPayload int) (rec Record, raw []byte, err error) {
	var hdr [RecordHeaderLen]byte
	n, err := io.ReadFull(r, hdr[:])
	if err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return Record{}, nil, io.EOF
		}
		return Record{}, nil, fmt.Errorf("wire: record: reading header (%d of %d bytes): %w", n, RecordHeaderLen, err)
	}
	typ, v, length, _ := ParseRecordHeader(hdr[:])
	if length > maxPayload {
		return Record{}, nil, &ParseError{Message: "record", Field: "length", Offset: 3, Err: ErrTooLarge,
			Detail: strconv.Itoa(length) + " > " + strconv.Itoa(maxPayload)}
	}
	raw = make([]byte, RecordHeaderLen+length)
	copy(raw, hdr[:])
	if n, err := io.ReadFull(r, raw[RecordHeaderLen:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return Record{}, nil, fmt.Errorf("wire: record: reading %s fragment (%d of %d bytes): %w", typ, n, length, err)
	}
	return Record{Type: typ, Version: v, Payload: raw[RecordHeaderLen:]}, raw, nil
}
