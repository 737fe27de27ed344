package resumption

import "github.com/tlsconform/tlsconform/suite/checks"

// Family is the session resumption family: extended master secret
// across resumption, resumption with a changed suite or version, TLS 1.3
// PSK binders and hashes.
func Family() checks.Family {
	return checks.Family{
		Area:          areaResumption,
		Title:         "Session resumption (RFC 5246 §7.4.1.3, RFC 5077, RFC 7627 §5.3, RFC 8446 §4.2.11)",
		Checks:        resumptionChecks,
		Misbehaviours: Misbehaviours(),
		SelfTests:     selfTests,
	}
}
