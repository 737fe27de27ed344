package finished

import (
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Misbehaviours break the server's verification of the client
// Finished (RFC 5246 §7.4.9, RFC 8446 §4.4.4).
func Misbehaviours() []peers.Misbehaviour {
	return []peers.Misbehaviour{
		{
			// Accepts any client Finished: the CVE-class bug of a server that
			// never checks verify_data.
			Name: "finished/skip-verify",
			Apply: func(p *peers.ServerPlan) {
				p.VerifyFinished = func(*peers.ServerState, []byte, []byte) error { return nil }
			},
		},
		{
			// Checks verify_data but answers a mismatch with the wrong alert
			// (handshake_failure instead of decrypt_error): a SHOULD-level
			// deviation, caught as a warning (a failure with STRICT=1).
			Name: "finished/wrong-alert",
			Apply: func(p *peers.ServerPlan) {
				next := p.VerifyFinished
				p.VerifyFinished = func(st *peers.ServerState, got, want []byte) error {
					if err := next(st, got, want); err != nil {
						return &peers.ProtocolError{Alert: wire.AlertHandshakeFailure, Reason: err.Error()}
					}
					return nil
				}
			},
		},
		{
			// Answers a TLS 1.3 client Finished that does not verify with
			// the wrong alert (handshake_failure), sent under its handshake
			// traffic key, as some stacks send it, though its write side
			// moved to the application key after its own Finished. The
			// client must read it (trying every key the conversation had):
			// a SHOULD-level deviation, caught as a warning; read as an
			// undecryptable record it would prove nothing (inconclusive).
			Name: "finished/wrong-alert-under-handshake-key",
			Apply: func(p *peers.ServerPlan) {
				next := p.VerifyFinished
				p.VerifyFinished = func(st *peers.ServerState, got, want []byte) error {
					if err := next(st, got, want); err != nil {
						st.WriteUnderHandshakeKey()
						return &peers.ProtocolError{Alert: wire.AlertHandshakeFailure, Reason: err.Error()}
					}
					return nil
				}
			},
		},
		{
			// Sends a server Finished computed over the wrong transcript
			// (the first byte of verify_data flipped).
			Name: "finished/bad-server-finished",
			Apply: func(p *peers.ServerPlan) {
				next := p.Outgoing
				p.Outgoing = func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
					for _, m := range msgs {
						if f, ok := m.(*wire.Finished); ok && len(f.VerifyData) > 0 {
							f.VerifyData[0] ^= 1
						}
					}
					return next(st, msgs)
				}
			},
		},
	}
}
