package hello

import "github.com/tlsconform/tlsconform/suite/checks"

// Family is the ClientHello family, generated from the ClientHello
// mutators: truncation, length lies, duplicate, missing and unknown
// extensions, GREASE, malformed extension bodies.
func Family() checks.Family {
	return checks.Family{
		Area:          areaHello,
		Title:         "ClientHello malformations (RFC 5246 §7.4.1.2, RFC 8446 §4.1.2, §4.2)",
		Table:         true,
		Checks:        helloChecks,
		Misbehaviours: Misbehaviours(),
		SelfTests:     selfTests,
	}
}
