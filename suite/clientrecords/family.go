// Package clientrecords is the family of client checks on the server's
// record layer: a record of a type the handshake does not take (an
// unknown content type, application data before any key) in front of
// the ServerHello, which the client must refuse with unexpected_message
// (RFC 5246 §6, RFC 8446 §5); records over the size limits (RFC 8446
// §5.2, §5.4; RFC 5246 §6.2); zero-length handshake and alert records
// (RFC 8446 §5.1, §5.4; RFC 5246 §6.2.1).
package clientrecords

import (
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

const area = "client-records"

// Family is the client-side record-layer family.
func Family() checks.Family {
	return checks.Family{
		Area:                area,
		Title:               "The server's records, as a client reads them (RFC 5246 §6, RFC 8446 §5)",
		Checks:              clientChecks,
		Client:              true,
		ClientMisbehaviours: ClientMisbehaviours(),
		SelfTests:           selfTests,
	}
}

// before sends a record of type t (one byte of payload) in front of the
// ServerHello, in the same write.
func before(name string, t wire.ContentType) peers.Misbehaviour {
	return checks.EditServerFlight(name, func(st *peers.ServerState, msgs []wire.Message) []wire.Message {
		for _, m := range msgs {
			if sh, ok := m.(*wire.ServerHello); ok && !sh.IsHelloRetryRequest() {
				_ = st.WriteRecord(t, []byte{0})
				break
			}
		}
		return msgs
	})
}

func clientChecks() []checks.Check {
	var out []checks.Check
	for _, c := range checks.Contexts() {
		rule, rfc := checks.RuleRecordType12, "RFC 5246 §6"
		if c.Version == wire.VersionTLS13 {
			rule, rfc = checks.RuleRecordType13, "RFC 8446 §5"
		}
		out = append(out,
			checks.ClientCheck(area, c, "unknown-content-type", rfc, rule, checks.MUST,
				"aborts on a record of an unknown content type (127) before the ServerHello, with unexpected_message",
				before("unknown-content-type", 127), wire.TypeServerHello, wire.AlertUnexpectedMessage),
			checks.ClientCheck(area, c, "application-data-first", rfc, rule, checks.MUST,
				"aborts on an application_data record before the ServerHello, with unexpected_message",
				before("application-data-first", wire.ContentApplicationData), wire.TypeServerHello, wire.AlertUnexpectedMessage),
		)
		out = append(out, limitChecks(c)...)
	}
	return out
}

// ClientMisbehaviours are the reference client's ways to break what the
// family checks.
func ClientMisbehaviours() []peers.ClientMisbehaviour {
	return []peers.ClientMisbehaviour{{
		Name: "client-records/skip-unexpected-records",
		Apply: func(p *peers.ClientPlan) {
			p.UnexpectedRecord = func(wire.ContentType) error { return nil }
		},
	}, {
		// Reads records of whatever length their header says.
		Name: "client-records/accept-oversize",
		Apply: func(p *peers.ClientPlan) {
			next := p.Record
			p.Record = func(typ wire.ContentType, read func(bool) (wire.ContentType, []byte, error)) (wire.ContentType, []byte, error) {
				return next(typ, func(bool) (wire.ContentType, []byte, error) { return read(true) })
			}
		},
	}, {
		// Passes over zero-length handshake and alert records.
		Name: "client-records/accept-empty-records",
		Apply: func(p *peers.ClientPlan) {
			p.Record = func(_ wire.ContentType, read func(bool) (wire.ContentType, []byte, error)) (wire.ContentType, []byte, error) {
				typ, plain, err := read(false)
				if err == nil && len(plain) == 0 && (typ == wire.ContentHandshake || typ == wire.ContentAlert) {
					return 0, nil, peers.ErrDropRecord
				}
				return typ, plain, err
			}
		},
	}}
}

// others are the family's checks each misbehaviour leaves alone.
const others = `^(client-baseline/.*|client-records/.*)$`

// selfTests: a client that drops records it does not expect goes on
// after application data before the ServerHello (the reference client's
// record layer refuses an unknown content type before the plan sees it);
// one without the size limits goes on after a record over them; one that
// passes over empty records goes on after them (a warning where only the
// sender is bound).
var selfTests = []checks.SelfTest{{
	Misbehaviour: "client-records/skip-unexpected-records",
	Fail:         `^client-records/.*/application-data-first$`,
	Pass:         others,
}, {
	Misbehaviour: "client-records/accept-oversize",
	Fail:         `^client-records/(tls1[012]/[a-z_]+/oversize-plaintext|tls13/ecdhe/oversize-ciphertext)$`,
	Warn:         `^client-records/tls13/ecdhe/oversize-inner-plaintext$`,
	Pass:         others,
}, {
	Misbehaviour: "client-records/accept-empty-records",
	Fail:         `^client-records/tls13/ecdhe/zero-length-(handshake|alert)-protected$`,
	Warn:         `^client-records/(tls1[012]/[a-z_]+/zero-length-(handshake|alert)|tls13/ecdhe/zero-length-handshake)$`,
	Pass:         others,
}}
