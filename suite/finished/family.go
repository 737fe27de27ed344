package finished

import "github.com/tlsconform/tlsconform/suite/checks"

// Family is the Finished family: the server's Finished verifies,
// and a wrong, truncated, padded, plaintext or mis-hashed client Finished
// is refused.
func Family() checks.Family {
	return checks.Family{
		Area:          areaFinished,
		Title:         "Finished verification (RFC 5246 §7.4.9, RFC 8446 §4.4.4)",
		Table:         false,
		Checks:        finishedChecks,
		Misbehaviours: Misbehaviours(),
		SelfTests:     selfTests,
	}
}
