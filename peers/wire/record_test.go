package wire

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

func TestRecordMarshal(t *testing.T) {
	r := Record{Type: ContentHandshake, Version: VersionTLS10, Payload: []byte{1, 2, 3}}
	want := hx(t, `16 0301 0003 010203`) // RFC 5246 §6.2.1
	if got := r.Marshal(); !bytes.Equal(got, want) {
		t.Fatalf("Marshal = %x", got)
	}
	if got := AppendRecord([]byte{0xff}, ContentAlert, VersionTLS12, []byte{2, 50}); !bytes.Equal(got, hx(t, `ff 15 0303 0002 0232`)) {
		t.Fatalf("AppendRecord = %x", got)
	}
	// A length that lies is written only on purpose.
	if got := AppendRecordHeader(nil, ContentApplicationData, VersionTLS12, 0xffff); !bytes.Equal(got, hx(t, `17 0303 ffff`)) {
		t.Fatalf("AppendRecordHeader = %x", got)
	}
	typ, v, n, err := ParseRecordHeader(want)
	if err != nil || typ != ContentHandshake || v != VersionTLS10 || n != 3 {
		t.Fatalf("ParseRecordHeader = %v %v %d %v", typ, v, n, err)
	}
	rec, used, err := ParseRecord(append(append([]byte(nil), want...), 0x99))
	if err != nil || used != len(want) || !sameValue(rec, r) {
		t.Fatalf("ParseRecord = %+v %d %v", rec, used, err)
	}
	for n := 0; n < len(want); n++ {
		_, _, err := ParseRecord(want[:n])
		wantParseError(t, err, ErrTruncated, "record cut at "+itoa(n))
	}
	for n := 0; n < RecordHeaderLen; n++ {
		_, _, _, err := ParseRecordHeader(want[:n])
		wantParseError(t, err, ErrTruncated, "header cut at "+itoa(n))
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Marshal of a 65536-byte payload did not panic")
		}
	}()
	Record{Payload: make([]byte, 1<<16)}.Marshal()
}

// countingReader fails the test if more than limit bytes are read from it.
type countingReader struct {
	t     *testing.T
	r     io.Reader
	n     int
	limit int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	if c.n > c.limit {
		c.t.Fatalf("read %d bytes, more than the %d allowed", c.n, c.limit)
	}
	return n, err
}

func TestReadRecord(t *testing.T) {
	two := append(Record{Type: ContentHandshake, Version: VersionTLS12, Payload: []byte{1, 2}}.Marshal(),
		Record{Type: ContentAlert, Version: VersionTLS12, Payload: []byte{2, 40}}.Marshal()...)
	r := bytes.NewReader(two)
	rec, raw, err := ReadRecord(r, MaxCiphertext13)
	if err != nil || rec.Type != ContentHandshake || !bytes.Equal(rec.Payload, []byte{1, 2}) || !bytes.Equal(raw, two[:7]) {
		t.Fatalf("first: %+v %x %v", rec, raw, err)
	}
	rec, _, err = ReadRecord(r, MaxCiphertext13)
	if err != nil || rec.Type != ContentAlert {
		t.Fatalf("second: %+v %v", rec, err)
	}
	if _, _, err = ReadRecord(r, MaxCiphertext13); err != io.EOF {
		t.Fatalf("clean EOF: got %v, want io.EOF itself", err)
	}

	// An empty record is allowed by the framing (application data may be).
	if rec, _, err := ReadRecord(bytes.NewReader(hx(t, `17 0303 0000`)), 0); err != nil || len(rec.Payload) != 0 {
		t.Fatalf("empty record: %+v %v", rec, err)
	}

	// Truncated header and truncated body: io.ErrUnexpectedEOF, wrapped.
	for n := 1; n < len(two[:7]); n++ {
		_, _, err := ReadRecord(bytes.NewReader(two[:n]), MaxCiphertext13)
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("cut at %d: got %v, want io.ErrUnexpectedEOF", n, err)
		}
	}

	// Garbage: an HTTP request read as a record.
	_, _, err = ReadRecord(bytes.NewReader([]byte("GET / HTTP/1.1\r\n\r\n")), MaxCiphertext13)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("HTTP request: got %v", err)
	}
	_, _, err = ReadRecord(bytes.NewReader([]byte("\x16\x03\x03\x40\x01garbage")), MaxPlaintext)
	wantParseError(t, err, ErrTooLarge, "16385-byte record under MaxPlaintext")

	// A 65535-byte length is refused after the 5-byte header, before the
	// body is read or allocated.
	hdr := AppendRecordHeader(nil, ContentApplicationData, VersionTLS12, 0xffff)
	cr := &countingReader{t: t, r: io.MultiReader(bytes.NewReader(hdr), bytes.NewReader(make([]byte, 1<<16))), limit: RecordHeaderLen}
	_, _, err = ReadRecord(cr, MaxCiphertext13)
	pe := wantParseError(t, err, ErrTooLarge, "65535-byte record")
	if pe.Message != "record" || pe.Field != "length" {
		t.Fatalf("got %+v", pe)
	}
	if cr.n != RecordHeaderLen {
		t.Fatalf("read %d bytes", cr.n)
	}
}

