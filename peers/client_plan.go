package peers

import (
	"crypto/hmac"
	"fmt"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// ClientMisbehaviour is a named way for the reference client to break
// the protocol, as Misbehaviour is for the server: it replaces a step of
// the client's plan. The conformance suite runs the reference client with
// each of them as a client under test, to prove that its client checks
// catch what they exist for.
type ClientMisbehaviour struct {
	Name  string
	Apply func(*ClientPlan)
}

// ClientPlan is the client's decisions as replaceable steps. The defaults
// are the correct behaviour; a ClientMisbehaviour swaps one out.
type ClientPlan struct {
	// VerifyServerFinished compares the server's verify_data with the
	// one the client computed (RFC 5246 §7.4.9, RFC 8446 §4.4.4); rfc
	// names the rule for the error.
	VerifyServerFinished func(got, want []byte, rfc string) error
	// DowngradeSentinel checks the last 8 bytes of a ServerHello.random
	// that negotiates TLS 1.2 or below (RFC 8446 §4.1.3).
	DowngradeSentinel func(cfg *ClientConfig, tail [8]byte, negotiated wire.Version) error
	// VerifySignature decides on the server's signature (the
	// ServerKeyExchange's, the TLS 1.3 CertificateVerify's): verify
	// checks it.
	VerifySignature func(what string, verify func() error) error
	// Unexpected decides what to do with a handshake message of another
	// type than the one due: an error ends the handshake, nil drops the
	// message and reads on.
	Unexpected func(got, want wire.HandshakeType) error
	// UnexpectedRecord decides what to do with a record of a content
	// type the handshake does not take (application data before the
	// keys, an unknown type): an error ends the handshake, nil drops it.
	UnexpectedRecord func(wire.ContentType) error
}

// defaultClientPlan is the correct behaviour.
func defaultClientPlan() ClientPlan {
	return ClientPlan{
		VerifyServerFinished: func(got, want []byte, rfc string) error {
			if !hmac.Equal(got, want) {
				return &VerifyError{What: "server Finished", Reason: fmt.Sprintf("verify_data %x, want %x (%s)", got, want, rfc)}
			}
			return nil
		},
		DowngradeSentinel: func(cfg *ClientConfig, tail [8]byte, v wire.Version) error {
			if cfg.offers(wire.VersionTLS13) && (tail == wire.DowngradeTLS12 || tail == wire.DowngradeTLS11) {
				return protoErr(wire.AlertIllegalParameter, "ServerHello.random carries a downgrade sentinel while negotiating %s (RFC 8446 §4.1.3)", v)
			}
			if cfg.maxVersion() >= wire.VersionTLS12 && v < wire.VersionTLS12 && tail == wire.DowngradeTLS11 {
				return protoErr(wire.AlertIllegalParameter, "ServerHello.random carries DOWNGRD\\x00 while negotiating %s (RFC 8446 §4.1.3)", v)
			}
			return nil
		},
		VerifySignature: func(_ string, verify func() error) error { return verify() },
		Unexpected: func(got, want wire.HandshakeType) error {
			return protoErr(wire.AlertUnexpectedMessage, "got %s, want %s", got, want)
		},
		UnexpectedRecord: func(t wire.ContentType) error {
			return protoErr(wire.AlertUnexpectedMessage, "unexpected %s record during the handshake (RFC 5246 §6, RFC 8446 §5)", t)
		},
	}
}

// plan is the client's plan: the defaults with cfg's misbehaviours
// applied, in order.
func (cfg *ClientConfig) plan() ClientPlan {
	p := defaultClientPlan()
	for _, m := range cfg.Misbehaviours {
		m.Apply(&p)
	}
	return p
}
