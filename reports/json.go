package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File names inside REPORT_DIR.
const (
	JSONFile    = "report.json"
	SummaryFile = "summary.md"
	JUnitFile   = "junit.xml"
	KeyLogFile  = "keylog.txt"
	PcapFile    = "conversations.pcapng"
)

// WriteJSON writes r to path as indented JSON with its checks sorted by area
// then ID, so two runs of the same suite diff cleanly. r itself is not
// reordered. The write is atomic: a temporary file in the same directory is
// renamed over path, so a reader never sees half a report and a failed write
// leaves any previous file untouched.
func WriteJSON(path string, r *Report) error {
	if r == nil {
		return fmt.Errorf("reports: write %s: nil report", path)
	}
	out := *r
	out.Checks = sortedChecks(r)
	data, err := json.MarshalIndent(&out, "", "  ")
	if err != nil {
		return fmt.Errorf("reports: encode %s: %w", path, err)
	}
	return writeFileAtomic(path, append(data, '\n'))
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
	return &r, nil
}

// WriteAll writes report.json and summary.md into dir, creating it if
// needed. junit.xml comes from Ginkgo's reporter and keylog.txt from
// OpenKeyLog.
func WriteAll(dir string, r *Report) error {
	if err := WriteJSON(filepath.Join(dir, JSONFile), r); err != nil {
		return err
	}
	return WriteSummary(filepath.Join(dir, SummaryFile), r)
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
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
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
	// Reports are for people and CI artifacts, not secrets: CreateTemp's 0600
	// would surprise whoever uploads them.
	if err = f.Chmod(0o644); err != nil {
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
