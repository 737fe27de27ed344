package record

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

func TestRoundTrip(t *testing.T) {
	sizes := []int{0, 1, 15, 16, 17, 31, 32, 47, 48, 255, 256, 1000, MaxPlaintext}
	types := []wire.ContentType{wire.ContentHandshake, wire.ContentApplicationData, wire.ContentAlert}
	for _, c := range combos() {
		t.Run(c.String(), func(t *testing.T) {
			w, r := pair(t, c)
			var stream []byte
			type sent struct {
				typ wire.ContentType
				pt  []byte
				pad int
			}
			var want []sent
			for i, n := range sizes {
				pad := 0
				if c.v == wire.VersionTLS13 {
					pad = []int{0, 1, 7, 300}[i%4]
				}
				s := sent{types[i%len(types)], pattern(n, byte(i)), pad}
				var err error
				stream, err = w.Seal(stream, s.typ, recordVersion(c.v), s.pt, s.pad)
				if err != nil {
					t.Fatalf("Seal %d bytes: %v", n, err)
				}
				if w.Seq() != uint64(i+1) {
					t.Fatalf("Seq after %d records = %d", i+1, w.Seq())
				}
				want = append(want, s)
			}
			recs := splitRecords(t, stream)
			if len(recs) != len(want) {
				t.Fatalf("%d records, want %d", len(recs), len(want))
			}
			for i, rc := range recs {
				s := want[i]
				wantOuter := s.typ
				if c.v == wire.VersionTLS13 {
					wantOuter = wire.ContentApplicationData
				}
				if rc.typ != wantOuter || rc.version != recordVersion(c.v) {
					t.Errorf("record %d header: %s %s, want %s %s", i, rc.typ, rc.version, wantOuter, recordVersion(c.v))
				}
				if got, want := len(rc.payload), sealedLen(c, len(s.pt), s.pad); got != want {
					t.Errorf("record %d (%d bytes of plaintext): payload %d bytes, want %d", i, len(s.pt), got, want)
				}
				payload := bytes.Clone(rc.payload)
				typ, pt, err := r.Open(rc.typ, rc.version, rc.payload)
				if err != nil {
					t.Fatalf("Open record %d: %v", i, err)
				}
				if typ != s.typ || !bytes.Equal(pt, s.pt) {
					t.Fatalf("record %d: Open = %s %d bytes, want %s %d bytes", i, typ, len(pt), s.typ, len(s.pt))
				}
				if !bytes.Equal(payload, rc.payload) {
					t.Fatalf("record %d: Open modified its payload", i)
				}
				if r.Seq() != uint64(i+1) {
					t.Fatalf("reader Seq = %d after %d records", r.Seq(), i+1)
				}
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	n := NewNull()
	if n.Protected() || n.TLS13() || n.Spec() != nil || n.Version() != 0 {
		t.Error("Null reports protection")
	}
	for _, c := range oneOfEach() {
		h := newHalf(t, c, 0)
		if !h.Protected() || h.TLS13() != (c.v == wire.VersionTLS13) || h.Spec().ID != c.spec.ID || h.Version() != c.v {
			t.Errorf("%s: Protected %v TLS13 %v Spec %v Version %v", c, h.Protected(), h.TLS13(), h.Spec(), h.Version())
		}
	}
}

// TestTamper flips every byte of a sealed record's payload, and the header
// fields, and requires bad_record_mac without moving the sequence number.
func TestTamper(t *testing.T) {
	for _, c := range combos() {
		t.Run(c.String(), func(t *testing.T) {
			w, r := pair(t, c)
			w.SetSeq(5)
			r.SetSeq(5)
			sealed, err := w.Seal(nil, wire.ContentHandshake, recordVersion(c.v), pattern(40, 3), 2)
			if err != nil {
				t.Fatal(err)
			}
			rc := splitRecords(t, sealed)[0]
			for i := range rc.payload {
				for _, flip := range []byte{0x01, 0x80, 0xff} {
					bad := bytes.Clone(rc.payload)
					bad[i] ^= flip
					_, _, err := r.Open(rc.typ, rc.version, bad)
					if kindOf(err) != BadRecordMAC {
						t.Fatalf("flip %#x at byte %d: %v, want bad_record_mac", flip, i, err)
					}
				}
			}
			if _, _, err := r.Open(rc.typ, rc.version^0x0001, rc.payload); kindOf(err) != BadRecordMAC {
				t.Errorf("changed version: %v, want bad_record_mac", err)
			}
			wantKind := BadRecordMAC
			if c.v == wire.VersionTLS13 {
				wantKind = UnexpectedType // RFC 8446 §5.2: the outer type is always 23
			}
			if _, _, err := r.Open(wire.ContentAlert, rc.version, rc.payload); kindOf(err) != wantKind {
				t.Errorf("changed type: %v, want %s", err, wantKind)
			}
			for n := 0; n < len(rc.payload); n++ {
				_, _, err := r.Open(rc.typ, rc.version, rc.payload[:n])
				if k := kindOf(err); k != BadRecordMAC && k != DecodeError {
					t.Fatalf("truncated to %d bytes: %v", n, err)
				}
			}
			if _, _, err := r.Open(rc.typ, rc.version, append(bytes.Clone(rc.payload), 0)); kindOf(err) != BadRecordMAC && kindOf(err) != DecodeError {
				t.Errorf("one byte appended: %v", err)
			}
			if r.Seq() != 5 {
				t.Fatalf("failed Opens moved seq to %d", r.Seq())
			}
			if _, _, err := r.Open(rc.typ, rc.version, rc.payload); err != nil {
				t.Fatalf("the untouched record no longer opens: %v", err)
			}
			if r.Seq() != 6 {
				t.Fatalf("Seq = %d after a good Open, want 6", r.Seq())
			}
		})
	}
}

func TestWrongSequence(t *testing.T) {
	for _, c := range combos() {
		w, r := pair(t, c)
		sealed, _ := w.Seal(nil, wire.ContentApplicationData, recordVersion(c.v), []byte("hello"), 0)
		rc := splitRecords(t, sealed)[0]
		for _, seq := range []uint64{1, 1 << 8, 1 << 32, 1 << 63} {
			r.SetSeq(seq)
			if _, _, err := r.Open(rc.typ, rc.version, rc.payload); kindOf(err) != BadRecordMAC {
				t.Errorf("%s: seq 0 record opened at seq %d: %v", c, seq, err)
			}
		}
		other := newHalf(t, c, 1)
		if _, _, err := other.Open(rc.typ, rc.version, rc.payload); kindOf(err) != BadRecordMAC {
			t.Errorf("%s: record opened under other keys: %v", c, err)
		}
	}
}

// TestAEAD12Layout rebuilds TLS 1.2 AEAD records with crypto/cipher directly
// from the RFC text: GCM nonce = salt || seq with the explicit part first in
// the payload (RFC 5288 §3); ChaCha20 nonce = iv XOR seq (RFC 7905 §2);
// additional data = seq || type || version || length (RFC 5246 §6.2.3.3).
func TestAEAD12Layout(t *testing.T) {
	for _, c := range combos() {
		if !c.spec.AEAD() || c.v == wire.VersionTLS13 {
			continue
		}
		key, iv, _ := testKeys(c, 0)
		w := newHalf(t, c, 0)
		var a cipher.AEAD
		if c.spec.Bulk == suites.BulkChaCha20Poly1305 {
			a, _ = newChaCha20Poly1305(key)
		} else {
			b, _ := aes.NewCipher(key)
			a, _ = cipher.NewGCM(b)
		}
		for seq := uint64(0); seq < 3; seq++ {
			seq := seq * 0x0102030405060708
			w.SetSeq(seq)
			pt := pattern(21, byte(seq))
			got, _ := w.Seal(nil, wire.ContentApplicationData, c.v, pt, 0)

			ad := make([]byte, 13)
			binary.BigEndian.PutUint64(ad, seq)
			ad[8] = 23
			binary.BigEndian.PutUint16(ad[9:], uint16(c.v))
			binary.BigEndian.PutUint16(ad[11:], uint16(len(pt)))
			nonce := make([]byte, 12)
			var explicit []byte
			if c.spec.Bulk == suites.BulkChaCha20Poly1305 {
				copy(nonce, iv)
				for i := 0; i < 8; i++ {
					nonce[4+i] ^= byte(seq >> (56 - 8*i))
				}
			} else {
				copy(nonce, iv)
				binary.BigEndian.PutUint64(nonce[4:], seq)
				explicit = nonce[4:]
			}
			body := append(bytes.Clone(explicit), a.Seal(nil, nonce, pt, ad)...)
			want := append([]byte{23, byte(c.v >> 8), byte(c.v), byte(len(body) >> 8), byte(len(body))}, body...)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s seq %#x:\n got %x\nwant %x", c, seq, got, want)
			}
		}
	}
}

// cbcRecord builds a CBC record by hand from RFC 5246 §6.2.3.2: MAC over
// seq || type || version || length || content, then padding, then
// AES-CBC under iv; iv goes in front when explicit.
func cbcRecord(c combo, key, macKey, iv []byte, explicit bool, seq uint64, typ wire.ContentType, pt, padding []byte) []byte {
	m := hmac.New(c.spec.MAC.New, macKey)
	var hdr [13]byte
	binary.BigEndian.PutUint64(hdr[:], seq)
	hdr[8] = byte(typ)
	binary.BigEndian.PutUint16(hdr[9:], uint16(c.v))
	binary.BigEndian.PutUint16(hdr[11:], uint16(len(pt)))
	m.Write(hdr[:])
	m.Write(pt)
	body := append(append(bytes.Clone(pt), m.Sum(nil)...), padding...)
	b, _ := aes.NewCipher(key)
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(body, body)
	if explicit {
		body = append(bytes.Clone(iv), body...)
	}
	return body
}

func minimalPadding(n int) []byte {
	p := make([]byte, 16-n%16)
	for i := range p {
		p[i] = byte(len(p) - 1)
	}
	return p
}

func TestCBCLayout(t *testing.T) {
	for _, c := range combos() {
		if c.spec.AEAD() {
			continue
		}
		key, iv, macKey := testKeys(c, 0)
		w := newHalf(t, c, 0)
		var ivs bytes.Buffer
		w.SetRand(&ivs)
		for i, n := range []int{0, 1, 11, 12, 27, 28, 100} {
			pt := pattern(n, byte(i))
			seq := uint64(i) * 1000
			w.SetSeq(seq)
			explicit := c.v >= wire.VersionTLS11
			if explicit {
				iv = pattern(16, byte(100+i))
				ivs.Write(iv)
			}
			got, err := w.Seal(nil, wire.ContentHandshake, c.v, pt, 0)
			if err != nil {
				t.Fatal(err)
			}
			body := cbcRecord(c, key, macKey, iv, explicit, seq, wire.ContentHandshake, pt, minimalPadding(n+c.spec.MACLen))
			want := append([]byte{22, byte(c.v >> 8), byte(c.v), byte(len(body) >> 8), byte(len(body))}, body...)
			if !bytes.Equal(got, want) {
				t.Fatalf("%s, %d bytes:\n got %x\nwant %x", c, n, got, want)
			}
			if !explicit {
				iv = body[len(body)-16:] // RFC 2246 §6.2.3.2: chained IV
			}
		}
	}
}

// TestTLS10IVChaining checks that TLS 1.0 CBC starts from the key block's IV
// and then chains from the last ciphertext block, and that a failed Open does
// not move the chain.
func TestTLS10IVChaining(t *testing.T) {
	c := combo{mustSpec(t, wire.TLS_RSA_WITH_AES_128_CBC_SHA), wire.VersionTLS10}
	key, iv, _ := testKeys(c, 0)
	w, r := pair(t, c)
	var stream []byte
	for i := 0; i < 3; i++ {
		stream, _ = w.Seal(stream, wire.ContentApplicationData, c.v, pattern(20+i, byte(i)), 0)
	}
	recs := splitRecords(t, stream)
	b, _ := aes.NewCipher(key)
	prevIV := iv
	for i, rc := range recs {
		if len(rc.payload) != sealedLen(c, 20+i, 0) {
			t.Fatalf("record %d carries an explicit IV", i)
		}
		pt := make([]byte, len(rc.payload))
		cipher.NewCBCDecrypter(b, prevIV).CryptBlocks(pt, rc.payload)
		if !bytes.Equal(pt[:20+i], pattern(20+i, byte(i))) {
			t.Fatalf("record %d does not decrypt under the chained IV", i)
		}
		prevIV = rc.payload[len(rc.payload)-16:]
	}

	bad := bytes.Clone(recs[0].payload)
	bad[len(bad)-1] ^= 1
	if _, _, err := r.Open(recs[0].typ, recs[0].version, bad); kindOf(err) != BadRecordMAC {
		t.Fatalf("tampered record: %v", err)
	}
	for i, rc := range recs {
		if _, pt, err := r.Open(rc.typ, rc.version, rc.payload); err != nil || !bytes.Equal(pt, pattern(20+i, byte(i))) {
			t.Fatalf("record %d after a failed Open: %v", i, err)
		}
	}
	// Out of order, the chain breaks.
	r2 := newHalf(t, c, 0)
	if _, _, err := r2.Open(recs[1].typ, recs[1].version, recs[1].payload); kindOf(err) != BadRecordMAC {
		t.Fatalf("second record opened with the key-block IV: %v", err)
	}
}

func mustSpec(t testing.TB, id wire.CipherSuite) *suites.Spec {
	t.Helper()
	s, ok := suites.Lookup(id)
	if !ok {
		t.Fatalf("no suite %s", id)
	}
	return s
}

func TestCBCPadding(t *testing.T) {
	for _, c := range combos() {
		if c.spec.AEAD() {
			continue
		}
		t.Run(c.String(), func(t *testing.T) {
			mac := c.spec.MACLen
			seal := func(w *HalfConn, pt, padding []byte) rec {
				t.Helper()
				b, err := w.SealCBC(nil, wire.ContentApplicationData, c.v, pt, padding)
				if err != nil {
					t.Fatalf("SealCBC: %v", err)
				}
				return splitRecords(t, b)[0]
			}
			uniform := func(n int) []byte {
				p := make([]byte, n)
				for i := range p {
					p[i] = byte(n - 1)
				}
				return p
			}
			// n bytes of content so that content+MAC+padLen is whole blocks.
			contentFor := func(padLen int) []byte {
				n := (16 - (mac+padLen)%16) % 16
				return pattern(n+16, 9)
			}

			var reasons []string
			for _, padLen := range []int{1, 16, 17, 256} { // pad_len 0, 15, 16, 255
				w, r := pair(t, c)
				pt := contentFor(padLen)
				rc := seal(w, pt, uniform(padLen))
				typ, got, err := r.Open(rc.typ, rc.version, rc.payload)
				if err != nil || typ != wire.ContentApplicationData || !bytes.Equal(got, pt) {
					t.Fatalf("padding_length %d: Open = %s %x, %v", padLen-1, typ, got, err)
				}

				// Every single wrong padding byte is caught, padding_length
				// byte included.
				for i := 0; i < padLen; i++ {
					p := uniform(padLen)
					p[i] ^= 0x40
					w, r := pair(t, c)
					rc := seal(w, pt, p)
					_, _, err := r.Open(rc.typ, rc.version, rc.payload)
					if kindOf(err) != BadRecordMAC {
						t.Fatalf("padding_length %d, byte %d wrong: %v", padLen-1, i, err)
					}
					reasons = append(reasons, err.Error())
				}
			}

			// padding_length longer than the record.
			{
				w, r := pair(t, c)
				p := uniform(16)
				p[15] = 200
				pt := contentFor(16)
				rc := seal(w, pt, p)
				_, _, err := r.Open(rc.typ, rc.version, rc.payload)
				if kindOf(err) != BadRecordMAC {
					t.Fatalf("padding_length past the start: %v", err)
				}
				reasons = append(reasons, err.Error())
			}
			// A well-formed padding that leaves no room for the MAC.
			if c.v >= wire.VersionTLS11 {
				key, _, _ := testKeys(c, 0)
				bodyLen := (mac + 1 + 15) / 16 * 16
				body := uniform(bodyLen)
				b, _ := aes.NewCipher(key)
				iv := pattern(16, 1)
				cipher.NewCBCEncrypter(b, iv).CryptBlocks(body, body)
				r := newHalf(t, c, 0)
				_, _, err := r.Open(wire.ContentApplicationData, c.v, append(iv, body...))
				if kindOf(err) != BadRecordMAC {
					t.Fatalf("padding over the MAC: %v", err)
				}
				reasons = append(reasons, err.Error())
			}
			// Good padding, bad MAC: sealed under another MAC key.
			{
				key, iv, macKey := testKeys(c, 0)
				macKey[0] ^= 1
				w, _ := NewHalfConn12(c.v, c.spec, key, iv, macKey)
				_, r := pair(t, c)
				rc := seal(w, []byte("x"), nil)
				_, _, err := r.Open(rc.typ, rc.version, rc.payload)
				if kindOf(err) != BadRecordMAC {
					t.Fatalf("bad MAC: %v", err)
				}
				reasons = append(reasons, err.Error())
			}
			for _, s := range reasons {
				if s != reasons[0] {
					t.Fatalf("padding and MAC failures differ: %q vs %q (RFC 5246 §6.2.3.2)", s, reasons[0])
				}
			}

			// Misuse of SealCBC: padding that does not fill whole blocks.
			w, _ := pair(t, c)
			if _, err := w.SealCBC(nil, wire.ContentApplicationData, c.v, contentFor(1), uniform(2)); kindOf(err) != InternalError {
				t.Errorf("SealCBC with ragged padding: %v", err)
			}
			if w.Seq() != 0 {
				t.Errorf("failed SealCBC moved seq")
			}
		})
	}
}

func TestCBCShortAndRagged(t *testing.T) {
	for _, c := range combos() {
		if c.spec.AEAD() {
			continue
		}
		r := newHalf(t, c, 0)
		iv := 0
		if c.v >= wire.VersionTLS11 {
			iv = 16
		}
		minLen := iv + (c.spec.MACLen+16)/16*16
		for n := 0; n < minLen; n++ {
			if _, _, err := r.Open(wire.ContentApplicationData, c.v, make([]byte, n)); kindOf(err) != DecodeError {
				t.Fatalf("%s: %d-byte payload: %v, want decode_error", c, n, err)
			}
		}
		if _, _, err := r.Open(wire.ContentApplicationData, c.v, make([]byte, minLen)); kindOf(err) != BadRecordMAC {
			t.Errorf("%s: zero payload: %v", c, err)
		}
		if _, _, err := r.Open(wire.ContentApplicationData, c.v, make([]byte, minLen+1)); kindOf(err) != BadRecordMAC {
			t.Errorf("%s: ragged payload: %v", c, err)
		}
	}
}

func TestAEADShort(t *testing.T) {
	for _, c := range oneOfEach() {
		if !c.spec.AEAD() {
			continue
		}
		r := newHalf(t, c, 0)
		min := 16
		if c.v < wire.VersionTLS13 && c.spec.Bulk != suites.BulkChaCha20Poly1305 {
			min = 24
		}
		for n := 0; n < min; n++ {
			if _, _, err := r.Open(23, recordVersion(c.v), make([]byte, n)); kindOf(err) != DecodeError {
				t.Fatalf("%s: %d-byte payload: %v, want decode_error", c, n, err)
			}
		}
		if _, _, err := r.Open(23, recordVersion(c.v), make([]byte, min)); kindOf(err) != BadRecordMAC {
			t.Fatalf("%s: %d-byte payload: %v, want bad_record_mac", c, min, err)
		}
	}
}

func TestTLS13InnerPlaintext(t *testing.T) {
	for _, id := range []wire.CipherSuite{wire.TLS_AES_128_GCM_SHA256, wire.TLS_AES_256_GCM_SHA384, wire.TLS_CHACHA20_POLY1305_SHA256} {
		c := combo{mustSpec(t, id), wire.VersionTLS13}
		t.Run(c.String(), func(t *testing.T) {
			for _, pad := range []int{0, 1, 2, 15, 16, 255, 256, 1000} {
				for _, n := range []int{0, 1, 100} {
					w, r := pair(t, c)
					pt := pattern(n, 1)
					b, _ := w.Seal(nil, wire.ContentAlert, wire.VersionTLS12, pt, pad)
					rc := splitRecords(t, b)[0]
					if len(rc.payload) != n+1+pad+16 {
						t.Fatalf("pad %d: payload %d bytes", pad, len(rc.payload))
					}
					typ, got, err := r.Open(rc.typ, rc.version, rc.payload)
					if err != nil || typ != wire.ContentAlert || !bytes.Equal(got, pt) {
						t.Fatalf("pad %d, %d bytes: Open = %s %x, %v", pad, n, typ, got, err)
					}
				}
			}

			// The type is the last non-zero byte: zeros at the end of the
			// content read as padding (RFC 8446 §5.4).
			w, r := pair(t, c)
			b, _ := w.Seal(nil, 0, wire.VersionTLS12, []byte{1, 2, byte(wire.ContentHandshake), 0, 0}, 3)
			rc := splitRecords(t, b)[0]
			typ, got, err := r.Open(rc.typ, rc.version, rc.payload)
			if err != nil || typ != wire.ContentHandshake || !bytes.Equal(got, []byte{1, 2}) {
				t.Fatalf("Open = %s %x, %v", typ, got, err)
			}

			// All zeros: no content type, unexpected_message.
			for _, n := range []int{0, 4} {
				w, r = pair(t, c)
				b, _ = w.Seal(nil, 0, wire.VersionTLS12, make([]byte, n), 5)
				rc = splitRecords(t, b)[0]
				_, _, err = r.Open(rc.typ, rc.version, rc.payload)
				var e *Error
				if !errors.As(err, &e) || e.Kind != NoContentType || e.Alert() != wire.AlertUnexpectedMessage {
					t.Fatalf("all-zero inner plaintext: %v", err)
				}
				if r.Seq() != 0 {
					t.Fatal("failed Open moved seq")
				}
			}

			// An empty inner plaintext (tag only), sealed by hand.
			key, iv, _ := testKeys(c, 0)
			var a cipher.AEAD
			if c.spec.Bulk == suites.BulkChaCha20Poly1305 {
				a, _ = newChaCha20Poly1305(key)
			} else {
				blk, _ := aes.NewCipher(key)
				a, _ = cipher.NewGCM(blk)
			}
			hdr := []byte{23, 3, 3, 0, 16}
			empty := a.Seal(nil, iv, nil, hdr) // seq 0: nonce = iv
			r = newHalf(t, c, 0)
			if _, _, err := r.Open(23, wire.VersionTLS12, empty); kindOf(err) != NoContentType {
				t.Fatalf("empty inner plaintext: %v", err)
			}
		})
	}
}

func TestTLS13ChangeCipherSpecPassThrough(t *testing.T) {
	c := combo{mustSpec(t, wire.TLS_AES_128_GCM_SHA256), wire.VersionTLS13}
	r := newHalf(t, c, 0)
	r.SetSeq(3)
	payload := []byte{1}
	typ, got, err := r.Open(wire.ContentChangeCipherSpec, wire.VersionTLS12, payload)
	if err != nil || typ != wire.ContentChangeCipherSpec || !bytes.Equal(got, payload) || r.Seq() != 3 {
		t.Fatalf("Open(CCS) = %s %x, %v, seq %d", typ, got, err, r.Seq())
	}
	_, got, _ = r.OpenAppend([]byte("x"), wire.ContentChangeCipherSpec, wire.VersionTLS12, payload)
	if string(got) != "x\x01" {
		t.Fatalf("OpenAppend(CCS) = %q", got)
	}
	for _, typ := range []wire.ContentType{wire.ContentAlert, wire.ContentHandshake, 99} {
		_, _, err := r.Open(typ, wire.VersionTLS12, []byte{2, 10})
		var e *Error
		if !errors.As(err, &e) || e.Kind != UnexpectedType || e.Alert() != wire.AlertUnexpectedMessage {
			t.Errorf("plaintext %s under TLS 1.3 keys: %v", typ, err)
		}
	}
}

func TestOverflow(t *testing.T) {
	for _, c := range oneOfEach() {
		t.Run(c.String(), func(t *testing.T) {
			w, r := pair(t, c)
			limit := MaxCiphertext12
			if c.v == wire.VersionTLS13 {
				limit = MaxCiphertext13
			}
			if _, _, err := r.Open(23, recordVersion(c.v), make([]byte, limit+1)); kindOf(err) != RecordOverflow {
				t.Errorf("payload of limit+1: %v, want record_overflow", err)
			}

			// Seal does not stop an oversized plaintext; Open does.
			big := pattern(MaxPlaintext+1, 0)
			b, err := w.Seal(nil, wire.ContentApplicationData, recordVersion(c.v), big, 0)
			if err != nil {
				t.Fatalf("Seal of 2^14+1 bytes: %v", err)
			}
			rc := splitRecords(t, b)[0]
			_, _, err = r.Open(rc.typ, rc.version, rc.payload)
			if kindOf(err) != RecordOverflow {
				t.Fatalf("2^14+1 bytes of plaintext: %v, want record_overflow", err)
			}
			if r.Seq() != 0 {
				t.Fatal("failed Open moved seq")
			}

			if c.v == wire.VersionTLS13 {
				// RFC 8446 §5.4: padding counts; the inner plaintext may not
				// exceed 2^14+1 bytes.
				w, r := pair(t, c)
				b, _ := w.Seal(nil, wire.ContentApplicationData, wire.VersionTLS12, pattern(MaxPlaintext-10, 0), 11)
				rc := splitRecords(t, b)[0]
				if _, _, err := r.Open(rc.typ, rc.version, rc.payload); kindOf(err) != RecordOverflow {
					t.Fatalf("inner plaintext of 2^14+2 bytes: %v", err)
				}
				b, _ = w.Seal(nil, wire.ContentApplicationData, wire.VersionTLS12, pattern(MaxPlaintext-10, 0), 10)
				rc = splitRecords(t, b)[0]
				r.SetSeq(1) // the failed Open above left it at 0
				if _, _, err := r.Open(rc.typ, rc.version, rc.payload); err != nil {
					t.Fatalf("inner plaintext of 2^14+1 bytes: %v", err)
				}
			}

			// Beyond the length field, Seal refuses.
			w2, _ := pair(t, c)
			if _, err := w2.Seal([]byte("keep"), wire.ContentApplicationData, recordVersion(c.v), make([]byte, 0xffff), 0); kindOf(err) != InternalError {
				t.Errorf("Seal of 65535 bytes: %v, want internal_error", err)
			}
			if w2.Seq() != 0 {
				t.Error("failed Seal moved seq")
			}
		})
	}
}

func TestNull(t *testing.T) {
	h := NewNull()
	pt := []byte{1, 2, 3}
	b, err := h.Seal([]byte("x"), wire.ContentHandshake, wire.VersionTLS10, pt, 9)
	if err != nil || !bytes.Equal(b, []byte{'x', 22, 3, 1, 0, 3, 1, 2, 3}) {
		t.Fatalf("Seal = %x, %v", b, err)
	}
	typ, got, err := h.Open(wire.ContentAlert, wire.VersionTLS12, pt)
	if err != nil || typ != wire.ContentAlert || &got[0] != &pt[0] || len(got) != 3 {
		t.Fatalf("Open = %s %x, %v (want payload itself)", typ, got, err)
	}
	if h.Seq() != 2 {
		t.Fatalf("Seq = %d, want 2", h.Seq())
	}
	if _, _, err := h.Open(wire.ContentHandshake, wire.VersionTLS12, make([]byte, MaxPlaintext+1)); kindOf(err) != RecordOverflow {
		t.Fatalf("oversized plaintext record: %v", err)
	}
	if _, err := h.Seal(nil, wire.ContentHandshake, wire.VersionTLS12, make([]byte, MaxPlaintext+1), 0); err != nil {
		t.Fatalf("Seal of an oversized record: %v", err)
	}
	if _, err := h.Seal(nil, wire.ContentHandshake, wire.VersionTLS12, make([]byte, 0x10000), 0); kindOf(err) != InternalError {
		t.Fatalf("Seal of 65536 bytes: %v", err)
	}
}

func TestSealAppendsAndAliases(t *testing.T) {
	for _, c := range oneOfEach() {
		w1, r := pair(t, c)
		w2 := newHalf(t, c, 0)
		pt := pattern(100, 5)
		want, _ := w1.Seal(nil, wire.ContentHandshake, recordVersion(c.v), pt, 3)

		// The plaintext sits in dst's spare capacity, where the record goes.
		buf := make([]byte, 4, 4096)
		copy(buf, "abcd")
		scratch := append(buf[len(buf):], pt...)
		got, err := w2.Seal(buf, wire.ContentHandshake, recordVersion(c.v), scratch, 3)
		if err != nil || string(got[:4]) != "abcd" || !bytes.Equal(got[4:], want) {
			t.Fatalf("%s: Seal with aliased plaintext differs: %v", c, err)
		}

		rc := splitRecords(t, want)[0]
		dst := []byte("pre")
		typ, out, err := r.OpenAppend(dst, rc.typ, rc.version, rc.payload)
		if err != nil || typ != wire.ContentHandshake || string(out[:3]) != "pre" || !bytes.Equal(out[3:], pt) {
			t.Fatalf("%s: OpenAppend = %s %x, %v", c, typ, out, err)
		}
	}
}

func TestDeterministicRand(t *testing.T) {
	c := combo{mustSpec(t, wire.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256), wire.VersionTLS12}
	seal := func(h *HalfConn) []byte {
		b, _ := h.Seal(nil, wire.ContentApplicationData, c.v, []byte("same"), 0)
		return b
	}
	a, b := newHalf(t, c, 0), newHalf(t, c, 0)
	a.SetRand(seeded(7))
	b.SetRand(seeded(7))
	if !bytes.Equal(seal(a), seal(b)) {
		t.Fatal("same seed, different records")
	}
	a.SetRand(nil) // crypto/rand
	b.SetRand(nil)
	if bytes.Equal(seal(a), seal(b)) {
		t.Fatal("crypto/rand gave the same explicit IV twice")
	}
	a.SetRand(bytes.NewReader(nil))
	if _, err := a.Seal(nil, wire.ContentApplicationData, c.v, nil, 0); kindOf(err) != InternalError {
		t.Fatalf("Seal with exhausted Rand: %v", err)
	}
}

func TestSequenceExhaustion(t *testing.T) {
	for _, c := range []combo{{nil, 0}, oneOfEach()[0]} {
		var w, r *HalfConn
		if c.spec == nil {
			w, r = NewNull(), NewNull()
		} else {
			w, r = pair(t, c)
		}
		w.SetSeq(math.MaxUint64)
		r.SetSeq(math.MaxUint64)
		b, err := w.Seal(nil, wire.ContentApplicationData, wire.VersionTLS12, []byte("last"), 0)
		if err != nil {
			t.Fatalf("Seal at seq 2^64-1: %v", err)
		}
		if _, err := w.Seal(nil, wire.ContentApplicationData, wire.VersionTLS12, nil, 0); kindOf(err) != InternalError {
			t.Fatalf("Seal after seq 2^64-1: %v", err)
		}
		rc := splitRecords(t, b)[0]
		if _, _, err := r.Open(rc.typ, rc.version, rc.payload); err != nil {
			t.Fatalf("Open at seq 2^64-1: %v", err)
		}
		if _, _, err := r.Open(rc.typ, rc.version, rc.payload); kindOf(err) != InternalError {
			t.Fatalf("Open after seq 2^64-1: %v", err)
		}
		w.SetSeq(0)
		if _, err := w.Seal(nil, wire.ContentApplicationData, wire.VersionTLS12, nil, 0); err != nil {
			t.Fatalf("SetSeq did not reset exhaustion: %v", err)
		}
	}
}

func TestErrorValues(t *testing.T) {
	e := &Error{Kind: BadRecordMAC, Reason: "GCM tag mismatch"}
	if e.Error() != "record: bad_record_mac: GCM tag mismatch" {
		t.Errorf("Error() = %q", e.Error())
	}
	for k, a := range map[ErrorKind]wire.AlertDescription{
		BadRecordMAC:   wire.AlertBadRecordMAC,
		RecordOverflow: wire.AlertRecordOverflow,
		DecodeError:    wire.AlertDecodeError,
		NoContentType:  wire.AlertUnexpectedMessage,
		UnexpectedType: wire.AlertUnexpectedMessage,
		InternalError:  wire.AlertInternalError,
	} {
		if got := (&Error{Kind: k}).Alert(); got != a {
			t.Errorf("%s: Alert() = %s, want %s", k, got, a)
		}
	}
	wrapped := errors.Join(errors.New("context"), e)
	if !errors.Is(wrapped, &Error{Kind: BadRecordMAC}) || errors.Is(wrapped, &Error{Kind: DecodeError}) {
		t.Error("errors.Is by Kind")
	}
}

func TestConstructorErrors(t *testing.T) {
	gcm := mustSpec(t, wire.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
	chacha := mustSpec(t, wire.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256)
	cbc := mustSpec(t, wire.TLS_RSA_WITH_AES_128_CBC_SHA)
	t13 := mustSpec(t, wire.TLS_AES_128_GCM_SHA256)
	k16, k32 := make([]byte, 16), make([]byte, 32)
	for name, err := range map[string]error{
		"nil spec":        second(NewHalfConn12(wire.VersionTLS12, nil, k16, nil, nil)),
		"SSL 3.0":         second(NewHalfConn12(wire.VersionSSL30, cbc, k16, k16, make([]byte, 20))),
		"TLS 1.3 version": second(NewHalfConn12(wire.VersionTLS13, gcm, k16, make([]byte, 4), nil)),
		"1.3 suite":       second(NewHalfConn12(wire.VersionTLS12, t13, k16, make([]byte, 4), nil)),
		"GCM key":         second(NewHalfConn12(wire.VersionTLS12, gcm, k32, make([]byte, 4), nil)),
		"GCM salt":        second(NewHalfConn12(wire.VersionTLS12, gcm, k16, make([]byte, 12), nil)),
		"ChaCha IV":       second(NewHalfConn12(wire.VersionTLS12, chacha, k32, make([]byte, 4), nil)),
		"CBC MAC key":     second(NewHalfConn12(wire.VersionTLS12, cbc, k16, nil, k32)),
		"CBC 1.0 IV":      second(NewHalfConn12(wire.VersionTLS10, cbc, k16, nil, make([]byte, 20))),
		"13 nil spec":     second(NewHalfConn13(nil, k16, make([]byte, 12))),
		"13 CBC suite":    second(NewHalfConn13(cbc, k16, make([]byte, 12))),
		"13 key":          second(NewHalfConn13(t13, k32, make([]byte, 12))),
		"13 IV":           second(NewHalfConn13(t13, k16, make([]byte, 4))),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// CBC at 1.1+ ignores the IV; AEAD suites follow a target into 1.3.
	if _, err := NewHalfConn12(wire.VersionTLS11, cbc, k16, nil, make([]byte, 20)); err != nil {
		t.Errorf("CBC at 1.1 without IV: %v", err)
	}
	if _, err := NewHalfConn13(gcm, k16, make([]byte, 12)); err != nil {
		t.Errorf("TLS 1.2 GCM suite in 1.3: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func TestSealCBCOnAEAD(t *testing.T) {
	w := newHalf(t, oneOfEach()[0], 0)
	if w.Spec().AEAD() {
		if _, err := w.SealCBC(nil, 23, wire.VersionTLS12, nil, nil); kindOf(err) != InternalError {
			t.Fatalf("SealCBC on AEAD: %v", err)
		}
	}
	if _, err := NewNull().SealCBC(nil, 23, wire.VersionTLS12, nil, nil); kindOf(err) != InternalError {
		t.Fatalf("SealCBC on Null: %v", err)
	}
}
