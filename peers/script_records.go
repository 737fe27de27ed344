package peers

import (
	"bytes"
	"fmt"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Record-layer steps (RFC 5246 §6.2, RFC 8446 §5): the client's first
// flight framed by a mutator, a protected record corrupted after sealing,
// one record over the size limit, and a flood of records that carry
// nothing.

// SendClientHelloFramed sends the ClientHello as frame lays it out on the
// wire: frame gets the marshalled message (after any edit registered for
// the step) and the record-layer version, and returns every byte to send,
// record headers included, or nil when it does not apply (the step then
// fails). The handshake records of what it returns, read back to back, go
// into the transcript in place of the message, so a framing that pads the
// ClientHello keeps the transcript right; bytes after the last whole record
// are sent but not read back.
func SendClientHelloFramed(frame func(flight []byte, recordVersion wire.Version) []byte) Step {
	return step(StepClientHello, func(cv *Conversation) error {
		hs := cv.hs
		c := hs.c
		if hs.hello == nil {
			if err := hs.buildHello(); err != nil {
				return err
			}
		}
		raw, err := hs.helloBytes()
		if err != nil {
			return err
		}
		out := frame(bytes.Clone(raw), c.recVersion)
		if out == nil {
			return fmt.Errorf("peers: the framing does not apply to this ClientHello")
		}
		var sent []byte
		for rest := out; len(rest) > 0; {
			rec, n, err := wire.ParseRecord(rest)
			if err != nil {
				c.observe(Sent, wire.ContentType(rest[0]), bytes.Clone(rest), nil, "bytes after the last record")
				break
			}
			c.observe(Sent, rec.Type, bytes.Clone(rest[:n]), bytes.Clone(rec.Payload), "framed")
			if rec.Type == wire.ContentHandshake {
				sent = append(sent, rec.Payload...)
			}
			rest = rest[n:]
		}
		switch {
		case len(sent) == 0:
			sent = raw
		case !bytes.Equal(sent, raw):
			// The framing changed the message (padded it): the client's
			// later judgements go by what was sent.
			if ch, err := wire.UnmarshalClientHello(sent); err == nil {
				hs.hello = ch
			}
		}
		c.transcript.Add(sent)
		return c.WriteRaw(out)
	})
}

// CorruptRecord runs st with its writes held back, then passes the last
// record st wrote (header included) to corrupt, which changes it in place,
// and sends what st wrote: a Finished whose MAC or tag does not verify.
// The transcript keeps the record as sealed, with a note.
func CorruptRecord(st Step, corrupt func(record []byte)) Step {
	out := step(st.Name, func(cv *Conversation) error {
		c := cv.hs.c
		corked := c.corked
		c.corked = true
		start := len(c.wbuf)
		err := st.Run(cv)
		c.corked = corked
		if err != nil {
			return err
		}
		// The last whole record of what st appended.
		last := -1
		for at := start; at < len(c.wbuf); {
			_, n, err := wire.ParseRecord(c.wbuf[at:])
			if err != nil {
				break
			}
			last, at = at, at+n
		}
		if last < 0 {
			return fmt.Errorf("peers: %s wrote no record to corrupt", st.Name)
		}
		rec := c.wbuf[last:]
		_, n, _ := wire.ParseRecord(rec)
		corrupt(rec[:n])
		c.observe(Sent, wire.ContentType(rec[0]), bytes.Clone(rec[:n]), nil, "the record above, corrupted after sealing")
		if !corked {
			return c.Flush()
		}
		return nil
	})
	out.Edits = st.Edits
	return out
}

// SendOversizeRecord sends one record of type typ carrying n bytes of
// plaintext (zeros) under the current write state, whatever the 2^14 limit
// says: the record is not fragmented.
func SendOversizeRecord(name string, typ wire.ContentType, n int) Step {
	return step(name, func(cv *Conversation) error {
		c := cv.hs.c
		plain := make([]byte, n)
		rec, err := c.out.Seal(nil, typ, c.recVersion, plain, 0)
		if err != nil {
			return fmt.Errorf("peers: protect a %d-byte %s record: %w", n, typ, err)
		}
		c.observe(Sent, typ, rec, plain, fmt.Sprintf("%d bytes of plaintext in one record", n))
		return c.WriteRaw(rec)
	})
}

// floodChunk is how much of a flood goes out in one write before the
// client looks whether the target has answered.
const floodChunk = 32 << 10

// SendFlood sends count records of type typ carrying payload under the
// current write state, then the application-data probe, in writes of
// floodChunk bytes. Once the target has answered (an alert, a close), the
// rest is not sent: a target that closes with unread input resets the
// connection, and the reset can destroy the alert it wrote. Whether it has
// answered is watched by a read that runs beside the writes (under the
// conversation's deadline), so an answer however slow is seen at the next
// chunk, with no wait between chunks. A failed write is not the end
// either: the target may have said why first, and the step after this
// one reads it. The transcript shows the first record and a note (and
// says when the flood was cut short).
func SendFlood(name string, typ wire.ContentType, payload []byte, count int) Step {
	return step(name, func(cv *Conversation) error {
		c := cv.hs.c
		var buf, rec []byte
		for i := range count {
			var err error
			// Seal into a scratch record: Seal grows its dst to fit exactly,
			// which on one long buffer would copy it for every record.
			if rec, err = c.out.Seal(rec[:0], typ, c.recVersion, payload, 0); err != nil {
				return fmt.Errorf("peers: protect %s record %d of the flood: %w", typ, i, err)
			}
			if i == 0 {
				buf = make([]byte, 0, (count+1)*len(rec)+len(cv.probe)+64)
				c.observe(Sent, typ, bytes.Clone(rec), bytes.Clone(payload), fmt.Sprintf("the first of %d such records", count))
			}
			buf = append(buf, rec...)
		}
		rec, err := c.out.Seal(nil, wire.ContentApplicationData, c.recVersion, cv.probe, 0)
		if err != nil {
			return fmt.Errorf("peers: protect the probe: %w", err)
		}
		flood := len(buf)
		buf = append(buf, rec...)
		if err := c.Flush(); err != nil {
			return err
		}
		cutShort := func(sent int) {
			c.observe(Sent, typ, nil, nil, fmt.Sprintf("flood cut short: the target answered after at most %d of its %d bytes; the rest and the probe were not sent", min(sent, flood), flood))
		}
		w := c.watchAnswer()
		for sent := 0; sent < len(buf); {
			if sent > 0 && (w.seen() || w.expired()) {
				if w.end() {
					cutShort(sent)
					return nil
				}
				// Tickets, or the watch's own deadline: watch on.
				w = c.watchAnswer()
			}
			n := min(floodChunk, flood-sent)
			if sent >= flood {
				n = len(buf) - sent
				c.observe(Sent, wire.ContentApplicationData, rec, bytes.Clone(cv.probe), "")
			}
			if err := c.writeNow(buf[sent : sent+n]); err != nil {
				// Cut by the target's answer, or a write the target
				// refused: the next step reads what it said.
				if w.end() {
					cutShort(sent + n)
				}
				return nil
			}
			sent += n
		}
		w.end()
		return nil
	})
}
