package resumption

import (
	"crypto"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Misbehaviours break the reference server's resumption decisions, each
// the way a real server has gone wrong.
func Misbehaviours() []peers.Misbehaviour {
	return []peers.Misbehaviour{
		{
			// Resumes a session whatever the new ClientHello says of
			// extended_master_secret (RFC 7627 §5.3), as servers written
			// before RFC 7627 do.
			Name: "resumption/ignore-ems",
			Apply: func(p *peers.ServerPlan) {
				p.Resume12 = func(st *peers.ServerState, sess *peers.Session) bool {
					return sess.Version == st.Version() && sess.Suite == st.Spec.ID
				}
			},
		},
		{
			// Resumes any session it can open, with the version and suite
			// it chose for the new handshake (RFC 5246 §7.4.1.3).
			Name: "resumption/any-suite-or-version",
			Apply: func(p *peers.ServerPlan) {
				p.Resume12 = func(st *peers.ServerState, sess *peers.Session) bool { return sess.EMS == st.EMS }
			},
		},
		{
			// Takes a TLS 1.3 PSK without checking its binder (RFC 8446
			// §4.2.11).
			Name: "resumption/psk-no-binder-check",
			Apply: func(p *peers.ServerPlan) {
				p.ResumePSK13 = func(st *peers.ServerState, sess *peers.Session, _ func(crypto.Hash) bool) ([]byte, error) {
					if s, ok := suites.Lookup(sess.Suite); !ok || s.PRF != st.Spec.PRF {
						return nil, nil
					}
					return sess.PSK, nil
				}
			},
		},
		{
			// Takes a TLS 1.3 PSK whose binder verifies under the session's
			// hash with whatever suite it chose (RFC 8446 §4.2.11).
			Name: "resumption/psk-any-hash",
			Apply: func(p *peers.ServerPlan) {
				p.ResumePSK13 = func(_ *peers.ServerState, sess *peers.Session, binderOK func(crypto.Hash) bool) ([]byte, error) {
					s, ok := suites.Lookup(sess.Suite)
					switch {
					case !ok:
						return nil, nil
					case !binderOK(s.PRF):
						return nil, &peers.ProtocolError{Alert: wire.AlertDecryptError, Reason: "PSK binder does not verify"}
					}
					return sess.PSK, nil
				}
			},
		},
	}
}
