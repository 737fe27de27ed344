package peers

import (
	"bufio"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tlsconform/tlsconform/peers/keys"
	"github.com/tlsconform/tlsconform/peers/record"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// DefaultTimeout bounds every single read or write when a config sets none.
const DefaultTimeout = 10 * time.Second

// maxHandshakeMessage bounds a handshake message body we are willing to
// buffer: large certificate chains fit, a length of 2^24 does not.
const maxHandshakeMessage = 1 << 17

// Direction says who sent a record.
type Direction uint8

const (
	Sent Direction = iota
	Received
)

func (d Direction) String() string {
	if d == Sent {
		return "sent"
	}
	return "received"
}

// Event is one record or message of a conversation as the engine saw it.
type Event struct {
	Dir       Direction
	Time      time.Time
	Type      wire.ContentType // the record's real content type (inner type in 1.3)
	Raw       []byte           // the record as on the wire, header included
	Plaintext []byte           // the decrypted payload (nil when it could not be decrypted)
	Note      string           // for handshake events: the message name; for others a short remark
}

// Observer receives every event of a conversation. It must not keep the
// slices past the call unless it copies them... it may: the engine never
// reuses them.
type Observer func(Event)

// Item is one unit read from the peer: a handshake message, a
// ChangeCipherSpec, an alert or application data.
type Item struct {
	Type  wire.ContentType
	Msg   wire.Message // for handshake items
	Raw   []byte       // handshake message bytes as received (header included), or the record payload
	Alert wire.Alert   // for alerts
	// Protected, for ChangeCipherSpec and application data: the record
	// came under record protection (in TLS 1.3, an encrypted record,
	// whatever its inner content type).
	Protected bool
}

// Conn is the record layer of the reference engine over a net.Conn: framing,
// protection, deadlines, handshake reassembly, transcript and key log. The
// client and server handshakes drive it; scripts can drive it directly.
type Conn struct {
	nc      net.Conn
	br      *bufio.Reader
	timeout time.Duration
	maxFrag int // largest plaintext per record we send
	now     func() time.Time
	obs     Observer
	rand    io.Reader
	keyLog  *keys.KeyLog

	in, out    *record.HalfConn
	inName     string       // what the read key is, for the transcript ("server handshake traffic key")
	retired    []readKey    // read keys the conversation had before in (TLS 1.3), with their sequence numbers
	torn       bool         // a read timed out inside a record: the stream can no longer be read
	recVersion wire.Version // version written in record headers
	parseCtx   wire.Context
	hs         wire.HandshakeBuffer
	transcript *keys.Transcript

	// Negotiated state, filled in by the handshake.
	version      wire.Version
	spec         *suites.Spec
	group        wire.Group
	clientRandom []byte
	resumed      bool
	alpn         string

	// TLS 1.3 application traffic secrets, for KeyUpdate.
	inSecret, outSecret []byte

	appData     []byte // decrypted application data not yet read
	closeNotify bool
	failed      error // a fatal alert was sent or received: nothing more may flow
	onPostHS    func(*Conn, wire.Message, []byte) error

	corked bool
	wbuf   []byte

	// outHS is the unfinished tail of the handshake messages written
	// through WriteRecord: a message whose length promised more bytes
	// than went out stays here (see owedHandshake). outHSUnknown: bytes
	// went out raw (WriteRaw), so what a message still lacks is not known.
	outHS        []byte
	outHSUnknown bool

	// recordPolicy, when set, decides what becomes of each record from
	// its header (the reference server's ServerPlan.Record): open reads
	// the rest and unprotects it; an error ends the read, ErrDropRecord
	// (after open) passes over the record.
	recordPolicy func(typ wire.ContentType, v wire.Version, open RecordOpener) (wire.ContentType, []byte, error)
	// readsOtherKeys: a TLS 1.3 record that does not open under the
	// current read key is tried under the keys the conversation had
	// before, and a 2-byte alert in the clear is read, so that the client
	// learns what the target said. The reference server never does: a
	// record that does not open is bad_record_mac to it (RFC 8446 §5.2).
	readsOtherKeys bool
	// unexpected decides on a handshake message of another type than
	// the one expect waits for (the client's plan); nil: an error.
	unexpected func(got, want wire.HandshakeType) error
	// unexpectedRecord decides on a record of a type the handshake does
	// not take (the client's plan); nil: an error.
	unexpectedRecord func(wire.ContentType) error
	// earlyCCS decides on a plaintext ChangeCipherSpec where a handshake
	// message is due (the client's plan, TLS 1.0-1.2): an error ends the
	// read, nil reads on; nil: an error.
	earlyCCS func() error
	// trialKeys, when set, are the read keys a record that did not open
	// is tried under, in order (a misbehaving client's lenient record
	// layer); outer is the record's content type as sent.
	trialKeys func(outer wire.ContentType) []readKey
	// clientRecord, when set, reads each record as the client's plan
	// says (ClientPlan.Record): size limits and empty records.
	clientRecord func(typ wire.ContentType, read func(unbounded bool) (wire.ContentType, []byte, error)) (wire.ContentType, []byte, error)

	// pending is an item handed back by Unread, returned by the next
	// ReadItem; pendingErr an error a look ahead met (stopAnswered), which
	// the next ReadItem returns as it was (a reset stays a reset).
	pending    *Item
	pendingErr error

	// unmarshal, when set, parses the handshake messages ReadItem returns
	// instead of wire.UnmarshalHandshake (the reference server's
	// ServerPlan.ParseClientHello).
	unmarshal func(msg []byte, ctx wire.Context) (wire.Message, error)
}

func newConn(nc net.Conn, timeout time.Duration, now func() time.Time, rnd io.Reader, kl *keys.KeyLog, obs Observer) *Conn {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if now == nil {
		now = time.Now
	}
	return &Conn{
		nc:         nc,
		br:         bufio.NewReaderSize(nc, 8192),
		timeout:    timeout,
		now:        now,
		obs:        obs,
		rand:       rnd,
		keyLog:     kl,
		in:         record.NewNull(),
		out:        record.NewNull(),
		recVersion: wire.VersionTLS10,
		maxFrag:    wire.MaxPlaintext,
		hs:         wire.HandshakeBuffer{Max: maxHandshakeMessage},
		transcript: keys.NewTranscript(),
	}
}

// NetConn is the underlying connection.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Version is the negotiated protocol version (0 before ServerHello).
func (c *Conn) Version() wire.Version { return c.version }

// Suite is the negotiated cipher suite (nil before ServerHello).
func (c *Conn) Suite() *suites.Spec { return c.spec }

// Group is the negotiated key-exchange group (0 for RSA key exchange).
func (c *Conn) Group() wire.Group { return c.group }

// Resumed reports whether the handshake resumed a session.
func (c *Conn) Resumed() bool { return c.resumed }

// ALPN is the negotiated application protocol, if any.
func (c *Conn) ALPN() string { return c.alpn }

// Transcript is the running handshake transcript.
func (c *Conn) Transcript() *keys.Transcript { return c.transcript }

// SetRecordVersion sets the version written in record headers.
func (c *Conn) SetRecordVersion(v wire.Version) { c.recVersion = v }

// SetParseContext tells the parser the negotiated version and key exchange.
func (c *Conn) SetParseContext(ctx wire.Context) { c.parseCtx = ctx }

func (c *Conn) prfHash() crypto.Hash {
	if c.spec == nil {
		return crypto.SHA256
	}
	return c.spec.PRF
}

func (c *Conn) observe(dir Direction, typ wire.ContentType, raw, plain []byte, note string) {
	if c.obs == nil {
		return
	}
	c.obs(Event{Dir: dir, Time: c.now(), Type: typ, Raw: raw, Plaintext: plain, Note: note})
}

func (c *Conn) deadline() time.Time { return time.Now().Add(c.timeout) }

// Deadline is the deadline a read or write that starts now gets.
func (c *Conn) Deadline() time.Time { return c.deadline() }

// SetVersion sets the negotiated version (for a plan hook that answers
// with a ServerHello of its own).
func (c *Conn) SetVersion(v wire.Version) { c.version = v }

// SetSuite sets the negotiated cipher suite, whose keys protect the
// records from the next key change on (for a plan hook that answers
// with another suite than the one chosen, and means it).
func (c *Conn) SetSuite(s *suites.Spec) { c.spec = s }

// WriteProtected reports whether records to the peer are under record
// protection now.
func (c *Conn) WriteProtected() bool { return c.out.Protected() }

// ReadProtected reports whether records from the peer are under record
// protection now.
func (c *Conn) ReadProtected() bool { return c.in.Protected() }

// WriteRaw writes bytes as they are, under the write deadline.
func (c *Conn) WriteRaw(b []byte) error {
	c.outHSUnknown = true
	return c.writeOut(b)
}

// writeOut sends b, or holds it back while corked.
func (c *Conn) writeOut(b []byte) error {
	if c.corked {
		c.wbuf = append(c.wbuf, b...)
		return nil
	}
	return c.writeNow(b)
}

// Cork makes writes accumulate until Flush (or the next read), so that a
// flight goes out in one write as real clients send it.
func (c *Conn) Cork() { c.corked = true }

// runHandshake runs a handshake with each flight going out in one write, as
// real peers send it; on failure our alert (if the verdict is ours) goes
// out too.
func (c *Conn) runHandshake(run func() error) error {
	c.Cork()
	if err := run(); err != nil {
		err = c.fail(err)
		_ = c.Uncork()
		return err
	}
	if err := c.Uncork(); err != nil {
		return c.fail(err)
	}
	return nil
}

// Uncork sends what Cork held back and makes later writes go out at once.
func (c *Conn) Uncork() error {
	c.corked = false
	return c.Flush()
}

// Flush sends what Cork held back.
func (c *Conn) Flush() error {
	if len(c.wbuf) == 0 {
		return nil
	}
	b := c.wbuf
	c.wbuf = nil
	return c.writeNow(b)
}

func (c *Conn) writeNow(b []byte) error {
	if err := c.nc.SetWriteDeadline(c.deadline()); err != nil {
		return fmt.Errorf("peers: set write deadline: %w", err)
	}
	if _, err := c.nc.Write(b); err != nil {
		return fmt.Errorf("peers: write: %w", err)
	}
	return nil
}

// SetMaxFragment sets the largest plaintext a record we send carries
// (1 to 2^14; anything else means 2^14). Handshake messages are coalesced
// into records up to this size and split across records beyond it.
func (c *Conn) SetMaxFragment(n int) {
	if n < 1 || n > wire.MaxPlaintext {
		n = wire.MaxPlaintext
	}
	c.maxFrag = n
}

// WriteRecord protects payload with the current write state and sends it,
// fragmenting at the maximum fragment size. An empty payload is sent as one
// empty record.
func (c *Conn) WriteRecord(typ wire.ContentType, payload []byte) error {
	if typ == wire.ContentHandshake {
		c.trackHandshakeOut(payload)
	}
	var buf []byte
	for first := true; first || len(payload) > 0; first = false {
		n := min(len(payload), c.maxFrag)
		var err error
		start := len(buf)
		buf, err = c.out.Seal(buf, typ, c.recVersion, payload[:n], 0)
		if err != nil {
			return fmt.Errorf("peers: protect %s record: %w", typ, err)
		}
		c.observe(Sent, typ, buf[start:], payload[:n], "")
		payload = payload[n:]
	}
	return c.writeOut(buf)
}

// trackHandshakeOut follows the handshake stream written: whole messages
// leave outHS, an unfinished one stays.
func (c *Conn) trackHandshakeOut(p []byte) {
	c.outHS = append(c.outHS, p...)
	for len(c.outHS) >= 4 {
		n := 4 + (int(c.outHS[1])<<16 | int(c.outHS[2])<<8 | int(c.outHS[3]))
		if len(c.outHS) < n {
			return
		}
		c.outHS = c.outHS[n:]
	}
}

// owedHandshake is how many bytes the last handshake message written
// still lacks, by its own length field: 0 when it is whole, or when that
// is not known (a header not yet whole, bytes written raw).
func (c *Conn) owedHandshake() int {
	if c.outHSUnknown || len(c.outHS) < 4 {
		return 0
	}
	return 4 + (int(c.outHS[1])<<16 | int(c.outHS[2])<<8 | int(c.outHS[3])) - len(c.outHS)
}

// WriteOneRecord protects payload (with pad zero bytes of TLS 1.3
// padding) in a single record, however long, and sends it: a record over
// the limits, for a misbehaviour. note says what is special about it in
// the transcript.
func (c *Conn) WriteOneRecord(typ wire.ContentType, payload []byte, pad int, note string) error {
	rec, err := c.out.Seal(nil, typ, c.recVersion, payload, pad)
	if err != nil {
		return fmt.Errorf("peers: protect a %d-byte %s record: %w", len(payload), typ, err)
	}
	c.observe(Sent, typ, rec, payload, note)
	return c.WriteRaw(rec)
}

// Stray is a handshake message a misbehaviour sends that the sender's
// own handshake does not count: WriteHandshake sends it but leaves it out
// of the transcript, so that a peer which drops it (rather than refusing
// it) goes on with a transcript that still agrees, and is caught going on.
type Stray struct{ wire.Message }

// WriteHandshake marshals msg, adds it to the transcript (a Stray
// excepted) and sends it.
func (c *Conn) WriteHandshake(msgs ...wire.Message) error {
	var payload []byte
	for _, m := range msgs {
		b, err := m.Marshal()
		if err != nil {
			return fmt.Errorf("peers: marshal %s: %w", m.Type(), err)
		}
		if _, stray := m.(Stray); !stray {
			c.transcript.Add(b)
		}
		payload = append(payload, b...)
	}
	return c.WriteRecord(wire.ContentHandshake, payload)
}

// SendAlert sends an alert. A fatal alert ends the connection for writing.
func (c *Conn) SendAlert(level wire.AlertLevel, desc wire.AlertDescription) error {
	return c.WriteRecord(wire.ContentAlert, wire.Alert{Level: level, Description: desc}.Marshal())
}

// WriteCCS sends a ChangeCipherSpec record (content 0x01).
func (c *Conn) WriteCCS() error {
	return c.WriteRecord(wire.ContentChangeCipherSpec, wire.ChangeCipherSpecPayload)
}

func (c *Conn) maxRecordPayload() int {
	if c.in.Protected() && c.in.TLS13() {
		return wire.MaxCiphertext13
	}
	return wire.MaxCiphertext12
}

// readRecord reads and unprotects one record under the read deadline;
// protected says whether it came under record protection.
func (c *Conn) readRecord() (typ wire.ContentType, plain []byte, protected bool, err error) {
	for {
		typ, plain, protected, err = c.readOneRecord()
		if !errors.Is(err, ErrDropRecord) {
			return typ, plain, protected, err
		}
	}
}

func (c *Conn) readOneRecord() (typ wire.ContentType, plain []byte, protected bool, err error) {
	// A write that fails (the peer closed, or reset the connection) does
	// not hide what the peer said before: its alert may be waiting in our
	// receive buffer. Read it; only when nothing is there does the write
	// error stand.
	werr := c.Flush()
	typ, plain, protected, err = c.readOneRecordFlushed()
	// A reset the write met is used up by it: the read after it then sees
	// a plain end of stream, which must not pass for a close.
	if werr != nil && err != nil && (Classify(err) == OutcomeTimeout || Classify(werr) == OutcomeReset && Classify(err) == OutcomeClosed) {
		return 0, nil, false, werr
	}
	return typ, plain, protected, err
}

func (c *Conn) readOneRecordFlushed() (typ wire.ContentType, plain []byte, protected bool, err error) {
	if err := c.nc.SetReadDeadline(c.deadline()); err != nil {
		return 0, nil, false, fmt.Errorf("peers: set read deadline: %w", err)
	}
	// Silence before the first byte of a record leaves the stream whole:
	// the caller may push the peer (half-close) and read again.
	if _, err := c.br.Peek(1); err != nil && Classify(err) == OutcomeTimeout {
		return 0, nil, false, err
	}
	// A header whose content type is unknown is garbage (or another
	// protocol): say so at once instead of waiting for the length it claims.
	// (A record policy decides that itself, from the header.)
	if hdr, err := c.br.Peek(1); err == nil && c.recordPolicy == nil && !KnownContentType(wire.ContentType(hdr[0])) {
		raw, _ := c.br.Peek(c.br.Buffered())
		c.observe(Received, wire.ContentType(hdr[0]), append([]byte(nil), raw...), nil, "not a TLS record")
		return 0, nil, false, protoErr(wire.AlertUnexpectedMessage, "record of unknown content type %d (first bytes %q)", hdr[0], raw[:min(len(raw), 16)])
	}
	var rec wire.Record
	var raw []byte
	openWith := func(unbounded bool) (wire.Record, wire.ContentType, []byte, error) {
		var err error
		limit := c.maxRecordPayload()
		if unbounded {
			limit = 1<<16 - 1 // whatever the 16-bit length says
		}
		if rec, raw, err = wire.ReadRecord(c.br, limit); err != nil {
			var pe *wire.ParseError
			switch {
			case errors.As(err, &pe) && errors.Is(err, wire.ErrTooLarge):
				err = &ProtocolError{Alert: wire.AlertRecordOverflow, Reason: "record longer than allowed", Err: err}
			case errors.As(err, &pe):
				err = &ProtocolError{Alert: wire.AlertDecodeError, Reason: "malformed record", Err: err}
			}
			return rec, 0, nil, err
		}
		if unbounded {
			typ, plain, err := c.in.OpenUnbounded(rec.Type, rec.Version, rec.Payload)
			return rec, typ, plain, err
		}
		typ, plain, err := c.in.Open(rec.Type, rec.Version, rec.Payload)
		return rec, typ, plain, err
	}
	open := func() (wire.Record, wire.ContentType, []byte, error) { return openWith(false) }
	hdr, perr := c.br.Peek(wire.RecordHeaderLen)
	switch {
	case perr != nil || c.recordPolicy == nil && c.clientRecord == nil:
		_, typ, plain, err = open() // (on a short header, reports what went wrong)
	case c.recordPolicy != nil:
		typ, plain, err = c.recordPolicy(wire.ContentType(hdr[0]), wire.Version(hdr[1])<<8|wire.Version(hdr[2]), open)
	default:
		typ, plain, err = c.clientRecord(wire.ContentType(hdr[0]), func(unbounded bool) (wire.ContentType, []byte, error) {
			_, typ, plain, err := openWith(unbounded)
			return typ, plain, err
		})
	}
	var pe *ProtocolError
	switch {
	case errors.Is(err, ErrDropRecord) && raw != nil:
		c.observe(Received, rec.Type, raw, nil, "dropped")
		return 0, nil, false, err
	case errors.Is(err, ErrDropRecord):
		return 0, nil, false, errors.New("peers: record policy dropped a record it did not read")
	case errors.As(err, &pe): // a malformed record, or the policy's verdict
		if raw != nil {
			c.observe(Received, rec.Type, raw, nil, pe.Reason)
		}
		return 0, nil, false, err
	case err != nil && raw == nil: // reading failed
		if Classify(err) == OutcomeTimeout {
			c.torn = true // silence inside a record: part of it was consumed
		}
		return 0, nil, false, err
	}
	if err != nil && c.readsOtherKeys {
		if otyp, oplain, note, prot, ok := c.openOtherKey(rec); ok {
			c.observe(Received, otyp, raw, oplain, note)
			return otyp, oplain, prot, nil
		}
	}
	if err != nil && c.trialKeys != nil {
		for _, k := range c.trialKeys(rec.Type) {
			if otyp, oplain, oerr := k.hc.Open(rec.Type, rec.Version, rec.Payload); oerr == nil {
				c.observe(Received, otyp, raw, oplain, "opened under "+k.name+", tried after the read key failed")
				return otyp, oplain, k.hc.Protected(), nil
			}
		}
	}
	if err != nil {
		c.observe(Received, rec.Type, raw, nil, "undecryptable")
		var re *record.Error
		if errors.As(err, &re) {
			return 0, nil, false, &ProtocolError{Alert: re.Alert(), Reason: "record protection", Err: &recordOpenError{Err: err}}
		}
		return 0, nil, false, &ProtocolError{Alert: wire.AlertBadRecordMAC, Reason: "record protection", Err: &recordOpenError{Err: err}}
	}
	c.observe(Received, typ, raw, plain, "")
	// TLS 1.3 passes a plaintext ChangeCipherSpec through its read keys
	// (RFC 8446 §5); every other record under keys was protected.
	protected = c.in.Protected() && !(c.in.TLS13() && rec.Type == wire.ContentChangeCipherSpec)
	return typ, plain, protected, nil
}

// readKey is a read state the conversation had, kept with its sequence
// number so that a record the peer protected with it still opens.
type readKey struct {
	hc   *record.HalfConn
	name string
}

// maxRetiredKeys bounds the read keys kept after they were replaced.
const maxRetiredKeys = 4

// setReadKey moves the read side to hc, called name in the transcript,
// and keeps the TLS 1.3 key it replaces: a peer may still write under it
// (a server that sends its alert about the client Finished under its
// handshake traffic key, though it moved to the application key after its
// own Finished). Only a Conn that readsOtherKeys keeps them.
func (c *Conn) setReadKey(hc *record.HalfConn, name string) {
	if c.readsOtherKeys && c.in.Protected() && c.in.TLS13() {
		c.retired = append(c.retired, readKey{hc: c.in, name: c.inName})
		if len(c.retired) > maxRetiredKeys {
			c.retired = c.retired[1:]
		}
	}
	c.in, c.inName = hc, name
}

// openOtherKey tries to open a TLS 1.3 record that did not open under the
// current read key with every other key the conversation had (each at its
// own sequence number, advanced only when it opens), and a 2-byte alert
// record in the clear. It returns the content type, the plaintext, a
// note naming the key that opened it and whether the record was protected.
func (c *Conn) openOtherKey(rec wire.Record) (typ wire.ContentType, plain []byte, note string, protected, ok bool) {
	if !c.in.TLS13() {
		return 0, nil, "", false, false
	}
	current := c.inName
	if current == "" {
		current = "current read key"
	}
	for i := len(c.retired) - 1; i >= 0; i-- {
		k := c.retired[i]
		if typ, plain, err := k.hc.Open(rec.Type, rec.Version, rec.Payload); err == nil {
			return typ, plain, fmt.Sprintf("opened under the %s, not the %s", k.name, current), true, true
		}
	}
	if rec.Type == wire.ContentAlert && len(rec.Payload) == 2 {
		return rec.Type, rec.Payload, "an alert in the clear, though record protection was in place", false, true
	}
	return 0, nil, "", false, false
}

// KnownContentType reports whether t is a content type TLS 1.0-1.3
// define (change_cipher_spec, alert, handshake, application_data).
func KnownContentType(t wire.ContentType) bool {
	return t >= wire.ContentChangeCipherSpec && t <= wire.ContentHeartbeat
}

// ReadItem returns the next handshake message, ChangeCipherSpec, alert or
// application data from the peer. A received alert is returned as an Item
// (not an error) so scripts can inspect it; ReadHandshake turns it into an
// *AlertError.
func (c *Conn) ReadItem() (Item, error) {
	if it := c.pending; it != nil {
		c.pending = nil
		return *it, nil
	}
	if err := c.pendingErr; err != nil {
		c.pendingErr = nil
		return Item{}, err
	}
	for {
		msg, ok, err := c.hs.Next()
		if err != nil {
			return Item{}, &ProtocolError{Alert: wire.AlertDecodeError, Reason: "handshake framing", Err: err}
		}
		if ok {
			parse := wire.UnmarshalHandshake
			if c.unmarshal != nil {
				parse = c.unmarshal
			}
			m, err := parse(msg, c.parseCtx)
			if err != nil {
				return Item{}, &ProtocolError{Alert: wire.AlertDecodeError, Reason: "malformed handshake message", Err: err}
			}
			return Item{Type: wire.ContentHandshake, Msg: m, Raw: msg}, nil
		}
		typ, plain, protected, err := c.readRecord()
		if err != nil {
			return Item{}, err
		}
		if typ != wire.ContentHandshake && c.hs.Buffered() > 0 {
			return Item{}, protoErr(wire.AlertUnexpectedMessage, "%s record inside a fragmented handshake message", typ)
		}
		switch typ {
		case wire.ContentHandshake:
			if len(plain) == 0 && c.in.TLS13() {
				return Item{}, protoErr(wire.AlertUnexpectedMessage, "zero-length handshake record (RFC 8446 §5.1)")
			}
			c.hs.Write(plain)
		case wire.ContentAlert:
			a, err := wire.UnmarshalAlert(plain)
			if err != nil {
				return Item{}, &ProtocolError{Alert: wire.AlertDecodeError, Reason: "malformed alert", Err: err}
			}
			return Item{Type: typ, Alert: a, Raw: plain}, nil
		case wire.ContentChangeCipherSpec, wire.ContentApplicationData:
			return Item{Type: typ, Raw: plain, Protected: protected}, nil
		default:
			return Item{}, protoErr(wire.AlertUnexpectedMessage, "record of unknown content type %d", uint8(typ))
		}
	}
}

// answered reports whether the peer has said something (or closed)
// within wait, after what is corked went out: something is buffered, or
// a byte (or the end of the stream, or an error) arrives in time. Nothing
// is consumed.
func (c *Conn) answered(wait time.Duration) bool {
	_ = c.Flush()
	if c.pending != nil || c.hs.Buffered() > 0 || c.br.Buffered() > 0 {
		return true
	}
	if wait <= 0 {
		return false // nothing buffered, and no wait for more
	}
	if err := c.nc.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return true
	}
	_, err := c.br.Peek(1)
	return err == nil || Classify(err) != OutcomeTimeout
}

