package keyexchange

import "github.com/tlsconform/tlsconform/suite/checks"

// Family is the ClientKeyExchange family, generated from the key
// exchange mutators: RSA padding variants with the ROBOT oracle check,
// invalid ECDHE points, length lies.
func Family() checks.Family {
	return checks.Family{
		Area:          areaKeyExchange,
		Title:         "ClientKeyExchange malformations and the padding oracle (RFC 5246 §7.4.7, RFC 8422 §5.7)",
		Table:         true,
		Checks:        keyExchangeChecks,
		Misbehaviours: Misbehaviours(),
		SelfTests:     selfTests,
	}
}
