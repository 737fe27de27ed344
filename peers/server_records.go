package peers

import (
	"errors"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// The reference server's record policy (RFC 5246 §6.2, RFC 8446 §5):
// what it does with each record before the handshake or the application
// reads it.
// Misbehaviours replace ServerPlan.Record to break one rule at a time.

// RecordOpener reads the rest of a record whose header a record policy has
// seen, and unprotects it: the record as read (Payload as on the wire),
// its real content type and its plaintext. A read that fails returns a
// *ProtocolError (record_overflow past the ciphertext limit, decode_error)
// or the I/O error; a record that does not unprotect, a *record.Error.
type RecordOpener func() (rec wire.Record, typ wire.ContentType, plain []byte, err error)

// ErrDropRecord, from a record policy that has opened the record, passes
// over it: the read goes on with the next one.
var ErrDropRecord = errors.New("peers: record dropped")

// MaxUselessRecords bounds the records in a row that carry nothing (empty
// application data, warning alerts passed over): RFC 8446 §5.1 allows
// zero-length application data, but a peer that sends nothing else makes
// the server work for ever. (crypto/tls allows 16, OpenSSL 32.)
const MaxUselessRecords = 32

// UselessRecords is the number of records in a row that carried nothing
// on the connection so far (serverRecord's count, which aborts past
// MaxUselessRecords).
func (st *ServerState) UselessRecords() int { return st.records.useless }

// recordCounts is what serverRecord keeps of a connection.
type recordCounts struct {
	read    int // records whose header it has seen
	useless int // records in a row that carried nothing
}

// serverRecord is the correct record policy:
//
//   - a record of a content type no RFC defines is unexpected_message
//     (RFC 5246 §6; RFC 8446 §5), checked again after a TLS 1.3 record is
//     opened, on its inner type;
//   - after the first record (whose version ServerPlan.FirstRecord
//     judges), a record-layer version below {03,00} is refused (RFC 8446
//     App. D.5: SHOULD NOT accept); any {03,xx} is accepted (RFC 5246 App.
//     E.1) and otherwise the field is ignored (RFC 8446 §5.1);
//   - the size limits are the record layer's own (open): 2^14 of
//     plaintext, 2^14+2048 (TLS 1.0-1.2) or 2^14+256 (TLS 1.3) of
//     ciphertext, record_overflow beyond (RFC 5246 §6.2; RFC 8446 §5.1,
//     §5.2);
//   - a zero-length handshake or alert record is unexpected_message at any
//     version (RFC 8446 §5.4 for TLS 1.3; RFC 5246 §6.2.1 forbids sending
//     them, and before the ClientHello the version is not known yet);
//   - below TLS 1.3 (and before the version is known) a warning alert
//     other than close_notify is passed over (RFC 5246 §7.2), unless it
//     splits a handshake message (RFC 8446 §5.1), which ReadItem rejects;
//   - at most MaxUselessRecords records in a row may carry nothing.
//
// The header decides the first two before the body is read, so garbage
// that claims a long record is answered at once.
func serverRecord(st *ServerState, typ wire.ContentType, v wire.Version, open RecordOpener) (wire.ContentType, []byte, error) {
	st.records.read++
	if !KnownContentType(typ) {
		return 0, nil, protoErr(wire.AlertUnexpectedMessage, "record of unknown content type %d (RFC 5246 §6, RFC 8446 §5)", uint8(typ))
	}
	if v < wire.VersionSSL30 && st.records.read > 1 {
		return 0, nil, protoErr(wire.AlertProtocolVersion, "record version {%02x,%02x} below {03,00} (RFC 8446 Appendix D.5)", byte(v>>8), byte(v))
	}
	_, typ, plain, err := open()
	if err != nil {
		return 0, nil, err
	}
	if !KnownContentType(typ) {
		return 0, nil, protoErr(wire.AlertUnexpectedMessage, "protected record of unknown inner content type %d (RFC 8446 §5, §5.4)", uint8(typ))
	}
	if len(plain) == 0 && (typ == wire.ContentHandshake || typ == wire.ContentAlert) {
		return 0, nil, protoErr(wire.AlertUnexpectedMessage, "zero-length %s record (RFC 8446 §5.1, §5.4; RFC 5246 §6.2.1)", typ)
	}
	useless := false
	switch typ {
	case wire.ContentApplicationData:
		useless = len(plain) == 0
	case wire.ContentAlert:
		if len(plain) == 2 && wire.AlertLevel(plain[0]) == wire.AlertLevelWarning && wire.AlertDescription(plain[1]) != wire.AlertCloseNotify &&
			st.version < wire.VersionTLS13 && st.hs.Buffered() == 0 {
			err = ErrDropRecord
			useless = true
		}
	}
	if !useless {
		if typ == wire.ContentHandshake || typ == wire.ContentApplicationData {
			st.records.useless = 0
		}
		return typ, plain, nil
	}
	if st.records.useless++; st.records.useless > MaxUselessRecords {
		return 0, nil, protoErr(wire.AlertUnexpectedMessage, "%d records in a row that carry nothing", st.records.useless)
	}
	return typ, plain, err
}
