package finished

import (
	"math/rand/v2"

	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Variants corrupt the client Finished for the campaign: a random bit
// flipped, random bytes, and every corruption this family's checks send.
func Variants() []checks.Variant {
	edit := func(f func(raw []byte, rnd *rand.Rand) []byte) func(wire.Version, bool, uint64) checks.Plan {
		return func(v wire.Version, app bool, seed uint64) checks.Plan {
			setup := func(cv *peers.Conversation) {
				cv.Edit(peers.StepFinished, func(raw []byte) []byte {
					if len(raw) < 5 {
						return raw
					}
					return f(raw, mutators.Rand(seed, "finished"))
				})
			}
			return checks.Plan{Script: checks.BadFinishedTail(v, app), Setup: []peers.Setup{setup}, Change: peers.StepFinished, Prompt: checks.TailPrompt(v, app)}
		}
	}
	rfc := "RFC 5246 §7.4.9; RFC 8446 §4.4.4"
	flipBit := checks.Variant{Name: "finished/flip-bit", Check: "flip-bit-*", Doc: "one bit of verify_data flipped", Both: true,
		Expect: mutators.Reject(rfc, 28, wire.AlertDecryptError),
		Build: edit(func(raw []byte, rnd *rand.Rand) []byte {
			bit := rnd.IntN((len(raw) - 4) * 8)
			raw[4+bit/8] ^= 0x80 >> (bit % 8)
			return raw
		})}
	random := checks.Variant{Name: "finished/random", Check: "flip-bit-*", Doc: "verify_data random bytes of the right length", Both: true,
		Expect: mutators.Reject(rfc, 28, wire.AlertDecryptError),
		Build: edit(func(raw []byte, rnd *rand.Rand) []byte {
			for i := 4; i < len(raw); i++ {
				raw[i] = byte(rnd.Uint32())
			}
			return raw
		})}
	// In the order campaigns have drawn them from the start, so that a
	// seed picks what it picked before.
	out := []checks.Variant{flipBit}
	for _, k := range corruptions {
		e := mutators.Reject(k.rfc, k.row, k.want)
		if k.rfc == "" {
			e.RFC = rfc
		}
		out = append(out, checks.Variant{Name: "finished/" + k.name, Check: k.check, Doc: k.doc, TLS13: k.tls13, Both: !k.tls13, Expect: e,
			Build: edit(func(raw []byte, _ *rand.Rand) []byte { return k.edit(raw) })})
		if k.name == "all-zero" {
			out = append(out, random)
		}
	}
	return out
}
