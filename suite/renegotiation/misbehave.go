package renegotiation

import (
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Misbehaviours break the reference server's renegotiation decision
// (ServerPlan.Renegotiation), each the way servers written before RFC
// 5746 went wrong.
func Misbehaviours() []peers.Misbehaviour {
	return []peers.Misbehaviour{
		{
			// Takes any renegotiated_connection: the extension is looked
			// for, its value never compared with client_verify_data.
			Name: "renegotiation/any-verify-data",
			Apply: func(p *peers.ServerPlan) {
				p.Renegotiation = func(_ *peers.ServerState, ch *wire.ClientHello) error {
					if _, ok := wire.FindExtension(ch.Extensions, wire.ExtRenegotiationInfo); !ok {
						return &peers.ProtocolError{Alert: wire.AlertHandshakeFailure, Reason: "renegotiating ClientHello without renegotiation_info"}
					}
					return nil
				}
			},
		},
		{
			// Renegotiates with a ClientHello that carries neither
			// renegotiation_info nor the SCSV (the pre-RFC 5746 behaviour
			// the attack of RFC 5746 §1 exploits); a value it gets, it
			// checks.
			Name: "renegotiation/without-extension",
			Apply: func(p *peers.ServerPlan) {
				p.Renegotiation = func(st *peers.ServerState, ch *wire.ClientHello) error {
					e, ok := wire.FindExtension(ch.Extensions, wire.ExtRenegotiationInfo)
					if !ok {
						return nil
					}
					if rc, err := wire.ParseRenegotiationInfo(e.Body); err != nil || !slices.Equal(rc, st.ClientVerifyData) {
						return &peers.ProtocolError{Alert: wire.AlertHandshakeFailure, Reason: "renegotiated_connection is not the client_verify_data"}
					}
					return nil
				}
			},
		},
	}
}