// stopAnswered looks, while the client sends a long run of records,
// whether the target has answered within wait: TLS 1.3 NewSessionTicket
// messages (which a server sends when it pleases) are passed over;
// anything else, or an error, is kept for the next ReadItem and stops the
// sender.
func (c *Conn) stopAnswered(wait time.Duration) bool {
	for n := 0; c.pending == nil && c.pendingErr == nil && c.answered(wait); n++ {
		it, err := c.ReadItem()
		switch {
		case err != nil:
			c.pendingErr = err
		case n >= maxPassedOver:
			c.pendingErr = errPassedOver
		case it.Type == wire.ContentHandshake && it.Msg.Type() == wire.TypeNewSessionTicket && c.version == wire.VersionTLS13:
			continue
		default:
			c.pending = &it
		}
	}
	return c.pending != nil || c.pendingErr != nil
}

// watch is a look, concurrent with the client's writes, at whether the
// target has begun to answer: a read of one byte under the conversation's
// deadline, which leaves what it reads buffered for the next ReadItem.
// When the target answers (a byte, a close, a reset) the watch flags it
// and, unless it may be a TLS 1.3 ticket, cuts short the write in
// progress, so that the writer sends no more than the chunk it is in.
type watch struct {
	c        *Conn
	done     chan struct{}
	answered atomic.Bool
	err      error // the read's error; read only after done
}

