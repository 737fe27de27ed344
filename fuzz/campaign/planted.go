package campaign

import (
	"bytes"
	"crypto"
	"fmt"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/kx"
	"github.com/tlsconform/tlsconform/peers/suites"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Planted bugs deep in a handshake or inside a field, for the campaign's
// self-test of its reach (issue 13, "Reaching deeper and finer"): each
// waits behind a valid ClientHello (in the key exchange, in the Finished,
// after a HelloRetryRequest, in a resumption) or needs one value inside
// one field, where changes of the first flight's structure and outer
// lengths do not get. Misbehaviours lists them with the others.
func deepMisbehaviours() []peers.Misbehaviour {
	return []peers.Misbehaviour{
		{
			// A key-exchange parser that checks the point's length byte
			// against the group's point size, then copies the rest of the
			// message into a buffer of that size: an ECDHE
			// ClientKeyExchange whose point length says 32 (X25519's size)
			// while 33 bytes follow, the handshake length counting them
			// all, overflows it. A length byte that is itself wrong (31
			// while 32 follow) is refused before. The message never
			// parses, so the bug sits in the record layer's hands, before
			// the message's parse.
			Name: "fuzz/crash-on-point-length-lie",
			Apply: func(p *peers.ServerPlan) {
				next := p.Record
				p.Record = func(st *peers.ServerState, typ wire.ContentType, v wire.Version, open peers.RecordOpener) (wire.ContentType, []byte, error) {
					t, plain, err := next(st, typ, v, open)
					if err == nil && t == wire.ContentHandshake && st.Spec != nil && st.Spec.KX == suites.KXECDHE && st.Version() < wire.VersionTLS13 {
						if n, ok := pointLengthLie(plain); ok && n == pointSize(st.Group()) {
							return 0, nil, &SimulatedCrash{Reason: fmt.Sprintf("an ECDHE ClientKeyExchange whose point length says %d while %d bytes follow", n, n+1)}
						}
					}
					return t, plain, err
				}
			},
		},
		{
			// A virtual-host lookup that treats the host name as a C
			// string and waits for a name that is never complete: a NUL
			// inside a server_name host_name holds the connection silently.
			Name: "fuzz/hang-on-nul-in-host-name",
			Apply: func(p *peers.ServerPlan) {
				next := p.ValidateClientHello
				p.ValidateClientHello = func(st *peers.ServerState, ch *wire.ClientHello, raw []byte) error {
					if e, ok := wire.FindExtension(ch.Extensions, wire.ExtServerName); ok {
						if names, err := wire.ParseServerName(e.Body); err == nil {
							for _, n := range names {
								if n.NameType == 0 && bytes.IndexByte(n.Name, 0) >= 0 {
									return holdSilently(st, fmt.Sprintf("a host_name with a NUL byte (%q)", n.Name))
								}
							}
						}
					}
					return next(st, ch, raw)
				}
			},
		},
		{
			// A server that validates the key shares of the first
			// ClientHello but not those of the second: an all-zero share
			// in the ClientHello that answers its HelloRetryRequest
			// reaches a Diffie-Hellman routine that asserts.
			Name: "fuzz/crash-on-zero-share-after-hrr",
			Apply: func(p *peers.ServerPlan) {
				next := p.ValidateClientHello
				p.ValidateClientHello = func(st *peers.ServerState, ch *wire.ClientHello, raw []byte) error {
					if st.SentHelloRetryRequest() {
						if e, ok := wire.FindExtension(ch.Extensions, wire.ExtKeyShare); ok {
							if shares, err := wire.ParseKeyShareClient(e.Body); err == nil {
								for _, s := range shares {
									if len(s.KeyExchange) > 0 && allBytes(s.KeyExchange, 0) {
										return &SimulatedCrash{Reason: fmt.Sprintf("an all-zero %s key share in the second ClientHello", s.Group)}
									}
								}
							}
						}
					}
					return next(st, ch, raw)
				}
			},
		},
		{
			// A ticket-age check that adds one to the client's
			// obfuscated_ticket_age: a TLS 1.3 ClientHello whose PSK
			// identity opens (a ticket this server issued) and whose age
			// is 0xffffffff wraps to zero and divides by it. Only a
			// resumption gets there: an identity that does not open is
			// never looked at.
			Name: "fuzz/crash-on-ticket-age-overflow",
			Apply: func(p *peers.ServerPlan) {
				next := p.ResumePSK13
				p.ResumePSK13 = func(st *peers.ServerState, sess *peers.Session, binderOK func(crypto.Hash) bool) ([]byte, error) {
					if e, ok := wire.FindExtension(st.Hello.Extensions, wire.ExtPreSharedKey); ok {
						if psk, err := wire.ParsePreSharedKeyClient(e.Body); err == nil && len(psk.Identities) > 0 && psk.Identities[0].ObfuscatedTicketAge == 0xffffffff {
							return nil, &SimulatedCrash{Reason: "a resumed PSK identity with obfuscated_ticket_age 0xffffffff"}
						}
					}
					return next(st, sess, binderOK)
				}
			},
		},
		{
			// A Finished check that treats 0xff bytes as the end of a
			// buffer: a client Finished whose verify_data is all 0xff, at
			// any version, behind a complete key exchange.
			Name: "fuzz/crash-on-ff-verify-data",
			Apply: func(p *peers.ServerPlan) {
				next := p.VerifyFinished
				p.VerifyFinished = func(st *peers.ServerState, got, want []byte) error {
					if len(got) > 0 && allBytes(got, 0xff) {
						return &SimulatedCrash{Reason: fmt.Sprintf("a client Finished whose %d bytes of verify_data are all 0xff", len(got))}
					}
					return next(st, got, want)
				}
			},
		},
	}
}

// pointLengthLie finds, among the handshake messages that begin in a
// record's plaintext, an ECDHE ClientKeyExchange whose ECPoint length
// byte n is one less than the n+1 bytes after it.
func pointLengthLie(plain []byte) (int, bool) {
	for i := 0; i+4 <= len(plain); {
		n := int(plain[i+1])<<16 | int(plain[i+2])<<8 | int(plain[i+3])
		end := min(i+4+n, len(plain))
		if body := plain[i+4 : end]; wire.HandshakeType(plain[i]) == wire.TypeClientKeyExchange && len(body) >= 2 && int(body[0])+2 == len(body) {
			return int(body[0]), true
		}
		i = end
	}
	return 0, false
}

// pointSize is the size of a client's ECDHE public value for g (0 when
// unknown).
func pointSize(g wire.Group) int {
	n, _, _ := kx.ShareSizes(g)
	return n
}

func allBytes(b []byte, x byte) bool {
	for _, c := range b {
		if c != x {
			return false
		}
	}
	return true
}
