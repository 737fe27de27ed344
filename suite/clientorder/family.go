// Package clientorder is the family of client checks on the order of the
// server's flight: a message left out (EncryptedExtensions, Certificate,
// CertificateVerify in TLS 1.3; Certificate and, with (EC)DHE, the
// ServerKeyExchange below it: the SKIP-TLS and FREAK class), a message
// sent twice, messages in another order (ServerHelloDone first, the
// ServerKeyExchange before the Certificate, a CertificateRequest out of
// its slot; in TLS 1.3 the Certificate before EncryptedExtensions, the
// CertificateVerify before the Certificate), and a ChangeCipherSpec
// right after the ServerHello (CVE-2014-0224). The client must abort
// with unexpected_message. Where the server reorders, each message
// covers what it sent before it (signature, Finished, keys), so that a
// client which takes them in any order goes on, and is seen going on.
package clientorder

import (
	"slices"
	"sync"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

const area = "client-order"

// Family is the client-side message order family.
func Family() checks.Family {
	return checks.Family{
		Area:                area,
		Title:               "The order of the server's flight, as a client checks it (RFC 5246 §7.3, §7.4; RFC 8446 §2, §4)",
		Checks:              clientChecks,
		Client:              true,
		ClientMisbehaviours: ClientMisbehaviours(),
		SelfTests:           selfTests,
	}
}

// drop leaves the messages of type t out of the server's flights.
func drop(name string, t wire.HandshakeType) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
		return slices.DeleteFunc(slices.Clone(msgs), func(m wire.Message) bool { return m.Type() == t })
	})
}

// twice sends the messages of type t twice in a row; the copy stays out
// of the server's transcript (peers.Stray), so that a client which drops
// it rather than refusing it goes on, and is caught.
func twice(name string, t wire.HandshakeType) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
		var out []wire.Message
		for _, m := range msgs {
			out = append(out, m)
			if m.Type() == t {
				out = append(out, peers.Stray{Message: m})
			}
		}
		return out
	})
}

// insertBefore sends m right before the server's first message of type
// t: a message of the wrong type in that slot, kept out of the server's
// transcript as twice's copy is.
func insertBefore(name string, t wire.HandshakeType, m wire.Message) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
		i := slices.IndexFunc(msgs, func(x wire.Message) bool { return x.Type() == t })
		if i < 0 {
			return msgs
		}
		return slices.Insert(slices.Clone(msgs), i, wire.Message(peers.Stray{Message: m}))
	})
}

// doneFirst moves ServerHelloDone right after the ServerHello.
func doneFirst(name string) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
		i := slices.IndexFunc(msgs, func(m wire.Message) bool { return m.Type() == wire.TypeServerHelloDone })
		if i < 0 || msgs[0].Type() != wire.TypeServerHello {
			return msgs
		}
		out := []wire.Message{msgs[0], msgs[i]}
		out = append(out, msgs[1:i]...)
		return append(out, msgs[i+1:]...)
	})
}

// earlyCCS sends a ChangeCipherSpec right after the ServerHello (before
// the Certificate): the CVE-2014-0224 class, from the server's side. The
// ServerHello goes out in a record of its own, in the same write. The
// server then keys the rest of its flight as an attacker who injected
// that CCS could: with the key block of an empty master secret (all a
// client that took the CCS then has, RFC 5246 §6.3), so that a client
// which takes it reads on, answers with its key exchange, and is seen
// going on. Its own CCS before its Finished moves it to the real keys.
//
// earlyCCS(false) is the same CCS with the rest of the flight in the
// clear, as if it had not been sent: a client that drops it, rather
// than refusing it, goes on and is seen going on.
func earlyCCS(keyed bool) peers.Misbehaviour {
	name := "early-ccs"
	if !keyed {
		name = "early-ccs-then-plaintext"
	}
	return checks.EditServerFlight(name, func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		if len(msgs) < 2 {
			return msgs
		}
		sh, ok := msgs[0].(*wire.ServerHello)
		if !ok || sh.IsHelloRetryRequest() {
			return msgs
		}
		raw, err := sh.Marshal()
		if err != nil {
			return msgs
		}
		st.Transcript().Add(raw)
		_ = st.WriteRecord(wire.ContentHandshake, raw)
		_ = st.WriteRecord(wire.ContentChangeCipherSpec, []byte{1})
		if keyed {
			_ = st.SetWriteKeys12(st.KeyBlock12(nil), false)
		}
		return msgs[1:]
	})
}

