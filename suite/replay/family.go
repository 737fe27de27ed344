package replay

import "github.com/tlsconform/tlsconform/suite/checks"

// Family is the corpus family: every real ClientHello of corpus/
// replayed as it was captured; the target must answer it as the RFC
// says (a ServerHello it could complete, or a refusal it can justify).
func Family() checks.Family {
	return checks.Family{
		Area:          "real-client-hello",
		Title:         "Real ClientHellos replayed (RFC 8446 §4.1.2, RFC 8701)",
		Table:         true,
		Checks:        corpusChecks,
		Misbehaviours: nil,
		SelfTests:     nil,
	}
}
