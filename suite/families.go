package suite

import (
	"slices"

	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/suite/finished"
	"github.com/tlsconform/tlsconform/suite/hello"
	"github.com/tlsconform/tlsconform/suite/keyexchange"
	"github.com/tlsconform/tlsconform/suite/negotiation"
	"github.com/tlsconform/tlsconform/suite/order"
	"github.com/tlsconform/tlsconform/suite/records"
)

// Misbehaviours are the reference server's named ways to break the
// protocol, each family's own: the self-test requires the checks of the
// family to catch each of them (reference:NAME as a target).
func Misbehaviours() []peers.Misbehaviour {
	return slices.Concat(finished.Misbehaviours(), order.Misbehaviours(), negotiation.Misbehaviours(),
		hello.Misbehaviours(), keyexchange.Misbehaviours(), records.Misbehaviours())
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
