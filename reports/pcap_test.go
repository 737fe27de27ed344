package reports

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The tests read captures back with the pcapng reader below, written from
// the format's text (draft-ietf-opsawg-pcapng §3-4) rather than with the
// library that wrote them, and check the checksums with RFC 1071's sum.

const (
	blockSHB = 0x0A0D0D0A
	blockIDB = 0x00000001
	blockEPB = 0x00000006
	blockDSB = 0x0000000A
)

type ngBlock struct {
	typ  uint32
	body []byte // between the leading and trailing lengths
}

// readBlocks splits a little-endian pcapng file into its blocks.
func readBlocks(t *testing.T, data []byte) []ngBlock {
	t.Helper()
	var out []ngBlock
	for len(data) > 0 {
		if len(data) < 12 {
			t.Fatalf("pcapng: %d bytes left, too few for a block", len(data))
		}
		typ := binary.LittleEndian.Uint32(data)
		n := binary.LittleEndian.Uint32(data[4:])
		if n%4 != 0 || n < 12 || int(n) > len(data) {
			t.Fatalf("pcapng: block %#x of length %d (%d bytes left)", typ, n, len(data))
		}
		if trail := binary.LittleEndian.Uint32(data[n-4:]); trail != n {
			t.Fatalf("pcapng: block %#x: trailing length %d, leading %d", typ, trail, n)
		}
		out = append(out, ngBlock{typ: typ, body: data[8 : n-4]})
		data = data[n:]
	}
	return out
}

// ngOptions parses an options list into code → values.
func ngOptions(t *testing.T, b []byte) map[uint16][]string {
	t.Helper()
	out := map[uint16][]string{}
	for len(b) >= 4 {
		code, n := binary.LittleEndian.Uint16(b), int(binary.LittleEndian.Uint16(b[2:]))
		if code == 0 {
			return out
		}
		padded := (n + 3) &^ 3
		if 4+padded > len(b) {
			t.Fatalf("pcapng: option %d of length %d overruns its block", code, n)
		}
		out[code] = append(out[code], string(b[4:4+n]))
		b = b[4+padded:]
	}
	if len(b) != 0 {
		t.Fatalf("pcapng: %d bytes after the options", len(b))
	}
	return out
}

// pkt is one packet of a capture, decoded.
type pkt struct {
	at       time.Time
	comments []string
	src, dst string // "127.0.0.1:49152"
	seq, ack uint32
	flags    string // of "SAFR", in that order
	payload  []byte
}

func (p pkt) has(f byte) bool { return strings.IndexByte(p.flags, f) >= 0 }

