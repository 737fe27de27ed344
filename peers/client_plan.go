package peers

import (
	"crypto/hmac"
	"fmt"
	"io"
	"math/big"
	"slices"

	"github.com/tlsconform/tlsconform/peers/kx"
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
	// Record reads one record from the server whose header says it is of
	// type typ: read reads the rest and unprotects it, within the record
	// layer's size limits (2^14 of plaintext; 2^14+2048 or, in TLS 1.3,
	// 2^14+256 of ciphertext) unless unbounded, which reads whatever
	// length the header says. It returns the record's content type and
	// plaintext; ErrDropRecord passes over it.
	Record func(typ wire.ContentType, read func(unbounded bool) (wire.ContentType, []byte, error)) (wire.ContentType, []byte, error)
	// ALPN decides on the server's application_layer_protocol_negotiation
	// answer (the TLS 1.0-1.2 ServerHello's, the TLS 1.3
	// EncryptedExtensions'): offered is what the ClientHello listed, nil
	// when it sent no ALPN extension; selected the names the answer
	// carries. It returns the protocol taken.
	ALPN func(offered, selected []string) (string, error)
	// KeyShareFor picks the client's key for the group the TLS 1.3
	// ServerHello's key_share names, among the keys of the ClientHello's
	// shares (RFC 8446 §4.2.8).
	KeyShareFor func(shares []kx.Private, g wire.Group) (kx.Private, error)
	// ServerCurve decides on the curve a TLS 1.0-1.2 ECDHE
	// ServerKeyExchange names (RFC 8422 §5.4): offered is the
	// ClientHello's supported_groups.
	ServerCurve func(offered []wire.Group, curveType uint8, g wire.Group) error
	// PeerShare derives the (EC)DHE shared secret from the server's
	// public value with the client's key: priv.Shared, which validates
	// the value (RFC 8446 §4.2.8.2, §7.4.2; RFC 8422 §5.11).
	PeerShare func(priv kx.Private, share []byte) ([]byte, error)
	// SignatureScheme decides on the scheme of the server's signature
	// (what: ServerKeyExchange, CertificateVerify): offered is the
	// ClientHello's signature_algorithms.
	SignatureScheme func(offered []wire.SignatureScheme, s wire.SignatureScheme, what string) error
	// DHE is the client side of a TLS 1.0-1.2 DHE exchange: it applies
	// the client's policy to the server's p, g and Ys (RFC 7919 §3,
	// §3.1; ffdhe says whether the ClientHello named FFDHE groups, which
	// makes it an RFC 7919 client), then returns dh_Yc and the
	// pre-master secret.
	DHE func(p, g, ys []byte, ffdhe bool, rand io.Reader) (yc, shared []byte, err error)
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
		Record:       clientRecord,
		ALPN: func(offered, selected []string) (string, error) {
			if offered == nil {
				return "", protoErr(wire.AlertUnsupportedExtension, "the server answers with ALPN, which the client did not request (RFC 5246 §7.4.1.4; RFC 8446 §4.2)")
			}
			if len(selected) != 1 || !slices.Contains(offered, selected[0]) {
				return "", protoErr(wire.AlertIllegalParameter, "the server selected ALPN %q, which the client did not offer (RFC 7301 §3.2)", selected)
			}
			return selected[0], nil
		},
		KeyShareFor: func(shares []kx.Private, g wire.Group) (kx.Private, error) {
			for _, p := range shares {
				if p.Group() == g {
					return p, nil
				}
			}
			return nil, faultErr(FaultKeyShareGroup, wire.AlertIllegalParameter, "ServerHello key_share uses %s, for which we sent no share (RFC 8446 §4.2.8)", g)
		},
		ServerCurve: func(offered []wire.Group, curveType uint8, g wire.Group) error {
			if curveType != wire.CurveTypeNamedCurve || !slices.Contains(offered, g) {
				return protoErr(wire.AlertIllegalParameter, "ServerKeyExchange uses curve type %d group %s, not one we offered (RFC 8422 §5.4)", curveType, g)
			}
			return nil
		},
		PeerShare: func(priv kx.Private, share []byte) ([]byte, error) {
			return priv.Shared(share)
		},
		SignatureScheme: func(offered []wire.SignatureScheme, s wire.SignatureScheme, what string) error {
			if !slices.Contains(offered, s) {
				return protoErr(wire.AlertIllegalParameter, "%s signed with %s, which the client did not offer (RFC 5246 §7.4.1.4.1; RFC 8446 §4.4.3)", what, s)
			}
			return nil
		},
		DHE: dheClient,
	}
}

// clientRecord is the client's record policy: the record layer's size
// limits (record_overflow), and no zero-length handshake or alert record
// (RFC 8446 §5.4 makes the receiver refuse them under protection; RFC
// 5246 §6.2.1 and RFC 8446 §5.1 forbid sending them at all).
func clientRecord(_ wire.ContentType, read func(unbounded bool) (wire.ContentType, []byte, error)) (wire.ContentType, []byte, error) {
	typ, plain, err := read(false)
	if err != nil {
		return 0, nil, err
	}
	if len(plain) == 0 && (typ == wire.ContentHandshake || typ == wire.ContentAlert) {
		return 0, nil, protoErr(wire.AlertUnexpectedMessage, "zero-length %s record (RFC 8446 §5.1, §5.4; RFC 5246 §6.2.1)", typ)
	}
	return typ, plain, nil
}

// minDHBits is the smallest DHE modulus the client takes: RFC 7919 §3.1
// "MUST reject any group with |dh_p| < 768 bits and SHOULD reject any
// group with |dh_p| < 1024 bits".
const minDHBits = 1024

// dheClient is the client's DHE policy (RFC 7919 §3, §3.1, §5.1): a
// modulus of at least minDHBits, prime (a custom group is tested; the RFC
// 7919 groups are known), a generator in [2, p-2], and 1 < dh_Ys < p-1
// (handshake_failure, as RFC 7919 §3 names).
func dheClient(p, g, ys []byte, _ bool, rand io.Reader) ([]byte, []byte, error) {
	pi, gi, yi := new(big.Int).SetBytes(p), new(big.Int).SetBytes(g), new(big.Int).SetBytes(ys)
	if bits := pi.BitLen(); bits < minDHBits {
		return nil, nil, protoErr(wire.AlertInsufficientSecurity, "DHE modulus of %d bits, below %d (RFC 7919 §3.1)", bits, minDHBits)
	}
	if kx.FFDHEGroup(p, g) == 0 && !pi.ProbablyPrime(20) {
		return nil, nil, protoErr(wire.AlertInsufficientSecurity, "DHE modulus is not prime (RFC 7919 §5.1)")
	}
	pm1 := new(big.Int).Sub(pi, big.NewInt(1))
	if gi.Cmp(big.NewInt(1)) <= 0 || gi.Cmp(pm1) >= 0 {
		return nil, nil, protoErr(wire.AlertIllegalParameter, "DHE generator %v is not in [2, p-2]", gi)
	}
	if yi.Cmp(big.NewInt(1)) <= 0 || yi.Cmp(pm1) >= 0 {
		return nil, nil, protoErr(wire.AlertHandshakeFailure, "dh_Ys is not in the range 1 < dh_Ys < dh_p - 1 (RFC 7919 §3)")
	}
	yc, shared, err := kx.DHEClient(p, g, ys, rand)
	if err != nil {
		return nil, nil, &ProtocolError{Alert: wire.AlertIllegalParameter, Reason: "server DHE parameters", Err: err}
	}
	return yc, shared, nil
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
