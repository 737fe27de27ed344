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

// Finding is one saved finding: finding.json.
type Finding struct {
	Oracle    string `json:"oracle"`
	Signature string `json:"signature"`
	// Seed, Worker and Iteration name the conversation in the campaign
	// that found it (the campaign seed; Case.Seed is the conversation's).
	Seed      uint64    `json:"seed"`
	Worker    int       `json:"worker"`
	Iteration uint64    `json:"iteration"`
	Mutators  []string  `json:"mutators"`
	Version   string    `json:"version"`
	Target    string    `json:"target"`
	TargetCmd string    `json:"target_cmd,omitempty"`
	Target2   string    `json:"target2,omitempty"`
	Time      time.Time `json:"time"`
	// Outcome is how the conversation ended; Answer its class.
	Outcome  string `json:"outcome"`
	Answer   Answer `json:"answer"`
	Expected string `json:"expected"`
	// Outcome2 and Answer2: the second target's, for a differential.
	Outcome2 string `json:"outcome2,omitempty"`
	Answer2  Answer `json:"answer2,omitempty"`
	// ExitStatus is how the target process ended, for a crash.
	ExitStatus string `json:"exit_status,omitempty"`
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
	// Case is what replay sends.
	Case Case `json:"case"`
	// Files lists the other files of the finding.
	Files []string `json:"files"`
}

// Files of a finding directory.
const (
	fileFinding    = "finding.json"
	fileClient     = "client.bin"     // every byte the client wrote, in order
	fileServer     = "server.bin"     // every byte it read
	fileTranscript = "transcript.txt" // the records each way, decoded, with hex
	fileStderr     = "stderr.txt"     // the target's output, when known
)

// signature names a finding for deduplication: the oracle, the changes
// (after minimization), the version, and a class of the outcome where the
// oracle has several ("exit-2", "dead", "accept-reject").
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
