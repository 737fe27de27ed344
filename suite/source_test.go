package suite

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEveryCheckSaysWhereItIsDefined: JUnit points a failure at the line
// of its family that defines the check; that line must exist, in the
// check's family folder.
func TestEveryCheckSaysWhereItIsDefined(t *testing.T) {
	lines := map[string][]string{}
	missing := map[string]int{}
	for _, ch := range append(Catalogue(), ClientCatalogue()...) {
		if ch.Source == "" {
			missing[ch.Area]++
			continue
		}
		file, line, ok := strings.Cut(ch.Source, ":")
		n, err := strconv.Atoi(line)
		if !ok || err != nil || !strings.HasPrefix(file, "suite/") {
			t.Errorf("%s: Source %q is not suite/FILE:LINE", ch.ID, ch.Source)
			continue
		}
		if _, ok := lines[file]; !ok {
			data, err := os.ReadFile(filepath.Join("..", file))
			if err != nil {
				t.Errorf("%s: Source %q: %v", ch.ID, ch.Source, err)
				continue
			}
			lines[file] = strings.Split(string(data), "\n")
		}
		if n < 1 || n > len(lines[file]) {
			t.Errorf("%s: Source %q: the file has %d lines", ch.ID, ch.Source, len(lines[file]))
		}
	}
	for area, n := range missing {
		t.Errorf("%d checks of area %s have no Source", n, area)
	}
}
