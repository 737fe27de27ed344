package negotiation

import "github.com/tlsconform/tlsconform/suite/checks"

// selfTests: the version-negotiation misbehaviours (rows 15-26).
var selfTests = []checks.SelfTest{
	{
		// The client refuses every TLS 1.3 answer: probing finds no TLS
		// 1.3, and the answer checks, which run whatever the profile
		// says, fail on RFC 8446 §4.2.1's sentence.
		Misbehaviour: "version/tls13-legacy-version-0304",
		Fail:         `^version-negotiation/tls13/ecdhe/probe-answer-valid/(mlkem|classical)-share$`,
		Pass:         `^(baseline/tls1[0-2]/.*|version-negotiation/tls1[0-2]/.*/never-exceeds-offered-version)$`,
	},
	{
		// An empty legacy_session_id_echo: refused by the client, but only
		// the client's MUST names it: a warning.
		Misbehaviour: "version/tls13-empty-session-id-echo",
		Warn:         `^version-negotiation/tls13/ecdhe/probe-answer-valid/(mlkem|classical)-share$`,
		Pass:         `^(baseline/tls1[0-2]/.*|version-negotiation/tls1[0-2]/.*/never-exceeds-offered-version)$`,
	},
	{
		Misbehaviour: "version/unoffered-version",
		Fail: `^version-negotiation/(tls1[01]/.*/never-exceeds-offered-version|tls10/.*/client-version-0[23]00|` +
			`tls12/.*/(supported-versions-(grease|unknown)|downgrade-sentinel-via-supported-versions)|` +
			`tls13/ecdhe/(legacy-version-0300-refused|supported-versions-only-(unknown|ssl30|grease)))$`,
		// It picks TLS 1.3 for a TLS 1.2-only offer and then finds no
		// suite: an abort, which proves no version was picked from
		// legacy_version; and it takes legacy_version 0x0200, which only
		// a SHOULD NOT forbids.
		Warn: `^version-negotiation/(tls12/.*/legacy-version-030[12]-ignored|tls13/ecdhe/legacy-version-0200-refused)$`,
		Pass: `^(baseline/tls1[23]/.*|version-negotiation/tls1[23]/.*/(record-version-03..|suite-fits-version|fallback-scsv)|` +
			`version-negotiation/tls12/.*/(client-version-0(304|3ff|400)|downgrade-sentinel)|version-negotiation/tls13/ecdhe/(no-downgrade-sentinel|supported-versions-all))$`,
	},
	{
		// A TLS 1.2 suite in TLS 1.3, an AES-GCM suite at TLS 1.0-1.1: MUST
		// violations. The other TLS 1.2 suites at TLS 1.0-1.1 are defined
		// for TLS 1.2 only, but no key word forbids selecting them: warned.
		// No TLS 1.3 suite is taken below TLS 1.3.
		Misbehaviour: "version/suite-ignores-version",
		Fail:         `^version-negotiation/(tls13/ecdhe/suite-fits-version|tls1[01]/.*/suite-fits-version-gcm)$`,
		Warn:         `^version-negotiation/tls1[01]/.*/suite-fits-version-other-tls12$`,
		Pass:         `^(baseline/tls1[0-2]/.*|version-negotiation/tls1[0-2]/.*/suite-fits-version)$`,
	},
	{
		Misbehaviour: "version/lowest-version",
		Fail:         `^version-negotiation/tls13/ecdhe/supported-versions-all$`,
		Pass:         `^(baseline/tls1[03]/.*|version-negotiation/tls13/ecdhe/(fallback-scsv|no-downgrade-sentinel|supported-versions-(grease|unknown)|legacy-version-.*))$`,
	},
	{
		Misbehaviour: "version/legacy-version-selects-tls13",
		Fail:         `^version-negotiation/tls12/.*/tls13-hello-without-supported-versions$`,
		// The misbehaving server answers TLS 1.3 to a ClientHello without
		// TLS 1.3 suites or key_share: it aborts, which RFC 8446 §4.2.1
		// allows, but with the wrong alert.
		Warn: `^version-negotiation/tls12/.*/client-version-0(304|3ff|400)$`,
		Pass: `^(baseline/.*|version-negotiation/.*/(legacy-version-.*|supported-versions-.*|fallback-scsv.*|downgrade-sentinel.*|record-version-.*|never-exceeds-offered-version))$`,
	},
	{
		Misbehaviour: "version/accept-ssl30-legacy-version",
		Fail:         `^version-negotiation/tls1[23]/.*/legacy-version-0300-refused$`,
		Warn:         `^version-negotiation/tls13/ecdhe/legacy-version-0200-refused$`,
		Pass:         `^(baseline/.*|version-negotiation/.*/(client-version-.*|legacy-version-030[1-4]-ignored|supported-versions-.*))$`,
	},
	{
		Misbehaviour: "version/no-downgrade-sentinel",
		Fail:         `^version-negotiation/tls1[0-2]/.*/downgrade-sentinel(-via-supported-versions)?$`,
		Pass:         `^(baseline/.*|version-negotiation/.*/(no-downgrade-sentinel|fallback-scsv.*|never-exceeds-offered-version|client-version-.*))$`,
	},
	{
		Misbehaviour: "version/sentinel-at-tls13",
		Fail:         `^version-negotiation/tls13/ecdhe/no-downgrade-sentinel$`,
		Pass:         `^(baseline/.*|version-negotiation/.*/(downgrade-sentinel.*|supported-versions-.*|fallback-scsv.*))$`,
	},
	{
		// It takes legacy_version over supported_versions: where the
		// client also offers older suites, its ServerHello proves it; the
		// ClientHello checks (TLS 1.3 suites only) see an abort, a warning.
		Misbehaviour: "version/legacy-version-over-supported-versions",
		Fail:         `^version-negotiation/tls1[23]/.*/legacy-version-030[12]-ignored$`,
		Warn:         `^client-hello/tls13/ecdhe/legacy_version/030[12]$`,
		Pass:         `^(baseline/.*|version-negotiation/tls1[23]/.*/(client-version-.*|supported-versions-(only-.*|all)))$`,
	},
	{
		// RFC 7507 is optional: a server that lacks it but sets the RFC
		// 8446 downgrade sentinel is warned, not failed.
		Misbehaviour: "version/ignore-fallback-scsv",
		Warn:         `^version-negotiation/tls1[0-2]/.*/fallback-scsv(-via-supported-versions)?$`,
		Pass:         `^(baseline/.*|version-negotiation/.*/(downgrade-sentinel.*|never-exceeds-offered-version)|version-negotiation/tls13/ecdhe/fallback-scsv)$`,
	},
	{
		// Without the sentinel nothing protects the client: a failure.
		Misbehaviour: "version/ignore-fallback-scsv-no-sentinel",
		Fail:         `^version-negotiation/tls1[0-2]/.*/(fallback-scsv|downgrade-sentinel)(-via-supported-versions)?$`,
		Pass:         `^(baseline/.*|version-negotiation/.*/never-exceeds-offered-version|version-negotiation/tls13/ecdhe/(fallback-scsv|no-downgrade-sentinel))$`,
	},
	{
		Misbehaviour: "version/any-record-version",
		Warn:         `^version-negotiation/.*/record-version-0[02]00$`,
		Pass:         `^(baseline/.*|version-negotiation/.*/(record-version-03..|sslv2-.*))$`,
	},
	{
		Misbehaviour: "version/sslv2-server-hello",
		Fail:         `^version-negotiation/.*/sslv2-(compatible-)?hello$`,
		Pass:         `^(baseline/.*|version-negotiation/.*/record-version-.*)$`,
	},
	{
		Misbehaviour: "version/sslv2-hello-negotiates-tls13",
		Fail:         `^version-negotiation/.*/sslv2-(compatible-)?hello$`,
		Pass:         `^(baseline/.*|version-negotiation/.*/record-version-.*)$`,
	},
}