// TestReadRecordDeadline: an I/O error is wrapped so callers can match it.
func TestReadRecordDeadline(t *testing.T) {
	c1, c2 := net.Pipe()
	defer c1.Close()
	defer c2.Close()
	if err := c1.SetReadDeadline(time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	_, _, err := ReadRecord(c1, MaxCiphertext13)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("got %v, want os.ErrDeadlineExceeded", err)
	}
}

func TestAlert(t *testing.T) {
	a := Alert{Level: AlertLevelFatal, Description: AlertDecodeError}
	if got := a.Marshal(); !bytes.Equal(got, []byte{2, 50}) { // RFC 5246 §7.2
		t.Fatalf("Marshal = %x", got)
	}
	if a.String() != "fatal decode_error" {
		t.Fatalf("String = %q", a.String())
	}
	back, err := UnmarshalAlert([]byte{2, 50})
	if err != nil || back != a {
		t.Fatalf("UnmarshalAlert = %v %v", back, err)
	}
	for _, b := range [][]byte{nil, {2}} {
		_, err := UnmarshalAlert(b)
		wantParseError(t, err, ErrTruncated, "short alert")
	}
	_, err = UnmarshalAlert([]byte{2, 50, 1})
	wantParseError(t, err, ErrTrailing, "3-byte alert")
	if !bytes.Equal(ChangeCipherSpecPayload, []byte{1}) {
		t.Fatal("ChangeCipherSpecPayload")
	}
}

func TestHandshakeBuffer(t *testing.T) {
	var stream []byte
	var want [][]byte
	for _, s := range samples() {
		raw := mustMarshal(t, s.msg)
		stream = append(stream, raw...)
		want = append(want, raw)
	}
	drain := func(h *HandshakeBuffer, got *[][]byte) {
		t.Helper()
		for {
			m, ok, err := h.Next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return
			}
			*got = append(*got, m)
		}
	}
	check := func(name string, got [][]byte, h *HandshakeBuffer) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d messages, want %d", name, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("%s: message %d differs", name, i)
			}
		}
		if h.Buffered() != 0 {
			t.Fatalf("%s: %d bytes left", name, h.Buffered())
		}
	}

	// One byte per Write.
	var h HandshakeBuffer
	var got [][]byte
	for i := range stream {
		h.Write(stream[i : i+1])
		drain(&h, &got)
	}
	check("byte by byte", got, &h)

	// Everything in one Write.
	h, got = HandshakeBuffer{}, nil
	h.Write(stream)
	drain(&h, &got)
	check("one write", got, &h)

	// Record-sized pieces: messages span records, records hold several.
	h, got = HandshakeBuffer{}, nil
	for i := 0; i < len(stream); i += 97 {
		h.Write(stream[i:min(i+97, len(stream))])
		drain(&h, &got)
	}
	check("97-byte pieces", got, &h)

	// Buffered counts an incomplete message.
	h = HandshakeBuffer{}
	h.Write(want[0][:10])
	if _, ok, err := h.Next(); ok || err != nil || h.Buffered() != 10 {
		t.Fatalf("partial: ok=%v err=%v buffered=%d", ok, err, h.Buffered())
	}
	// The returned message does not alias the buffer.
	h = HandshakeBuffer{}
	h.Write([]byte{20, 0, 0, 1, 7, 20, 0, 0})
	m, ok, _ := h.Next()
	h.Write([]byte{1, 9})
	if !ok || !bytes.Equal(m, []byte{20, 0, 0, 1, 7}) {
		t.Fatalf("first message %x", m)
	}
	if m2, ok, _ := h.Next(); !ok || !bytes.Equal(m2, []byte{20, 0, 0, 1, 9}) || !bytes.Equal(m, []byte{20, 0, 0, 1, 7}) {
		t.Fatalf("second message %x, first now %x", m2, m)
	}
}

func TestHandshakeBufferTooLarge(t *testing.T) {
	var h HandshakeBuffer
	h.Write([]byte{11, 0xff, 0xff, 0xff}) // 2^24-1 bytes announced
	_, ok, err := h.Next()
	pe := wantParseError(t, err, ErrTooLarge, "2^24-1 message")
	if ok || pe.Field != "handshake.length" {
		t.Fatalf("ok=%v %+v", ok, pe)
	}
	if _, _, err2 := h.Next(); err2 != err {
		t.Fatal("error is not sticky")
	}
	h.Reset()
	if _, ok, err := h.Next(); ok || err != nil {
		t.Fatal("Reset did not clear")
	}

	h = HandshakeBuffer{Max: 3}
	h.Write([]byte{20, 0, 0, 3, 1, 2, 3, 20, 0, 0, 4})
	if m, ok, err := h.Next(); !ok || err != nil || len(m) != 7 {
		t.Fatalf("3-byte body under Max 3: %x %v %v", m, ok, err)
	}
	_, _, err = h.Next()
	wantParseError(t, err, ErrTooLarge, "4-byte body under Max 3")

	h = HandshakeBuffer{}
	h.Write([]byte{1, 0x02, 0x00, 0x01}) // DefaultHandshakeMax + 1
	_, _, err = h.Next()
	wantParseError(t, err, ErrTooLarge, "DefaultHandshakeMax+1")
}