// watchAnswer starts a watch. Until its end (watch.end) the caller may
// write but must not read.
func (c *Conn) watchAnswer() *watch {
	w := &watch{c: c, done: make(chan struct{})}
	if c.pending != nil || c.pendingErr != nil || c.hs.Buffered() > 0 || c.br.Buffered() > 0 {
		w.answered.Store(true) // something is already there
		close(w.done)
		return w
	}
	if err := c.nc.SetReadDeadline(c.deadline()); err != nil {
		w.err = err
		close(w.done)
		return w
	}
	tls13 := c.version == wire.VersionTLS13
	go func() {
		defer close(w.done)
		var b []byte
		b, w.err = c.br.Peek(1)
		if w.err != nil && Classify(w.err) == OutcomeTimeout {
			return
		}
		w.answered.Store(true)
		// A protected TLS 1.3 record may be a NewSessionTicket, which
		// does not stop the flood: the writer decides at the next chunk.
		// Anything else (an alert in the clear or below TLS 1.3, a close,
		// a reset) stops the write in progress.
		if w.err != nil || !tls13 || wire.ContentType(b[0]) != wire.ContentApplicationData {
			_ = c.nc.SetWriteDeadline(time.Now())
		}
	}()
	return w
}

// seen reports whether the target has answered.
func (w *watch) seen() bool { return w.answered.Load() }

