package peers

import (
	"crypto/hmac"
	"fmt"
)

// ClientMisbehaviour is a named way for the reference client to break
// the protocol, as Misbehaviour is for the server: it replaces a step of
// the client's plan. The conformance suite runs the reference client with
// each of them as a client under test, to prove that its client checks
// catch what they exist for.
type ClientMisbehaviour struct {
	Name  string
	Apply func(*ClientPlan)
}

// ClientPlan is the client's decisions as replaceable steps. The defaults
// are the correct behaviour; a ClientMisbehaviour swaps one out.
type ClientPlan struct {
	// VerifyServerFinished compares the server's verify_data with the
	// one the client computed (RFC 5246 §7.4.9, RFC 8446 §4.4.4); rfc
	// names the rule for the error.
	VerifyServerFinished func(got, want []byte, rfc string) error
}

// defaultClientPlan is the correct behaviour.
func defaultClientPlan() ClientPlan {
	return ClientPlan{
		VerifyServerFinished: func(got, want []byte, rfc string) error {
			if !hmac.Equal(got, want) {
				return &VerifyError{What: "server Finished", Reason: fmt.Sprintf("verify_data %x, want %x (%s)", got, want, rfc)}
			}
			return nil
		},
	}
}

// plan is the client's plan: the defaults with cfg's misbehaviours
// applied, in order.
func (cfg *ClientConfig) plan() ClientPlan {
	p := defaultClientPlan()
	for _, m := range cfg.Misbehaviours {
		m.Apply(&p)
	}
	return p
}
