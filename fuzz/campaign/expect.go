package campaign

import (
	"slices"
	"strings"
	"sync"

	"github.com/tlsconform/tlsconform/peers/wire"
	"github.com/tlsconform/tlsconform/suite/checks"
	"github.com/tlsconform/tlsconform/suite/finished"
	"github.com/tlsconform/tlsconform/suite/hello"
	"github.com/tlsconform/tlsconform/suite/keyexchange"
	"github.com/tlsconform/tlsconform/suite/order"
	"github.com/tlsconform/tlsconform/suite/records"
)

// Expected are a target's known deviations: the entries of the
// conformance gate's expected-deviations file, which the campaign reads
// too (tlsconform campaign -expect FILE, make campaign EXPECT=FILE; the
// built-in target's default is the gate's, crypto/tls's). The command
// reads and checks the file with package suite and hands its entries
// over: this package does not import the runner. An acceptance that an
// entry of status fail names (through the checks it maps to, see
// gateChecks) is counted as expected, under the entry's id, and not
// saved as a finding.
type Expected struct {
	// Name is whose deviations these are ("crypto/tls (Go 1.26)").
	Name       string
	Deviations []ExpectedDeviation
}

// ExpectedDeviation is one entry of an expected-deviations file.
type ExpectedDeviation struct {
	// ID is a glob over check ids (checks.Glob): "client-hello/*/session_id/33-bytes".
	ID string
	// Status is fail or warn: the status the check is expected to end in.
	// A campaign finding breaks a MUST, which is a failure of the check:
	// only a fail entry excuses it.
	Status string
	Reason string
}

// match finds the entry that excuses a finding standing for the checks
// ids: as in the gate, the first entry naming a check decides it, and
// the finding is expected when that entry expects a failure.
func (e *Expected) match(ids []string) (ExpectedDeviation, bool) {
	if e == nil {
		return ExpectedDeviation{}, false
	}
	for _, id := range ids {
		for _, d := range e.Deviations {
			if !checks.Glob(d.ID, id) {
				continue
			}
			if d.Status == "fail" {
				return d, true
			}
			break // the first entry naming id decides
		}
	}
	return ExpectedDeviation{}, false
}

// How a campaign finding maps to checks of the gate. A finding breaks
// the rule of its deciding change (the last applied) at its version; the
// gate checks that change alone in every context of its family:
//
//   - a ClientHello, ClientKeyExchange or record-framing mutator maps to
//     the checks its family generates from it (checks.Check.Mutator) at
//     the finding's version: client_hello/session_id/33-bytes at TLS 1.2
//     is client-hello/tls12/ecdhe_rsa/session_id/33-bytes. Where the gate
//     does not run the change at that version (the TLS 1.0 and 1.1
//     ClientHello checks cover the fields outside the extensions only),
//     the TLS 1.2 checks of the change stand for it;
//   - a message-order or Finished variant maps to the check its family
//     names for it (checks.Variant.Check, a glob over the check names):
//     order/duplicate/client_key_exchange at TLS 1.2 is
//     message-order/tls12/*/duplicate-cke.
//
//   - a fine nested lie (mutators.Fine) breaks the rule of the length
//     lie of its field: one byte more inside a vector than its length
//     says is the length one short of its contents
//     (client_hello/nested/session_id/extra-byte is
//     client_hello/length/session_id/short), one byte less is the length
//     one long; in a ClientKeyExchange, ecdhe/ or rsa/length-short and
//     -long.
//
// A change the gate has no check for maps to none, and only a finding
// can report it (the fine values are may-reject and never make one).

// gateIndex is the gate's checks of the families the campaign draws
// from, built once (the catalogue does not change while the program
// runs).
type gateIndex struct {
	byMutator map[string][]checks.Check // from Check.Mutator
	byArea    map[string][]checks.Check // message-order, finished
}

var gate = sync.OnceValue(func() *gateIndex {
	g := &gateIndex{byMutator: map[string][]checks.Check{}, byArea: map[string][]checks.Check{}}
	for _, f := range []checks.Family{hello.Family(), keyexchange.Family(), records.Family(), order.Family(), finished.Family()} {
		for _, ch := range f.Checks() {
			if ch.Mutator != "" {
				g.byMutator[ch.Mutator] = append(g.byMutator[ch.Mutator], ch)
			}
			g.byArea[ch.Area] = append(g.byArea[ch.Area], ch)
		}
	}
	return g
})

// kindArea is the gate area of a variant kind's checks.
var kindArea = map[string]string{KindOrder: "message-order", KindFinished: "finished"}

// gateChecks are the ids of the gate's checks that change name, made at
// version v in a conversation of kind kind, stands for (sorted).
func (cat *catalog) gateChecks(kind, name string, v wire.Version) []string {
	g := gate()
	var ids []string
	if alias, ok := nestedAlias(name); ok {
		name = alias
	}
	if x, ok := cat.variants[name]; ok {
		if x.Check == "" {
			return nil
		}
		for _, ch := range g.byArea[kindArea[kind]] {
			rest := strings.TrimPrefix(ch.ID, ch.Area+"/"+ch.Ctx.Slug()+"/")
			if ch.Ctx.Version == v && checks.Glob(x.Check, rest) {
				ids = append(ids, ch.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	for _, at := range []wire.Version{v, wire.VersionTLS12} {
		for _, ch := range g.byMutator[name] {
			if ch.Ctx.Version == at {
				ids = append(ids, ch.ID)
			}
		}
		if len(ids) > 0 {
			break
		}
	}
	slices.Sort(ids)
	return ids
}

// nestedAlias is the registry's length lie whose rule the fine nested
// lie name breaks (see gateChecks).
func nestedAlias(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "client_hello/nested/")
	cke := false
	if !ok {
		if rest, ok = strings.CutPrefix(name, "client_key_exchange/nested/"); !ok {
			return "", false
		}
		cke = true
	}
	class, lie, ok := strings.Cut(rest, "/")
	if !ok || class == "any" {
		return "", false
	}
	dir := map[string]string{"extra-byte": "short", "missing-byte": "long"}[lie]
	switch {
	case dir == "":
		return "", false
	case !cke:
		return "client_hello/length/" + class + "/" + dir, true
	case class == "ecdh_Yc":
		return "client_key_exchange/ecdhe/length-" + dir, true
	case class == "encrypted_pre_master_secret":
		return "client_key_exchange/rsa/length-" + dir, true
	}
	return "", false
}