// expired reports whether the watch ended on its deadline with nothing
// from the target.
func (w *watch) expired() bool {
	select {
	case <-w.done:
		return !w.answered.Load()
	default:
		return false
	}
}

// end stops the watch (cutting its read short) and waits for it, then
// reads what the target sent, as stopAnswered does (TLS 1.3
// NewSessionTicket messages passed over, anything else kept for the next
// ReadItem). It reports whether the target answered with something the
// next read is about: silence until the watch's deadline, the cut, or
// tickets alone are no answer.
func (w *watch) end() bool {
	c := w.c
	select {
	case <-w.done:
	default:
		_ = c.nc.SetReadDeadline(time.Now())
		<-w.done
	}
	if w.err != nil && Classify(w.err) != OutcomeTimeout && c.pending == nil && c.pendingErr == nil {
		c.pendingErr = w.err // a close or a reset: the next read says so
	}
	return c.stopAnswered(0)
}

// maxPassedOver bounds the records a read passes over while it waits for
// the one it is about (TLS 1.3 tickets, application data before a
// renegotiation's ServerHello): a target that sends them without end
// costs bounded time.
const maxPassedOver = 64

// errPassedOver ends such a read.
var errPassedOver = &ProtocolError{Alert: wire.AlertUnexpectedMessage, Reason: fmt.Sprintf("more than %d records passed over while waiting for the answer", maxPassedOver)}

