package campaign

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Oracles: what a finding is.
const (
	// OracleCrash: the target process exited (with TARGET_CMD), or the
	// target stopped answering valid handshakes (without it).
	OracleCrash = "crash"
	// OracleHang: the target held a connection silent past the deadline
	// where any target, conformant or lenient, answers.
	OracleHang = "hang"
	// OracleAccept: the target went on where it must reject.
	OracleAccept = "accept"
	// OracleDifferential: two targets disagree on accept versus reject.
	OracleDifferential = "differential"
)

// Finding is one saved finding: finding.json. A finding is a bug: every
// conversation that reaches it (the same crash site, the same rule broken
// with the same answer) is one of its Inputs, and its Case and files are
// the smallest reproducer known.
type Finding struct {
	Oracle string `json:"oracle"`
	// Signature is the deduplication key (see crashSignature,
	// ruleSignature): the directory's name is made from it.
	Signature string `json:"signature"`
	// Seed, Worker and Iteration name the conversation in the campaign
	// that found it (the campaign seed; Case.Seed is the conversation's).
	Seed      uint64   `json:"seed"`
	Worker    int      `json:"worker"`
	Iteration uint64   `json:"iteration"`
	Mutators  []string `json:"mutators"`
	Version   string   `json:"version"`
	Target    string   `json:"target"`
	TargetCmd string   `json:"target_cmd,omitempty"`
	Target2   string   `json:"target2,omitempty"`
	// Shard is the shard ("K/N") whose worker and iteration these are,
	// when the campaign was split (see Shard).
	Shard string    `json:"shard,omitempty"`
	Time  time.Time `json:"time"`
	// FoundAfter is the campaign time (over every run, as State.Elapsed)
	// before it was first found: the time to first hit.
	FoundAfter string `json:"found_after,omitempty"`
	// Outcome is how the conversation ended; Answer its class.
	Outcome  string `json:"outcome"`
	Answer   Answer `json:"answer"`
	Expected string `json:"expected"`
	// Outcome2 and Answer2: the second target's, for a differential.
	Outcome2 string `json:"outcome2,omitempty"`
	Answer2  Answer `json:"answer2,omitempty"`
	// ExitStatus is how the target process ended, for a crash.
	ExitStatus string `json:"exit_status,omitempty"`
	// Site is where the target's own output says it failed, for a crash
	// or hang keyed by it; nil when the output names no site (the key is
	// then the changes made).
	Site *Site `json:"site,omitempty"`
	// Rule is the rule an accept or differential finding breaks: the
	// deciding change, its class, level and RFC label, and the sentence
	// that puts the duty on the receiver.
	Rule string `json:"rule,omitempty"`
	// Verdict is the reproducer re-judged after minimization, as the
	// conformance gate judges a check.
	Verdict string `json:"verdict,omitempty"`
	// Checks are the conformance checks of the gate the finding stands
	// for (ids): an expected-deviations entry that names one of them
	// makes the finding expected.
	Checks []string `json:"checks,omitempty"`
	// Reproduced: the conversation was sent again and did the same (a
	// crash found after the fact is reproduced when its triage found
	// which conversation does it).
	Reproduced bool `json:"reproduced"`
	// MinimizedFrom are the mutators before minimization, when it dropped
	// some.
	MinimizedFrom []string `json:"minimized_from,omitempty"`
	// Candidates are the conversations sent last before a crash that
	// triage could not pin down, newest first.
	Candidates []Case `json:"candidates,omitempty"`
	// Timeout is the per-read deadline the conversation ran under.
	Timeout string `json:"timeout"`
	// Case is what replay sends: the smallest reproducer known.
	Case Case `json:"case"`
	// Size is the bytes the client sends in Case (client.bin).
	Size int `json:"size"`
	// Hits counts the conversations that reached the finding, in every
	// run; Inputs are the distinct ones (kind, changes, version,
	// template, key exchange), smallest first, at most maxInputs (the
	// smallest kept).
	Hits   int     `json:"hits"`
	Inputs []Input `json:"inputs,omitempty"`
	// Files lists the other files of the finding.
	Files []string `json:"files"`
}

