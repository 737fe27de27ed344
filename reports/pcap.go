package reports

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"net"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// The capture's addresses: every conversation is its own TCP connection
// on loopback to port 443, so that Wireshark dissects it as TLS without a
// "Decode As". Client ports come from the dynamic range (RFC 6335 §6);
// past its 16,384 ports the client address moves on (127.0.0.2, ...), so
// no two streams share a four-tuple.
const (
	pcapServerPort     = 443
	pcapFirstPort      = 49152
	pcapPorts          = 65536 - pcapFirstPort
	pcapServerAddr     = 0x7f000001 // 127.0.0.1
	pcapLastClientAddr = 0x7ffffffe // 127.255.255.254
)

// pcapMaxSegment bounds a TCP segment's payload: the largest record
// TLS 1.2 allows (RFC 5246 §6.2.3: a 2^14 + 2048 byte fragment and its
// 5-byte header), so that a legal record is one segment and only a
// hostile one is split.
const pcapMaxSegment = 5 + 1<<14 + 2048

// pcapMaxComment bounds a packet comment (pcapng options have a 16-bit
// length; a reader needs the check's id, not every byte of Observed).
const pcapMaxComment = 1024

// pcapMaxMs bounds an event's time from its conversation's start (a
// week): a time past it is taken as corrupt.
const pcapMaxMs = 7 * 24 * 3600 * 1000

// WritePcap writes the conversations of r's checks to path as a pcapng
// capture Wireshark and tshark read with no extra file: the conversations
// of every check that did not pass (fail, warn, inconclusive; every check
// when all is set), each as a TCP stream on loopback (127.0.0.1 to port
// 443) with its records as segments in transcript order, and keylog (NSS
// key log lines) as a Decryption Secrets Block ahead of the packets, so
// that the encrypted records open. The first packet of a stream names its
// check (and conversation) and the check's verdict, each record's packet
// the check and what the record carries; the TCP setup and close that the
// capture adds have no comment. A close in the transcript is a FIN from
// the side that closed, a reset an RST; a stream the transcript leaves
// open is closed with FINs from both sides. An event whose bytes are not
// hex is left out, one whose time is out of range keeps the time before
// it; either is said in the stream's next comment, as are pseudo-events
// with no packet of their own (timeout). A path ending in ".gz" is written gzipped
// (Wireshark and tshark open such a file as it is; it is a quarter of the
// size). The write is atomic, like WriteJSON's.
func WritePcap(path string, r *Report, keylog []byte, all bool) error {
	if r == nil {
		return fmt.Errorf("reports: write %s: nil report", path)
	}
	return writeAtomicMode(path, 0o600, func(w io.Writer) error { // it holds the key log
		if !strings.HasSuffix(path, ".gz") {
			return encodePcap(w, r, keylog, all)
		}
		zw := gzip.NewWriter(w)
		if err := encodePcap(zw, r, keylog, all); err != nil {
			return err
		}
		return zw.Close()
	})
}

// encodePcap writes the capture WritePcap describes to w.
func encodePcap(w io.Writer, r *Report, keylog []byte, all bool) error {
	convs := pcapConversations(r, all)
	which := "the checks that did not pass (fail, warn, inconclusive)"
	if all {
		which = "every check"
	}
	section := fmt.Sprintf("tlsconform: the conversations of %s, %d TCP streams; target %s, seed %d, started %s. "+
		"The first packet of a stream names its check and verdict, each record's its check; packets without a comment "+
		"are the capture's own TCP setup and close, not in the transcript. TLS secrets: %s.",
		which, len(convs), r.Target, r.Seed, r.Started.UTC().Format(time.RFC3339), keylogNote(keylog))
	ng, err := pcapgo.NewNgWriterInterface(w, pcapgo.NgInterface{
		Name:        "lo",
		Description: "loopback; TCP streams rebuilt from the suite's transcripts",
		LinkType:    layers.LinkTypeNull,
	}, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
		Application: "tlsconform",
		Comment:     pcapComment(section),
	}})
	if err != nil {
		return err
	}
	// The secrets come first: a reader decrypts the packets that follow a
	// Decryption Secrets Block (pcapng §4.7).
	if len(keylog) > 0 {
		if err := ng.WriteDecryptionSecretsBlock(pcapgo.DSB_SECRETS_TYPE_TLS, keylog); err != nil {
			return fmt.Errorf("decryption secrets: %w", err)
		}
	}
	pw := &pcapWriter{ng: ng, buf: gopacket.NewSerializeBuffer()}
	// Conversations without a start of their own follow one another from
	// the run's start.
	clock := time.Unix(0, 0).UTC()
	if validTime(r.Started) {
		clock = r.Started
	}
	for i, c := range convs {
		start, own := clock, false
		if c.start != nil && validTime(*c.start) {
			start, own = *c.start, true
		}
		if int64(i)/pcapPorts > pcapLastClientAddr-pcapServerAddr {
			return fmt.Errorf("%d conversations: more than the capture has addresses for", len(convs))
		}
		end, err := pw.stream(i, c, start)
		if err != nil {
			return fmt.Errorf("check %s: %w", c.check.ID, err)
		}
		if !own {
			clock = end.Add(time.Millisecond)
		}
	}
	return ng.Flush()
}