// sum16 is the ones' complement sum of RFC 1071.
func sum16(b []byte, s uint32) uint32 {
	for ; len(b) >= 2; b = b[2:] {
		s += uint32(b[0])<<8 | uint32(b[1])
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return s
}

// decodePacket decodes a null/loopback-framed IPv4 TCP packet, checking
// both checksums.
func decodePacket(t *testing.T, data []byte) pkt {
	t.Helper()
	if len(data) < 4+20+20 || binary.LittleEndian.Uint32(data) != 2 {
		t.Fatalf("packet: not AF_INET loopback framing: % x", data[:min(len(data), 8)])
	}
	ip := data[4:]
	ihl := int(ip[0]&0xf) * 4
	if ip[0]>>4 != 4 || ip[9] != 6 || int(binary.BigEndian.Uint16(ip[2:])) != len(ip) {
		t.Fatalf("packet: not one whole IPv4 TCP datagram: % x", ip[:20])
	}
	if sum16(ip[:ihl], 0) != 0xffff {
		t.Fatalf("packet: bad IPv4 header checksum")
	}
	seg := ip[ihl:]
	pseudo := make([]byte, 0, 12)
	pseudo = append(pseudo, ip[12:20]...)
	pseudo = append(pseudo, 0, 6)
	pseudo = binary.BigEndian.AppendUint16(pseudo, uint16(len(seg)))
	if sum16(seg, sum16(pseudo, 0)) != 0xffff {
		t.Fatalf("packet: bad TCP checksum")
	}
	var flags string
	for _, f := range []struct {
		bit byte
		c   string
	}{{0x02, "S"}, {0x10, "A"}, {0x01, "F"}, {0x04, "R"}} {
		if seg[13]&f.bit != 0 {
			flags += f.c
		}
	}
	off := int(seg[12]>>4) * 4
	return pkt{
		src:     fmt.Sprintf("%d.%d.%d.%d:%d", ip[12], ip[13], ip[14], ip[15], binary.BigEndian.Uint16(seg)),
		dst:     fmt.Sprintf("%d.%d.%d.%d:%d", ip[16], ip[17], ip[18], ip[19], binary.BigEndian.Uint16(seg[2:])),
		seq:     binary.BigEndian.Uint32(seg[4:]),
		ack:     binary.BigEndian.Uint32(seg[8:]),
		flags:   flags,
		payload: seg[off:],
	}
}

// capture is a pcapng file read back.
type capture struct {
	blocks  []ngBlock
	section map[uint16][]string
	secrets []byte // of the Decryption Secrets Block, nil without one
	dsbType uint32
	pkts    []pkt
}

func readCapture(t *testing.T, data []byte) capture {
	t.Helper()
	c := capture{blocks: readBlocks(t, data)}
	if len(c.blocks) < 2 || c.blocks[0].typ != blockSHB || c.blocks[1].typ != blockIDB {
		t.Fatalf("pcapng: want a section header then an interface, got %d blocks", len(c.blocks))
	}
	shb := c.blocks[0].body
	if binary.LittleEndian.Uint32(shb) != 0x1A2B3C4D {
		t.Fatalf("pcapng: byte-order magic % x", shb[:4])
	}
	c.section = ngOptions(t, shb[16:])
	if lt := binary.LittleEndian.Uint16(c.blocks[1].body); lt != 0 {
		t.Fatalf("pcapng: link type %d, want 0 (null/loopback)", lt)
	}
	for _, b := range c.blocks[2:] {
		switch b.typ {
		case blockDSB:
			if c.secrets != nil {
				t.Fatal("pcapng: two Decryption Secrets Blocks")
			}
			if len(c.pkts) > 0 {
				t.Fatal("pcapng: the Decryption Secrets Block follows packets it should decrypt")
			}
			c.dsbType = binary.LittleEndian.Uint32(b.body)
			n := binary.LittleEndian.Uint32(b.body[4:])
			c.secrets = b.body[8 : 8+n]
		case blockEPB:
			capLen := binary.LittleEndian.Uint32(b.body[12:])
			if origLen := binary.LittleEndian.Uint32(b.body[16:]); origLen != capLen {
				t.Fatalf("packet %d: captured %d of %d bytes", len(c.pkts), capLen, origLen)
			}
			p := decodePacket(t, b.body[20:20+capLen])
			ts := uint64(binary.LittleEndian.Uint32(b.body[4:]))<<32 | uint64(binary.LittleEndian.Uint32(b.body[8:]))
			p.at = time.Unix(0, int64(ts)).UTC() // the interface's resolution is 1 ns
			p.comments = ngOptions(t, b.body[20+(capLen+3)&^3:])[1]
			c.pkts = append(c.pkts, p)
		default:
			t.Fatalf("pcapng: unexpected block type %#x", b.typ)
		}
	}
	return c
}

// stream is one TCP connection of a capture, its packets in file order.
type stream struct {
	client string
	pkts   []pkt
	// sent is what each side sent, in order: "client" and "server".
	sent map[string][]byte
}

// streams groups a capture's packets by connection and checks the TCP
// bookkeeping: a three-way handshake first, every segment's sequence
// number where its side's bytes reached, every ACK at the other side's.
func streams(t *testing.T, c capture) []*stream {
	t.Helper()
	var out []*stream
	byClient := map[string]*stream{}
	for i, p := range c.pkts {
		client := p.src
		if strings.HasSuffix(p.src, ":443") {
			client = p.dst
		}
		s := byClient[client]
		if s == nil {
			if p.flags != "S" || !strings.HasSuffix(p.dst, ":443") {
				t.Fatalf("packet %d: a stream begins with %q from %s, want a SYN to port 443", i, p.flags, p.src)
			}
			s = &stream{client: client, sent: map[string][]byte{}}
			byClient[client] = s
			out = append(out, s)
		}
		s.pkts = append(s.pkts, p)
	}
	for _, s := range out {
		if len(s.pkts) < 3 || s.pkts[1].flags != "SA" || s.pkts[2].flags != "A" {
			t.Fatalf("stream %s: no three-way handshake", s.client)
		}
		next := map[string]uint32{}
		fin := map[string]bool{}
		for i, p := range s.pkts {
			from, to := "client", "server"
			if p.src != s.client {
				from, to = to, from
			}
			if p.has('S') {
				next[from] = p.seq
			}
			if p.seq != next[from] {
				t.Fatalf("stream %s packet %d (%s): seq %d, want %d", s.client, i, from, p.seq, next[from])
			}
			if p.has('A') && p.ack != next[to] {
				t.Fatalf("stream %s packet %d (%s): ack %d, want %d", s.client, i, from, p.ack, next[to])
			}
			if fin[from] && (len(p.payload) > 0 || p.has('F')) {
				t.Fatalf("stream %s packet %d: %s sends after its FIN", s.client, i, from)
			}
			if len(p.payload) > pcapMaxSegment {
				t.Fatalf("stream %s packet %d: %d bytes in one segment", s.client, i, len(p.payload))
			}
			s.sent[from] = append(s.sent[from], p.payload...)
			next[from] += uint32(len(p.payload))
			if p.has('S') || p.has('F') {
				next[from]++
			}
			fin[from] = fin[from] || p.has('F')
			if i > 0 && p.at.Before(s.pkts[i-1].at) {
				t.Fatalf("stream %s packet %d: time goes back", s.client, i)
			}
		}
	}
	return out
}

func writeCapture(t *testing.T, r *Report, keylog []byte, all bool) capture {
	t.Helper()
	path := filepath.Join(t.TempDir(), PcapFile)
	if err := WritePcap(path, r, keylog, all); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return readCapture(t, data)
}

// rec is a record event: a header of type typ and len(body) bytes.
func rec(dir string, ms float64, typ byte, body string, summary string) Event {
	raw := append([]byte{typ, 3, 3, byte(len(body) >> 8), byte(len(body))}, body...)
	types := map[byte]string{20: "change_cipher_spec", 21: "alert", 22: "handshake", 23: "application_data"}
	return Event{Dir: dir, Ms: ms, Type: types[typ], Summary: summary, Raw: hex.EncodeToString(raw)}
}

func rawOf(t *testing.T, es ...Event) []byte {
	t.Helper()
	var out []byte
	for _, e := range es {
		b, err := hex.DecodeString(e.Raw)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

var pcapStart = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// pcapReport has a failing check of two conversations (the second reset),
// a passing one, a warning without Conversations (timed from the run's
// start), and a skipped one.
func pcapReport() *Report {
	ch0 := rec("client", 0.5, 22, "\x01\x00\x00\x02hi", "ClientHello")
	sh0 := rec("server", 1.25, 22, "\x02\x00\x00\x02yo", "ServerHello")
	al0 := rec("client", 2, 21, "\x02\x28", "fatal handshake_failure")
	ch1 := rec("client", 0.1, 22, "\x01\x00\x00\x01!", "ClientHello")
	ch1.Conv = 1
	ch2 := rec("client", 0, 22, "\x01\x00\x00\x00", "ClientHello")
	return &Report{
		Target: "127.0.0.1:4433", Seed: 7, Started: pcapStart,
		Checks: []Check{
			{ID: "finished/tls12/rsa/flip-bit-3", Area: "finished", Status: Fail, Level: "MUST", RFC: "RFC 5246 §7.4.9",
				Expected: "decrypt_error", Observed: "handshake_failure", Title: "a flipped Finished is refused",
				Conversations: []Conversation{
					{Label: "conversation 1 of 2", Start: pcapStart.Add(time.Second)},
					{Label: "conversation 2 of 2", Start: pcapStart.Add(2 * time.Second)},
				},
				Transcript: []Event{ch0, sh0, al0, {Dir: "server", Ms: 2.5, Type: "closed", Summary: "closed"},
					ch1, {Conv: 1, Dir: "server", Ms: 0.2, Type: "reset", Summary: "reset"}}},
			{ID: "finished/tls12/rsa/baseline", Area: "finished", Status: Pass, Transcript: []Event{ch2}},
			{ID: "message-order/tls12/rsa/ccs-first", Area: "message-order", Status: Warn,
				Transcript: []Event{ch2, {Dir: "server", Ms: 2000, Type: "timeout", Summary: "timeout"}}},
			{ID: "message-order/tls12/rsa/skipped", Area: "message-order", Status: Skip, Transcript: []Event{ch2}},
		},
	}
}

func TestPcapStreams(t *testing.T) {
	r := pcapReport()
	c := writeCapture(t, r, nil, false)
	ss := streams(t, c)
	if len(ss) != 3 {
		t.Fatalf("%d streams, want 3: two conversations of the failure, one of the warning", len(ss))
	}
	for i, s := range ss {
		if want := fmt.Sprintf("127.0.0.1:%d", 49152+i); s.client != want {
			t.Errorf("stream %d: client %s, want %s", i, s.client, want)
		}
	}
	fail, warn := r.Checks[0], r.Checks[2]

	// The failure's first conversation: its records, the server's close
	// as a FIN, the client's FIN and the last ACK of the capture.
	s := ss[0]
	if got, want := s.sent["client"], rawOf(t, fail.Transcript[0], fail.Transcript[2]); !bytes.Equal(got, want) {
		t.Errorf("conversation 1: the client sent %x, want %x", got, want)
	}
	if got, want := s.sent["server"], rawOf(t, fail.Transcript[1]); !bytes.Equal(got, want) {
		t.Errorf("conversation 1: the server sent %x, want %x", got, want)
	}
	if syn := s.pkts[0].comments; len(syn) != 1 || !strings.Contains(syn[0], "finished/tls12/rsa/flip-bit-3 (conversation 1 of 2): fail") ||
		!strings.Contains(syn[0], "expected decrypt_error, observed handshake_failure") {
		t.Errorf("conversation 1: SYN comment %q, want the check, its conversation and its verdict", syn)
	}
	var summary []string
	for _, p := range s.pkts[3:] {
		summary = append(summary, p.flags+" "+strings.Join(p.comments, "|"))
	}
	want := []string{
		"A finished/tls12/rsa/flip-bit-3 (conversation 1 of 2): ClientHello",
		"A finished/tls12/rsa/flip-bit-3 (conversation 1 of 2): ServerHello",
		"A finished/tls12/rsa/flip-bit-3 (conversation 1 of 2): fatal handshake_failure",
		"AF finished/tls12/rsa/flip-bit-3 (conversation 1 of 2): closed",
		"AF ",
		"A ",
	}
	if strings.Join(summary, "\n") != strings.Join(want, "\n") {
		t.Errorf("conversation 1:\n%s\nwant\n%s", strings.Join(summary, "\n"), strings.Join(want, "\n"))
	}
	if p := s.pkts[6]; !strings.HasSuffix(p.src, ":443") {
		t.Errorf("the server closed, but the FIN is from %s", p.src)
	}
	// Times: the conversation's start for the handshake, start + Ms after.
	for i, want := range []time.Time{pcapStart.Add(time.Second), pcapStart.Add(time.Second + 500*time.Microsecond), pcapStart.Add(time.Second + 1250*time.Microsecond)} {
		if at := s.pkts[[]int{0, 3, 4}[i]].at; !at.Equal(want) {
			t.Errorf("conversation 1 packet %d at %v, want %v", []int{0, 3, 4}[i], at, want)
		}
	}

	// The second conversation ends on the server's RST.
	s = ss[1]
	if last := s.pkts[len(s.pkts)-1]; last.flags != "AR" || !strings.HasSuffix(last.src, ":443") || !strings.Contains(last.comments[0], "(conversation 2 of 2): reset") {
		t.Errorf("conversation 2 ends with %s from %s %q, want the server's RST", last.flags, last.src, last.comments)
	}
	if !s.pkts[0].at.Equal(pcapStart.Add(2 * time.Second)) {
		t.Errorf("conversation 2 starts at %v", s.pkts[0].at)
	}

	// The warning has no Conversations: it starts at the run's start. Its
	// timeout, which is no packet, is said on the next one: the client's
	// FIN, first of the capture's closing packets.
	s = ss[2]
	if !s.pkts[0].at.Equal(pcapStart) || !strings.Contains(s.pkts[0].comments[0], warn.ID+": warn") {
		t.Errorf("the warning's stream starts at %v with %q", s.pkts[0].at, s.pkts[0].comments)
	}
	fin := s.pkts[len(s.pkts)-3]
	if fin.flags != "AF" || strings.HasSuffix(fin.src, ":443") {
		t.Errorf("an open stream is closed by the client first, got %s from %s", fin.flags, fin.src)
	}
	if len(fin.comments) != 1 || fin.comments[0] != warn.ID+": [timeout]" || !fin.at.Equal(pcapStart.Add(2*time.Second)) {
		t.Errorf("the client's FIN at %v says %q, want the timeout at 2 s", fin.at, fin.comments)
	}

	sec := c.section[1]
	if len(sec) != 1 || !strings.Contains(sec[0], "the checks that did not pass") || !strings.Contains(sec[0], "3 TCP streams") {
		t.Errorf("section comment %q", sec)
	}

	// all: the passing and the skipped checks too, still one stream per
	// conversation.
	if n := len(streams(t, writeCapture(t, r, nil, true))); n != 5 {
		t.Errorf("all: %d streams, want 5", n)
	}
}

func TestPcapDecryptionSecrets(t *testing.T) {
	keylog := []byte("CLIENT_RANDOM 0102 0304\nCLIENT_HANDSHAKE_TRAFFIC_SECRET 0a0b 0c0d0e\n") // 67 bytes: padded
	c := writeCapture(t, pcapReport(), keylog, false)
	if !bytes.Equal(c.secrets, keylog) {
		t.Fatalf("secrets %q, want the key log", c.secrets)
	}
	if c.dsbType != 0x544c534b { // "TLSK", the TLS key log
		t.Errorf("secrets type %#x", c.dsbType)
	}
	if c.blocks[2].typ != blockDSB {
		t.Errorf("block 2 is %#x, want the secrets before any packet", c.blocks[2].typ)
	}
	if !strings.Contains(c.section[1][0], "2 key log lines") {
		t.Errorf("section comment %q", c.section[1])
	}
	if c := writeCapture(t, pcapReport(), nil, false); c.secrets != nil {
		t.Errorf("no key log, but a secrets block of %q", c.secrets)
	}
}

func TestPcapLargeRecord(t *testing.T) {
	big := rec("server", 1, 23, strings.Repeat("x", 40000), "application data")
	r := &Report{Started: pcapStart, Checks: []Check{{ID: "big", Status: Fail, Transcript: []Event{
		rec("client", 0, 22, "\x01", "ClientHello"), big, rec("client", 2, 21, "\x01\x00", "close_notify"),
	}}}}
	ss := streams(t, writeCapture(t, r, nil, false))
	if got := ss[0].sent["server"]; !bytes.Equal(got, rawOf(t, big)) {
		t.Errorf("the server sent %d bytes, want the record's %d", len(got), len(rawOf(t, big)))
	}
	var segs int
	for _, p := range ss[0].pkts {
		if strings.HasSuffix(p.src, ":443") && len(p.payload) > 0 {
			segs++
		}
	}
	if segs != 3 {
		t.Errorf("%d segments for a 40,005-byte record, want 3", segs)
	}
}

func TestPcapClientAddresses(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "127.0.0.1:49152"}, {16383, "127.0.0.1:65535"}, {16384, "127.0.0.2:49152"}, {16384*255 + 1, "127.0.1.0:49153"}} {
		ip, port := pcapClient(tc.n)
		if got := fmt.Sprintf("%s:%d", ip, port); got != tc.want {
			t.Errorf("conversation %d: %s, want %s", tc.n, got, tc.want)
		}
	}
}

// TestPcapHostile: a transcript no runner writes (hand-edited, or from
// another tool) costs the events that cannot be shown, said so in the
// stream's comments, never the capture or a panic.
func TestPcapHostile(t *testing.T) {
	good := rec("client", 1, 22, "\x01\x00\x00\x00", "ClientHello")
	long := strings.Repeat("é", 70000) + "\xff"
	for _, tc := range []struct {
		name  string
		event Event
		note  string
	}{
		{"odd-length hex", Event{Dir: "server", Ms: 2, Type: "handshake", Raw: "160"}, "event 1 left out: its bytes are not hex"},
		{"not hex", Event{Dir: "server", Ms: 2, Type: "handshake", Raw: "zz"}, "event 1 left out: its bytes are not hex"},
		{"empty raw", Event{Dir: "server", Ms: 2, Type: "alert"}, "event 1 left out: an empty alert record"},
		{"huge ms", Event{Dir: "server", Ms: 1e300, Type: "alert", Raw: "1503030002022f"}, "event 1: time 1e+300 ms out of range"},
		{"infinite ms", Event{Dir: "server", Ms: math.Inf(1), Type: "alert", Raw: "1503030002022f"}, "out of range"},
		{"NaN ms", Event{Dir: "server", Ms: math.NaN(), Type: "alert", Raw: "1503030002022f"}, "out of range"},
		{"negative ms", Event{Dir: "server", Ms: -3, Type: "alert", Raw: "1503030002022f"}, "out of range"},
		{"unknown direction", Event{Dir: "sideways", Ms: 2, Type: "alert", Raw: "15"}, `event 1 left out: direction "sideways"`},
		{"unknown pseudo-event", Event{Dir: "server", Ms: 2, Type: "error", Summary: "error"}, "[error]"},
		{"short record", Event{Dir: "server", Ms: 2, Type: "alert", Raw: "15"}, ""},
		{"conversation out of range", Event{Conv: 99, Dir: "server", Ms: 2, Type: "alert", Raw: "15"}, ""},
		{"negative conversation", Event{Conv: -1, Dir: "server", Ms: 2, Type: "alert", Raw: "15"}, ""},
		{"long invalid summary", Event{Dir: "server", Ms: 2, Type: "alert", Raw: "15", Summary: long}, ""},
		{"second close", Event{Dir: "client", Type: "half-close: the client sends nothing more"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{Checks: []Check{{
				ID: "hostile", Status: Fail, Observed: long,
				Conversations: []Conversation{{Start: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}},
				Transcript:    []Event{good, tc.event, {Dir: "client", Type: "closed"}},
			}}}
			c := writeCapture(t, r, nil, false)
			ss := streams(t, c)
			if !bytes.HasPrefix(ss[0].sent["client"], rawOf(t, good)) {
				t.Errorf("the good record is lost: the client sent %x", ss[0].sent["client"])
			}
			var all []string
			for _, p := range c.pkts {
				for _, cm := range p.comments {
					if len(cm) > pcapMaxComment || !utf8.ValidString(cm) {
						t.Errorf("a comment of %d bytes, valid UTF-8 %v", len(cm), utf8.ValidString(cm))
					}
					all = append(all, cm)
				}
			}
			if !strings.Contains(strings.Join(all, "\n"), tc.note) {
				t.Errorf("comments %q\nsay nothing of %q", all, tc.note)
			}
			// The start in year 9999 is no time a capture holds: the run's.
			if !c.pkts[0].at.Equal(time.Unix(0, 0)) {
				t.Errorf("first packet at %v, want the epoch", c.pkts[0].at)
			}
		})
	}
}

func TestPcapErrors(t *testing.T) {
	dir := t.TempDir()
	if err := WritePcap(filepath.Join(dir, PcapFile), nil, nil, false); err == nil || !strings.Contains(err.Error(), "nil report") {
		t.Errorf("nil report: %v", err)
	}
	// A directory in the way: an error, and no temporary file left.
	path := filepath.Join(dir, "in-the-way")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WritePcap(path, pcapReport(), nil, false); err == nil {
		t.Error("writing over a directory succeeded")
	}
	noTemps(t, dir)
	// An empty report is a valid capture of no stream.
	if c := writeCapture(t, &Report{}, nil, false); len(c.pkts) != 0 {
		t.Errorf("empty report: %d packets", len(c.pkts))
	}
}

func TestPcapGzip(t *testing.T) {
	dir := t.TempDir()
	plain, gz := filepath.Join(dir, PcapFile), filepath.Join(dir, PcapFile+".gz")
	keylog := []byte("CLIENT_RANDOM 01 02\n")
	for _, p := range []string{plain, gz} {
		if err := WritePcap(p, pcapReport(), keylog, false); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(gz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("the gzipped capture is not the plain one")
	}
}
