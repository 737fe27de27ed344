package records

import (
	"errors"

	"github.com/tlsconform/tlsconform/peers"

	"github.com/tlsconform/tlsconform/peers/record"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Misbehaviours break the server's record layer: content types,
// versions, size limits and empty records (RFC 5246 §6.2, RFC 8446 §5).
func Misbehaviours() []peers.Misbehaviour {
	return []peers.Misbehaviour{
		{
			// Takes plaintext records of any length the 16-bit field can say
			// (the bug of a reader that sizes its buffer from the header and
			// never checks the 2^14 limit). Protected records keep the
			// record layer's limits.
			Name: "records/accept-oversize",
			Apply: func(p *peers.ServerPlan) {
				next := p.Record
				p.Record = func(st *peers.ServerState, typ wire.ContentType, v wire.Version, open peers.RecordOpener) (wire.ContentType, []byte, error) {
					return next(st, typ, v, func() (wire.Record, wire.ContentType, []byte, error) {
						rec, typ, plain, err := open()
						var re *record.Error
						if errors.As(err, &re) && re.Kind == record.RecordOverflow && !st.ReadProtected() {
							return rec, rec.Type, rec.Payload, nil
						}
						return rec, typ, plain, err
					})
				}
			},
		},
		{
			// Passes over records of a content type it does not know, outer
			// or (TLS 1.3) inner, instead of aborting with unexpected_message.
			Name: "records/ignore-unknown-content-type",
			Apply: func(p *peers.ServerPlan) {
				next := p.Record
				p.Record = func(st *peers.ServerState, typ wire.ContentType, v wire.Version, open peers.RecordOpener) (wire.ContentType, []byte, error) {
					if !peers.KnownContentType(typ) {
						// Unprotected first, as a stack that dispatches on the
						// type after decrypting does: the sequence number moves on.
						if _, _, _, err := open(); err != nil {
							return 0, nil, err
						}
						return 0, nil, peers.ErrDropRecord
					}
					return next(st, typ, v, func() (wire.Record, wire.ContentType, []byte, error) {
						rec, typ, plain, err := open()
						if err == nil && !peers.KnownContentType(typ) {
							return rec, 0, nil, peers.ErrDropRecord
						}
						return rec, typ, plain, err
					})
				}
			},
		},
		{
			// Past its limit of records that carry nothing, it neither
			// aborts nor answers: it reads and drops everything that comes
			// (the floods of empty records and warnings, row 57). No RFC
			// sentence binds it to a limit, so the floods warn.
			Name: "records/silent-after-useless-records",
			Apply: func(p *peers.ServerPlan) {
				next := p.Record
				p.Record = func(st *peers.ServerState, typ wire.ContentType, v wire.Version, open peers.RecordOpener) (wire.ContentType, []byte, error) {
					if st.UselessRecords() > peers.MaxUselessRecords {
						if _, _, _, err := open(); err != nil {
							return 0, nil, err
						}
						return 0, nil, peers.ErrDropRecord
					}
					typ, plain, err := next(st, typ, v, open)
					if err != nil && st.UselessRecords() > peers.MaxUselessRecords {
						return 0, nil, peers.ErrDropRecord
					}
					return typ, plain, err
				}
			},
		},
		{
			// Passes over zero-length handshake and alert records, which
			// RFC 8446 §5.4 makes unexpected_message.
			Name: "records/accept-empty-records",
			Apply: func(p *peers.ServerPlan) {
				next := p.Record
				p.Record = func(st *peers.ServerState, typ wire.ContentType, v wire.Version, open peers.RecordOpener) (wire.ContentType, []byte, error) {
					return next(st, typ, v, func() (wire.Record, wire.ContentType, []byte, error) {
						rec, typ, plain, err := open()
						if err == nil && len(plain) == 0 && (typ == wire.ContentHandshake || typ == wire.ContentAlert) {
							return rec, 0, nil, peers.ErrDropRecord
						}
						return rec, typ, plain, err
					})
				}
			},
		},
	}
}
