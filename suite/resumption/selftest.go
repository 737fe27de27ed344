package resumption

import "github.com/tlsconform/tlsconform/suite/checks"

const (
	tls12Checks = `^resumption/tls1[0-2]/[^/]+/(ticket|session-id)/`
	pskChecks   = `^resumption/tls13/[^/]+/psk/`
)

// selfTests: the resumption misbehaviours (rows 59-61).
var selfTests = []checks.SelfTest{
	{
		Misbehaviour: "resumption/ignore-ems",
		Fail:         tls12Checks + `ems-(dropped|added)$`,
		Pass:         `(` + tls12Checks + `(suite|version)-changed|` + pskChecks + `.*)$`,
	},
	{
		// Both rules are SHOULD level (RFC 5246 states them without a
		// MUST): warnings.
		Misbehaviour: "resumption/any-suite-or-version",
		Warn:         tls12Checks + `(suite|version)-changed$`,
		Pass:         `(` + tls12Checks + `ems-(dropped|added)|` + pskChecks + `.*)$`,
	},
	{
		Misbehaviour: "resumption/psk-no-binder-check",
		Fail:         pskChecks + `wrong-binder$`,
		Pass:         `(` + pskChecks + `other-hash|` + tls12Checks + `.*)$`,
	},
	{
		Misbehaviour: "resumption/psk-any-hash",
		Fail:         pskChecks + `other-hash$`,
		Pass:         `(` + pskChecks + `wrong-binder|` + tls12Checks + `.*)$`,
	},
}