// maxWarnings bounds the warning alerts in a row that nextItem passes
// over.
const maxWarnings = 16

// passesOver reports whether a received alert leaves the conversation
// going: below TLS 1.3 a warning-level alert other than close_notify
// (RFC 5246 §7.2: the receiver decides; a server may send
// unrecognized_name as a warning and go on, RFC 6066 §3). In TLS 1.3 every
// alert but the closure alerts is an error, whatever its level (RFC 8446
// §6). Before the ServerHello the version is not known yet: a warning
// there is passed over too.
func (c *Conn) passesOver(a wire.Alert) bool {
	return a.Level == wire.AlertLevelWarning && a.Description != wire.AlertCloseNotify && c.version != wire.VersionTLS13
}

// nextItem is ReadItem for a reader waiting for the peer's next word: it
// passes over warning alerts that do not end the conversation
// (passesOver; they stay in the transcript), at most maxWarnings in a
// row. A warning followed by a plain close is the peer's last word: it is
// returned as the item.
func (c *Conn) nextItem() (Item, error) {
	var warned *Item
	for n := 0; ; n++ {
		it, err := c.ReadItem()
		if err != nil {
			if warned != nil && Classify(err) == OutcomeClosed && !errors.Is(err, syscall.ECONNRESET) {
				return *warned, nil
			}
			return Item{}, err
		}
		if it.Type != wire.ContentAlert || !c.passesOver(it.Alert) {
			return it, nil
		}
		if n == maxWarnings {
			return Item{}, protoErr(wire.AlertUnexpectedMessage, "more than %d warning alerts in a row", maxWarnings)
		}
		warned = &it
	}
}