// swap sends the server's first message of type a where its first
// message of type b belongs, and b where a belongs.
func swap(name string, a, b wire.HandshakeType) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(_ *peers.ServerState, msgs []wire.Message) []wire.Message {
		i := slices.IndexFunc(msgs, func(m wire.Message) bool { return m.Type() == a })
		j := slices.IndexFunc(msgs, func(m wire.Message) bool { return m.Type() == b })
		if i < 0 || j < 0 {
			return msgs
		}
		out := slices.Clone(msgs)
		out[i], out[j] = out[j], out[i]
		return out
	})
}

// requestAt sends a CertificateRequest right before the server's first
// message of type t (after it when after is set), in the flight that
// carries t: the server then reads the client's Certificate where RFC
// 5246 §7.3 and RFC 8446 §2 put it.
func requestAt(name string, t wire.HandshakeType, after bool) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		i := slices.IndexFunc(msgs, func(m wire.Message) bool { return m.Type() == t })
		if i < 0 {
			return msgs
		}
		if after {
			i++
		}
		return slices.Insert(slices.Clone(msgs), i, st.CertificateRequest())
	})
}

// verifyBeforeCertificate holds the TLS 1.3 Certificate back and sends
// it right after the CertificateVerify, which then covers the transcript
// without it (as it stood when it was sent).
func verifyBeforeCertificate(name string) peers.Misbehaviour {
	var mu sync.Mutex
	held := map[*peers.ServerState]wire.Message{}
	return checks.EditServerFlight(name, func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		mu.Lock()
		defer mu.Unlock()
		var out []wire.Message
		for _, m := range msgs {
			switch m.Type() {
			case wire.TypeCertificate:
				held[st] = m
				continue
			case wire.TypeCertificateVerify:
				out = append(out, m)
				if cert, ok := held[st]; ok {
					out = append(out, cert)
					delete(held, st)
				}
				continue
			}
			out = append(out, m)
		}
		return out
	})
}

