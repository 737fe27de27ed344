package renegotiation

import "github.com/tlsconform/tlsconform/suite/checks"

const renegChecks = `^renegotiation/tls1[0-2]/ecdhe_rsa/`

// selfTests: the renegotiation misbehaviours (row 62).
var selfTests = []checks.SelfTest{
	{
		Misbehaviour: "renegotiation/any-verify-data",
		Fail:         renegChecks + `wrong-verify-data$`,
		Pass:         renegChecks + `(secure-renegotiation|no-extension|scsv-in-renegotiation)$`,
	},
	{
		Misbehaviour: "renegotiation/without-extension",
		Fail:         renegChecks + `no-extension$`,
		Pass:         renegChecks + `(secure-renegotiation|wrong-verify-data|scsv-in-renegotiation)$`,
	},
	{
		Misbehaviour: "renegotiation/ignore-scsv",
		Fail:         renegChecks + `scsv-in-renegotiation$`,
		Pass:         renegChecks + `(secure-renegotiation|wrong-verify-data|no-extension)$`,
	},
}
