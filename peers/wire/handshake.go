package wire

import (
	"fmt"
	"strconv"
)

// Message is one handshake message (RFC 8446 §4, RFC 5246 §7.4).
type Message interface {
	Type() HandshakeType
	// Marshal returns the full message: 1-byte type, 3-byte length, body.
	// It fails only when a vector is too long for its length prefix.
	Marshal() ([]byte, error)
}

// Context says what the parser cannot know from the bytes alone.
type Context struct {
	// Version is the negotiated version, 0 before ServerHello. TLS 1.3 picks
	// the 1.3 forms of Certificate, CertificateRequest and NewSessionTicket;
	// TLS 1.2 and later add the signature algorithm to ServerKeyExchange,
	// CertificateRequest and CertificateVerify.
	Version Version
	// KeyExchange says how to read ClientKeyExchange and ServerKeyExchange.
	KeyExchange KeyExchangeForm
}

// KeyExchangeForm is the shape of the key exchange messages of TLS 1.0-1.2.
type KeyExchangeForm uint8

const (
	KXUnknown KeyExchangeForm = iota // ClientKeyExchange kept opaque
	KXRSA                            // EncryptedPreMasterSecret: opaque <0..2^16-1> (RFC 5246 §7.4.7.1)
	KXECDHE                          // ECPoint: opaque <1..2^8-1> (RFC 8422 §5.7)
	KXDHE                            // ClientDiffieHellmanPublic: opaque <1..2^16-1> (RFC 5246 §7.4.7.2)
)

func (f KeyExchangeForm) String() string {
	switch f {
	case KXUnknown:
		return "unknown"
	case KXRSA:
		return "RSA"
	case KXECDHE:
		return "ECDHE"
	case KXDHE:
		return "DHE"
	}
	return "kx(" + strconv.Itoa(int(f)) + ")"
}

// handshakeHeaderLen is msg_type(1) || length(3).
const handshakeHeaderLen = 4

// openHandshake checks the handshake header of data (type want, length equal
// to the body's) and returns a reader over the body. Offsets stay those of
// data.
func openHandshake(data []byte, want HandshakeType) (*reader, error) {
	msg := want.String()
	r := newReader(msg, data, 0)
	t := HandshakeType(r.u8("handshake.type"))
	if r.ok() && t != want {
		return nil, &ParseError{Message: msg, Field: "handshake.type", Offset: 0, Err: ErrWrongType,
			Detail: "got " + t.String() + ", want " + want.String()}
	}
	n := int(r.u24("handshake.length"))
	if err := r.error(); err != nil {
		return nil, err
	}
	body := len(data) - handshakeHeaderLen
	switch {
	case body < n:
		return nil, &ParseError{Message: msg, Field: "handshake.body", Offset: handshakeHeaderLen, Err: ErrTruncated,
			Detail: strconv.Itoa(body) + " of " + strconv.Itoa(n) + " bytes"}
	case body > n:
		return nil, &ParseError{Message: msg, Field: "handshake.body", Offset: handshakeHeaderLen + n, Err: ErrTrailing,
			Detail: strconv.Itoa(body-n) + " bytes after the announced " + strconv.Itoa(n)}
	}
	return newReader(msg, data[handshakeHeaderLen:], handshakeHeaderLen), nil
}

// UnmarshalHandshake parses one complete handshake message, header included;
// the header length must equal the body length. Unknown types return an
// *UnknownMessage, not an error. A ServerHello whose random is
// HelloRetryRequestRandom is a *ServerHello (IsHelloRetryRequest tells).
//
// The version-dependent types follow ctx: Certificate, CertificateRequest and
// NewSessionTicket parse to their 1.3 forms when ctx.Version is TLS 1.3;
// ServerKeyExchange and ClientKeyExchange follow ctx.KeyExchange (a
// ServerKeyExchange under KXUnknown or KXRSA is read as ECDHE when its first
// byte is 3, named_curve, else as DHE).
func UnmarshalHandshake(data []byte, ctx Context) (Message, error) {
	if len(data) == 0 {
		return nil, &ParseError{Message: "handshake", Field: "handshake.type", Offset: 0, Err: ErrTruncated}
	}
	switch t := HandshakeType(data[0]); t {
	case TypeHelloRequest:
		return asMessage(UnmarshalHelloRequest(data))
	case TypeClientHello:
		return asMessage(UnmarshalClientHello(data))
	case TypeServerHello:
		return asMessage(UnmarshalServerHello(data))
	case TypeNewSessionTicket:
		if ctx.Version == VersionTLS13 {
			return asMessage(UnmarshalNewSessionTicket13(data))
		}
		return asMessage(UnmarshalNewSessionTicket12(data))
	case TypeEndOfEarlyData:
		return asMessage(UnmarshalEndOfEarlyData(data))
	case TypeEncryptedExtensions:
		return asMessage(UnmarshalEncryptedExtensions(data))
	case TypeCertificate:
		if ctx.Version == VersionTLS13 {
			return asMessage(UnmarshalCertificate13(data))
		}
		return asMessage(UnmarshalCertificate12(data))
	case TypeServerKeyExchange:
		return asMessage(UnmarshalServerKeyExchange(data, ctx))
	case TypeCertificateRequest:
		if ctx.Version == VersionTLS13 {
			return asMessage(UnmarshalCertificateRequest13(data))
		}
		return asMessage(UnmarshalCertificateRequest12(data, ctx))
	case TypeServerHelloDone:
		return asMessage(UnmarshalServerHelloDone(data))
	case TypeCertificateVerify:
		return asMessage(UnmarshalCertificateVerify(data, ctx))
	case TypeClientKeyExchange:
		return asMessage(UnmarshalClientKeyExchange(data, ctx))
	case TypeFinished:
		return asMessage(UnmarshalFinished(data))
	case TypeCertificateStatus:
		return asMessage(UnmarshalCertificateStatus(data))
	case TypeKeyUpdate:
		return asMessage(UnmarshalKeyUpdate(data))
	default:
		return asMessage(UnmarshalUnknownMessage(data))
	}
}

