package fuzz

import (
	"bytes"
	"fmt"
	"net"
	"slices"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// RecordInput is one execution of the record-layer target: one of the
// client's flights (one write each: the engine corks a flight) is changed
// below the record layer, or a record is injected under the current keys.
type RecordInput struct {
	Offer   uint8 // which versions the client offers (offers)
	Flight  uint8 // which write (0 is the ClientHello), or before which step to inject
	Mode    uint8 // recordModes
	Mutator uint16
	Seed    uint64
	Data    []byte
}

// recordModes are how a flight's bytes change.
var recordModes = []string{
	"framing",    // a Framing mutator re-frames a plaintext handshake flight
	"raw",        // Data replaces the flight
	"prefix",     // Data goes before the flight
	"suffix",     // Data goes after the flight
	"header",     // Data overwrites the header of record Seed of the flight
	"fragment",   // a plaintext handshake flight is re-cut: each byte of Data is the next fragment's length
	"interleave", // a plaintext record of type Seed carrying Data goes between two records of the flight
	"inject",     // a record of type Seed carrying Data is sent under the current keys before step Flight
}

// Record runs one conversation with a flight changed on the wire.
func (e *Env) Record(in RecordInput) Result {
	off := pick(offers, int(in.Offer))
	cfg := e.clientConfig(execSeed, off.versions)
	sc := script()
	mode := pick(recordModes, int(in.Mode))
	var applied string
	var original []byte
	if mode == "inject" {
		st := sc[int(in.Flight)%len(sc)]
		typ := wire.ContentType(in.Seed)
		data := slices.Clone(in.Data)
		inject := peers.SendRecord("fuzz/inject", typ, func(*peers.Conversation) []byte { return data })
		sc = sc.InsertBefore(st.Name, inject)
		r := e.run(execSeed, cfg, sc, nil)
		r.Applied, r.Control = fmt.Sprintf("inject %s before %s", typ, st.Name), true
		return r
	}
	rewrite := func(nc net.Conn) net.Conn {
		return &rewriter{Conn: nc, target: int(in.Flight), change: func(b []byte) []byte {
			original = slices.Clone(b)
			out, what := changeFlight(in, mode, b)
			if !bytes.Equal(out, b) {
				applied = what
			}
			return out
		}}
	}
	r := e.run(execSeed, cfg, sc, rewrite)
	r.Applied, r.Control, r.Original = applied, true, original
	return r
}

// rewriter changes the target-th write of the client.
type rewriter struct {
	net.Conn
	n, target int
	change    func([]byte) []byte
}

func (w *rewriter) Write(p []byte) (int, error) {
	w.n++
	if w.n-1 != w.target {
		return w.Conn.Write(p)
	}
	if _, err := w.Conn.Write(w.change(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// records splits a flight into its records; ok is false when the bytes
// are not whole records.
func records(b []byte) ([]wire.Record, bool) {
	var out []wire.Record
	for len(b) > 0 {
		r, n, err := wire.ParseRecord(b)
		if err != nil {
			return nil, false
		}
		out = append(out, r)
		b = b[n:]
	}
	return out, true
}

// handshakePayload is the concatenated payload of a flight of plaintext
// handshake records, with their record version; ok is false for anything
// else (a protected or mixed flight cannot be re-framed without its keys).
func handshakePayload(recs []wire.Record) (payload []byte, v wire.Version, ok bool) {
	if len(recs) == 0 {
		return nil, 0, false
	}
	for _, r := range recs {
		if r.Type != wire.ContentHandshake {
			return nil, 0, false
		}
		payload = append(payload, r.Payload...)
	}
	return payload, recs[0].Version, true
}

// RecordModes names the choices of the Mode knob.
func RecordModes() []string { return slices.Clone(recordModes) }

// RecordSteps names the steps the "inject" mode injects before, in Flight
// knob order.
func RecordSteps() []string {
	var out []string
	for _, st := range script() {
		out = append(out, st.Name)
	}
	return out
}

// FramingMutators are the mutators the Mutator knob of mode "framing"
// picks from.
func FramingMutators() []mutators.Mutator { return framingMutators(0) }

// framingMutators are the registry's record-framing mutators for v.
func framingMutators(v wire.Version) []mutators.Mutator {
	var out []mutators.Mutator
	for _, m := range mutators.Registry() {
		if m.Framing != nil && (v == 0 || m.AppliesTo(v)) {
			out = append(out, m)
		}
	}
	return out
}

func changeFlight(in RecordInput, mode string, b []byte) ([]byte, string) {
	recs, whole := records(b)
	payload, rv, plain := handshakePayload(recs)
	if mode == "framing" {
		ms := framingMutators(0)
		if !plain || len(ms) == 0 {
			mode = "fragment" // nothing to re-frame with yet, or a protected flight
		} else {
			m := pick(ms, int(in.Mutator))
			out, ok := m.Framing(payload, rv, mutators.Rand(in.Seed, m.Name))
			if !ok {
				return b, ""
			}
			return out, "framing " + m.Name
		}
	}
	switch mode {
	case "raw":
		return slices.Clone(in.Data), mode
	case "prefix":
		return slices.Concat(in.Data, b), mode
	case "suffix":
		return slices.Concat(b, in.Data), mode
	case "header":
		if !whole || len(recs) == 0 {
			return b, ""
		}
		i := int(in.Seed % uint64(len(recs)))
		at := 0
		for _, r := range recs[:i] {
			at += wire.RecordHeaderLen + len(r.Payload)
		}
		out := slices.Clone(b)
		copy(out[at:at+wire.RecordHeaderLen], in.Data)
		return out, fmt.Sprintf("header of record %d", i)
	case "fragment":
		if !plain || len(in.Data) == 0 {
			return b, ""
		}
		var out []byte
		rest := payload
		for _, d := range in.Data {
			if len(rest) == 0 {
				break
			}
			n := min(int(d), len(rest)) // 0 makes an empty handshake record
			out = wire.AppendRecord(out, wire.ContentHandshake, rv, rest[:n])
			rest = rest[n:]
		}
		for len(rest) > 0 {
			n := min(len(rest), wire.MaxPlaintext)
			out = wire.AppendRecord(out, wire.ContentHandshake, rv, rest[:n])
			rest = rest[n:]
		}
		return out, mode
	case "interleave":
		if !whole || len(recs) == 0 {
			return b, ""
		}
		typ := wire.ContentType(in.Seed)
		data := in.Data[:min(len(in.Data), 1<<16-1)]
		at := int((in.Seed >> 8) % uint64(len(recs)+1))
		var out []byte
		for i, r := range recs {
			if i == at {
				out = wire.AppendRecord(out, typ, r.Version, data)
			}
			out = wire.AppendRecord(out, r.Type, r.Version, r.Payload)
		}
		if at == len(recs) {
			out = wire.AppendRecord(out, typ, recs[0].Version, data)
		}
		return out, fmt.Sprintf("interleave %s at %d", typ, at)
	}
	return b, ""
}
