package checks_test

// ckeRSAOracle are the RSA variants whose answer must be the baseline's:
// the padding and length of the block, and the values at or above the
// modulus.
const ckeRSAOracle = `rsa/(leading-byte-01|block-type-(00|01|ff)|no-separator|zero-in-padding-(first|eighth)|pms-(0|4|47|49)-bytes|ciphertext-(zero|modulus|above-modulus))`

// ckeRSAOthers are the RSA checks a padding oracle leaves alone: a wrong
// version still decrypts to a good block, and the length lies never reach
// the decryption.
const ckeRSAOthers = `rsa/(pms-version-(ssl30|higher|swapped)|length-(short|long)|empty)`

// ckeECDHESample is a few ECDHE checks, which no RSA misbehaviour touches.
const ckeECDHESample = `client-key-exchange/tls12/ecdhe_(rsa|ecdsa)/ecdhe/(point-off-curve|x25519-zero|length-short)`

// selfTestsKeyExchange: the ClientKeyExchange misbehaviours (rows 47-53).
var selfTestsKeyExchange = []selfTest{
	{
		// A padding oracle with its own alert: every variant the block
		// check refuses fails its check and the ROBOT check; a ciphertext
		// of the wrong length may draw an alert, but decode_error.
		name: "cke/padding-oracle",
		fail: `^client-key-exchange/tls1[012]/rsa/(robot-oracle|` + ckeRSAOracle + `)$`,
		warn: `^client-key-exchange/tls1[012]/rsa/rsa/ciphertext-(short|long|empty)$`,
		pass: `^(baseline/.*|client-key-exchange/tls1[012]/rsa/` + ckeRSAOthers + `|` + ckeECDHESample + `)$`,
	},
	{
		// The same oracle told by a close without an alert.
		name: "cke/padding-oracle-close",
		fail: `^client-key-exchange/tls1[012]/rsa/(robot-oracle|` + ckeRSAOracle + `)$`,
		warn: `^client-key-exchange/tls1[012]/rsa/rsa/ciphertext-(short|long|empty)$`,
		pass: `^(baseline/.*|client-key-exchange/tls1[012]/rsa/` + ckeRSAOthers + `|` + ckeECDHESample + `)$`,
	},
	{
		// Every invalid point is taken: an X25519 low-order point
		// completes with the all-zero secret, the others fail at the
		// Finished record (bad_record_mac). The length lies still fail to
		// parse.
		name: "cke/accept-invalid-point",
		fail: `^client-key-exchange/tls1[012]/ecdhe_(rsa|ecdsa)/ecdhe/(point-(off-curve|zero|identity|compressed|hybrid|truncated|extended|empty)|x25519-.*)$`,
		pass: `^(baseline/.*|client-key-exchange/tls12/rsa/(rsa/(block-type-00|pms-version-ssl30|length-short)|robot-oracle)|client-key-exchange/tls1[012]/ecdhe_(rsa|ecdsa)/ecdhe/(length-(short|long)|empty))$`,
	},
}
