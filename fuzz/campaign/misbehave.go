package campaign

import (
	"errors"
	"fmt"
	"io"

	"github.com/tlsconform/tlsconform/peers"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Misbehaviours of the reference server for the campaign's self-test: a
// server that crashes and one that hangs on one specific input, so that
// the campaign's crash and hang oracles have something to find. No
// conformance check exists for them, so they are not among the check
// families' misbehaviours; `tlsconform serve -misbehave NAME` serves
// them too.

// SimulatedCrash is the handshake error of a misbehaviour that plays a
// crash. The reference server sends no alert for it (it is neither a
// peers.ProtocolError nor a peers.VerifyError); a process that serves
// connections (`tlsconform serve`) exits with status 2 when a handshake ends with it,
// as a Go program that panics does.
type SimulatedCrash struct {
	Reason string
}

func (e *SimulatedCrash) Error() string { return "campaign: simulated crash: " + e.Reason }

// IsSimulatedCrash reports whether err carries a SimulatedCrash.
func IsSimulatedCrash(err error) bool {
	var sc *SimulatedCrash
	return errors.As(err, &sc)
}

// Misbehaviours are the misbehaviours the campaign's self-test serves
// (with those of planted.go, deep in a handshake or inside a field).
// MisbehaviourByName finds one by name.
func Misbehaviours() []peers.Misbehaviour {
	return append([]peers.Misbehaviour{
		{
			// A parser that trips over a second key_share (the kind of bug a
			// fuzzer exists for): the handshake ends with SimulatedCrash.
			Name: "fuzz/crash-on-duplicate-key-share",
			Apply: func(p *peers.ServerPlan) {
				next := p.ValidateClientHello
				p.ValidateClientHello = func(st *peers.ServerState, ch *wire.ClientHello, raw []byte) error {
					if n := wire.CountExtension(ch.Extensions, wire.ExtKeyShare); n > 1 {
						return &SimulatedCrash{Reason: fmt.Sprintf("a ClientHello with %d key_share extensions", n)}
					}
					return next(st, ch, raw)
				}
			},
		},
		{
			// A server that copies the ClientHello into a fixed buffer of
			// 2048 bytes: a real Go panic (slice bounds out of range, with
			// a stack trace) on any larger ClientHello. One site that many
			// changes reach (a 16 KiB hello, a large unknown extension, a
			// 255-byte session_id on a browser's hello, ...) at every
			// version: one bug for the campaign's findings. The copy is
			// made as the message is read, before its parse, so that the
			// first ClientHello and the one after a HelloRetryRequest
			// panic with one stack (ValidateClientHello has a caller for
			// each).
			Name: "fuzz/panic-on-large-client-hello",
			Apply: func(p *peers.ServerPlan) {
				next := p.ParseClientHello
				p.ParseClientHello = func(st *peers.ServerState, raw []byte) (*wire.ClientHello, error) {
					keepHello(raw)
					return next(st, raw)
				}
			},
		},
		{
			// A server that waits for something that never comes when
			// supported_groups appears twice: it holds the connection open
			// and silent until the client gives up (or its own read
			// deadline passes), then drops it.
			Name: "fuzz/hang-on-duplicate-supported-groups",
			Apply: func(p *peers.ServerPlan) {
				next := p.ValidateClientHello
				p.ValidateClientHello = func(st *peers.ServerState, ch *wire.ClientHello, raw []byte) error {
					if n := wire.CountExtension(ch.Extensions, wire.ExtSupportedGroups); n > 1 {
						return holdSilently(st, fmt.Sprintf("a ClientHello with %d supported_groups extensions", n))
					}
					return next(st, ch, raw)
				}
			},
		},
	}, deepMisbehaviours()...)
}

// helloBufferSize is the fixed buffer of fuzz/panic-on-large-client-hello.
const helloBufferSize = 2048

// keepHello is the planted bug of fuzz/panic-on-large-client-hello: it
// slices a fixed buffer by the message's length, which panics past
// helloBufferSize. Not inlined, so that the stack trace names it.
//
//go:noinline
func keepHello(raw []byte) []byte {
	buf := make([]byte, helloBufferSize)
	return buf[:copy(buf[:len(raw)], raw)]
}

// holdSilently reads and drops what the client sends, answering nothing,
// until the client closes or the server's per-read timeout passes, then
// ends the handshake without an alert.
func holdSilently(st *peers.ServerState, why string) error {
	nc := st.NetConn()
	if err := nc.SetReadDeadline(st.Deadline()); err != nil {
		return fmt.Errorf("campaign: hold: %w", err)
	}
	_, err := io.Copy(io.Discard, nc)
	return fmt.Errorf("campaign: held the connection silently for %s: %v", why, err)
}

// MisbehaviourByName finds a misbehaviour of Misbehaviours.
func MisbehaviourByName(name string) (peers.Misbehaviour, bool) {
	for _, m := range Misbehaviours() {
		if m.Name == name {
			return m, true
		}
	}
	return peers.Misbehaviour{}, false
}
