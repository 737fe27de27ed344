//go:build gofuzz

package fuzz

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tlsconform/tlsconform/peers/wire"
)

// CorpusDirEnv names the directory the go-fuzz and libFuzzer builds read
// the real ClientHellos from; by default corpus/clienthello from the
// working directory (the module root, where make runs them), else
// tlsconform-clienthello beside the executable (where the ClusterFuzzLite
// build puts them). go-fuzz-build cannot copy the corpus
// package's embedded directory, so these builds read the files instead;
// without them the ClientHello target starts from the engine's hellos
// only, and the Template knob counts fewer templates.
const CorpusDirEnv = "TLSCONFORM_CORPUS_DIR"

// CorpusTemplates reads corpus/clienthello/*.bin and the record version
// from each .json beside it. A file that does not parse is skipped.
func CorpusTemplates() ([]Template, error) {
	dir := os.Getenv(CorpusDirEnv)
	if dir == "" {
		dir = filepath.Join("corpus", "clienthello")
		if _, err := os.Stat(dir); err != nil {
			if exe, err := os.Executable(); err == nil {
				dir = filepath.Join(filepath.Dir(exe), "tlsconform-clienthello")
			}
		}
	}
	bins, err := filepath.Glob(filepath.Join(dir, "*.bin"))
	if err != nil {
		return nil, err
	}
	sort.Strings(bins)
	var out []Template
	for _, bin := range bins {
		raw, err := os.ReadFile(bin)
		if err != nil {
			continue
		}
		ch, err := wire.UnmarshalClientHello(raw)
		if err != nil {
			continue
		}
		t := Template{Name: strings.TrimSuffix(filepath.Base(bin), ".bin"), Raw: raw, Hello: ch}
		var prov struct {
			RecordVersion string `json:"record_version"`
		}
		if js, err := os.ReadFile(strings.TrimSuffix(bin, ".bin") + ".json"); err == nil && json.Unmarshal(js, &prov) == nil {
			if n, err := strconv.ParseUint(strings.TrimPrefix(prov.RecordVersion, "0x"), 16, 16); err == nil {
				t.RecordVersion = wire.Version(n)
			}
		}
		out = append(out, t)
	}
	return out, nil
}
