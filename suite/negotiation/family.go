package negotiation

import "github.com/tlsconform/tlsconform/suite/checks"

// Family is the version-negotiation family: client_version and
// supported_versions, the downgrade sentinel, TLS_FALLBACK_SCSV, the
// record-layer version, the SSL 2.0 compatible hello.
func Family() checks.Family {
	return checks.Family{
		Area:          areaVersion,
		Title:         "Version negotiation and downgrade (RFC 5246 App. E, RFC 8446 §4.1.3, §4.2.1)",
		Table:         false,
		Checks:        versionChecks,
		Misbehaviours: Misbehaviours(),
		SelfTests:     selfTests,
	}
}
