package keyexchange

import (
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/tlsconform/tlsconform/peers"

	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Misbehaviours break the server's processing of the
// ClientKeyExchange (RFC 5246 §7.4.7; RFC 8422 §5.7): RSA decryption
// without the ROBOT countermeasure, ECDHE points used unvalidated.
func Misbehaviours() []peers.Misbehaviour {
	return []peers.Misbehaviour{
		{
			// A Bleichenbacher padding oracle (ROBOT): a bad PKCS#1 v1.5
			// block, or a message that is not 48 bytes, draws decrypt_error
			// at once instead of carrying on to fail at the Finished.
			Name: "cke/padding-oracle",
			Apply: func(p *peers.ServerPlan) {
				p.DecryptPMS = leakyDecryptPMS(p.DecryptPMS, func(reason string) error {
					return &peers.ProtocolError{Alert: wire.AlertDecryptError, Reason: "RSA pre-master secret: " + reason}
				})
			},
		},
		{
			// The same oracle told by the close: a bad block ends the
			// connection without an alert, where a wrong Finished draws
			// bad_record_mac.
			Name: "cke/padding-oracle-close",
			Apply: func(p *peers.ServerPlan) {
				p.DecryptPMS = leakyDecryptPMS(p.DecryptPMS, func(reason string) error {
					return fmt.Errorf("peers: RSA pre-master secret: %s", reason) // no alert
				})
			},
		},
		{
			// Skips ECDHE point validation (RFC 8422 §5.11): an X25519
			// low-order point is taken with its all-zero secret (RFC 7748
			// §6.1), and any other point it cannot use (off the curve, the
			// identity, compressed, the wrong length) is replaced by the
			// server's own, so the handshake goes on to the Finished.
			Name: "cke/accept-invalid-point",
			Apply: func(p *peers.ServerPlan) {
				p.ECDHEShared = func(_ *peers.ServerState, priv kx.Private, point []byte) ([]byte, error) {
					pms, err := priv.Shared(kx.LenientPoint(priv.Group(), point))
					switch {
					case err == nil:
						return pms, nil
					case errors.Is(err, kx.ErrZeroSecret), kx.NullPoint(point):
						// What an implementation without the checks
						// computes: zero for a low-order X25519 point, and
						// the point at infinity (x encoded as zeros) for
						// (0,0) and the identity on a NIST curve.
						return make([]byte, sharedSize(priv)), nil
					}
					// Anything else gives some secret the client cannot know.
					return priv.Shared(priv.Public())
				}
			},
		},
	}
}

// leakyDecryptPMS checks the PKCS#1 v1.5 block with an early exit and
// answers a bad one (or a message that is not 48 bytes) with fail's error;
// a good block goes on to next, so a wrong version still fails only at
// the Finished.
func leakyDecryptPMS(next func(*peers.ServerState, []byte) ([]byte, error), fail func(reason string) error) func(*peers.ServerState, []byte) ([]byte, error) {
	return func(st *peers.ServerState, ciphertext []byte) ([]byte, error) {
		if priv, ok := st.Cert.Key.(*rsa.PrivateKey); ok {
			//lint:ignore SA1019 the misbehaviour is exactly the padding check RFC 5246 §7.4.7.1 forbids.
			msg, err := rsa.DecryptPKCS1v15(nil, priv, ciphertext)
			switch {
			case err != nil:
				return nil, fail("bad PKCS#1 v1.5 padding")
			case len(msg) != kx.PreMasterSecretSize:
				return nil, fail(fmt.Sprintf("message of %d bytes", len(msg)))
			}
		}
		return next(st, ciphertext)
	}
}

// sharedSize is the length of the group's shared secret: X25519's 32
// bytes, a NIST curve's x-coordinate.
func sharedSize(priv kx.Private) int {
	if priv.Group() == wire.GroupX25519 {
		return 32
	}
	return (len(priv.Public()) - 1) / 2
}