func clientChecks() []checks.Check {
	var out []checks.Check
	um := wire.AlertUnexpectedMessage
	for _, c := range checks.Contexts() {
		check := func(name, title string, mis peers.Misbehaviour, at wire.HandshakeType) checks.Check {
			// The nearest sentence below TLS 1.3 (RFC 5246 §7.4) is worded
			// for the sender ("in the order they MUST be sent") and makes
			// the wrong order "a fatal error": the catalogue's server checks
			// rest on it too.
			rule, rfc := checks.RuleOrder12, "RFC 5246 §7.4"
			if c.Version == wire.VersionTLS13 {
				rule, rfc = checks.RuleOrder13, "RFC 8446 §4"
			}
			return checks.ClientCheck(area, c, name, rfc, rule, checks.MUST, title+", with unexpected_message", mis, at, um)
		}
		if c.Version == wire.VersionTLS13 {
			out = append(out,
				check("missing-encrypted-extensions", "aborts when the server leaves out EncryptedExtensions",
					drop("missing-encrypted-extensions", wire.TypeEncryptedExtensions), wire.TypeCertificate),
				check("missing-certificate", "aborts when the server leaves out its Certificate",
					drop("missing-certificate", wire.TypeCertificate), wire.TypeCertificateVerify),
				check("missing-certificate-verify", "aborts when the server leaves out its CertificateVerify",
					drop("missing-certificate-verify", wire.TypeCertificateVerify), wire.TypeFinished),
				check("duplicate-certificate-verify", "aborts on a second CertificateVerify",
					twice("duplicate-certificate-verify", wire.TypeCertificateVerify), wire.TypeCertificateVerify),
			)
			out = append(out,
				check("certificate-before-encrypted-extensions", "aborts on a Certificate before EncryptedExtensions",
					swap("certificate-before-encrypted-extensions", wire.TypeEncryptedExtensions, wire.TypeCertificate), wire.TypeCertificate),
				check("certificate-verify-before-certificate", "aborts on a CertificateVerify before the Certificate",
					verifyBeforeCertificate("certificate-verify-before-certificate"), wire.TypeCertificateVerify),
				check("certificate-request-before-encrypted-extensions", "aborts on a CertificateRequest before EncryptedExtensions",
					requestAt("certificate-request-before-encrypted-extensions", wire.TypeEncryptedExtensions, false), wire.TypeCertificateRequest),
				check("certificate-request-after-certificate", "aborts on a CertificateRequest after the Certificate",
					requestAt("certificate-request-after-certificate", wire.TypeCertificate, true), wire.TypeCertificateRequest),
			)
			nst := &wire.NewSessionTicket13{Lifetime: 60, Nonce: []byte{0}, Ticket: []byte{1, 2, 3, 4}}
			for _, slot := range []wire.HandshakeType{wire.TypeEncryptedExtensions, wire.TypeCertificate, wire.TypeCertificateVerify, wire.TypeFinished} {
				name := "new-session-ticket-before-" + slot.RFCName()
				out = append(out, check(name, "aborts on a NewSessionTicket where its "+slot.String()+" is due",
					insertBefore(name, slot, nst), wire.TypeNewSessionTicket))
			}
			continue
		}
		out = append(out,
			check("missing-certificate", "aborts when the server leaves out its Certificate",
				drop("missing-certificate", wire.TypeCertificate), wire.TypeServerHelloDone),
			check("duplicate-certificate", "aborts on a second Certificate",
				twice("duplicate-certificate", wire.TypeCertificate), wire.TypeCertificate),
			check("server-hello-done-first", "aborts on a ServerHelloDone right after the ServerHello",
				doneFirst("server-hello-done-first"), wire.TypeServerHelloDone),
			check("early-ccs", "aborts on a ChangeCipherSpec right after the ServerHello, the rest of the flight under the keys of an empty master secret (the CVE-2014-0224 class)",
				earlyCCS(true), wire.TypeServerHello),
			check("early-ccs-then-plaintext", "aborts on a ChangeCipherSpec right after the ServerHello, the rest of the flight in the clear",
				earlyCCS(false), wire.TypeServerHello),
			check("certificate-request-before-certificate", "aborts on a CertificateRequest before the Certificate",
				requestAt("certificate-request-before-certificate", wire.TypeCertificate, false), wire.TypeCertificateRequest),
		)
		slots := []wire.HandshakeType{wire.TypeCertificate, wire.TypeServerHelloDone}
		if c.KX != checks.KXRSA {
			slots = append(slots, wire.TypeServerKeyExchange)
		}
		for _, slot := range slots {
			name := "new-session-ticket-before-" + slot.RFCName()
			out = append(out, check(name, "aborts on a NewSessionTicket where its "+slot.String()+" is due",
				insertBefore(name, slot, &wire.NewSessionTicket12{LifetimeHint: 60, Ticket: []byte{1, 2, 3, 4}}), wire.TypeNewSessionTicket))
		}
		if c.KX != checks.KXRSA {
			out = append(out,
				check("missing-server-key-exchange", "aborts when the server leaves out the ServerKeyExchange of an ECDHE suite (the SKIP-TLS class)",
					drop("missing-server-key-exchange", wire.TypeServerKeyExchange), wire.TypeServerHelloDone),
				check("server-key-exchange-before-certificate", "aborts on a ServerKeyExchange before the Certificate",
					swap("server-key-exchange-before-certificate", wire.TypeCertificate, wire.TypeServerKeyExchange), wire.TypeServerKeyExchange),
				check("certificate-request-before-server-key-exchange", "aborts on a CertificateRequest before the ServerKeyExchange",
					requestAt("certificate-request-before-server-key-exchange", wire.TypeServerKeyExchange, false), wire.TypeCertificateRequest),
			)
		}
	}
	return out
}

