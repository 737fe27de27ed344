package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// File names inside REPORT_DIR.
const (
	JSONFile    = "report.json"
	SummaryFile = "summary.md"
	JUnitFile   = "junit.xml"
	KeyLogFile  = "keylog.txt"
	HTMLFile    = "report.html"
	PcapFile    = "conversations.pcapng"
)

// Files are the reports of a run, every one of which Clear removes.
var Files = []string{JSONFile, SummaryFile, JUnitFile, HTMLFile, PcapFile, KeyLogFile}

// tmpInfix marks the temporary files reports are written to before they
// are renamed: ".report.json.tmp-123".
const tmpInfix = ".tmp-"

// Clear removes a previous run's reports from dir (and temporary files a
// killed run left), so that what dir holds after a run is this run's only:
// a run that fails at setup, or writes fewer files, never leaves an old
// PASS behind. A dir that does not exist is not an error.
func Clear(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		stale := slices.Contains(Files, name)
		for _, f := range Files {
			stale = stale || strings.HasPrefix(name, "."+f+tmpInfix)
		}
		if !stale || e.IsDir() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("reports: remove the previous run's %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// WriteJSON writes r to path as indented JSON with its checks sorted by area
// then ID, so two runs of the same suite diff cleanly. r itself is not
// reordered. The write is atomic: a temporary file in the same directory is
// renamed over path, so a reader never sees half a report and a failed write
// leaves any previous file untouched.
func WriteJSON(path string, r *Report) error {
	if r == nil {
		return fmt.Errorf("reports: write %s: nil report", path)
	}
	data, err := encodeJSON(compact(r))
	if err != nil {
		return fmt.Errorf("reports: encode %s: %w", path, err)
	}
	return writeFileAtomic(path, data)
}

// ReadJSON reads a report written by WriteJSON.
func ReadJSON(path string) (*Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("reports: decode %s: %w", path, err)
	}
	for i := range r.Checks {
		fromID(&r.Checks[i])
		if k := r.Checks[i].RuleRef; k != "" {
			q, ok := r.Rules[k]
			if !ok {
				return nil, fmt.Errorf("reports: decode %s: check %s names rule %q, which the report does not hold", path, r.Checks[i].ID, k)
			}
			r.Checks[i].Rule, r.Checks[i].RuleRef = q, ""
		}
		for j := range r.Checks[i].Transcript {
			e := &r.Checks[i].Transcript[j]
			if e.Ref == "" {
				continue
			}
			raw, ok := r.Records[e.Ref]
			if !ok {
				return nil, fmt.Errorf("reports: decode %s: check %s names record %q, which the report does not hold", path, r.Checks[i].ID, e.Ref)
			}
			e.Raw, e.Ref = raw, ""
		}
	}
	r.Records, r.Rules = nil, nil
	// A warning kept as a line of its root cause takes the rule and the
	// expectation of the check that stands for the cause.
	byID := make(map[string]int, len(r.Checks))
	for i, c := range r.Checks {
		byID[c.ID] = i
	}
	for i := range r.Checks {
		c := &r.Checks[i]
		j, ok := byID[c.SameAs]
		if c.SameAs == "" || !ok {
			continue
		}
		rep := r.Checks[j]
		if c.RFC == "" {
			c.RFC = rep.RFC
		}
		if c.Rule == "" {
			c.Rule = rep.Rule
		}
		if c.Expected == "" {
			c.Expected = rep.Expected
		}
		if c.Reason == "" {
			c.Reason = rep.Reason
		}
		if c.Level == "" {
			c.Level = rep.Level
		}
	}
	return &r, nil
}

// encodeJSON writes the report indented, except that each check (and each
// shared record) is one line: a diff of two runs shows one line per check
// that changed, and the file is a third smaller than fully indented.
func encodeJSON(r *Report) ([]byte, error) {
	head := *r
	head.Checks, head.Records, head.Rules = nil, nil, nil
	top, err := json.MarshalIndent(&head, "", "  ")
	if err != nil {
		return nil, err
	}
	// The head ends with `  "checks": null` and "}": the checks go in
	// their place.
	i := bytes.LastIndex(top, []byte(`"checks": null`))
	if i < 0 {
		return nil, fmt.Errorf("no checks field")
	}
	var b bytes.Buffer
	b.Write(top[:i])
	b.WriteString(`"checks": [`)
	for j, c := range r.Checks {
		line, err := json.Marshal(c)
		if err != nil {
			return nil, err
		}
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		b.Write(line)
	}
	if len(r.Checks) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteByte(']')
	for _, m := range []struct {
		name string
		m    map[string]string
	}{{"rules", r.Rules}, {"records", r.Records}} {
		if len(m.m) == 0 {
			continue
		}
		fmt.Fprintf(&b, ",\n  %q: {", m.name)
		keys := slices.Sorted(maps.Keys(m.m))
		for j, k := range keys {
			if j > 0 {
				b.WriteByte(',')
			}
			kv, _ := json.Marshal(k)
			vv, _ := json.Marshal(m.m[k])
			fmt.Fprintf(&b, "\n    %s: %s", kv, vv)
		}
		b.WriteString("\n  }")
	}
	b.Write(top[i+len(`"checks": null`):])
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// Kept is r with the conversations the reports keep, in report order:
// with r.Full every one; otherwise those of the checks that did not pass,
// except that a warning whose root cause another check stands for keeps
// none (SameAs names that check: its conversation went the same way).
// r is not changed.
func Kept(r *Report) *Report {
	out := *r
	out.Checks = sortedChecks(r)
	if r.Full {
		return &out
	}
	repOf := representatives(r)
	for i := range out.Checks {
		c := &out.Checks[i]
		switch rep := repOf[c.ID]; {
		case verdict(c.Status) == Pass && !c.IsExpected():
			c.Transcript, c.Conversations = nil, nil
		case rep != "" && rep != c.ID && verdict(c.Status) == Warn && !c.IsExpected() && !r.Strict:
			// (In strict mode a warning fails the gate: it keeps its own.)
			c.Transcript, c.Conversations, c.SameAs = nil, nil, rep
		}
	}
	return &out
}

// representatives maps each non-passing check to its root cause's
// representative.
func representatives(r *Report) map[string]string {
	rep := map[string]string{}
	for _, cs := range RootCauses(r) {
		for _, id := range cs.Checks {
			rep[id] = cs.Representative
		}
	}
	return rep
}

// keepContext puts back in a compact record the area, version and key
// exchange of orig that its id does not say (fromID would get them
// wrong: "real-client-hello/curl" is TLS 1.3 with ecdhe).
func keepContext(c *Check, orig Check) {
	probe := Check{ID: c.ID}
	fromID(&probe)
	if probe.Area != orig.Area || probe.Version != orig.Version || probe.KX != orig.KX {
		c.Area, c.Version, c.KX = orig.Area, orig.Version, orig.KX
	}
}

// fromID restores what a compact record leaves out and its id says: the
// area (the id's first part), the version and the key exchange (its
// context: "finished/tls12/ecdhe_rsa/flip-bit-17").
func fromID(c *Check) {
	if c.Area != "" {
		return
	}
	parts := strings.Split(c.ID, "/")
	c.Area = parts[0]
	if len(parts) >= 3 && len(parts[1]) == 5 && strings.HasPrefix(parts[1], "tls") {
		c.Version = parts[1][3:4] + "." + parts[1][4:]
		if len(parts) >= 4 {
			c.KX = parts[2]
		}
	}
}

// sharedRecord is the shortest record (in hex) worth keeping once.
const sharedRecord = 128

// compact is r as report.json holds it: checks in report order; passing
// checks without their transcript unless r.Full; a record that appears
// more than once kept once in Records. r is not changed.
func compact(r *Report) *Report {
	out := Kept(r)
	seen := map[string]int{}
	rules := map[string]string{} // sentence → key
	byID := make(map[string]Check, len(r.Checks))
	for _, c := range r.Checks {
		byID[c.ID] = c
	}
	for i := range out.Checks {
		c := &out.Checks[i]
		orig := *c
		c.Millis = math.Round(c.Millis*10) / 10
		if c.SameAs != "" {
			// A warning of a root cause another check stands for: what
			// it observed and changed; the rest is the representative's
			// (or the catalogue's: tlsconform list -json).
			// What differs from the representative is kept (ReadJSON
			// takes the rest from it).
			rep := byID[c.SameAs]
			differ := func(mine, theirs string) string {
				if mine == theirs {
					return ""
				}
				return mine
			}
			*c = Check{ID: c.ID, Status: c.Status, RFC: differ(c.RFC, rep.RFC), Rule: differ(c.Rule, rep.Rule), Level: differ(c.Level, rep.Level),
				Expected: differ(c.Expected, rep.Expected), Observed: stepless(c.Observed), Reason: differ(c.Reason, rep.Reason),
				Change: c.Change, Millis: c.Millis, SameAs: c.SameAs}
			keepContext(c, orig)
		}
		if v := verdict(c.Status); !r.Full && (v == Pass || v == Skip) && !c.IsExpected() {
			// A compact record: which check, where, and that it passed
			// (or why it did not apply); tlsconform list -json has the
			// rest of what the catalogue says of it.
			*c = Check{ID: c.ID, Status: c.Status, Reason: c.Reason, Millis: c.Millis}
			keepContext(c, orig)
		}
		if c.Rule != "" {
			k, ok := rules[c.Rule]
			if !ok {
				k = fmt.Sprintf("q%d", len(rules)+1)
				rules[c.Rule] = k
			}
			c.Rule, c.RuleRef = "", k
		}
		for _, e := range c.Transcript {
			if len(e.Raw) >= sharedRecord {
				seen[e.Raw]++
			}
		}
	}
	keys := map[string]string{}
	for i := range out.Checks {
		c := &out.Checks[i]
		var events []Event
		for j, e := range c.Transcript {
			if seen[e.Raw] < 2 {
				continue
			}
			if events == nil {
				events = slices.Clone(c.Transcript) // the caller's events stay as they were
			}
			k, ok := keys[e.Raw]
			if !ok {
				k = fmt.Sprintf("r%d", len(keys)+1)
				keys[e.Raw] = k
			}
			events[j].Raw, events[j].Ref = "", k
		}
		if events != nil {
			c.Transcript = events
		}
	}
	if len(rules) > 0 {
		out.Rules = make(map[string]string, len(rules))
		for q, k := range rules {
			out.Rules[k] = q
		}
	}
	if len(keys) > 0 {
		out.Records = make(map[string]string, len(keys))
		for raw, k := range keys {
			out.Records[k] = raw
		}
	}
	return out
}

// WriteAll writes report.json, summary.md, junit.xml and report.html into dir,
// creating it if needed; keylog.txt comes from OpenKeyLog.
func WriteAll(dir string, r *Report) error {
	if err := WriteJSON(filepath.Join(dir, JSONFile), r); err != nil {
		return err
	}
	if err := WriteSummary(filepath.Join(dir, SummaryFile), r); err != nil {
		return err
	}
	if err := WriteJUnit(filepath.Join(dir, JUnitFile), r); err != nil {
		return err
	}
	// The page carries the conversations the reports keep (Kept), every
	// record of them expandable.
	return WriteHTML(filepath.Join(dir, HTMLFile), Kept(r))
}

// WriteSetupFailure writes the reports of a run that failed before it
// judged a check: they say so (FAIL, with why), so that a CI publishing
// them never shows an earlier run's result.
func WriteSetupFailure(dir, target string, started time.Time, setup error) error {
	if err := Clear(dir); err != nil {
		return err
	}
	return WriteAll(dir, &Report{Target: target, Started: started, Elapsed: time.Since(started).Seconds(), SetupError: setup.Error()})
}

// writeFileAtomic writes data to a temporary file beside path and renames it
// over path; on any error the temporary file is removed.
func writeFileAtomic(path string, data []byte) error {
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomic is writeFileAtomic for a writer that streams: write gets the
// temporary file, and path is replaced only if write succeeds.
func writeAtomic(path string, write func(io.Writer) error) error {
	// Reports are for people and CI artifacts, not secrets: CreateTemp's
	// 0600 would surprise whoever uploads them.
	return writeAtomicMode(path, 0o644, write)
}

// writeAtomicMode is writeAtomic with the file's mode.
func writeAtomicMode(path string, mode os.FileMode, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+tmpInfix+"*")
	if err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	if err = f.Chmod(mode); err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("reports: write %s: %w", path, err)
	}
	return nil
}
