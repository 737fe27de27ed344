package peers

import (
	"errors"
	"fmt"
	"io"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Misbehaviours for the network fuzz campaign's self-test (fuzz/campaign):
// a server that crashes and one that hangs on one specific input, so that
// the campaign's crash and hang oracles have something to find. They are
// not in Misbehaviours(): no conformance check exists for them (the
// suite's self-test requires one for each entry there); MisbehaviourByName
// finds them, and `tlsconform serve -misbehave NAME` serves them.

// SimulatedCrash is the handshake error of a misbehaviour that plays a
// crash. The reference server sends no alert for it (it is neither a
// ProtocolError nor a VerifyError); a process that serves connections
// (`tlsconform serve`) exits with status 2 when a handshake ends with it,
// as a Go program that panics does.
type SimulatedCrash struct {
	Reason string
}

func (e *SimulatedCrash) Error() string { return "peers: simulated crash: " + e.Reason }

// IsSimulatedCrash reports whether err carries a SimulatedCrash.
func IsSimulatedCrash(err error) bool {
	var sc *SimulatedCrash
	return errors.As(err, &sc)
}

// FuzzMisbehaviours are the misbehaviours the campaign's self-test serves.
func FuzzMisbehaviours() []Misbehaviour {
	return []Misbehaviour{
		{
			// A parser that trips over a second key_share (the kind of bug a
			// fuzzer exists for): the handshake ends with SimulatedCrash.
			Name: "fuzz/crash-on-duplicate-key-share",
			Apply: func(p *ServerPlan) {
				next := p.ValidateClientHello
				p.ValidateClientHello = func(st *ServerState, ch *wire.ClientHello, raw []byte) error {
					if n := wire.CountExtension(ch.Extensions, wire.ExtKeyShare); n > 1 {
						return &SimulatedCrash{Reason: fmt.Sprintf("a ClientHello with %d key_share extensions", n)}
					}
					return next(st, ch, raw)
				}
			},
		},
		{
			// A server that waits for something that never comes when
			// supported_groups appears twice: it holds the connection open
			// and silent until the client gives up (or its own read
			// deadline passes), then drops it.
			Name: "fuzz/hang-on-duplicate-supported-groups",
			Apply: func(p *ServerPlan) {
				next := p.ValidateClientHello
				p.ValidateClientHello = func(st *ServerState, ch *wire.ClientHello, raw []byte) error {
					if n := wire.CountExtension(ch.Extensions, wire.ExtSupportedGroups); n > 1 {
						return st.holdSilently(fmt.Sprintf("a ClientHello with %d supported_groups extensions", n))
					}
					return next(st, ch, raw)
				}
			},
		},
	}
}

// holdSilently reads and drops what the client sends, answering nothing,
// until the client closes or the server's per-read timeout passes, then
// ends the handshake without an alert.
func (st *ServerState) holdSilently(why string) error {
	nc := st.NetConn()
	if err := nc.SetReadDeadline(st.deadline()); err != nil {
		return fmt.Errorf("peers: hold: %w", err)
	}
	_, err := io.Copy(io.Discard, nc)
	return fmt.Errorf("peers: held the connection silently for %s: %v", why, err)
}
