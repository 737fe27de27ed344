package order

import "github.com/tlsconform/tlsconform/suite/checks"

// Family is the message-order family: a message where the RFC
// allows none, sent twice, left out, or split across a key change, and
// the server's own flight in RFC order.
func Family() checks.Family {
	return checks.Family{
		Area:          areaOrder,
		Title:         "Message order and state machine (RFC 5246 §7.3, RFC 8446 §4)",
		Table:         false,
		Checks:        orderChecks,
		Misbehaviours: Misbehaviours(),
		SelfTests:     selfTests,
	}
}
