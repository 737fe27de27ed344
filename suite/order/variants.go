package order

import (
	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Variants drop, repeat or move a step of the client's flight
// (the campaign draws from them; this family's checks send the same
// changes, one per check).
func Variants() []checks.Variant {
	rej := func(rfc string) mutators.Expectation {
		return mutators.Reject(rfc, 7, wire.AlertUnexpectedMessage)
	}
	return []checks.Variant{
		// TLS 1.0-1.2.
		{Name: "order/drop/client_key_exchange", Check: "no-client-key-exchange", Doc: "no ClientKeyExchange (the CCS and Finished keyed with an empty pre-master secret)",
			Expect: rej("RFC 5246 §7.3, §7.4.7"),
			Build: func(v wire.Version, app bool, _ uint64) checks.Plan {
				return checks.Plan{Script: checks.BadFinishedTail(v, app).Replace(peers.StepClientKeyExchange, peers.OmitClientKeyExchange(nil)), Change: peers.StepOmitClientKeyExchange, Prompt: checks.TailPrompt(v, app)}
			}},
		{Name: "order/drop/change_cipher_spec", Check: "finished-without-ccs", Doc: "no ChangeCipherSpec before the client Finished (sent in the clear)",
			Expect: rej("RFC 5246 §7.4.9"),
			Build: func(v wire.Version, _ bool, _ uint64) checks.Plan {
				return checks.Plan{Script: peers.DefaultScript(v).Remove(peers.StepChangeCipherSpec).Through(peers.StepFinished).Then(peers.ExpectRejection(false)), Change: peers.StepFinished, Prompt: true}
			}},
		{Name: "order/duplicate/client_hello", Check: "duplicate-clienthello", Doc: "the ClientHello sent twice", Both: true,
			Expect: rej("RFC 5246 §7.3; RFC 8446 §4"),
			Build: func(v wire.Version, app bool, _ uint64) checks.Plan {
				return checks.Plan{Script: checks.BadFinishedTail(v, app).InsertAfter(peers.StepClientHello, peers.SendAgain("ClientHelloAgain", wire.TypeClientHello)), Change: "ClientHelloAgain", Prompt: checks.TailPrompt(v, app)}
			}},
		{Name: "order/duplicate/client_key_exchange", Check: "duplicate-cke", Doc: "the ClientKeyExchange sent twice",
			Expect: rej("RFC 5246 §7.3"),
			Build: func(v wire.Version, app bool, _ uint64) checks.Plan {
				return checks.Plan{Script: checks.BadFinishedTail(v, app).InsertAfter(peers.StepClientKeyExchange, peers.SendAgain("ClientKeyExchangeAgain", wire.TypeClientKeyExchange)), Change: "ClientKeyExchangeAgain", Prompt: checks.TailPrompt(v, app)}
			}},
		{Name: "order/duplicate/change_cipher_spec", Check: "duplicate-ccs", Doc: "a second ChangeCipherSpec before the client Finished",
			Expect: rej("RFC 5246 §7.1, §7.4.9"),
			Build: func(v wire.Version, app bool, _ uint64) checks.Plan {
				return checks.Plan{Script: checks.BadFinishedTail(v, app).InsertAfter(peers.StepChangeCipherSpec, peers.SendChangeCipherSpec().Renamed("ChangeCipherSpecAgain")), Change: "ChangeCipherSpecAgain", Prompt: checks.TailPrompt(v, app)}
			}},
		{Name: "order/duplicate/finished", Check: "duplicate-finished", Doc: "the client Finished sent twice", Both: true,
			Expect: rej("RFC 5246 §7.3, §7.4.9; RFC 8446 §4"),
			Build: func(v wire.Version, app bool, _ uint64) checks.Plan {
				s := checks.BadFinishedTail(v, app)
				if v < wire.VersionTLS13 {
					// The server's CCS and Finished rightly come before its
					// answer to the second Finished.
					s = peers.DefaultScript(v).Before(peers.StepApplicationData).Then(checks.RejectTail(app))
				}
				// A target that passes the second Finished over says nothing
				// more unless it answers the probe.
				return checks.Plan{Script: s.InsertAfter(peers.StepFinished, peers.SendAgain("FinishedAgain", wire.TypeFinished)), Change: "FinishedAgain", Prompt: app}
			}},
		{Name: "order/reorder/ccs-before-client_key_exchange", Check: "early-ccs", Doc: "the ChangeCipherSpec moved before the ClientKeyExchange (early CCS, CVE-2014-0224)",
			Expect: rej("RFC 5246 §7.1"),
			Build: func(v wire.Version, app bool, _ uint64) checks.Plan {
				s := checks.BadFinishedTail(v, app).Replace(peers.StepChangeCipherSpec, peers.Step{Name: "SwitchWriteKeys",
					Run: func(cv *peers.Conversation) error { return cv.SwitchWriteKeys12() }})
				return checks.Plan{Script: s.InsertBefore(peers.StepClientKeyExchange, peers.SendRecord("EarlyChangeCipherSpec", wire.ContentChangeCipherSpec, func(*peers.Conversation) []byte { return []byte{1} })), Change: "EarlyChangeCipherSpec", Prompt: checks.TailPrompt(v, app)}
			}},
		{Name: "order/reorder/finished-before-ccs", Check: "finished-without-ccs", Doc: "the client Finished (in the clear) before the ChangeCipherSpec",
			Expect: rej("RFC 5246 §7.4.9"),
			Build: func(v wire.Version, _ bool, _ uint64) checks.Plan {
				s := peers.DefaultScript(v).Remove(peers.StepChangeCipherSpec).Through(peers.StepFinished).
					Then(peers.SendChangeCipherSpec().Renamed("ChangeCipherSpecLate"), peers.ExpectRejection(false))
				return checks.Plan{Script: s, Change: peers.StepFinished, Prompt: true}
			}},
		// TLS 1.3.
		{Name: "order/drop/compat-ccs", Check: "ccs-omitted", Doc: "no compatibility ChangeCipherSpec", TLS13: true,
			Expect: mutators.Tolerate("RFC 8446 §5, App. D.4", 11),
			Build: func(v wire.Version, app bool, _ uint64) checks.Plan {
				return checks.Plan{Script: checks.FullScript(v, app).Remove(peers.StepChangeCipherSpec), Change: peers.StepFinished, Prompt: true}
			}},
		{Name: "order/duplicate/compat-ccs", Check: "duplicate-ccs", Doc: "the compatibility ChangeCipherSpec sent twice", TLS13: true,
			Expect: mutators.MayAbort("RFC 8446 §5", 7, wire.AlertUnexpectedMessage),
			Build: func(v wire.Version, app bool, _ uint64) checks.Plan {
				return checks.Plan{Script: checks.FullScript(v, app).InsertAfter(peers.StepChangeCipherSpec, peers.SendChangeCipherSpec().Renamed("ChangeCipherSpecAgain")), Change: "ChangeCipherSpecAgain", Prompt: true}
			}},
		{Name: "order/reorder/finished-before-compat-ccs", Check: "ccs-after-finished", Doc: "the compatibility ChangeCipherSpec after the client Finished instead of before", TLS13: true,
			Expect: rej("RFC 8446 §5"),
			Build: func(v wire.Version, app bool, _ uint64) checks.Plan {
				s := peers.DefaultScript(v).Remove(peers.StepChangeCipherSpec).Through(peers.StepFinished).
					Then(peers.SendPlaintextRecord("ChangeCipherSpecAfterFinished", wire.ContentChangeCipherSpec, []byte{1}), checks.RejectTail(app))
				return checks.Plan{Script: s, Change: "ChangeCipherSpecAfterFinished", Prompt: checks.TailPrompt(v, app)}
			}},
	}
}
