package corpus_test

import (
	"bytes"
	"fmt"
	"regexp"
	"testing"

	"github.com/tlsconform/tlsconform/corpus"
	"github.com/tlsconform/tlsconform/mutators"
	"github.com/tlsconform/tlsconform/peers/wire"
)

func templates(t *testing.T) []corpus.Template {
	t.Helper()
	ts, err := corpus.Templates()
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) == 0 {
		t.Fatal("corpus/clienthello holds no template: run make corpus")
	}
	return ts
}

// firstDiff describes where two byte strings part, for a codec bug report.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-8)
	return fmt.Sprintf("lengths %d and %d, first difference at offset %d: got %x… want %x…",
		len(got), len(want), i, got[lo:min(len(got), i+16)], want[lo:min(len(want), i+16)])
}

// TestTemplatesRoundTrip: every real ClientHello parses, its provenance is
// complete, and it marshals back byte for byte, with and without a layout
// (the byte-level mutators aim through the layout). A hello that does not
// round-trip is a peers/wire bug.
func TestTemplatesRoundTrip(t *testing.T) {
	name := regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	for _, tp := range templates(t) {
		t.Run(tp.Name, func(t *testing.T) {
			p := tp.Provenance
			if !name.MatchString(tp.Name) {
				t.Errorf("name %q is not a plain file name", tp.Name)
			}
			if p.Client == "" || p.Command == "" || p.ClientVersion == "" || p.Captured.IsZero() {
				t.Errorf("incomplete provenance: %+v", p)
			}
			if p.Captured.Location().String() != "UTC" {
				t.Errorf("captured %s is not in UTC", p.Captured)
			}
			if sni := corpus.OfferOf(tp.Hello).ServerName; sni != p.SNI {
				t.Errorf("provenance says SNI %q, the hello carries %q", p.SNI, sni)
			}
			got, err := tp.Hello.Marshal()
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			if !bytes.Equal(got, tp.Raw) {
				t.Errorf("Marshal(Unmarshal(raw)) != raw: %s", firstDiff(got, tp.Raw))
			}
			if _, _, err := wire.ParseLayout(tp.Raw, wire.Context{}); err != nil {
				t.Errorf("ParseLayout: %v", err)
			}
			t.Logf("%s (%s): %d bytes; %v", p.Client, p.ClientVersion, len(tp.Raw), corpus.Features(tp.Hello))
		})
	}
}

// TestMutatorsApplyToEveryTemplate: every ClientHello mutator of the
// registry (whatever it holds) runs on every template without a panic,
// gives the same bytes twice for a seed, and leaves the template as it was.
func TestMutatorsApplyToEveryTemplate(t *testing.T) {
	ts := templates(t)
	var ms []mutators.Mutator
	for _, m := range mutators.Registry() {
		if m.Hello != nil || m.Bytes != nil {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		t.Log("the registry holds no ClientHello mutator yet")
	}
	applied, skipped := 0, 0
	for _, m := range ms {
		for _, tp := range ts {
			for _, seed := range []uint64{1, 2} {
				a, okA, errA := mutate(m, tp.Hello, seed)
				b, okB, errB := mutate(m, tp.Hello, seed)
				switch {
				case errA != nil && isPanic(errA):
					t.Errorf("%s on %s (seed %d): %v", m.Name, tp.Name, seed, errA)
					continue
				case okA != okB || !bytes.Equal(a, b) || (errA == nil) != (errB == nil):
					t.Errorf("%s on %s (seed %d) is not deterministic: (%v, %v, %x) then (%v, %v, %x)", m.Name, tp.Name, seed, okA, errA, a, okB, errB, b)
				case okA:
					applied++
				default:
					skipped++
				}
				if got, err := tp.Hello.Marshal(); err != nil || !bytes.Equal(got, tp.Raw) {
					t.Fatalf("%s changed template %s in place", m.Name, tp.Name)
				}
			}
		}
	}
	t.Logf("%d mutators × %d templates × 2 seeds: %d applied, %d did not apply", len(ms), len(ts), applied, skipped)
}

type panicErr struct{ v any }

func (p panicErr) Error() string { return fmt.Sprintf("panic: %v", p.v) }

func isPanic(err error) bool { _, ok := err.(panicErr); return ok }

// mutate runs MutateHello, turning a panic into an error.
func mutate(m mutators.Mutator, ch *wire.ClientHello, seed uint64) (out []byte, ok bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, ok, err = nil, false, panicErr{v}
		}
	}()
	return mutators.MutateHello(m, ch, seed)
}

func TestClientNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range corpus.Clients("capturehello") {
		if seen[c.Name] {
			t.Errorf("client %s listed twice", c.Name)
		}
		seen[c.Name] = true
		if len(c.Command) == 0 || len(c.Needs) == 0 {
			t.Errorf("client %s: no command or no requirement", c.Name)
		}
	}
}