// keylogNote says what the capture holds of the key log.
func keylogNote(keylog []byte) string {
	if len(keylog) == 0 {
		return "none (no key log)"
	}
	n := bytes.Count(keylog, []byte("\n"))
	if keylog[len(keylog)-1] != '\n' {
		n++
	}
	return fmt.Sprintf("%d key log lines in a Decryption Secrets Block", n)
}

// pcapConv is one conversation of a check, as one TCP stream.
type pcapConv struct {
	check  *Check
	label  string     // "conversation 2 of 3", or ""
	start  *time.Time // nil: the check did not record one
	events []Event
}

// pcapConversations lists the conversations the capture shows: those of
// every check that did not pass (all: of every check), in report.json's
// order, each check's in the order its transcript has them.
func pcapConversations(r *Report, all bool) []pcapConv {
	var out []pcapConv
	checks := sortedChecks(r)
	for i := range checks {
		ch := &checks[i]
		if !all && (ch.Status == Pass || ch.Status == Skip) {
			continue
		}
		byConv := map[int]int{} // Event.Conv → index in out
		for _, e := range ch.Transcript {
			j, ok := byConv[e.Conv]
			if !ok {
				c := pcapConv{check: ch}
				if e.Conv >= 0 && e.Conv < len(ch.Conversations) {
					cv := ch.Conversations[e.Conv]
					c.label, c.start = cv.Label, &cv.Start
				} else if e.Conv != 0 {
					c.label = fmt.Sprintf("conversation %d", e.Conv+1)
				}
				j = len(out)
				byConv[e.Conv] = j
				out = append(out, c)
			}
			out[j].events = append(out[j].events, e)
		}
	}
	return out
}

// validTime reports whether a capture can hold t (pcapng counts
// nanoseconds since 1970 in 64 bits).
func validTime(t time.Time) bool {
	return !t.Before(time.Unix(0, 0)) && t.Year() <= 2200
}

// pcapWriter serializes packets into the capture.
type pcapWriter struct {
	ng  *pcapgo.NgWriter
	buf gopacket.SerializeBuffer
	ip  uint16 // the IPv4 identification of the next packet
}

// tcpSide is one end of a stream.
type tcpSide struct {
	addr net.IP
	port uint16
	next uint32 // the sequence number of its next byte
}

// tcpPacket is one segment of a stream, before it is serialized.
type tcpPacket struct {
	fromClient bool
	syn, ack   bool
	fin, rst   bool
	payload    []byte
	at         time.Time
	comment    string
}

// stream writes conversation c, the n-th of the capture, as a TCP stream
// starting at start, and returns the time of its last packet.
func (w *pcapWriter) stream(n int, c pcapConv, start time.Time) (time.Time, error) {
	addr, port := pcapClient(n)
	// Deterministic initial sequence numbers, different per stream.
	client := &tcpSide{addr: addr, port: port, next: uint32(n) * 2654435761}
	server := &tcpSide{addr: ipv4(pcapServerAddr), port: pcapServerPort, next: client.next ^ 0x5a5a5a5a}

	id := c.check.ID
	if c.label != "" {
		id += " (" + c.label + ")"
	}
	first := fmt.Sprintf("%s: %s", id, c.check.Status)
	if c.check.Level != "" || c.check.RFC != "" {
		first += fmt.Sprintf(" (%s)", strings.TrimSpace(c.check.Level+" "+c.check.RFC))
	}
	if c.check.Expected != "" || c.check.Observed != "" {
		first += fmt.Sprintf("; expected %s, observed %s", c.check.Expected, c.check.Observed)
	}
	if c.check.Title != "" {
		first += "; " + c.check.Title
	}
	pkts := packets(c.events, start, id, first)
	for _, p := range pkts {
		from, to := server, client
		if p.fromClient {
			from, to = client, server
		}
		if err := w.write(from, to, p); err != nil {
			return time.Time{}, err
		}
	}
	return pkts[len(pkts)-1].at, nil
}

