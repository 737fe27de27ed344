package keyexchange

import (
	"strings"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Rows of the check catalogue (Expectation.Row) the key-exchange
// derivations tell apart.
const (
	ckeRowPMSVersion = 48 // the version in a well-formed block
	ckeRowLength     = 50 // the length of the message lies, or it is empty
)

// ckePaddingOracle: a padding oracle tells apart every RSA variant whose
// answer must be the baseline's (the oracle class: the padding and length
// of the block, the values at or above the modulus) except those that
// still decrypt to a well-formed 48-byte block (a wrong version, row 48)
// and those whose length lies (row 50), which never reach the decryption.
// Where the RFC allows another answer (decode_error for a ciphertext of
// the wrong length), the oracle's own alert is a deviation from the
// recommended one, not a leak: a warning.
func ckePaddingOracle(_ checks.Check, m mutators.Mutator) reports.Status {
	switch {
	case m.Family() != "client_key_exchange/rsa" || m.Expect.Class != mutators.Oracle || m.Expect.Row == ckeRowPMSVersion || m.Expect.Row == ckeRowLength:
		return ""
	case len(m.Expect.Alerts) > 0:
		return reports.Warn
	}
	return reports.Fail
}

// ckeInvalidPoint: a server that skips point validation takes every
// ECDHE point it must refuse, but still refuses a message whose length
// lies (row 50), which never reaches the point. Where the secret it then
// derives is one the client can key its Finished with (a low-order or
// null point, the client's own point in another encoding), the completed
// handshake proves it and the check fails; elsewhere its failed Finished
// looks like a server that refused the point and went on with a random
// secret, and the check is inconclusive.
func ckeInvalidPoint(ch checks.Check, m mutators.Mutator) reports.Status {
	if m.Family() != "client_key_exchange/ecdhe" || m.Expect.Class != mutators.MustReject || m.Expect.Row == ckeRowLength {
		return ""
	}
	if zeroSecretPoint(m) || sameSecretPoint(m) || strings.Contains(m.Name, "/x25519-") {
		// The misbehaviour derives the secrets the client keys with, so
		// every one of these completes: a failure.
		return checks.AtLevel(ch)
	}
	return reports.Inconclusive
}

// ckeRSAOthers are the RSA checks a padding oracle leaves alone: a wrong
// version still decrypts to a good block, and the length lies never reach
// the decryption.
const ckeRSAOthers = `rsa/(pms-version-(ssl30|higher|swapped)|length-(short|long)|empty)`

// ckeECDHESample is a few ECDHE checks, which no RSA misbehaviour touches.
const ckeECDHESample = `client-key-exchange/tls12/ecdhe_(rsa|ecdsa)/ecdhe/(point-off-curve|x25519-zero|length-short)`

// selfTests: the ClientKeyExchange misbehaviours (rows 47-53).
var selfTests = []checks.SelfTest{
	{
		// A padding oracle with its own alert: every variant the block
		// check refuses fails its check and the ROBOT check; a ciphertext
		// of the wrong length may draw an alert, but decode_error.
		Misbehaviour: "cke/padding-oracle",
		Caught:       ckePaddingOracle,
		Fail:         `^client-key-exchange/tls1[012]/rsa/robot-oracle$`,
		Pass:         `^(baseline/.*|client-key-exchange/tls1[012]/rsa/` + ckeRSAOthers + `|` + ckeECDHESample + `)$`,
	},
	{
		// The same oracle told by a close without an alert.
		Misbehaviour: "cke/padding-oracle-close",
		Caught:       ckePaddingOracle,
		Fail:         `^client-key-exchange/tls1[012]/rsa/robot-oracle$`,
		Pass:         `^(baseline/.*|client-key-exchange/tls1[012]/rsa/` + ckeRSAOthers + `|` + ckeECDHESample + `)$`,
	},
	{
		// Every invalid point is taken: an X25519 low-order point
		// completes with the all-zero secret, the others fail at the
		// Finished record (bad_record_mac). The length lies still fail to
		// parse.
		Misbehaviour: "cke/accept-invalid-point",
		Caught:       ckeInvalidPoint,
		Pass:         `^(baseline/.*|client-key-exchange/tls12/rsa/(rsa/(block-type-00|pms-version-ssl30|length-short)|robot-oracle)|client-key-exchange/tls1[012]/ecdhe_(rsa|ecdsa)/ecdhe/(length-(short|long)|empty))$`,
	},
}
