package mutators

import (
	"math/rand/v2"
	"slices"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Record-layer framing (RFC 5246 §6.2, RFC 8446 §5.1: fragmentation, size
// limits, content types, record versions, and the 2^14 size edge of a
// ClientHello):
// how a flight of plaintext handshake messages is cut into records, and
// what else rides between them. A Framing mutator returns the whole byte
// stream; the handshake records in it, read back to back, are the messages
// a peer hashes (a mutator that pads the ClientHello changes them, and the
// engine takes the transcript from what it sends).
//
// Where the RFCs put a rule on senders only (RFC 5246 §6.2.1 forbids
// sending zero-length handshake and alert fragments but says nothing of the
// receiver), or where a server cannot yet know which version's rule holds
// (every record of the first flight arrives before the ClientHello is
// parsed), the expectation is the answer RFC 8446 names at SHOULD level
// (Expectation.Should, at every version), with the reason a verdict gives.

// Sizes the framing mutators aim at.
const (
	// recLargeHello is the padded size of the ClientHello that must be
	// fragmented (larger than 2^14, RFC 5246 §6.2.1; RFC 7685).
	recLargeHello = wire.MaxPlaintext + 1024
	// recOversizeRecord is one byte over the plaintext limit
	// (RFC 8446 §5.1, RFC 5246 §6.2.1).
	recOversizeRecord = wire.MaxPlaintext + 1
	// recUnknownContentType is a content type no RFC assigns (IANA TLS
	// ContentType: 20-26 are taken).
	recUnknownContentType = wire.ContentType(99)
	// recRandomFragmentMax bounds the record sizes of fragment/random.
	recRandomFragmentMax = 64
)

var (
	// recWarningUserCanceled is a warning the receiver may pass over
	// (RFC 5246 §7.2: "generally the connection can continue normally").
	recWarningUserCanceled = wire.Alert{Level: wire.AlertLevelWarning, Description: wire.AlertUserCanceled}
	recVersionsTo12        = []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12}
	// recAllVersions: a rule about the first flight has one level at every
	// version, since the server reads it before any is negotiated.
	recAllVersions = []wire.Version{wire.VersionTLS10, wire.VersionTLS11, wire.VersionTLS12, wire.VersionTLS13}
)

// recWhyZeroLength is why a zero-length record of type what in the first
// flight is a SHOULD-level rule.
func recWhyZeroLength(what string) string {
	return "RFC 5246 §6.2.1 and RFC 8446 §5.1 forbid sending a zero-length " + what + " record; the receiver's MUST (unexpected_message, RFC 8446 §5.4) is for protected TLS 1.3 records, checked separately, and before the ClientHello a server cannot know the version"
}

func framingMutators() []Mutator {
	return []Mutator{
		{
			Name:    "record/fragment/one-byte",
			Doc:     "a flight fragmented one byte per record",
			Expect:  Tolerate("RFC 5246 §6.2.1; RFC 8446 §5.1", 58),
			Framing: recFragmentOneByte,
		},
		{
			Name:    "record/fragment/random",
			Doc:     "a flight fragmented into records of random sizes (1 to 64 bytes)",
			Expect:  Tolerate("RFC 5246 §6.2.1; RFC 8446 §5.1", 58),
			Framing: recFragmentRandom,
		},
		{
			Name:    "record/fragment/large-hello",
			Doc:     "a ClientHello padded to 2^14+1024 bytes and fragmented over records of at most 2^14 (the first exactly 2^14)",
			Expect:  Tolerate("RFC 5246 §6.2.1; RFC 7685; RFC 8446 §5.1", 43),
			Framing: recLargeHelloFraming,
		},
		{
			Name:    "record/coalesce",
			Doc:     "every message of a flight of two or more coalesced into one record",
			Expect:  Tolerate("RFC 5246 §6.2.1; RFC 8446 §5.1", 58),
			Framing: recCoalesce,
		},
		{
			Name:    "record/oversize",
			Doc:     "a plaintext record of 2^14+1 bytes (the ClientHello padded to fill it)",
			Expect:  Reject("RFC 8446 §5.1; RFC 5246 §6.2.1, §6.2.2", 55, wire.AlertRecordOverflow),
			Framing: recOversize,
		},
		{
			// Before the ClientHello, where no version is known yet. (After
			// it, the record-layer version a client should write is not
			// known either, and a server that checks it answers that
			// first.) suite/checks sends one under the keys too.
			Name:    "record/unknown-type/first",
			Doc:     "a record of unassigned content type 99 before the ClientHello",
			Expect:  Reject("RFC 5246 §6; RFC 8446 §5", 54, wire.AlertUnexpectedMessage),
			Framing: recUnknownTypeFirst,
		},
		{
			Name:    "record/version/mixed-03xx",
			Doc:     "a ClientHello over four records whose record versions are the usual one, then {03,00}, {03,04} and {03,ff}",
			Expect:  Tolerate("RFC 5246 App. E.1; RFC 8446 §5.1", 24),
			Framing: recVersionMixed,
		},
		{
			// RFC 8446 Appendix D.5 says SHOULD NOT accept and names no
			// alert: any abort will do.
			Name: "record/version/below-0300",
			Doc:  "a ClientHello over two records, the second with record version {02,00}",
			Expect: Reject("RFC 8446 App. D.5", 24).
				ShouldAt("RFC 8446 Appendix D.5: records with a version below {03,00} SHOULD NOT be accepted", recAllVersions...),
			Framing: recVersionBelow0300,
		},
		{
			Name: "record/zero-length/handshake",
			Doc:  "a zero-length handshake record before the ClientHello",
			Expect: Reject("RFC 8446 §5.1, §5.4; RFC 5246 §6.2.1", 56, wire.AlertUnexpectedMessage).
				ShouldAt(recWhyZeroLength("handshake"), recAllVersions...),
			Framing: recZeroLength(wire.ContentHandshake),
		},
		{
			Name: "record/zero-length/alert",
			Doc:  "a zero-length alert record before the ClientHello",
			Expect: Reject("RFC 8446 §5.1, §5.4; RFC 5246 §6.2.1", 56, wire.AlertUnexpectedMessage).
				ShouldAt(recWhyZeroLength("alert"), recAllVersions...),
			Framing: recZeroLength(wire.ContentAlert),
		},
		{
			Name: "record/interleave/alert",
			Doc:  "a warning alert (user_canceled) between two fragments of the ClientHello",
			Expect: Reject("RFC 8446 §5.1", 58, wire.AlertUnexpectedMessage).
				ShouldAt("RFC 8446 §5.1 forbids records of another type between the fragments of a handshake message; RFC 5246 lets a warning alert come at any time, and a server reads the first flight before it knows the version", recAllVersions...),
			Framing: recInterleave(wire.ContentAlert, recWarningUserCanceled.Marshal()),
		},
		{
			Name: "record/interleave/ccs",
			Doc:  "a ChangeCipherSpec between two fragments of the ClientHello",
			Expect: Reject("RFC 5246 §7.1; RFC 8446 §5, §5.1", 58, wire.AlertUnexpectedMessage).
				ShouldAt("RFC 8446 §5 makes a ChangeCipherSpec before the first ClientHello an unexpected record but lets stateless servers that cannot tell it from the compatibility CCS drop it (as the message-order check of a CCS before the ClientHello does); RFC 5246 has no rule for a CCS before the version is known", recAllVersions...),
			Framing: recInterleave(wire.ContentChangeCipherSpec, wire.ChangeCipherSpecPayload),
		},
		{
			// TLS 1.3 has no warnings to pass over (RFC 8446 §6): a server
			// may take any alert as the end.
			Name: "record/warning-alert-first",
			Doc:  "a warning alert (user_canceled) before the ClientHello",
			Expect: Tolerate("RFC 5246 §7.2", 57).
				ShouldAt("RFC 5246 §7.2: after a warning alert \"generally the connection can continue normally\"", recAllVersions...),
			Versions: recVersionsTo12,
			Framing:  recWarningFirst,
		},
	}
}

// recHandshakeRecords appends payload as handshake records with version v,
// each as long as size says (at least 1, at most what is left).
func recHandshakeRecords(b []byte, v wire.Version, payload []byte, size func() int) []byte {
	for len(payload) > 0 {
		n := min(max(size(), 1), len(payload))
		b = wire.AppendRecord(b, wire.ContentHandshake, v, payload[:n])
		payload = payload[n:]
	}
	return b
}

// recMaxRecords frames payload in records of up to 2^14 bytes, as a normal
// sender does.
func recMaxRecords(b []byte, v wire.Version, payload []byte) []byte {
	return recHandshakeRecords(b, v, payload, func() int { return wire.MaxPlaintext })
}

func recFragmentOneByte(flight []byte, v wire.Version, _ *rand.Rand) ([]byte, bool) {
	if len(flight) == 0 {
		return nil, false
	}
	return recHandshakeRecords(nil, v, flight, func() int { return 1 }), true
}

func recFragmentRandom(flight []byte, v wire.Version, rnd *rand.Rand) ([]byte, bool) {
	if len(flight) < 2 {
		return nil, false
	}
	return recHandshakeRecords(nil, v, flight, func() int { return 1 + rnd.IntN(recRandomFragmentMax) }), true
}

// recSplitMessages cuts a flight into its handshake messages; false when the
// headers do not tile it exactly.
func recSplitMessages(flight []byte) ([][]byte, bool) {
	var out [][]byte
	for len(flight) > 0 {
		if len(flight) < 4 {
			return nil, false
		}
		n := 4 + (int(flight[1])<<16 | int(flight[2])<<8 | int(flight[3]))
		if n > len(flight) {
			return nil, false
		}
		out = append(out, flight[:n:n])
		flight = flight[n:]
	}
	return out, len(out) > 0
}

// recCoalesce puts a flight of several messages in as few records as the
// 2^14 limit allows; a one-message flight has nothing to coalesce.
func recCoalesce(flight []byte, v wire.Version, _ *rand.Rand) ([]byte, bool) {
	msgs, ok := recSplitMessages(flight)
	if !ok || len(msgs) < 2 || len(flight) > wire.MaxPlaintext {
		return nil, false
	}
	return recMaxRecords(nil, v, flight), true
}

// recPadHello rewrites the ClientHello at the front of flight so that it is
// exactly size bytes long (header included), with a padding extension
// (RFC 7685) placed before pre_shared_key, which must stay last
// (RFC 8446 §4.2.11). It returns the new flight.
func recPadHello(flight []byte, size int) ([]byte, bool) {
	msgs, ok := recSplitMessages(flight)
	if !ok || msgs[0][0] != byte(wire.TypeClientHello) {
		return nil, false
	}
	ch, err := wire.UnmarshalClientHello(msgs[0])
	if err != nil {
		return nil, false
	}
	grow := size - len(msgs[0])
	i := slices.IndexFunc(ch.Extensions, func(e wire.Extension) bool { return e.Type == wire.ExtPadding })
	switch {
	case i >= 0:
		body := slices.Clone(ch.Extensions[i].Body)
		if len(body)+grow < 0 {
			return nil, false
		}
		if grow >= 0 {
			body = append(body, make([]byte, grow)...)
		} else {
			body = body[:len(body)+grow]
		}
		ch.Extensions[i] = wire.Extension{Type: wire.ExtPadding, Body: body}
	default:
		grow -= 4 // the extension's own header
		if ch.Extensions == nil {
			grow -= 2 // the extensions block's length
			ch.Extensions = []wire.Extension{}
		}
		if grow < 0 {
			return nil, false
		}
		at := len(ch.Extensions)
		if at > 0 && ch.Extensions[at-1].Type == wire.ExtPreSharedKey {
			at--
		}
		ch.Extensions = slices.Insert(ch.Extensions, at, wire.PaddingExt(grow))
	}
	raw, err := ch.Marshal()
	if err != nil || len(raw) != size {
		return nil, false
	}
	return slices.Concat(append([][]byte{raw}, msgs[1:]...)...), true
}

func recLargeHelloFraming(flight []byte, v wire.Version, _ *rand.Rand) ([]byte, bool) {
	padded, ok := recPadHello(flight, recLargeHello)
	if !ok {
		return nil, false
	}
	return recMaxRecords(nil, v, padded), true
}

// recOversize sends one record of 2^14+1 bytes: the front of the flight when
// it is that long, else the ClientHello padded to fill it.
func recOversize(flight []byte, v wire.Version, _ *rand.Rand) ([]byte, bool) {
	if len(flight) < recOversizeRecord {
		var ok bool
		if flight, ok = recPadHello(flight, recOversizeRecord); !ok {
			return nil, false
		}
	}
	b := wire.AppendRecord(nil, wire.ContentHandshake, v, flight[:recOversizeRecord])
	return recMaxRecords(b, v, flight[recOversizeRecord:]), true
}

func recUnknownTypeFirst(flight []byte, v wire.Version, _ *rand.Rand) ([]byte, bool) {
	if len(flight) == 0 {
		return nil, false
	}
	b := wire.AppendRecord(nil, recUnknownContentType, v, []byte{1})
	return recMaxRecords(b, v, flight), true
}

// recSplitVersions sends flight over len(versions) records of about equal
// size, the i-th with record version versions[i] (0: v).
func recSplitVersions(flight []byte, v wire.Version, versions []wire.Version) ([]byte, bool) {
	n := len(versions)
	if len(flight) < n || len(flight) > n*wire.MaxPlaintext {
		return nil, false
	}
	var b []byte
	for i, rv := range versions {
		if rv == 0 {
			rv = v
		}
		from, to := i*len(flight)/n, (i+1)*len(flight)/n
		b = wire.AppendRecord(b, wire.ContentHandshake, rv, flight[from:to])
	}
	return b, true
}

func recVersionMixed(flight []byte, v wire.Version, _ *rand.Rand) ([]byte, bool) {
	return recSplitVersions(flight, v, []wire.Version{0, wire.VersionSSL30, wire.VersionTLS13, 0x03ff})
}

func recVersionBelow0300(flight []byte, v wire.Version, _ *rand.Rand) ([]byte, bool) {
	return recSplitVersions(flight, v, []wire.Version{0, wire.VersionSSL20})
}

// recZeroLength sends an empty record of type typ before the flight.
func recZeroLength(typ wire.ContentType) Framing {
	return func(flight []byte, v wire.Version, _ *rand.Rand) ([]byte, bool) {
		if len(flight) == 0 {
			return nil, false
		}
		b := wire.AppendRecord(nil, typ, v, nil)
		return recMaxRecords(b, v, flight), true
	}
}

// recInterleave cuts the flight's first message in two at a random point and
// sends a record of type typ between the halves.
func recInterleave(typ wire.ContentType, payload []byte) Framing {
	return func(flight []byte, v wire.Version, rnd *rand.Rand) ([]byte, bool) {
		msgs, ok := recSplitMessages(flight)
		if !ok || len(msgs[0]) < 2 || len(msgs[0]) > wire.MaxPlaintext {
			return nil, false
		}
		first := msgs[0]
		cut := 1 + rnd.IntN(len(first)-1)
		b := wire.AppendRecord(nil, wire.ContentHandshake, v, first[:cut])
		b = wire.AppendRecord(b, typ, v, payload)
		return recMaxRecords(b, v, flight[cut:]), true
	}
}

func recWarningFirst(flight []byte, v wire.Version, _ *rand.Rand) ([]byte, bool) {
	if len(flight) == 0 {
		return nil, false
	}
	b := wire.AppendRecord(nil, wire.ContentAlert, v, recWarningUserCanceled.Marshal())
	return recMaxRecords(b, v, flight), true
}
