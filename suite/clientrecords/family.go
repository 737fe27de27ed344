// Package clientrecords is the family of client checks on the server's
// record layer: a record of a type the handshake does not take (an
// unknown content type, application data before any key) in front of
// the ServerHello. The client must abort with unexpected_message (RFC
// 5246 §6, RFC 8446 §5).
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
	}}
}

// selfTests: a client that drops records it does not expect goes on
// after application data before the ServerHello. (The reference client's
// record layer refuses an unknown content type before the plan sees it.)
var selfTests = []checks.SelfTest{{
	Misbehaviour: "client-records/skip-unexpected-records",
	Fail:         `^client-records/.*/application-data-first$`,
	Pass:         `^client-baseline/`,
}}
