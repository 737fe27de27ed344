package fuzz

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/peers/wire"
)

// Result is how one execution ended.
type Result struct {
	// Applied says what was changed: "mutator <name>", "body", "field
	// client_hello.session_id", ...; empty when everything went out as the
	// engine built it.
	Applied string
	// Original is the message (or flight) as the engine built it, before
	// the change: the material seeds are made of.
	Original []byte
	// Control: with nothing applied, the conversation must complete (an
	// engine-built handshake against crypto/tls).
	Control bool
	// Outcome is how the reference client saw the conversation end.
	Outcome peers.Outcome
	// Server is crypto/tls's handshake error; nil when its handshake
	// completed. ServerRan is false when no server took part (FuzzServerFlight).
	Server    error
	ServerRan bool
	// Stalled: both ends waited and the link was cut.
	Stalled bool
}

// Check states the invariants of an execution; an error is a finding.
func (r Result) Check() error {
	if r.Outcome.Kind == "" {
		return errors.New("fuzz: the conversation ended without an outcome")
	}
	completed := r.Outcome.Kind == peers.OutcomeCompleted && r.Outcome.WentOn == ""
	if r.Control && r.Applied == "" && !completed {
		return fmt.Errorf("fuzz: positive control: an unchanged conversation ended with %s at step %s (server: %v)", r.Outcome, r.Outcome.Step, r.Server)
	}
	// Both ends are in this process: anything that waits waits for the
	// other end, and the link cuts that at once. A deadline that expired
	// means an execution waited on nothing (and cost a whole deadline).
	if r.ServerRan && r.Outcome.Kind == peers.OutcomeTimeout && !r.Stalled {
		return fmt.Errorf("fuzz: a deadline expired without a stall (%s at %s)", r.Applied, r.Outcome.Step)
	}
	// The client verified the server's Finished and got application data
	// back: the server cannot have failed its handshake.
	if r.ServerRan && completed && r.Server != nil {
		return fmt.Errorf("fuzz: the client completed (%s) but crypto/tls failed its handshake: %v", r.Applied, r.Server)
	}
	return nil
}

// Interesting is the go-fuzz verdict: 1 when crypto/tls got past the
// changed message and completed its handshake, else 0.
func (r Result) Interesting() int {
	if r.ServerRan && r.Server == nil && r.Applied != "" {
		return 1
	}
	return 0
}

// mustCheck panics on a failed invariant: the go-fuzz and libFuzzer entry
// points report panics.
func (r Result) mustCheck() int {
	if err := r.Check(); err != nil {
		panic(err)
	}
	return r.Interesting()
}

// execSeed fixes both peers' randomness in every execution: the client's
// random values say nothing about coverage, and with them fixed a seed
// made of a message the engine built (a key share, a session ID) is that
// very message whatever the Seed knob, which only aims the change.
const execSeed = 1

// serverSeed separates the server's random stream from the client's.
const serverSeed = 0x5e_12e1

// run runs script with cfg against a fresh crypto/tls server over a link.
// rewrite, when not nil, wraps the client's end (to change what it writes
// below the record layer). The server's randomness comes from seed.
func (e *Env) run(seed uint64, cfg *peers.ClientConfig, script peers.Script, rewrite func(net.Conn) net.Conn, setup ...peers.Setup) Result {
	client, server := newLink()
	done := make(chan error, 1)
	go func() { done <- e.serve(server, seed) }()
	var nc net.Conn = client
	if rewrite != nil {
		nc = rewrite(client)
	}
	// The whole conversation has a bound too: a handful of deadlines.
	ctx, cancel := context.WithTimeout(context.Background(), 8*e.timeout)
	cv := peers.RunScript(ctx, func(context.Context) (net.Conn, error) { return nc, nil }, cfg, script, setup...)
	cancel()
	client.Close()
	serr := <-done
	server.Close()
	return Result{Outcome: cv.Outcome, Server: serr, ServerRan: true, Stalled: client.l.Stalled()}
}

// serve is the crypto/tls side: the handshake, then one application-data
// echo (the reference client's probe) and close_notify. It closes the
// connection when it returns, as a server does.
func (e *Env) serve(nc net.Conn, seed uint64) error {
	defer nc.Close()
	cfg := e.server.Clone()
	cfg.Rand = NewRand(seed ^ serverSeed)
	if err := nc.SetDeadline(time.Now().Add(4 * e.timeout)); err != nil {
		return err
	}
	tc := tls.Server(nc, cfg)
	if err := tc.Handshake(); err != nil {
		return err
	}
	buf := make([]byte, 1024)
	n, _ := tc.Read(buf)
	if n > 0 {
		_, _ = tc.Write(buf[:n])
	}
	_ = tc.Close()
	return nil
}

// clientConfig is the reference client's configuration of an execution:
// the versions offered, randomness from seed, the fixed clock.
func (e *Env) clientConfig(seed uint64, versions []wire.Version) *peers.ClientConfig {
	return &peers.ClientConfig{
		Versions: versions,
		Rand:     NewRand(seed),
		Time:     func() time.Time { return Epoch },
		Timeout:  e.timeout,
	}
}

// script is the default handshake of whichever version the server picks:
// the TLS 1.0-1.2 steps do nothing under TLS 1.3, so a mutation that moves
// the server to another version than the top one offered still meets a
// complete conversation.
func script() peers.Script {
	only12 := func(st peers.Step) peers.Step {
		return peers.Step{Name: st.Name, Edits: st.Edits, Run: func(cv *peers.Conversation) error {
			if cv.Version() == wire.VersionTLS13 {
				return nil
			}
			return st.Run(cv)
		}}
	}
	return peers.Script{
		peers.SendClientHello(),
		peers.ExpectServerHello(),
		peers.ExpectServerFlight(),
		only12(peers.SendClientKeyExchange()),
		peers.SendChangeCipherSpec(),
		peers.SendFinished(),
		only12(peers.ExpectServerFinished()),
		peers.ExchangeApplicationData(),
	}
}

// offer is one choice of versions the client offers.
type offer struct {
	name     string
	versions []wire.Version
}

// offers are what a version knob picks from.
var offers = []offer{
	{"tls13+12", []wire.Version{wire.VersionTLS13, wire.VersionTLS12}},
	{"tls13", []wire.Version{wire.VersionTLS13}},
	{"tls12", []wire.Version{wire.VersionTLS12}},
	{"tls11", []wire.Version{wire.VersionTLS11}},
	{"tls10", []wire.Version{wire.VersionTLS10}},
	{"all", []wire.Version{wire.VersionTLS13, wire.VersionTLS12, wire.VersionTLS11, wire.VersionTLS10}},
}

func pick[T any](list []T, knob int) T { return list[knob%len(list)] }

// header frames body as a handshake message of type t; a body longer than
// 2^24-1 is cut (the fuzzer never makes one).
func header(t wire.HandshakeType, body []byte) []byte {
	if len(body) > 1<<24-1 {
		body = body[:1<<24-1]
	}
	n := len(body)
	return append([]byte{byte(t), byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}
