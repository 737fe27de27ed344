// Package mutators holds pure, named, deterministic changes that turn a valid
// TLS message (or its bytes, or its record framing) into a malformed one.
// The conformance checks use them one at a time with a fixed expectation;
// the fuzzers compose them at random. A mutator never does I/O and never
// panics on any input: a mutator that does not apply to a message says so.
//
// Start with Mutator and Expectation (mutators.go: the class, the RFC
// rule and the level per version of each malformation) and Registry; the
// families are in hello.go, keyexchange.go and framing.go. A new
// malformation goes here, with its expectation and level, and becomes a
// conformance check in its family under suite/ without more code. The
// fine families (fine.go: a nested length off by one with the lengths
// around it kept right, interesting values inside a field, for the
// ClientHello, the ClientKeyExchange and the Finished) are for the
// fuzzers only: Fine, not Registry.
//
// mutators imports peers/wire (and peers/kx for RSA padding), never the
// engine, suite, Ginkgo or Gomega.
package mutators

import (
	"crypto/rsa"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// Class is what a target must do with a mutated message.
type Class uint8

const (
	// MustReject: the handshake must not go on; Alerts are the alerts the
	// RFC names (another alert, or a close, is a SHOULD-level deviation).
	MustReject Class = iota
	// MustTolerate: the handshake must go on (unknown values ignored, size
	// edges accepted).
	MustTolerate
	// Oracle: the target's answers must not differ between the variants of
	// the family (RSA padding, ROBOT).
	Oracle
	// MayReject: the RFC lets the target choose (a "MAY abort" rule): it
	// goes on correctly, or it stops, preferably with one of Alerts.
	MayReject
)

func (c Class) String() string {
	switch c {
	case MustReject:
		return "must-reject"
	case MustTolerate:
		return "must-tolerate"
	case Oracle:
		return "oracle"
	case MayReject:
		return "may-reject"
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// Expectation is a mutator's expected outcome and the rule behind it.
type Expectation struct {
	Class Class
	// Alerts: for MustReject and MayReject, the alerts the RFC names; for Oracle, an
	// answer the RFC allows instead of the family's common one (decode_error
	// for an RSA ciphertext of the wrong length).
	Alerts []wire.AlertDescription
	RFC    string // "RFC 8446 §4.2"
	Row    int    // the row of the check catalogue
	// Should maps each version at which the rule binds the receiver at
	// SHOULD level only to why: there, a target that goes on where it
	// should have stopped (or stops where it should have gone on) deviates
	// from a recommendation and violates no MUST. At every other version
	// the rule is a MUST. Set with ShouldAt where the mutator is defined;
	// the conformance checks and the campaign read it through Level and
	// ShouldWhy. Never changed after the registry is built.
	Should map[wire.Version]string
}

// Level is how strongly an RFC binds the receiver to an expectation.
type Level uint8

const (
	// LevelMust: deviating violates the RFC; the check fails.
	LevelMust Level = iota
	// LevelShould: deviating goes against a recommendation (or a rule the
	// RFC puts on the sender alone); the check warns.
	LevelShould
)

func (l Level) String() string {
	if l == LevelShould {
		return "SHOULD"
	}
	return "MUST"
}

// Level is the level at which the rule binds the receiver at version v.
func (e Expectation) Level(v wire.Version) Level {
	if _, ok := e.Should[v]; ok {
		return LevelShould
	}
	return LevelMust
}

// ShouldWhy says why the rule is SHOULD level only at version v, for the
// verdict of a target that deviates there; "" where it is a MUST.
func (e Expectation) ShouldWhy(v wire.Version) string { return e.Should[v] }

// ShouldAt returns e with the rule binding the receiver at SHOULD level
// only at versions vs, for the reason why (a version already SHOULD level
// keeps its reason). e itself is not changed.
func (e Expectation) ShouldAt(why string, vs ...wire.Version) Expectation {
	should := make(map[wire.Version]string, len(e.Should)+len(vs))
	maps.Copy(should, e.Should)
	for _, v := range vs {
		if _, ok := should[v]; !ok {
			should[v] = why
		}
	}
	e.Should = should
	return e
}

// Reject is a MustReject expectation.
func Reject(rfc string, row int, alerts ...wire.AlertDescription) Expectation {
	return Expectation{Class: MustReject, Alerts: alerts, RFC: rfc, Row: row}
}

// Tolerate is a MustTolerate expectation.
func Tolerate(rfc string, row int) Expectation {
	return Expectation{Class: MustTolerate, RFC: rfc, Row: row}
}

// MayAbort is a MayReject expectation.
func MayAbort(rfc string, row int, alerts ...wire.AlertDescription) Expectation {
	return Expectation{Class: MayReject, Alerts: alerts, RFC: rfc, Row: row}
}

// Hello is a typed change of a ClientHello. It changes ch in place and
// reports false when it does not apply to this ClientHello (for example
// deleting an extension it does not have). rnd is seeded by the caller.
type Hello func(ch *wire.ClientHello, rnd *rand.Rand) bool

// Bytes is a change of a marshalled handshake message (header included),
// aimed through its layout (the position of every field and length). It
// returns the new bytes, or false when it does not apply.
type Bytes func(msg []byte, layout wire.Layout, rnd *rand.Rand) ([]byte, bool)

// KeyExchange is the input of a ClientKeyExchange mutator.
type KeyExchange struct {
	Version       wire.Version // negotiated
	ClientVersion wire.Version // ClientHello.legacy_version (the PMS's first two bytes)
	RSA           *rsa.PublicKey
	// ECDHE: the group and a valid client public value for it.
	Group wire.Group
	Point []byte
}

// CKE builds the exchange_keys bytes of a ClientKeyExchange (the body
// without its own length prefix unless the mutator is about that prefix:
// then Raw is true and the bytes are the whole body). It reports false when
// it does not apply (an RSA variant on an ECDHE exchange).
type CKE func(in KeyExchange, rnd *rand.Rand) (body []byte, raw bool, ok bool)

// Framing turns a flight of handshake messages (marshalled back to back)
// into the bytes on the wire, records included, for plaintext records with
// the given record version. It reports false when it does not apply.
type Framing func(flight []byte, version wire.Version, rnd *rand.Rand) ([]byte, bool)

// Mutator is one named change with its expectation. Exactly one of Hello,
// Bytes, CKE, Framing, ServerMessage and ClientMessage is set.
type Mutator struct {
	// Name is unique and stable: "client_hello/extensions/duplicate/key_share".
	Name string
	// Doc says in one line what the mutator does.
	Doc    string
	Expect Expectation
	// Versions it applies to; empty means every version.
	Versions []wire.Version
	// Group, for a change of a TLS 1.3 key share value, is the group
	// whose share it changes: the ClientHello it makes offers that group
	// alone (supported_groups and key_share), so that a server cannot
	// pick another; a check offers it only to a target that takes the
	// group at TLS 1.3. Zero for every other mutator.
	Group wire.Group

	Hello   Hello
	Bytes   Bytes
	CKE     CKE
	Framing Framing
	// ServerMessage is a change of a marshalled server handshake message
	// (header included) of the type the name's family names
	// ("server_hello/...": a ServerHello), aimed through its layout: what
	// the client-side families send a client under test. Bytes is the
	// ClientHello's.
	ServerMessage Bytes
	// ClientMessage is a change of a marshalled client handshake message
	// after the ClientHello (header included) of the type the name's
	// first element names ("client_key_exchange/...",
	// "finished/...": ClientMessageTypes), aimed through its layout in
	// the negotiated context: what the fuzzers send deep in a complete
	// handshake. Only fine mutators (Fine) have one.
	ClientMessage Bytes
}

// Family is the name without its last element:
// "client_hello/extensions/duplicate".
func (m Mutator) Family() string {
	if i := strings.LastIndex(m.Name, "/"); i > 0 {
		return m.Name[:i]
	}
	return m.Name
}

// AppliesTo reports whether the mutator is meant for version v.
func (m Mutator) AppliesTo(v wire.Version) bool {
	return len(m.Versions) == 0 || slices.Contains(m.Versions, v)
}

// Rand is the deterministic source a mutator gets for a seed.
func Rand(seed uint64, name string) *rand.Rand {
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return rand.New(rand.NewPCG(seed, h))
}

// Registry is every mutator, sorted by name. Families register in their
// own files.
func Registry() []Mutator { return slices.Clone(registry()) }

// registry builds the list once: generating the truncation and length
// families marshals sample hellos (about half a millisecond), which a fuzz
// execution must not pay each time. Mutators are values of pure functions,
// so the list never changes after it is built; callers get a copy.
var registry = sync.OnceValue(func() []Mutator {
	all := slices.Concat(helloMutators(), keyExchangeMutators(), framingMutators(), serverMessageMutators())
	slices.SortFunc(all, func(a, b Mutator) int { return strings.Compare(a.Name, b.Name) })
	return all
})

// ByName finds a mutator.
func ByName(name string) (Mutator, bool) {
	for _, m := range registry() {
		if m.Name == name {
			return m, true
		}
	}
	return Mutator{}, false
}

// Select returns the mutators whose name starts with prefix.
func Select(prefix string) []Mutator {
	var out []Mutator
	for _, m := range registry() {
		if strings.HasPrefix(m.Name, prefix) {
			out = append(out, m)
		}
	}
	return out
}

// MutateHello applies a Hello or Bytes mutator to a ClientHello and returns
// the message bytes to send. ch is not changed.
func MutateHello(m Mutator, ch *wire.ClientHello, seed uint64) ([]byte, bool, error) {
	rnd := Rand(seed, m.Name)
	c := ch.Clone()
	if m.Hello != nil {
		if !m.Hello(c, rnd) {
			return nil, false, nil
		}
		b, err := c.Marshal()
		return b, err == nil, err
	}
	if m.Bytes != nil {
		msg, layout, err := wire.MarshalLayout(c)
		if err != nil {
			return nil, false, err
		}
		out, ok := m.Bytes(msg, layout, rnd)
		return out, ok, nil
	}
	return nil, false, fmt.Errorf("mutators: %s does not change a ClientHello", m.Name)
}