// asMessage keeps a failed parse from returning a non-nil Message holding a
// nil pointer.
func asMessage[T Message](m T, err error) (Message, error) {
	if err != nil {
		return nil, err
	}
	return m, nil
}

// UnknownMessage is a handshake message of a type this package does not
// parse (or message_hash, RFC 8446 §4.4.1), kept as its body.
type UnknownMessage struct {
	MsgType HandshakeType
	Body    []byte
}

func (m *UnknownMessage) Type() HandshakeType { return m.MsgType }

func (m *UnknownMessage) Marshal() ([]byte, error) { return marshalMessage(m) }

func (m *UnknownMessage) marshalTo(b *builder) {
	b.handshake(m.MsgType, "unknown", func() { b.raw("body", m.Body) })
}

// UnmarshalUnknownMessage parses any handshake message as type and body.
func UnmarshalUnknownMessage(data []byte) (*UnknownMessage, error) {
	if len(data) == 0 {
		return nil, &ParseError{Message: "handshake", Field: "handshake.type", Offset: 0, Err: ErrTruncated}
	}
	t := HandshakeType(data[0])
	r, err := openHandshake(data, t)
	if err != nil {
		return nil, err
	}
	return &UnknownMessage{MsgType: t, Body: r.rest()}, nil
}

// emptyMessage parses a message whose body is empty by definition.
func emptyMessage(data []byte, t HandshakeType) error {
	r, err := openHandshake(data, t)
	if err != nil {
		return err
	}
	r.done("body")
	return r.error()
}

// DefaultHandshakeMax is the largest message body a HandshakeBuffer accepts
// when its Max is 0: room for a long certificate chain or a post-quantum
// key share, far below the 2^24-1 a header can announce.
const DefaultHandshakeMax = 1 << 17

// HandshakeBuffer reassembles handshake messages from record payloads:
// a message may span records and a record may carry several messages
// (RFC 8446 §5.1, RFC 5246 §6.2.1). The zero value is ready to use.
type HandshakeBuffer struct {
	Max int // largest accepted message body; 0 means DefaultHandshakeMax

	buf   []byte
	start int // buf[start:] is not yet returned by Next
	err   error
}

// Write appends a record payload. It copies fragment.
func (h *HandshakeBuffer) Write(fragment []byte) {
	if h.start > 0 && h.start >= len(h.buf)/2 {
		n := copy(h.buf, h.buf[h.start:])
		h.buf = h.buf[:n]
		h.start = 0
	}
	h.buf = append(h.buf, fragment...)
}

// Next returns the next complete message (header and body, a fresh copy) if
// one is buffered. When a header announces a body larger than Max it returns
// a *ParseError wrapping ErrTooLarge at once, without waiting for or
// allocating the body; the error sticks, as the stream cannot be resynced.
func (h *HandshakeBuffer) Next() (msg []byte, ok bool, err error) {
	if h.err != nil {
		return nil, false, h.err
	}
	p := h.buf[h.start:]
	if len(p) < handshakeHeaderLen {
		return nil, false, nil
	}
	n := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
	limit := h.Max
	if limit <= 0 {
		limit = DefaultHandshakeMax
	}
	if n > limit {
		h.err = &ParseError{Message: HandshakeType(p[0]).String(), Field: "handshake.length", Offset: 1, Err: ErrTooLarge,
			Detail: fmt.Sprintf("%d > %d", n, limit)}
		return nil, false, h.err
	}
	if len(p) < handshakeHeaderLen+n {
		return nil, false, nil
	}
	msg = append([]byte(nil), p[:handshakeHeaderLen+n]...)
	h.start += handshakeHeaderLen + n
	if h.start == len(h.buf) {
		h.buf, h.start = h.buf[:0], 0
	}
	return msg, true, nil
}

// Buffered returns the bytes written but not yet returned by Next. Once Next
// reports no complete message, that is the part of an incomplete message
// held: non-zero at a key change means a message spans it (RFC 8446 §5.1).
func (h *HandshakeBuffer) Buffered() int { return len(h.buf) - h.start }

// Reset drops everything buffered and any sticky error.
func (h *HandshakeBuffer) Reset() {
	h.buf, h.start, h.err = h.buf[:0], 0, nil
}
