package peers

import (
	"slices"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Misbehaviours is the reference server's catalogue of named ways to break
// the protocol, one or more for each family of conformance checks. The
// suite's self-test runs every check against each of them and requires the
// checks each exists for to fail, and the others to pass.
func Misbehaviours() []Misbehaviour {
	return slices.Concat(finishedMisbehaviours(), orderMisbehaviours(), versionMisbehaviours(),
		helloMisbehaviours(), keyexchangeMisbehaviours(), recordsMisbehaviours())
}

// MisbehaviourByName finds a misbehaviour of the catalogue, or of
// FuzzMisbehaviours.
func MisbehaviourByName(name string) (Misbehaviour, bool) {
	for _, m := range slices.Concat(Misbehaviours(), FuzzMisbehaviours()) {
		if m.Name == name {
			return m, true
		}
	}
	return Misbehaviour{}, false
}

// finishedMisbehaviours break the server's verification of the client
// Finished (RFC 5246 §7.4.9, RFC 8446 §4.4.4).
func finishedMisbehaviours() []Misbehaviour {
	return []Misbehaviour{
		{
			// Accepts any client Finished: the CVE-class bug of a server that
			// never checks verify_data.
			Name: "finished/skip-verify",
			Apply: func(p *ServerPlan) {
				p.VerifyFinished = func(*ServerState, []byte, []byte) error { return nil }
			},
		},
		{
			// Checks verify_data but answers a mismatch with the wrong alert
			// (handshake_failure instead of decrypt_error): a SHOULD-level
			// deviation, caught as a warning (a failure with STRICT=1).
			Name: "finished/wrong-alert",
			Apply: func(p *ServerPlan) {
				next := p.VerifyFinished
				p.VerifyFinished = func(st *ServerState, got, want []byte) error {
					if err := next(st, got, want); err != nil {
						return &ProtocolError{Alert: wire.AlertHandshakeFailure, Reason: err.Error()}
					}
					return nil
				}
			},
		},
		{
			// Sends a server Finished computed over the wrong transcript
			// (the first byte of verify_data flipped).
			Name: "finished/bad-server-finished",
			Apply: func(p *ServerPlan) {
				next := p.Outgoing
				p.Outgoing = func(st *ServerState, msgs []wire.Message) []wire.Message {
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