// alertErr turns a received alert into the error that ends a handshake.
func (c *Conn) alertErr(a wire.Alert) error {
	if a.Description == wire.AlertCloseNotify {
		c.closeNotify = true
	}
	return &AlertError{Alert: a, Received: true}
}

// ReadHandshake reads the next handshake message, skipping what skip
// accepts (TLS 1.3 middlebox CCS), and fails on anything else.
func (c *Conn) readHandshake(skipCCS bool) (wire.Message, []byte, error) {
	for {
		it, err := c.nextItem()
		if err != nil {
			return nil, nil, err
		}
		switch it.Type {
		case wire.ContentHandshake:
			return it.Msg, it.Raw, nil
		case wire.ContentAlert:
			return nil, nil, c.alertErr(it.Alert)
		case wire.ContentChangeCipherSpec:
			// Only a plaintext 0x01 is the compatibility CCS (RFC 8446 §5).
			if skipCCS && !it.Protected && len(it.Raw) == 1 && it.Raw[0] == 1 {
				skipCCS = false // at most one (RFC 8446 §5)
				continue
			}
			if c.earlyCCS != nil && c.version != wire.VersionTLS13 && !it.Protected && len(it.Raw) == 1 && it.Raw[0] == 1 {
				if err := c.earlyCCS(); err != nil {
					return nil, nil, err
				}
				continue
			}
			return nil, nil, protoErr(wire.AlertUnexpectedMessage, "unexpected ChangeCipherSpec")
		default:
			if c.unexpectedRecord != nil {
				if err := c.unexpectedRecord(it.Type); err != nil {
					return nil, nil, err
				}
				continue
			}
			return nil, nil, protoErr(wire.AlertUnexpectedMessage, "unexpected %s record during the handshake", it.Type)
		}
	}
}

