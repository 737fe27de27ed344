package suite

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tlsconform/tlsconform/reports"
	"github.com/tlsconform/tlsconform/suite/checks"
)

// Expectations are a target's known deviations, read from an
// expected-deviations file (JSON):
//
//	{
//	  "name": "crypto/tls (Go 1.26)",
//	  "deviations": [
//	    {"id": "client-hello/*/session_id/33-bytes", "status": "fail",
//	     "reason": "accepts a 33-byte session_id", "link": "https://go.dev/issue/NNN"}
//	  ]
//	}
//
// Each entry's id is a glob over check ids (* matches any run of
// characters, slashes included; ? matches one), its status is fail or
// warn, and its reason says why the deviation is accepted. A check that
// ends in the status of the first entry naming it is an expected
// deviation: reported with the entry's reason, it does not fail the run.
// An entry that no longer happens (every check it names that was judged
// ended otherwise) is stale and fails the run.
type Expectations struct {
	// Name is whose deviations these are, for the summary line ("21
	// expected deviations of crypto/tls (Go 1.26)"); default the file's
	// path.
	Name       string              `json:"name,omitempty"`
	Comment    string              `json:"comment,omitempty"`
	Deviations []reports.Deviation `json:"deviations"`

	path string // the file it was read from
}

// Path is the file the expectations were read from ("" when made in code).
func (e *Expectations) Path() string { return e.path }

//go:embed crypto-tls.expect.json
var cryptoTLSExpect []byte

// CryptoTLSExpectFile is where the crypto/tls expectations live in this
// repository (the built-in target's default; a crypto/tls server of
// one's own can start from a copy).
const CryptoTLSExpectFile = "suite/crypto-tls.expect.json"

// CryptoTLSExpectations are the known deviations of Go's crypto/tls at the
// Go version in go.mod, the built-in target's default expectations.
func CryptoTLSExpectations() *Expectations {
	e, err := ParseExpectations(cryptoTLSExpect, CryptoTLSExpectFile)
	if err != nil {
		panic(err) // TestCryptoTLSExpectations keeps the embedded file valid
	}
	return e
}

// LoadExpectations reads and checks an expected-deviations file.
func LoadExpectations(path string) (*Expectations, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("expected-deviations file %s does not exist: give the path of an existing file, or create one with -update-expect", path)
	}
	if err != nil {
		return nil, fmt.Errorf("expected-deviations file: %w", err)
	}
	return ParseExpectations(data, path)
}

// ParseExpectations checks an expected-deviations file's contents; name
// (the file's path) is used in errors and as the default Name. Every
// entry must name at least one check of the catalogue: a typo would
// otherwise excuse nothing and go unnoticed.
func ParseExpectations(data []byte, name string) (*Expectations, error) {
	return parseExpectations(data, name, allIDs())
}

// parseExpectations checks a file against the check ids it may name.
func parseExpectations(data []byte, name string, ids []string) (*Expectations, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var e Expectations
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("expected-deviations file %s: %s", name, jsonError(data, err))
	}
	if dec.More() {
		return nil, fmt.Errorf("expected-deviations file %s: more than one JSON value; the file holds one object with a \"deviations\" list", name)
	}
	if e.Name == "" {
		e.Name = name
	}
	e.path = name
	seen := map[string]int{}
	for i, d := range e.Deviations {
		at := fmt.Sprintf("expected-deviations file %s, entry %d", name, i+1)
		switch {
		case d.ID == "":
			return nil, fmt.Errorf("%s: no \"id\": give a check id or a glob over ids (tlsconform list prints them)", at)
		case d.Status != reports.Fail && d.Status != reports.Warn:
			return nil, fmt.Errorf("%s (%q): status %q: want \"fail\" or \"warn\"", at, d.ID, d.Status)
		case strings.TrimSpace(d.Reason) == "":
			return nil, fmt.Errorf("%s (%q): no \"reason\": say why this deviation is accepted", at, d.ID)
		case d.Observed != "":
			return nil, fmt.Errorf("%s (%q): \"observed\" is written in reports, not read from this file", at, d.ID)
		}
		if j, dup := seen[d.ID]; dup {
			return nil, fmt.Errorf("%s: id %q is entry %d already", at, d.ID, j)
		}
		seen[d.ID] = i + 1
		if !slices.ContainsFunc(ids, func(id string) bool { return Glob(d.ID, id) }) {
			return nil, fmt.Errorf("%s: %q names no check (ids look like finished/tls12/ecdhe_rsa/flip-bit-0; tlsconform list -run '%s' shows what matches)", at, d.ID, d.ID)
		}
	}
	// The first entry naming a check decides it: an entry every check of
	// which an earlier one names would never be used, nor go stale.
	used := make([]bool, len(e.Deviations))
	for _, id := range ids {
		if i := e.match(id); i >= 0 {
			used[i] = true
		}
	}
	for i, u := range used {
		if !u {
			d := e.Deviations[i]
			j := slices.IndexFunc(e.Deviations[:i], func(o reports.Deviation) bool {
				return slices.ContainsFunc(ids, func(id string) bool { return Glob(d.ID, id) && Glob(o.ID, id) })
			})
			return nil, fmt.Errorf("expected-deviations file %s, entry %d (%q): never used: entry %d (%q) comes first and names every check it names; put the more specific entry first, or delete one",
				name, i+1, d.ID, j+1, e.Deviations[j].ID)
		}
	}
	return &e, nil
}

