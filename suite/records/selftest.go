package records

import "github.com/tlsconform/tlsconform/suite/checks"

// recordOthers matches every record-layer check, for the pass lists
// (the entries' fail and warn patterns are tested first).
const recordOthers = `^(baseline/.*|record-layer/.*)$`

// selfTests: the record-layer misbehaviours (rows 54-58). Each
// breaks one rule; every other record-layer check must still pass.
var selfTests = []checks.SelfTest{
	{
		// Plaintext records only: the protected limits are the record
		// layer's, which the misbehaviour cannot reach (and the protected
		// oversize checks must still pass).
		Misbehaviour: "records/accept-oversize",
		Fail:         `^record-layer/[^/]+/[^/]+/oversize$`,
		Pass:         recordOthers,
	},
	{
		Misbehaviour: "records/ignore-unknown-content-type",
		Fail:         `^record-layer/[^/]+/[^/]+/(unknown-type/first|protected/unknown-type)$`,
		Pass:         recordOthers,
	},
	{
		// Silent past its limit: the floods warn (SHOULD: no RFC sentence
		// bounds them); one zero-length record is still taken.
		Misbehaviour: "records/silent-after-useless-records",
		Warn:         `^record-layer/[^/]+/[^/]+/protected/(empty-appdata|warning-alert)-flood$`,
		Pass:         recordOthers,
	},
	{
		// Zero-length records of the first flight are SHOULD-level (the
		// version is not known yet); under TLS 1.3 protection they are MUST.
		Misbehaviour: "records/accept-empty-records",
		Fail:         `^record-layer/tls13/ecdhe/protected/zero-length-(handshake|alert)$`,
		Warn:         `^record-layer/[^/]+/[^/]+/zero-length/(handshake|alert)$`,
		Pass:         recordOthers,
	},
}