// expect reads the next handshake message and requires its type; the raw
// bytes are added to the transcript.
func (c *Conn) expect(t wire.HandshakeType, skipCCS bool) (wire.Message, []byte, error) {
	m, raw, err := c.readHandshake(skipCCS)
	for err == nil && m.Type() != t {
		if c.unexpected == nil {
			return nil, nil, protoErr(wire.AlertUnexpectedMessage, "got %s, want %s", m.Type(), t)
		}
		if err := c.unexpected(m.Type(), t); err != nil {
			return nil, nil, err
		}
		m, raw, err = c.readHandshake(false)
	}
	if err != nil {
		return nil, nil, err
	}
	c.transcript.Add(raw)
	return m, raw, nil
}

// expectCCS reads a ChangeCipherSpec (TLS 1.2) and nothing else.
func (c *Conn) expectCCS() error {
	it, err := c.nextItem()
	if err != nil {
		return err
	}
	switch it.Type {
	case wire.ContentChangeCipherSpec:
		if len(it.Raw) != 1 || it.Raw[0] != 1 {
			return protoErr(wire.AlertDecodeError, "ChangeCipherSpec body %x, want 01", it.Raw)
		}
		if c.hs.Buffered() > 0 {
			return protoErr(wire.AlertUnexpectedMessage, "ChangeCipherSpec inside a handshake message")
		}
		return nil
	case wire.ContentAlert:
		return c.alertErr(it.Alert)
	case wire.ContentHandshake:
		return protoErr(wire.AlertUnexpectedMessage, "got %s, want ChangeCipherSpec", it.Msg.Type())
	}
	return protoErr(wire.AlertUnexpectedMessage, "got %s, want ChangeCipherSpec", it.Type)
}

// fail sends a fatal alert for err when it is our verdict, and remembers
// that the connection is dead.
func (c *Conn) fail(err error) error {
	if err == nil || c.failed != nil {
		return err
	}
	c.failed = err
	var pe *ProtocolError
	var ve *VerifyError
	switch {
	case errors.As(err, &pe):
		_ = c.SendAlert(wire.AlertLevelFatal, pe.Alert)
	case errors.As(err, &ve):
		_ = c.SendAlert(wire.AlertLevelFatal, wire.AlertDecryptError)
	}
	return err
}

