package renegotiation

import "github.com/tlsconform/tlsconform/suite/checks"

// Family is the secure renegotiation family (RFC 5746 §3.7).
func Family() checks.Family {
	return checks.Family{
		Area:          areaRenegotiation,
		Title:         "Secure renegotiation (RFC 5746 §3.7)",
		Checks:        renegotiationChecks,
		Misbehaviours: Misbehaviours(),
		SelfTests:     selfTests,
	}
}
