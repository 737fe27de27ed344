package order

import (
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Misbehaviours break the server's handshake state machine: the
// order in which it expects and sends messages (RFC 5246 §7.3, RFC 8446
// §4).
func Misbehaviours() []peers.Misbehaviour {
	return []peers.Misbehaviour{
		{
			// Drops a ChangeCipherSpec that arrives before the
			// ClientKeyExchange instead of aborting: the state-machine slip
			// behind CVE-2014-0224 (early CCS).
			Name: "order/accept-early-ccs",
			Apply: func(p *peers.ServerPlan) {
				next := p.Unexpected
				p.Unexpected = func(st *peers.ServerState, want wire.HandshakeType, got peers.Item) error {
					if got.Type == wire.ContentChangeCipherSpec && want == wire.TypeClientKeyExchange {
						return nil
					}
					return next(st, want, got)
				}
			},
		},
		{
			// Tolerates a missing ClientKeyExchange: when a ChangeCipherSpec
			// comes where it is due, goes on with an empty pre-master secret
			// and takes the CCS as the key change.
			Name: "order/skip-cke",
			Apply: func(p *peers.ServerPlan) {
				next := p.ClientKeyExchange
				p.ClientKeyExchange = func(st *peers.ServerState, pms func(*wire.ClientKeyExchange) ([]byte, error)) ([]byte, error) {
					it, err := st.ReadItem()
					if err != nil {
						return nil, err
					}
					st.Unread(it)
					if it.Type == wire.ContentChangeCipherSpec {
						return []byte{}, nil
					}
					return next(st, pms)
				}
			},
		},
		{
			// Drops every ChangeCipherSpec during a TLS 1.3 handshake, whatever
			// its value and even under record protection (RFC 8446 §5 drops
			// only a plaintext 0x01).
			Name: "order/no-ccs-check-13",
			Apply: func(p *peers.ServerPlan) {
				next := p.Unexpected
				p.Unexpected = func(st *peers.ServerState, want wire.HandshakeType, got peers.Item) error {
					if got.Type == wire.ContentChangeCipherSpec && st.Version() == wire.VersionTLS13 {
						return nil
					}
					return next(st, want, got)
				}
			},
		},
		{
			// Drops handshake messages of a type it does not know instead of
			// aborting with unexpected_message.
			Name: "order/ignore-unknown-messages",
			Apply: func(p *peers.ServerPlan) {
				next := p.Unexpected
				p.Unexpected = func(st *peers.ServerState, want wire.HandshakeType, got peers.Item) error {
					if m, ok := got.Msg.(*wire.UnknownMessage); ok && got.Type == wire.ContentHandshake && m.MsgType != wire.TypeMessageHash {
						return nil
					}
					return next(st, want, got)
				}
			},
		},
		{
			// Sends ServerKeyExchange before Certificate (TLS 1.0-1.2 ECDHE):
			// its own flight out of RFC order (RFC 5246 §7.3).
			Name: "order/wrong-flight-order",
			Apply: func(p *peers.ServerPlan) {
				next := p.Outgoing
				p.Outgoing = func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
					cert := slices.IndexFunc(msgs, func(m wire.Message) bool { _, ok := m.(*wire.Certificate12); return ok })
					ske := slices.IndexFunc(msgs, func(m wire.Message) bool { return m.Type() == wire.TypeServerKeyExchange })
					if cert >= 0 && ske > cert {
						msgs = slices.Clone(msgs)
						msgs[cert], msgs[ske] = msgs[ske], msgs[cert]
					}
					return next(st, msgs)
				}
			},
		},
	}
}