// packets lays out the stream of a conversation's events: the three-way
// handshake (the SYN's comment is first), a segment (or more, for a record
// past pcapMaxSegment) for each record, its comment id and the record's
// summary, a FIN or an RST for each close or reset, and FINs for a
// conversation the transcript leaves open.
func packets(events []Event, start time.Time, id, first string) []tcpPacket {
	pkts := []tcpPacket{
		{fromClient: true, syn: true, at: start, comment: first},
		{syn: true, ack: true, at: start},
		{fromClient: true, ack: true, at: start},
	}
	at := start
	var notes []string
	var clientFin, serverFin, reset bool
	// add appends a packet; what (empty for the capture's own packets)
	// and any notes make its comment.
	add := func(p tcpPacket, what string) {
		p.ack, p.at = true, at
		if len(notes) > 0 {
			what = strings.TrimSpace(what + " [" + strings.Join(notes, "; ") + "]")
			notes = notes[:0]
		}
		if what != "" {
			p.comment = id + ": " + what
		}
		pkts = append(pkts, p)
	}
	for i, e := range events {
		if e.Dir != "client" && e.Dir != "server" {
			notes = append(notes, fmt.Sprintf("event %d left out: direction %q", i, e.Dir))
			continue
		}
		fromClient := e.Dir == "client"
		if math.IsNaN(e.Ms) || e.Ms < 0 || e.Ms > pcapMaxMs {
			notes = append(notes, fmt.Sprintf("event %d: time %v ms out of range", i, e.Ms))
		} else if t := start.Add(time.Duration(e.Ms * float64(time.Millisecond))); t.After(at) {
			at = t
		}
		what := e.Summary
		if what == "" {
			what = e.Type
		}
		if e.Raw == "" {
			switch {
			case e.Type == "closed" || strings.HasPrefix(e.Type, "half-close"):
				if (fromClient && clientFin) || (!fromClient && serverFin) {
					notes = append(notes, what)
					continue
				}
				add(tcpPacket{fromClient: fromClient, fin: true}, what)
				clientFin = clientFin || fromClient
				serverFin = serverFin || !fromClient
			case e.Type == "reset":
				add(tcpPacket{fromClient: fromClient, rst: true}, what)
				reset = true
			case isRecordType(e.Type):
				notes = append(notes, fmt.Sprintf("event %d left out: an empty %s record", i, e.Type))
			default: // timeout, end, error: no packet of their own
				notes = append(notes, what)
			}
			continue
		}
		raw, err := hex.DecodeString(e.Raw)
		if err != nil {
			notes = append(notes, fmt.Sprintf("event %d left out: its bytes are not hex (%v)", i, err))
			continue
		}
		for len(raw) > 0 {
			seg := raw[:min(len(raw), pcapMaxSegment)]
			raw = raw[len(seg):]
			add(tcpPacket{fromClient: fromClient, payload: seg}, what)
		}
	}
	if !reset {
		// The transcript ends; whichever side it left open closes, the
		// client first, and the last FIN is acknowledged.
		if !clientFin {
			add(tcpPacket{fromClient: true, fin: true}, "")
		}
		if !serverFin {
			add(tcpPacket{fin: true}, "")
		}
		last := pkts[len(pkts)-1]
		add(tcpPacket{fromClient: !last.fromClient}, "")
	}
	if len(notes) > 0 {
		last := &pkts[len(pkts)-1]
		if last.comment == "" {
			last.comment = id + ":"
		}
		last.comment += " [" + strings.Join(notes, "; ") + "]"
	}
	return pkts
}

// isRecordType reports whether an event type names a TLS record (not a
// pseudo-event).
func isRecordType(t string) bool {
	switch t {
	case "handshake", "alert", "application_data", "change_cipher_spec":
		return true
	}
	return false
}

