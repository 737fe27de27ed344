// Package clientkx is the family of client checks on the server's key
// exchange and signatures: a TLS 1.3 CertificateVerify or a TLS 1.2
// ServerKeyExchange whose signature does not verify or uses a scheme the
// client did not offer; an invalid (EC)DHE public value of the server's
// (a TLS 1.3 key share, a TLS 1.0-1.2 ServerKeyExchange point); DHE
// parameters a client must not take (RFC 7919).
package clientkx

import (
	"context"
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

const area = "client-key-exchange"

// The receiver-duty sentence for a TLS 1.3 CertificateVerify. Below TLS
// 1.3 no sentence makes the client verify the ServerKeyExchange's
// signature: RFC 8422 §5.4 says "The client verifies the signature (when
// present)", without a requirement keyword, so that check is SHOULD.
var (
	ruleCV13  = checks.Rule{Cite: "RFC 8446 §4.4.3", Text: "If the verification fails, the receiver MUST terminate the handshake with a \"decrypt_error\" alert."}
	ruleSKE12 = checks.Rule{Cite: "RFC 8422 §5.4", Text: "The client verifies the signature (when present) and retrieves the server's elliptic curve domain parameters and ephemeral ECDH public key from the ServerKeyExchange message."}
)

// Family is the client-side key exchange family.
func Family() checks.Family {
	return checks.Family{
		Area:                area,
		Title:               "The server's key exchange and signatures, as a client checks them (RFC 8446 §4.2.8.2, §4.4.3, §7.4.2; RFC 8422 §5.4, §5.11; RFC 7919)",
		Checks:              clientChecks,
		Client:              true,
		ClientMisbehaviours: ClientMisbehaviours(),
		SelfTests:           selfTests,
	}
}

// flipSignature flips the last byte of the signature of the messages of
// type t.
func flipSignature(name string, t wire.HandshakeType) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
		out := slices.Clone(msgs)
		for i, m := range out {
			switch x := m.(type) {
			case *wire.CertificateVerify:
				if t == wire.TypeCertificateVerify {
					c := *x
					c.Signature = flipLast(x.Signature)
					out[i] = &c
				}
			case *wire.ServerKeyExchange:
				if t == wire.TypeServerKeyExchange {
					c := *x
					c.Signature = flipLast(x.Signature)
					out[i] = &c
				}
			}
		}
		return out
	})
}

func flipLast(b []byte) []byte {
	out := slices.Clone(b)
	if len(out) > 0 {
		out[len(out)-1] ^= 0x01
	}
	return out
}

// zeroX25519 answers an X25519 key share with the all-zero point (of
// small order: the shared secret is all zeros), and keys the handshake
// with that secret; any other group is answered as usual, and the check
// waits for X25519 (the server's groups are X25519 only).
var zeroX25519 = peers.Misbehaviour{Name: "client-check/x25519-zero-share", Apply: func(p *peers.ServerPlan) {
	next := p.KeyShare13
	p.KeyShare13 = func(st *peers.ServerState, g wire.Group, share []byte) ([]byte, []byte, error) {
		if g != wire.GroupX25519 {
			return next(st, g, share)
		}
		return make([]byte, 32), make([]byte, 32), nil
	}
}}

func clientChecks() []checks.Check {
	var out []checks.Check
	for _, c := range checks.ClientContexts() {
		out = append(out, shareChecks(c)...)
		switch {
		case c.KX == checks.KXDHERSA:
			out = append(out, dheChecks(c)...)
			continue
		case c.Version >= wire.VersionTLS12 && c.KX != checks.KXRSA:
			out = append(out, schemeCheck(c))
		}
		switch {
		case c.Version == wire.VersionTLS13:
			zero := checks.ClientCheck(area, c, "x25519-zero-share", "RFC 8446 §7.4.2", checks.RuleX25519Zero13, checks.MUST,
				"aborts on an X25519 key share that makes the shared secret all zeros, with any fatal alert (none is named)",
				zeroX25519, wire.TypeServerHello)
			zero.Run = func(ctx context.Context, env *checks.Env) checks.Verdict {
				// RFC 8446 §7.4.2 and RFC 7748 §6 name no alert: any fatal
				// alert is the abort they require.
				return checks.ClientRejects(env.ServeGroups(ctx, c, zero.ID, []wire.Group{wire.GroupX25519}, zeroX25519), wire.TypeServerHello)
			}
			out = append(out,
				checks.ClientCheck(area, c, "certificate-verify-bad-signature", "RFC 8446 §4.4.3", ruleCV13, checks.MUST,
					"aborts on a CertificateVerify whose signature does not verify, with decrypt_error",
					flipSignature("certificate-verify-bad-signature", wire.TypeCertificateVerify), wire.TypeCertificateVerify, wire.AlertDecryptError),
				zero)
		case c.KX != checks.KXRSA:
			out = append(out, checks.ClientCheck(area, c, "server-key-exchange-bad-signature", "RFC 8422 §5.4; RFC 5246 §7.2.2", ruleSKE12, checks.SHOULD,
				"aborts on a ServerKeyExchange whose signature does not verify, with decrypt_error",
				flipSignature("server-key-exchange-bad-signature", wire.TypeServerKeyExchange), wire.TypeServerKeyExchange, wire.AlertDecryptError))
		}
	}
	return out
}

