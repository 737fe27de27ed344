package hello

import (
	"crypto/rand"
	"errors"
	"slices"

	"github.com/tlsconform/tlsconform/peers"

	"github.com/tlsconform/tlsconform/peers/kx"
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
		{
			// Takes a TLS 1.3 key share as a parser without the checks of
			// RFC 8446 §4.2.8.2 and §7.4.2 would: an X25519 low-order point
			// with its all-zero secret, (0,0) and the identity as the point
			// at infinity (x encoded as zeros), a compressed or hybrid-form
			// point decompressed, a share longer than its group's size cut
			// to it, a shorter one padded with zeros; whatever it still
			// cannot use is replaced by its own point, so the handshake goes
			// on with a secret the client cannot know.
			Name: "hello/accept-invalid-key-share",
			Apply: func(p *peers.ServerPlan) {
				next := p.KeyShare13
				p.KeyShare13 = func(st *peers.ServerState, g wire.Group, share []byte) ([]byte, []byte, error) {
					serverShare, shared, err := next(st, g, share)
					if err == nil {
						return serverShare, shared, nil
					}
					return lenientKeyShare(st, next, g, share)
				}
			},
		},
	}
}

// lenientKeyShare answers a key share that next refused as a server
// without the validation would.
func lenientKeyShare(st *peers.ServerState, next func(*peers.ServerState, wire.Group, []byte) ([]byte, []byte, error),
	g wire.Group, share []byte) ([]byte, []byte, error) {
	priv, err := kx.Generate(g, rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	n, _, _ := kx.ShareSizes(g)
	if g == wire.GroupX25519 && len(share) == 32 && kx.X25519LowOrder(share) {
		return priv.Public(), make([]byte, 32), nil
	}
	if kx.NullPoint(share) {
		return priv.Public(), make([]byte, (n-1)/2), nil
	}
	fixed := kx.LenientPoint(g, share)
	switch {
	case len(fixed) > n:
		fixed = fixed[:n]
	case len(fixed) < n:
		fixed = append(slices.Clone(fixed), make([]byte, n-len(fixed))...)
	}
	if serverShare, shared, err := next(st, g, fixed); err == nil {
		return serverShare, shared, nil
	}
	// Some secret the client cannot know.
	return next(st, g, priv.Public())
}