// Input is one input that reached a finding: the conversations that
// made the same changes at the same version on the same template.
type Input struct {
	Kind     string   `json:"kind"`
	Mutators []string `json:"mutators"` // the chain applied, in order
	Version  string   `json:"version"`
	Template string   `json:"template,omitempty"`
	KX       string   `json:"kx,omitempty"`
	// Size is the bytes the client sent (the smallest of its hits).
	Size int `json:"size"`
	// Hits counts its conversations; Seed, Worker and Iteration name the
	// smallest (the case's seed and where the campaign drew it).
	Hits      int    `json:"hits"`
	Seed      uint64 `json:"seed"`
	Worker    int    `json:"worker"`
	Iteration uint64 `json:"iteration"`
	Shard     string `json:"shard,omitempty"`
	// Minimized marks the input minimization made.
	Minimized bool      `json:"minimized,omitempty"`
	First     time.Time `json:"first"`
}

// maxInputs bounds a finding's Inputs.
const maxInputs = 64

// inputOf is the input of conversation r, drawn by worker w at
// iteration it.
func inputOf(r *result, w int, it uint64) Input {
	return Input{Kind: r.c.Kind, Mutators: slices.Clone(r.applied), Version: r.c.Version, Template: r.c.Template, KX: r.c.KX,
		Size: len(r.sent.b) + r.sent.dropped, Hits: 1, Seed: r.c.Seed, Worker: w, Iteration: it, First: time.Now().UTC()}
}

// key identifies an input: its hits add up.
func (in Input) key() string {
	return in.Kind + "|" + in.Version + "|" + in.Template + "|" + in.KX + "|" + strings.Join(in.Mutators, "+")
}

// less orders inputs smallest first: size, then fewer changes.
func (in Input) less(o Input) int {
	if in.Size != o.Size {
		return in.Size - o.Size
	}
	if len(in.Mutators) != len(o.Mutators) {
		return len(in.Mutators) - len(o.Mutators)
	}
	return strings.Compare(in.key(), o.key())
}

// addInputs counts ins as inputs that reached f (hits and all): the
// same input adds its hits, keeping the smaller size and its seed; the
// list stays sorted and bounded. A shard merge adds another finding's
// Inputs the same way.
func (f *Finding) addInputs(ins ...Input) {
	for _, in := range ins {
		f.Hits += in.Hits
		i := slices.IndexFunc(f.Inputs, func(o Input) bool { return o.key() == in.key() })
		if i < 0 {
			f.Inputs = append(f.Inputs, in)
			continue
		}
		o := &f.Inputs[i]
		o.Hits += in.Hits
		o.Minimized = o.Minimized || in.Minimized
		if in.First.Before(o.First) {
			o.First = in.First
		}
		if in.Size < o.Size {
			o.Size, o.Seed, o.Worker, o.Iteration, o.Shard = in.Size, in.Seed, in.Worker, in.Iteration, in.Shard
		}
	}
	slices.SortStableFunc(f.Inputs, Input.less)
	if len(f.Inputs) > maxInputs {
		f.Inputs = f.Inputs[:maxInputs]
	}
}

// Files of a finding directory.
const (
	fileFinding    = "finding.json"
	fileClient     = "client.bin"     // every byte the client wrote, in order
	fileServer     = "server.bin"     // every byte it read
	fileTranscript = "transcript.txt" // the records each way, decoded, with hex
	// fileStderr is the target's output during the conversation that
	// shows the finding (the crash's, the hang's), each line timestamped
	// from the conversation's start; the whole log is REPORT_DIR/target.log.
	fileStderr = "stderr.txt"
)

