package checks_test

// recordOthers matches every record-layer check, for the pass lists
// (the entries' fail and warn patterns are tested first).
const recordOthers = `^(baseline/.*|record-layer/.*)$`

// selfTestsRecords: the record-layer misbehaviours (rows 54-58). Each
// breaks one rule; every other record-layer check must still pass.
var selfTestsRecords = []selfTest{
	{
		// Plaintext records only: the protected limits are the record
		// layer's, which the misbehaviour cannot reach (and the protected
		// oversize checks must still pass).
		name: "records/accept-oversize",
		fail: `^record-layer/[^/]+/[^/]+/oversize$`,
		pass: recordOthers,
	},
	{
		name: "records/ignore-unknown-content-type",
		fail: `^record-layer/[^/]+/[^/]+/(unknown-type/first|protected/unknown-type)$`,
		pass: recordOthers,
	},
	{
		// Zero-length records of the first flight are SHOULD-level (the
		// version is not known yet); under TLS 1.3 protection they are MUST.
		name: "records/accept-empty-records",
		fail: `^record-layer/tls13/ecdhe/protected/zero-length-(handshake|alert)$`,
		warn: `^record-layer/[^/]+/[^/]+/zero-length/(handshake|alert)$`,
		pass: recordOthers,
	},
}