// write serializes one segment from one side to the other and writes it
// with its comment; from's sequence number moves on past what it sent.
func (w *pcapWriter) write(from, to *tcpSide, p tcpPacket) error {
	// BSD loopback framing: 4 bytes where Ethernet takes 14.
	lo := layers.Loopback{Family: layers.ProtocolFamilyIPv4}
	ip := layers.IPv4{
		Version:  4,
		Id:       w.ip,
		Flags:    layers.IPv4DontFragment,
		TTL:      64,
		Protocol: layers.IPProtocolTCP,
		SrcIP:    from.addr,
		DstIP:    to.addr,
	}
	w.ip++
	tcp := layers.TCP{
		SrcPort: layers.TCPPort(from.port),
		DstPort: layers.TCPPort(to.port),
		Seq:     from.next,
		SYN:     p.syn,
		ACK:     p.ack,
		FIN:     p.fin,
		RST:     p.rst,
		PSH:     len(p.payload) > 0,
		Window:  65535,
	}
	if p.ack {
		tcp.Ack = to.next
	}
	if err := tcp.SetNetworkLayerForChecksum(&ip); err != nil {
		return err
	}
	if err := w.buf.Clear(); err != nil {
		return err
	}
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(w.buf, opts, &lo, &ip, &tcp, gopacket.Payload(p.payload)); err != nil {
		return fmt.Errorf("serialize: %w", err)
	}
	from.next += uint32(len(p.payload))
	if p.syn || p.fin {
		from.next++ // SYN and FIN each take a sequence number (RFC 9293 §3.4)
	}
	data := w.buf.Bytes()
	ci := gopacket.CaptureInfo{Timestamp: p.at, CaptureLength: len(data), Length: len(data)}
	var po pcapgo.NgPacketOptions
	if p.comment != "" {
		po.Comments = []string{pcapComment(p.comment)}
	}
	return w.ng.WritePacketWithOptions(ci, data, po)
}

// pcapClient is the client's address and port in the n-th stream.
func pcapClient(n int) (net.IP, uint16) {
	return ipv4(pcapServerAddr + uint32(n/pcapPorts)), uint16(pcapFirstPort + n%pcapPorts)
}

// ipv4 is the address a as an IP.
func ipv4(a uint32) net.IP {
	return binary.BigEndian.AppendUint32(make(net.IP, 0, 4), a)
}

// pcapComment makes s a pcapng comment: valid UTF-8 (the format's
// requirement) of at most pcapMaxComment bytes.
func pcapComment(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= pcapMaxComment {
		return s
	}
	cut := pcapMaxComment - len("...")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// WriteCapture writes dir/conversations.pcapng: the conversations the
// reports keep (Kept: those of the checks that did not pass, one per root
// cause of warnings; all of them with r.Full), with the lines of keylog
// that open them. Unless r.Full, it also rewrites dir/keylog.txt to those
// lines: the key log serves the conversations the reports show.
func WriteCapture(dir string, r *Report, keylog []byte) error {
	kept := Kept(r)
	lines := keylog
	if !r.Full {
		lines = keylogFor(kept, keylog)
		if err := writeAtomicMode(filepath.Join(dir, KeyLogFile), 0o600, func(w io.Writer) error {
			_, err := w.Write(lines)
			return err
		}); err != nil {
			return err
		}
	}
	return WritePcap(filepath.Join(dir, PcapFile), kept, lines, r.Full)
}

// keylogFor is the lines of keylog whose client random is that of a
// conversation r keeps: a run's key log holds the secrets of every
// conversation, the capture needs a few. When a kept conversation's
// ClientHello cannot be read for its random, the whole key log is kept
// (a capture that cannot decrypt is worse than a larger one).
func keylogFor(r *Report, keylog []byte) []byte {
	randoms := map[string]bool{}
	for _, c := range r.Checks {
		if len(c.Transcript) == 0 || (!r.Full && verdict(c.Status) == Pass && !c.IsExpected()) {
			continue
		}
		found, encrypted := map[int]bool{}, map[int]bool{}
		hs := map[int]string{} // the client's handshake bytes so far, in hex
		for _, e := range c.Transcript {
			encrypted[e.Conv] = encrypted[e.Conv] || e.Encrypted
			// The ClientHello, however it was fragmented: a handshake
			// header (4) and the version (2) before the 32-byte random.
			// A renegotiating ClientHello is encrypted: its random is in
			// the plaintext, and keys the renegotiated session.
			if e.Dir == "client" && e.Encrypted && strings.HasPrefix(e.Raw, "16") && len(e.Plaintext) >= 76 && strings.HasPrefix(e.Plaintext, "01") {
				randoms[strings.ToLower(e.Plaintext[12:76])] = true
				continue
			}
			if e.Dir != "client" || found[e.Conv] || e.Encrypted || len(e.Raw) < 10 || !strings.HasPrefix(e.Raw, "16") {
				continue
			}
			hs[e.Conv] += e.Raw[10:]
			if h := hs[e.Conv]; len(h) >= 76 {
				found[e.Conv] = true
				if strings.HasPrefix(h, "01") {
					randoms[strings.ToLower(h[12:76])] = true
				}
			}
		}
		for conv, enc := range encrypted {
			if enc && !found[conv] {
				return keylog
			}
		}
	}
	var out []byte
	for _, line := range bytes.SplitAfter(keylog, []byte("\n")) {
		f := strings.Fields(string(line))
		if len(f) == 3 && randoms[strings.ToLower(f[1])] {
			out = append(out, line...)
		}
	}
	return out
}