// jsonError says where in data a decoding error is, by line.
func jsonError(data []byte, err error) string {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if off >= 0 && off <= int64(len(data)) {
		line := 1 + bytes.Count(data[:off], []byte("\n"))
		return fmt.Sprintf("line %d: %s", line, msg)
	}
	if errors.Is(err, io.EOF) {
		return "empty file: want an object with a \"deviations\" list"
	}
	return msg
}

// match is the first entry naming id, and its index; -1 when none does.
func (e *Expectations) match(id string) int {
	if e == nil {
		return -1
	}
	for i, d := range e.Deviations {
		if Glob(d.ID, id) {
			return i
		}
	}
	return -1
}

// Updated is e rewritten from a run (the -update-expect flag): every
// failure no entry expected is added under its own id (with strict,
// every warning too), with a reason to edit, ahead of the entries kept;
// entries that went stale are dropped, the others kept with their
// reasons. e may be nil. A run that lost its target or was interrupted
// is no ground to rewrite anything: that is an error.
func (e *Expectations) Updated(rep *reports.Report, strict bool) (*Expectations, error) {
	switch {
	case rep.TargetLost != "":
		return nil, fmt.Errorf("not rewriting the expectations: the target stopped answering during the run (%s)", rep.TargetLost)
	case rep.Incomplete != "":
		return nil, fmt.Errorf("not rewriting the expectations: the run is %s", rep.Incomplete)
	}
	out := &Expectations{Name: rep.Target, Deviations: []reports.Deviation{}}
	if e != nil {
		out.Name, out.Comment, out.path = e.Name, e.Comment, e.path
	}
	day := time.Now().UTC().Format("2006-01-02")
	for _, c := range rep.Checks {
		if c.IsExpected() || (c.Status != reports.Fail && !(strict && c.Status == reports.Warn)) {
			continue
		}
		out.Deviations = append(out.Deviations, reports.Deviation{
			ID: c.ID, Status: c.Status,
			Reason: fmt.Sprintf("recorded by -update-expect on %s (edit: say why it is accepted): expected %s, observed %s", day, c.Expected, c.Observed),
		})
	}
	if e != nil {
		for _, d := range e.Deviations {
			stale := slices.ContainsFunc(rep.Stale, func(s reports.Deviation) bool { return s.ID == d.ID })
			added := slices.ContainsFunc(out.Deviations, func(n reports.Deviation) bool { return n.ID == d.ID })
			if !stale && !added {
				out.Deviations = append(out.Deviations, d)
			}
		}
	}
	return out, nil
}

// Rejudge says whether rep fails the gate under e instead of the
// expectations it ran with (after -update-expect: what would the next
// run with the same results say).
func (e *Expectations) Rejudge(rep *reports.Report, strict bool) bool {
	again := *rep
	again.Stale = nil
	again.Checks = make([]reports.Check, len(rep.Checks))
	for i, c := range rep.Checks {
		c.Deviation = nil
		if j := e.match(c.ID); j >= 0 && e.Deviations[j].Status == c.Status {
			d := e.Deviations[j]
			c.Deviation = &d
		}
		again.Checks[i] = c
	}
	return reports.Failed(&again, strict)
}

// Write writes e to path as indented JSON, atomically enough for a file
// kept in version control (a temporary file renamed over it).
func (e *Expectations) Write(path string) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing expected deviations: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing expected deviations: %w", err)
	}
	return nil
}

// expectState follows one run's expectations: for each entry, how many
// checks of the catalogue it decides, and what became of those the run
// recorded.
type expectState struct {
	e *Expectations
	// Per entry: the catalogue checks it decides (it is the first entry
	// naming them); those recorded in this run; those judged pass, warn
	// or fail from their own conversation; those that ended in its
	// status; those whose verdict proves nothing (inconclusive, or not
	// from their own conversation); a few "status id" of the judged
	// ones that did not deviate.
	total, seen, judged, happened, unproven []int
	instead                                 [][]string
}

