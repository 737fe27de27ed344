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
			// Never looks for TLS_EMPTY_RENEGOTIATION_INFO_SCSV in a
			// renegotiating ClientHello (RFC 5746 §3.7 says abort); the
			// extension it checks as it should.
			Name: "renegotiation/ignore-scsv",
			Apply: func(p *peers.ServerPlan) {
				next := p.Renegotiation
				p.Renegotiation = func(st *peers.ServerState, ch *wire.ClientHello) error {
					without := *ch
					without.CipherSuites = slices.DeleteFunc(slices.Clone(ch.CipherSuites), func(s wire.CipherSuite) bool {
						return s == wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV
					})
					return next(st, &without)
				}
			},
		},
		{
			// Takes any renegotiated_connection: the extension is looked
			// for, its value never compared with client_verify_data.
			Name: "renegotiation/any-verify-data",
			Apply: func(p *peers.ServerPlan) {
				p.Renegotiation = func(_ *peers.ServerState, ch *wire.ClientHello) error {
					if err := refuseSCSV(ch); err != nil {
						return err
					}
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
					if err := refuseSCSV(ch); err != nil {
						return err
					}
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

// refuseSCSV is the RFC 5746 §3.7 check the misbehaviours that break
// something else keep: a renegotiating ClientHello with
// TLS_EMPTY_RENEGOTIATION_INFO_SCSV is refused.
func refuseSCSV(ch *wire.ClientHello) error {
	if slices.Contains(ch.CipherSuites, wire.TLS_EMPTY_RENEGOTIATION_INFO_SCSV) {
		return &peers.ProtocolError{Alert: wire.AlertHandshakeFailure, Reason: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV in a renegotiating ClientHello"}
	}
	return nil
}