// Write sends application data.
func (c *Conn) Write(p []byte) (int, error) {
	if c.failed != nil {
		return 0, c.failed
	}
	if err := c.WriteRecord(wire.ContentApplicationData, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Read reads application data, handling post-handshake messages (TLS 1.3
// NewSessionTicket and KeyUpdate, TLS 1.2 HelloRequest refused). It returns
// io.EOF after the peer's close_notify.
func (c *Conn) Read(p []byte) (int, error) {
	if c.failed != nil {
		return 0, c.failed
	}
	for len(c.appData) == 0 {
		if c.closeNotify {
			return 0, io.EOF
		}
		it, err := c.ReadItem()
		if err != nil {
			return 0, c.fail(err)
		}
		switch it.Type {
		case wire.ContentApplicationData:
			c.appData = it.Raw
		case wire.ContentAlert:
			if it.Alert.Description == wire.AlertCloseNotify {
				c.closeNotify = true
				return 0, io.EOF
			}
			if it.Alert.Level == wire.AlertLevelWarning && c.version < wire.VersionTLS13 {
				continue
			}
			c.failed = c.alertErr(it.Alert)
			return 0, c.failed
		case wire.ContentHandshake:
			if err := c.postHandshake(it.Msg, it.Raw); err != nil {
				return 0, c.fail(err)
			}
		default:
			return 0, c.fail(protoErr(wire.AlertUnexpectedMessage, "unexpected %s after the handshake", it.Type))
		}
	}
	n := copy(p, c.appData)
	c.appData = c.appData[n:]
	return n, nil
}

func (c *Conn) postHandshake(m wire.Message, raw []byte) error {
	if ku, ok := m.(*wire.KeyUpdate); ok && c.version == wire.VersionTLS13 {
		return c.handleKeyUpdate(ku)
	}
	if c.onPostHS != nil {
		return c.onPostHS(c, m, raw)
	}
	return protoErr(wire.AlertUnexpectedMessage, "unexpected %s after the handshake", m.Type())
}

// handleKeyUpdate rolls the read key and answers update_requested
// (RFC 8446 §4.6.3).
func (c *Conn) handleKeyUpdate(ku *wire.KeyUpdate) error {
	if ku.RequestUpdate > 1 {
		return protoErr(wire.AlertIllegalParameter, "KeyUpdate request_update %d", ku.RequestUpdate)
	}
	c.inSecret = keys.NextTrafficSecret(c.spec.PRF, c.inSecret)
	hc, err := c.halfConn13(c.inSecret)
	if err != nil {
		return err
	}
	c.setReadKey(hc, "updated application traffic key")
	if ku.RequestUpdate == 1 {
		return c.SendKeyUpdate(false)
	}
	return nil
}

// SendKeyUpdate sends a KeyUpdate and rolls the write key (TLS 1.3).
func (c *Conn) SendKeyUpdate(requestPeer bool) error {
	if c.version != wire.VersionTLS13 {
		return fmt.Errorf("peers: KeyUpdate needs TLS 1.3, have %s", c.version)
	}
	req := uint8(0)
	if requestPeer {
		req = 1
	}
	b, err := (&wire.KeyUpdate{RequestUpdate: req}).Marshal()
	if err != nil {
		return err
	}
	if err := c.WriteRecord(wire.ContentHandshake, b); err != nil {
		return err
	}
	c.outSecret = keys.NextTrafficSecret(c.spec.PRF, c.outSecret)
	hc, err := c.halfConn13(c.outSecret)
	if err != nil {
		return err
	}
	c.out = hc
	return nil
}

func (c *Conn) halfConn13(secret []byte) (*record.HalfConn, error) {
	key, iv := keys.TrafficKey(c.spec.PRF, secret, c.spec.KeyLen, 12)
	hc, err := record.NewHalfConn13(c.spec, key, iv)
	if err != nil {
		return nil, fmt.Errorf("peers: traffic keys: %w", err)
	}
	if c.rand != nil {
		hc.SetRand(c.rand)
	}
	return hc, nil
}

// Close sends close_notify (best effort, under the deadline) and closes.
func (c *Conn) Close() error {
	if c.failed == nil && (c.out.Protected() || c.version != 0) {
		_ = c.SendAlert(wire.AlertLevelWarning, wire.AlertCloseNotify)
	}
	return c.nc.Close()
}

// withContext makes ctx cancellation close the connection, so that a
// blocked read returns at once. The returned stop must be called.
func withContext(ctx context.Context, nc net.Conn) (stop func() bool) {
	if ctx == nil || ctx.Done() == nil {
		return func() bool { return true }
	}
	return context.AfterFunc(ctx, func() {
		_ = nc.SetDeadline(time.Unix(1, 0))
	})
}

func (c *Conn) logKey(label string, secret []byte) {
	if c.keyLog != nil {
		_ = c.keyLog.Write(label, c.clientRandom, secret)
	}
}
