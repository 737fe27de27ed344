package checks

import (
	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Variant is a change of the client's own flight, as data (a message left
// out, sent twice or moved; the client Finished corrupted), named like a
// mutator: a family describes it once, next to its checks, and the
// network campaign draws from it.
type Variant struct {
	Name string // "order/duplicate/finished"
	Doc  string // one line: what the client sends
	// TLS13 says the versions: TLS 1.3 only when true, TLS 1.0-1.2 only
	// when false, unless Both.
	TLS13, Both bool
	// Expect is what the RFC asks of the target, as for a mutator.
	Expect mutators.Expectation
	// Check is the family's conformance check the variant stands for:
	// the part of its id after the context ("duplicate-cke" for
	// message-order/tls12/rsa/duplicate-cke), a glob ("flip-bit-*");
	// empty when no check sends it. The campaign maps its findings to
	// check ids with it, so that an expected-deviations file excuses them.
	Check string
	// Build makes the conversation at version v; app says whether the
	// target answers application data after the handshake, seed fixes any
	// random choice.
	Build func(v wire.Version, app bool, seed uint64) Plan
}

// AppliesTo says whether the variant exists at version v.
func (x Variant) AppliesTo(v wire.Version) bool {
	return x.Both || x.TLS13 == (v == wire.VersionTLS13)
}

// Plan is the conversation a Variant makes.
type Plan struct {
	Script peers.Script
	Setup  []peers.Setup
	Change string // the step that makes the change
	// Prompt: a target, conformant or lenient, answers before the
	// deadline, so that silence there is a hang.
	Prompt bool
}

// FullScript is the default handshake of v, with the application-data
// round trip when the target answers one.
func FullScript(v wire.Version, app bool) peers.Script {
	if app {
		return peers.DefaultScript(v)
	}
	return peers.DefaultScript(v).Before(peers.StepApplicationData)
}

// RejectTail reads the target's answer after the client's last flight:
// with app, after the application-data probe, which a target that went on
// answers.
func RejectTail(app bool) peers.Step { return peers.ExpectRejection(app) }

// TailPrompt says whether a conformant or a lenient target answers what
// RejectTail waits for: without the probe a TLS 1.3 server that took the
// client Finished says nothing more, so silence there is no hang.
func TailPrompt(v wire.Version, app bool) bool { return app || v < wire.VersionTLS13 }

// BadFinishedTail is the handshake through the client Finished, then the
// target's answer (RejectTail).
func BadFinishedTail(v wire.Version, app bool) peers.Script {
	return peers.DefaultScript(v).Through(peers.StepFinished).Then(RejectTail(app))
}
