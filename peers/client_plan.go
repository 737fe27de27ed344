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
	// FinishedOptional reports whether the client takes what arrived
	// where the server's Finished (or, below TLS 1.3, its
	// ChangeCipherSpec) is due as the end of the server's handshake: got
	// names it ("application data", "NewSessionTicket", "Finished before
	// ChangeCipherSpec"). A correct client never does (RFC 5246 §7.4.9,
	// RFC 8446 §4.4.4): false hands it to Unexpected or UnexpectedRecord.
	FinishedOptional func(got string) bool
	// TrialDecrypt makes a record that does not open under the read key
	// be tried under every other key the client holds or can compute
	// (its own write keys, the server's next keys, no protection), and
	// taken when one opens it. A correct client refuses it (RFC 5246
	// §6.2.3, RFC 8446 §5.2: bad_record_mac).
	TrialDecrypt bool
	// AnyOrder makes the client read the server's flight in whatever
	// order its messages come, each taken when it arrives (a signature
	// checked once the certificate is there). A correct client refuses
	// a message out of its place (RFC 5246 §7.3, RFC 8446 §4).
	AnyOrder bool
	// EarlyCCS decides on a ChangeCipherSpec that arrives before the
	// key exchange (TLS 1.0-1.2): an error ends the handshake; otherwise
	// the client reads on, having moved its read side (take) to keys
	// derived from the master secret it has then, none (an empty one),
	// as the clients of CVE-2014-0224 did, or having dropped it.
	EarlyCCS func() (take bool, err error)
	// SelectedVersion decides the version of a ServerHello that carries
	// supported_versions: legacy is its legacy_version, selected the
	// extension's value (RFC 8446 §4.2.1). ignoreExtension says the
	// client then reads the ServerHello as if the extension were absent.
	SelectedVersion func(cfg *ClientConfig, legacy, selected wire.Version) (v wire.Version, ignoreExtension bool, err error)
	// ParseMessage parses a handshake message from the server (header
	// included).
	ParseMessage func(msg []byte, ctx wire.Context) (wire.Message, error)
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
		FinishedOptional: func(string) bool { return false },
		EarlyCCS: func() (bool, error) {
			return false, protoErr(wire.AlertUnexpectedMessage, "ChangeCipherSpec before the key exchange (RFC 5246 §7.1)")
		},
		SelectedVersion: func(cfg *ClientConfig, legacy, v wire.Version) (wire.Version, bool, error) {
			if v != wire.VersionTLS13 || !cfg.offers(v) {
				return 0, false, faultErr(FaultVersionNotOffered, wire.AlertIllegalParameter, "ServerHello supported_versions selects %s, which the client did not offer there (RFC 8446 §4.2.1)", v)
			}
			if legacy != wire.VersionTLS12 {
				return 0, false, faultErr(FaultLegacyVersion, wire.AlertIllegalParameter, "TLS 1.3 ServerHello legacy_version %s, want TLS 1.2 (RFC 8446 §4.1.3)", legacy)
			}
			return v, false, nil
		},
		ParseMessage: wire.UnmarshalHandshake,
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