// ClientMisbehaviours are the reference client's ways to break what the
// family checks.
func ClientMisbehaviours() []peers.ClientMisbehaviour {
	return []peers.ClientMisbehaviour{{
		Name: "client-order/skip-unexpected",
		Apply: func(p *peers.ClientPlan) {
			p.Unexpected = func(got, want wire.HandshakeType) error { return nil }
		},
	}, {
		// Takes the messages of the server's flight in whatever order
		// they come.
		Name: "client-order/any-order",
		Apply: func(p *peers.ClientPlan) {
			p.AnyOrder = true
		},
	}, {
		// Takes a ChangeCipherSpec before its key exchange and keys its
		// read side with what it has then (CVE-2014-0224).
		Name: "client-order/accept-early-ccs",
		Apply: func(p *peers.ClientPlan) {
			p.EarlyCCS = func() (bool, error) { return true, nil }
		},
	}, {
		// Drops a ChangeCipherSpec before its key exchange and reads on.
		Name: "client-order/drop-early-ccs",
		Apply: func(p *peers.ClientPlan) {
			p.EarlyCCS = func() (bool, error) { return false, nil }
		},
	}}
}

// orderNotLeft are the checks whose server sends every message of its
// flight once, in RFC order, with nothing left out.
const orderNotLeft = `(duplicate-certificate|duplicate-certificate-verify|new-session-ticket-before-.*|early-ccs.*)`

// selfTests: a client that drops a message it did not wait for goes on
// wherever its state machine asks for one type (and the server's
// transcript leaves the stray message out): a duplicated Certificate or
// a NewSessionTicket where the Certificate or the ServerKeyExchange of
// ECDHE is due, a duplicated CertificateVerify or a NewSessionTicket
// where EncryptedExtensions, CertificateVerify or Finished is due. A
// client that takes the flight in any order goes on after every
// reordering (and still refuses a message twice, or one the flight does
// not have). A client that takes an early ChangeCipherSpec goes on with
// the flight the server keyed for it; one that drops it, with the flight
// in the clear. (Each stops on the other's flight: keys it does not
// have, or plaintext where it expects protection. Those runs are
// neither of the patterns.)
var selfTests = []checks.SelfTest{{
	Misbehaviour: "client-order/skip-unexpected",
	Fail: `^client-order/(tls1[012]/ecdhe_.*/duplicate-certificate|tls1[012]/.*/new-session-ticket-before-certificate|tls1[012]/ecdhe_.*/new-session-ticket-before-server_key_exchange|` +
		`tls13/ecdhe/(duplicate-certificate-verify|new-session-ticket-before-(encrypted_extensions|certificate_verify|finished)))$`,
	Pass: `^client-baseline/`,
}, {
	Misbehaviour: "client-order/any-order",
	Fail: `^client-order/(tls1[012]/[^/]+/(server-hello-done-first|certificate-request-before-certificate)|tls1[012]/ecdhe_[^/]+/(server-key-exchange-before-certificate|certificate-request-before-server-key-exchange)|` +
		`tls13/ecdhe/(certificate-before-encrypted-extensions|certificate-verify-before-certificate|certificate-request-before-encrypted-extensions|certificate-request-after-certificate))$`,
	Pass: `^(client-baseline/.*|client-order/[^/]+/[^/]+/` + orderNotLeft + `|client-order/tls13/ecdhe/missing-.*)$`,
}, {
	Misbehaviour: "client-order/accept-early-ccs",
	Fail:         `^client-order/tls1[012]/[^/]+/early-ccs$`,
	Pass:         `^(client-baseline/.*|client-order/.*/(duplicate-.*|new-session-ticket-before-.*|missing-.*|server-hello-done-first|.*-before-.*|.*-after-.*))$`,
}, {
	Misbehaviour: "client-order/drop-early-ccs",
	Fail:         `^client-order/tls1[012]/[^/]+/early-ccs-then-plaintext$`,
	Pass:         `^(client-baseline/.*|client-order/.*/(duplicate-.*|new-session-ticket-before-.*|missing-.*|server-hello-done-first|.*-before-.*|.*-after-.*))$`,
}}
