package hello

import (
	"errors"

	"github.com/tlsconform/tlsconform/peers"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Misbehaviours read the ClientHello leniently (RFC 8446 §4.1.2,
// §4.2; RFC 5246 §7.4.1.2), each the way a real parser has gone wrong.
func Misbehaviours() []peers.Misbehaviour {
	return []peers.Misbehaviour{
		{
			// Keeps the first of two extensions of one type and ignores the
			// second, instead of refusing the ClientHello (RFC 8446 §4.2).
			Name: "hello/accept-duplicate-extension",
			Apply: func(p *peers.ServerPlan) {
				next := p.ValidateClientHello
				p.ValidateClientHello = func(st *peers.ServerState, ch *wire.ClientHello, raw []byte) error {
					first := *ch
					first.Extensions = nil
					seen := map[wire.ExtensionType]bool{}
					for _, e := range ch.Extensions {
						if !seen[e.Type] {
							seen[e.Type] = true
							first.Extensions = append(first.Extensions, e)
						}
					}
					return next(st, &first, raw)
				}
			},
		},
		{
			// Stops reading at the end of the last field it knows and
			// ignores what follows inside the message (RFC 8446 §4.1.2).
			Name: "hello/accept-trailing-bytes",
			Apply: func(p *peers.ServerPlan) {
				next := p.ParseClientHello
				p.ParseClientHello = func(st *peers.ServerState, raw []byte) (*wire.ClientHello, error) {
					ch, err := next(st, raw)
					var pe *wire.ParseError
					if errors.As(err, &pe) && errors.Is(err, wire.ErrTrailing) && pe.Field == "" && pe.Offset > 4 && pe.Offset < len(raw) {
						n := pe.Offset - 4
						cut := append([]byte{raw[0], byte(n >> 16), byte(n >> 8), byte(n)}, raw[4:pe.Offset]...)
						return next(st, cut)
					}
					return ch, err
				}
			},
		},
		{
			// Looks inside no extension body before it needs one: a
			// malformed server_name, a vector below its floor or with bytes
			// after its end in an extension it does not use goes unnoticed.
			Name: "hello/lenient-extensions",
			Apply: func(p *peers.ServerPlan) {
				p.ValidateClientHello = func(_ *peers.ServerState, ch *wire.ClientHello, _ []byte) error {
					return peers.ValidateHelloFields(ch)
				}
			},
		},
	}
}
