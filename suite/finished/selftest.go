package finished

import "github.com/tlsconform/tlsconform/suite/checks"

// selfTests: the Finished misbehaviours.
var selfTests = []checks.SelfTest{
	{
		Misbehaviour: "finished/skip-verify",
		Fail:         `^finished/.*/(flip-bit-\d+|all-zero|finished-(truncated|empty|trailing-message-bytes)|transcript-without-certificate|ems-confusion|no-resumption-after-fatal-alert)$`,
		Pass:         `^(baseline/.*|finished/.*/(server-finished-verifies|plaintext-finished|trailing-record-bytes))$`,
	},
	{
		Misbehaviour: "finished/wrong-alert",
		Warn:         `^finished/.*/(flip-bit-\d+|all-zero|finished-(truncated|empty|trailing-message-bytes)|transcript-without-certificate|ems-confusion)$`,
		Pass:         `^(baseline/.*|finished/.*/(server-finished-verifies|no-resumption-after-fatal-alert))$`,
	},
	{
		Misbehaviour: "finished/wrong-alert-under-handshake-key",
		Warn:         `^finished/tls13/.*/(flip-bit-\d+|all-zero|finished-(truncated|empty|trailing-message-bytes))$`,
		Pass:         `^(baseline/.*|finished/.*/server-finished-verifies)$`,
	},
	{
		Misbehaviour: "finished/bad-server-finished",
		// The baseline fails; the check of the server's Finished warns,
		// since no sentence binds the Finished's sender in key words.
		Fail: `^baseline/.*/handshake-completes$`,
		Warn: `^finished/.*/server-finished-verifies$`,
		Pass: `^finished/tls1[012]/.*/(flip-bit-\d+|all-zero|finished-(truncated|empty|trailing-message-bytes))$`,
	},
}
