package peers

import (
	"crypto/rsa"

	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// The reference server's validation of the ClientKeyExchange (TLS
// 1.0-1.2), as the default steps of ServerPlan.DecryptPMS and
// ServerPlan.ECDHEShared.

// decryptPMS is RSA key transport done right (RFC 5246 §7.4.7.1): a
// ciphertext of the wrong length, a value not below the modulus, a bad
// padding, a message that is not 48 bytes or a version that is not
// ClientHello.client_version all carry on with a random pre-master secret,
// chosen before decryption and substituted in constant time, so the
// handshake fails only at the Finished, with the alert a wrong Finished
// gets: no padding oracle (ROBOT).
func decryptPMS(st *ServerState, ciphertext []byte) ([]byte, error) {
	priv, ok := st.Cert.Key.(*rsa.PrivateKey)
	if !ok {
		return nil, protoErr(wire.AlertInternalError, "RSA key exchange with a %T key", st.Cert.Key)
	}
	return kx.DecryptPMS(priv, ciphertext, st.Hello.Version, st.rand), nil
}

// ecdheShared validates the client's point before it uses it (RFC 8422
// §5.11; kx checks the length, the uncompressed format byte, that the
// point is on the curve, and X25519's all-zero secret, RFC 7748 §6.1) and
// refuses an invalid one with illegal_parameter.
func ecdheShared(_ *ServerState, priv kx.Private, point []byte) ([]byte, error) {
	pms, err := priv.Shared(point)
	if err != nil {
		return nil, &ProtocolError{Alert: wire.AlertIllegalParameter, Reason: "client ECDHE public", Err: err}
	}
	return pms, nil
}
