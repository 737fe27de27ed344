package arrows

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/tlsconform/tlsconform/"

// allowed says which of the module's packages a package may import: each
// rule is a package pattern (a path, or a path ending in "/..." for the
// folder and everything below it) and the patterns it may import.
var allowed = []struct {
	pkg   string
	may   []string
	why   string
	tests bool // the rule holds for the package's tests too
}{
	{"peers/wire", nil, "the codec knows nothing of the rest", true},
	{"peers/...", []string{"peers/..."}, "peers is the pure engine: it knows TLS, not the catalogue, the targets or the campaign", false},
	{"targets", []string{"internal/extproc", "internal/gotls", "peers/certs"}, "targets starts what is tested; the reference peer is the other end", false},
	{"mutators", []string{"peers/wire", "peers/kx"}, "mutators are pure changes of messages", false},
	{"corpus", []string{"peers/wire"}, "corpus holds real ClientHellos", false},
	{"reports", nil, "reports writes files from the report model alone", false},
	{"suite/checks", []string{"peers/...", "mutators", "reports"}, "the shared vocabulary of the families", false},
	{"suite/*", []string{"peers/...", "mutators", "corpus", "reports", "suite/checks"}, "a family imports the vocabulary and the engine, never the runner or another family", false},
	{"suite/specs", []string{"suite", "suite/checks", "reports"}, "the Ginkgo entry point is a front of the runner, as thin as the command", false},
	{"fuzz/campaign", []string{"peers/...", "targets", "mutators", "corpus", "internal/extproc", "suite/checks", "suite/*", "reports"}, "the network campaign reuses the engine and the families, not the runner; its summary is drawn by reports (which the families import already)", false},
	{"fuzz/...", []string{"peers/...", "targets", "mutators", "corpus", "internal/extproc", "internal/gotls", "suite/checks", "suite/*"}, "the fuzzers reuse the engine and the families, not the runner", false},
	{"internal/gotls", nil, "what Go's crypto/tls offers, from the standard library alone", true},
	{"internal/fixture", []string{"peers/wire"}, "test fixtures are built with the codec alone, so that the tests of peers can share them", true},
}

// testOnly are the packages only tests may import.
var testOnly = []string{"internal/fixture", "internal/loopback"}

// matches says whether pkg (relative to the module) matches pattern.
func matches(pattern, pkg string) bool {
	switch {
	case strings.HasSuffix(pattern, "/..."):
		p := strings.TrimSuffix(pattern, "/...")
		return pkg == p || strings.HasPrefix(pkg, p+"/")
	case strings.HasSuffix(pattern, "/*"):
		p := strings.TrimSuffix(pattern, "*")
		return strings.HasPrefix(pkg, p) && !strings.Contains(strings.TrimPrefix(pkg, p), "/") && pkg != "suite/checks" && pkg != "suite/specs" && pkg != "suite/clientgate"
	}
	return pkg == pattern
}

// imports are the module's packages and the Ginkgo/Gomega imports of each
// package of the module, from its non-test files and from its tests.
func imports(t *testing.T) (src, tests map[string]map[string]bool) {
	t.Helper()
	src, tests = map[string]map[string]bool{}, map[string]map[string]bool{}
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "workdir") && p != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		pkg := filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		m := src
		if strings.HasSuffix(p, "_test.go") {
			m = tests
		}
		if m[pkg] == nil {
			m[pkg] = map[string]bool{}
		}
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			m[pkg][ip] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return src, tests
}

func TestImportsPointOneWay(t *testing.T) {
	src, tests := imports(t)
	if len(src) < 20 {
		t.Fatalf("found %d packages: is the walk rooted at the module?", len(src))
	}
	check := func(pkg string, ims map[string]bool, kind string) {
		for ip := range ims {
			if !strings.HasPrefix(ip, module) {
				continue
			}
			dep := strings.TrimPrefix(ip, module)
			for _, r := range allowed {
				if !matches(r.pkg, pkg) || (kind == "test" && !r.tests) {
					continue
				}
				ok := false
				for _, m := range r.may {
					ok = ok || matches(m, dep)
				}
				if !ok {
					t.Errorf("%s (%s) imports %s: %s", pkg, kind, dep, r.why)
				}
				break // the first matching rule decides
			}
		}
	}
	for pkg, ims := range src {
		check(pkg, ims, "source")
	}
	for pkg, ims := range tests {
		check(pkg, ims, "test")
	}
}

// TestTestHelpersStayInTests: the test helper packages are imported by
// tests alone, never by a package's source.
func TestTestHelpersStayInTests(t *testing.T) {
	src, _ := imports(t)
	for pkg, ims := range src {
		for _, h := range testOnly {
			if ims[module+h] {
				t.Errorf("%s (source) imports %s, which only tests may import", pkg, h)
			}
		}
	}
}

// TestGinkgoStaysInSuite: Ginkgo and Gomega appear only in the tests of
// package suite (and suite/clientgate, the client gate's front) and in
// suite/specs, the Ginkgo entry point for suites of one's own: peers,
// mutators, fuzz and the command work without them.
func TestGinkgoStaysInSuite(t *testing.T) {
	src, tests := imports(t)
	for _, set := range []struct {
		m    map[string]map[string]bool
		kind string
	}{{src, "source"}, {tests, "test"}} {
		for pkg, ims := range set.m {
			for ip := range ims {
				if !strings.HasPrefix(ip, "github.com/onsi/") {
					continue
				}
				if !(set.kind == "test" && (pkg == "suite" || pkg == "suite/clientgate")) && pkg != "suite/specs" {
					t.Errorf("%s (%s) imports %s: Ginkgo and Gomega stay in suite's _test.go files and suite/specs", pkg, set.kind, path.Base(ip))
				}
			}
		}
	}
}

// TestGopacketStaysInReports: gopacket writes the packet capture in
// reports and nowhere else, and never its libpcap binding (gopacket/pcap
// needs cgo and libpcap's headers): peers, mutators and fuzz build without
// it.
func TestGopacketStaysInReports(t *testing.T) {
	src, tests := imports(t)
	for _, set := range []struct {
		m    map[string]map[string]bool
		kind string
	}{{src, "source"}, {tests, "test"}} {
		for pkg, ims := range set.m {
			for ip := range ims {
				if !strings.HasPrefix(ip, "github.com/gopacket/") && !strings.HasPrefix(ip, "github.com/google/gopacket") {
					continue
				}
				if pkg != "reports" || strings.HasSuffix(ip, "/pcap") {
					t.Errorf("%s (%s) imports %s: gopacket's pure-Go pcapgo and layers serve reports' capture alone", pkg, set.kind, ip)
				}
			}
		}
	}
}