// ClientMisbehaviours are the reference client's ways to break what the
// family checks.
func ClientMisbehaviours() []peers.ClientMisbehaviour {
	return []peers.ClientMisbehaviour{{
		Name: "client-key-exchange/skip-signature",
		Apply: func(p *peers.ClientPlan) {
			p.VerifySignature = func(string, func() error) error { return nil }
		},
	}, {
		// Takes the server's (EC)DHE public value as lenientShared reads it.
		Name: "client-key-exchange/skip-share-validation",
		Apply: func(p *peers.ClientPlan) {
			p.PeerShare = lenientShared
		},
	}, {
		Name: "client-key-exchange/accept-unoffered-scheme",
		Apply: func(p *peers.ClientPlan) {
			p.SignatureScheme = func([]wire.SignatureScheme, wire.SignatureScheme, string) error { return nil }
		},
	}, {
		// Takes any DHE parameters and any dh_Ys.
		Name: "client-key-exchange/accept-any-dhe",
		Apply: func(p *peers.ClientPlan) {
			p.DHE = lenientDHE
		},
	}}
}

// others are the family's checks each misbehaviour leaves alone.
const others = `^(client-baseline/.*|client-key-exchange/.*)$`

// selfTests: a client that does not verify the server's signatures goes
// on after a bad CertificateVerify; below TLS 1.3 the check is SHOULD,
// so it warns. One that does not validate the server's public value goes
// on wherever it derives the secret the server keyed with (always below
// TLS 1.3, where its ClientKeyExchange proves it); in TLS 1.3 a value it
// cannot derive a known secret from leaves it failing on the server's
// flight under keys the server cannot read: inconclusive.
var selfTests = []checks.SelfTest{{
	Misbehaviour: "client-key-exchange/skip-signature",
	Fail:         `^client-key-exchange/tls13/ecdhe/certificate-verify-bad-signature$`,
	Warn:         `^client-key-exchange/tls1[012]/.*/server-key-exchange-bad-signature$`,
	Pass:         others,
}, {
	Misbehaviour: "client-key-exchange/skip-share-validation",
	Fail: `^client-key-exchange/(tls1[012]/ecdhe_[a-z]+/server-key-exchange-(secp256r1-.*|x25519-zero)` +
		`|tls13/ecdhe/(x25519-zero-share|key-share-(secp256r1-(zero-point|identity|compressed|long)|x25519-long)))$`,
	Warn:         `^client-key-exchange/tls1[012]/ecdhe_[a-z]+/server-key-exchange-x25519-(short|long)$`,
	Inconclusive: `^client-key-exchange/tls13/ecdhe/key-share-(secp256r1-(off-curve|short)|x25519-short)$`,
	Pass:         others,
}, {
	Misbehaviour: "client-key-exchange/accept-unoffered-scheme",
	Warn:         `^client-key-exchange/(tls12/ecdhe_[a-z]+|tls13/ecdhe)/unoffered-signature-scheme$`,
	Pass:         others,
}, {
	Misbehaviour: "client-key-exchange/accept-any-dhe",
	Fail:         `^client-key-exchange/tls1[012]/dhe_rsa/dhe-(group-512-bit|ys-one|ys-p-minus-one)$`,
	Warn:         `^client-key-exchange/tls1[012]/dhe_rsa/dhe-(group-768-bit|composite-modulus)$`,
	Pass:         others,
}}
