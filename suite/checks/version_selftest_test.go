package checks_test

// selfTestsVersion: the version-negotiation misbehaviours (rows 15-26).
var selfTestsVersion = []selfTest{
	{
		name: "version/unoffered-version",
		fail: `^version-negotiation/(tls1[01]/.*/never-exceeds-offered-version|tls10/.*/client-version-0[23]00|` +
			`tls12/.*/(legacy-version-030[12]-ignored|supported-versions-(grease|unknown)|downgrade-sentinel-via-supported-versions)|` +
			`tls13/ecdhe/(legacy-version-0[23]00-refused|supported-versions-only-(unknown|ssl30|grease)))$`,
		pass: `^(baseline/tls1[23]/.*|version-negotiation/tls1[23]/.*/(record-version-03..|suite-fits-version|fallback-scsv)|` +
			`version-negotiation/tls12/.*/(client-version-0(304|3ff|400)|downgrade-sentinel)|version-negotiation/tls13/ecdhe/(no-downgrade-sentinel|supported-versions-all))$`,
	},
	{
		name: "version/lowest-version",
		fail: `^version-negotiation/tls13/ecdhe/supported-versions-all$`,
		pass: `^(baseline/tls1[03]/.*|version-negotiation/tls13/ecdhe/(fallback-scsv|no-downgrade-sentinel|supported-versions-(grease|unknown)|legacy-version-.*))$`,
	},
	{
		name: "version/legacy-version-selects-tls13",
		fail: `^version-negotiation/tls12/.*/tls13-hello-without-supported-versions$`,
		// The misbehaving server answers TLS 1.3 to a ClientHello without
		// TLS 1.3 suites or key_share: it aborts, which RFC 8446 §4.2.1
		// allows, but with the wrong alert.
		warn: `^version-negotiation/tls12/.*/client-version-0(304|3ff|400)$`,
		pass: `^(baseline/.*|version-negotiation/.*/(legacy-version-.*|supported-versions-.*|fallback-scsv.*|downgrade-sentinel.*|record-version-.*|never-exceeds-offered-version))$`,
	},
	{
		name: "version/accept-ssl30-legacy-version",
		fail: `^version-negotiation/tls1[23]/.*/legacy-version-0[23]00-refused$`,
		pass: `^(baseline/.*|version-negotiation/.*/(client-version-.*|legacy-version-030[1-4]-ignored|supported-versions-.*))$`,
	},
	{
		name: "version/no-downgrade-sentinel",
		fail: `^version-negotiation/tls1[0-2]/.*/downgrade-sentinel(-via-supported-versions)?$`,
		pass: `^(baseline/.*|version-negotiation/.*/(no-downgrade-sentinel|fallback-scsv.*|never-exceeds-offered-version|client-version-.*))$`,
	},
	{
		name: "version/sentinel-at-tls13",
		fail: `^version-negotiation/tls13/ecdhe/no-downgrade-sentinel$`,
		pass: `^(baseline/.*|version-negotiation/.*/(downgrade-sentinel.*|supported-versions-.*|fallback-scsv.*))$`,
	},
	{
		name: "version/ignore-fallback-scsv",
		fail: `^version-negotiation/tls1[0-2]/.*/fallback-scsv(-via-supported-versions)?$`,
		pass: `^(baseline/.*|version-negotiation/.*/(downgrade-sentinel.*|never-exceeds-offered-version)|version-negotiation/tls13/ecdhe/fallback-scsv)$`,
	},
	{
		name: "version/any-record-version",
		warn: `^version-negotiation/.*/record-version-0[02]00$`,
		pass: `^(baseline/.*|version-negotiation/.*/(record-version-03..|sslv2-.*))$`,
	},
	{
		name: "version/sslv2-server-hello",
		fail: `^version-negotiation/.*/sslv2-(compatible-)?hello$`,
		pass: `^(baseline/.*|version-negotiation/.*/record-version-.*)$`,
	},
	{
		name: "version/sslv2-hello-negotiates-tls13",
		fail: `^version-negotiation/.*/sslv2-(compatible-)?hello$`,
		pass: `^(baseline/.*|version-negotiation/.*/record-version-.*)$`,
	},
}