func newExpectState(e *Expectations) *expectState {
	if e == nil {
		return nil
	}
	n := len(e.Deviations)
	s := &expectState{e: e, total: make([]int, n), seen: make([]int, n), judged: make([]int, n),
		happened: make([]int, n), unproven: make([]int, n), instead: make([][]string, n)}
	for _, id := range allIDs() {
		if i := e.match(id); i >= 0 {
			s.total[i]++
		}
	}
	return s
}

// note records a check's verdict (own: from its own conversation); it
// returns the entry the check's status was expected by, or nil.
func (s *expectState) note(id string, st reports.Status, own bool) *reports.Deviation {
	if s == nil {
		return nil
	}
	i := s.e.match(id)
	if i < 0 {
		return nil
	}
	s.seen[i]++
	switch {
	case st == reports.Skip:
		return nil
	case !own || (st != reports.Pass && st != reports.Warn && st != reports.Fail):
		s.unproven[i]++
		return nil
	}
	s.judged[i]++
	d := s.e.Deviations[i]
	if d.Status == st {
		s.happened[i]++
		return &d
	}
	if len(s.instead[i]) < 3 {
		s.instead[i] = append(s.instead[i], string(st)+" "+id)
	}
	return nil
}

// name is whose expectations these are, "" without any.
func (s *expectState) name() string {
	if s == nil {
		return ""
	}
	return s.e.Name
}

// file is where the expectations were read from, "" without a file.
func (s *expectState) file() string {
	if s == nil {
		return ""
	}
	return s.e.path
}

// stale are the entries that no longer happen: every check the entry
// decides was recorded, at least one was judged, none proves nothing,
// and none ended in the entry's status. An entry some of whose checks
// did not run (a narrower -run, a label filter) is not confirmed either
// way, and not stale.
func (s *expectState) stale() []reports.Deviation {
	if s == nil {
		return nil
	}
	var out []reports.Deviation
	for i, d := range s.e.Deviations {
		if s.seen[i] == s.total[i] && s.judged[i] > 0 && s.unproven[i] == 0 && s.happened[i] == 0 {
			d.Observed = strings.Join(s.instead[i], ", ")
			if n := s.judged[i] - len(s.instead[i]); n > 0 {
				d.Observed += fmt.Sprintf(" and %d more", n)
			}
			out = append(out, d)
		}
	}
	return out
}

// Glob reports whether id matches pattern: * matches any run of
// characters (slashes included), ? any one character, everything else
// itself (checks.Glob, which the campaign shares).
func Glob(pattern, id string) bool { return checks.Glob(pattern, id) }

// Select is the checks of list whose id matches one of run's globs
// (comma-separated; all when run is empty) and none of skip's. It is an
// error when a glob selects nothing, which is most often a typo.
func Select(list []checks.Check, run, skip string) ([]checks.Check, error) {
	runs, skips := globs(run), globs(skip)
	for _, g := range append(slices.Clone(runs), skips...) {
		if !slices.ContainsFunc(list, func(ch checks.Check) bool { return Glob(g, ch.ID) }) {
			return nil, fmt.Errorf("%q names no check (ids look like finished/tls12/ecdhe_rsa/flip-bit-0, * matches any run of characters; tlsconform list prints them all)", g)
		}
	}
	var out []checks.Check
	for _, ch := range list {
		in := len(runs) == 0 || slices.ContainsFunc(runs, func(g string) bool { return Glob(g, ch.ID) })
		if in && !slices.ContainsFunc(skips, func(g string) bool { return Glob(g, ch.ID) }) {
			out = append(out, ch)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-run %q with -skip %q leaves no check to run", run, skip)
	}
	return out, nil
}

func globs(s string) []string {
	var out []string
	for _, g := range strings.Split(s, ",") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}

// catalogueIDs are the ids of every server check, clientCatalogueIDs
// of every client check, allIDs both (computed once).
var (
	catalogueIDs       = sync.OnceValue(func() []string { return idsOf(Catalogue()) })
	clientCatalogueIDs = sync.OnceValue(func() []string { return idsOf(ClientCatalogue()) })
	allIDs             = sync.OnceValue(func() []string { return append(slices.Clone(catalogueIDs()), clientCatalogueIDs()...) })
)

func idsOf(list []checks.Check) []string {
	var ids []string
	for _, ch := range list {
		ids = append(ids, ch.ID)
	}
	return ids
}