// crashSignature keys a crash (or a hang: oracle) by the site the
// target's output names; without one, by the changes that cause it (a
// value mutator by the field it sets: a hang on a NUL inside a host_name
// and one on a host_name of zeros are one finding, with both inputs) and
// how the process ended (detail), at any version.
func crashSignature(oracle string, site *Site, names []string, detail string) string {
	if site != nil {
		return oracle + ":" + site.Key()
	}
	fams := make([]string, 0, len(names))
	for _, n := range names {
		f := n
		if strings.Contains(n, "/value/") {
			// A value mutator's last part is the value: the field is
			// what the bug is about.
			f = familyOf(n)
		}
		if !slices.Contains(fams, f) {
			fams = append(fams, f)
		}
	}
	if len(fams) == 0 {
		fams = []string{"unknown-conversation"}
	}
	s := oracle + ":" + strings.Join(fams, "+")
	if detail != "" {
		s += ":" + detail
	}
	return s
}

// ruleSignature keys an accept (or differential) finding by the rule
// broken and the target's answer, at any version and on any template:
// "accept:client_hello/session_id (RFC 5246 §7.4.1.2; RFC 8446
// §4.1.2):ServerHello".
func ruleSignature(oracle, rule, answer string) string {
	return oracle + ":" + rule + ":" + answer
}

// signature names a client campaign's finding: the oracle, the change,
// the version and the key exchange.
func signature(oracle string, names []string, version, detail string) string {
	s := oracle + ":" + strings.Join(names, "+") + ":tls" + version
	if detail != "" {
		s += ":" + detail
	}
	return s
}

// maxSlug bounds a finding directory's name.
const maxSlug = 120

// slug is a directory name for a signature: lower case, [a-z0-9._-],
// with a hash of the whole when cut.
func slug(sig string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(sig) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-'
		switch {
		case ok:
			b.WriteRune(r)
			under = false
		case !under:
			b.WriteByte('_')
			under = true
		}
	}
	s := strings.Trim(b.String(), "_.")
	if len(s) > maxSlug {
		s = s[:maxSlug] + "-" + sigHash(sig)
	}
	return s
}

func sigHash(sig string) string {
	h := fnv.New32a()
	h.Write([]byte(sig))
	return fmt.Sprintf("%08x", h.Sum32())
}

// LoadFinding reads a finding.json.
func LoadFinding(path string) (*Finding, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no finding at %s: give the finding.json of a finding directory (REPORT_DIR/findings/NAME/finding.json)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the finding: %w", err)
	}
	var f Finding
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("campaign: %s is not a finding: %w", path, err)
	}
	if f.Oracle == "" || f.Signature == "" || f.Case.Kind == "" {
		return nil, fmt.Errorf("campaign: %s is not a finding: no oracle, signature or case", path)
	}
	return &f, nil
}

// writeFinding writes f and its files into dir/<slug>/, atomically: into
// a temporary directory beside it, renamed when complete, so that a
// finding directory is either whole or absent.
func writeFinding(dir string, f *Finding, files map[string][]byte) (string, error) {
	name := slug(f.Signature)
	final := filepath.Join(dir, name)
	if other, err := LoadFinding(filepath.Join(final, fileFinding)); err == nil && other.Signature != f.Signature {
		final = filepath.Join(dir, name+"-"+sigHash(f.Signature))
	}
	if _, err := os.Stat(final); err == nil {
		return final, nil // saved before (by an earlier run)
	}
	tmp, err := os.MkdirTemp(dir, tmpPrefix+name+"-")
	if err != nil {
		return "", fmt.Errorf("campaign: save finding: %w", err)
	}
	f.Files = f.Files[:0]
	for n := range files {
		f.Files = append(f.Files, n)
	}
	slices.Sort(f.Files)
	js, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("campaign: save finding: %w", err)
	}
	all := map[string][]byte{fileFinding: append(js, '\n')}
	for n, b := range files {
		all[n] = b
	}
	for n, b := range all {
		if err := writeSynced(filepath.Join(tmp, n), b); err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("campaign: save finding: %w", err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		if errors.Is(err, os.ErrExist) {
			return final, nil
		}
		return "", fmt.Errorf("campaign: save finding: %w", err)
	}
	return final, nil
}

// tmpPrefix starts the names of what is being written; a resumed campaign
// removes what a killed one left.
const tmpPrefix = ".tmp-"

// writeSynced writes b to path and syncs it.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeFileAtomic replaces path with b: a temporary file beside it,
// synced, then renamed.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), tmpPrefix+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
