package suite

import (
	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/suite/clientfinished"
	"github.com/tlsconform/tlsconform/suite/clientkx"
	"github.com/tlsconform/tlsconform/suite/clientmalformed"
	"github.com/tlsconform/tlsconform/suite/clientnegotiation"
	"github.com/tlsconform/tlsconform/suite/clientorder"
	"github.com/tlsconform/tlsconform/suite/clientrecords"
	"github.com/tlsconform/tlsconform/suite/finished"
	"github.com/tlsconform/tlsconform/suite/hello"
	"github.com/tlsconform/tlsconform/suite/keyexchange"
	"github.com/tlsconform/tlsconform/suite/negotiation"
	"github.com/tlsconform/tlsconform/suite/order"
	"github.com/tlsconform/tlsconform/suite/records"
	"github.com/tlsconform/tlsconform/suite/renegotiation"
	"github.com/tlsconform/tlsconform/suite/replay"
	"github.com/tlsconform/tlsconform/suite/resumption"
)

// Families are the check families, in catalogue order. Each lives in its
// own folder under suite/ and holds its checks, the reference server's
// misbehaviours it catches, its self-test expectations and the known
// deviations of crypto/tls; a new check goes into one of them.
func Families() []checks.Family {
	var out []checks.Family
	for _, f := range allFamilies() {
		if !f.Client {
			out = append(out, f)
		}
	}
	return out
}

// allFamilies are the families of server checks, then those of client
// checks (ClientFamilies).
func allFamilies() []checks.Family {
	return []checks.Family{order.Family(), negotiation.Family(), finished.Family(), hello.Family(),
		keyexchange.Family(), records.Family(), replay.Family(), resumption.Family(), renegotiation.Family(),
		clientnegotiation.Family(), clientorder.Family(), clientfinished.Family(), clientkx.Family(), clientmalformed.Family(), clientrecords.Family()}
}

// Catalogue is every check: for each context, the baseline first, then
// the checks of every family. The list does not depend on the target:
// checks that do not apply are skipped at run time with the reason shown.
func Catalogue() []checks.Check {
	var out []checks.Check
	for _, c := range checks.Contexts() {
		out = append(out, checks.Baseline(c))
	}
	for _, f := range Families() {
		out = append(out, f.Checks()...)
	}
	for i := range out {
		if out[i].Rule.Text == "" {
			m, _ := mutators.ByName(out[i].Mutator)
			if r, ok := checks.RuleOf(out[i], m.Expect.Class == mutators.MustTolerate); ok {
				out[i].Rule = r
			}
		}
	}
	return out
}

// Misbehaviours are the reference server's named ways to break the
// protocol, every family's: reference:NAME as a target.
func Misbehaviours() []peers.Misbehaviour {
	var out []peers.Misbehaviour
	for _, f := range Families() {
		out = append(out, f.Misbehaviours...)
	}
	return out
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
