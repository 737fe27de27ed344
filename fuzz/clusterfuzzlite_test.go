package fuzz_test

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A native fuzz target in the repository: its package directory (from
// the repository's root, "peers/wire") and its name.
type nativeTarget struct{ dir, name string }

// nativeTargets finds every func FuzzX(f *testing.F) in the repository's
// test files.
func nativeTargets(t *testing.T, root string) []nativeTarget {
	t.Helper()
	var out []nativeTarget
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "workdir") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Fuzz") || len(fn.Type.Params.List) != 1 {
				continue
			}
			if star, ok := fn.Type.Params.List[0].Type.(*ast.StarExpr); ok {
				if sel, ok := star.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "F" {
					rel, _ := filepath.Rel(root, filepath.Dir(path))
					out = append(out, nativeTarget{filepath.ToSlash(rel), fn.Name.Name})
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// buildLine is one target line of .clusterfuzzlite/build.sh.
var buildLine = regexp.MustCompile(`^(native|gofuzz) \$MODULE/(\S+) (Fuzz\w+) (\S+)$`)

// TestClusterFuzzLiteBuildsEveryTarget: .clusterfuzzlite/build.sh builds
// every native fuzz target of the repository (a new one cannot be
// forgotten), each under its own fuzzer name, the way it can be built:
// compile_native_go_fuzzer needs the target's name in one file of its
// package directory only; a target built from its go-fuzz entry point
// needs that entry point (func FuzzX(data []byte) int, build tag gofuzz).
func TestClusterFuzzLiteBuildsEveryTarget(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, ".clusterfuzzlite", "build.sh")
	f, err := os.Open(script)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type line struct{ kind, dir, name, fuzzer string }
	var lines []line
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := buildLine.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			lines = append(lines, line{m[1], m[2], m[3], m[4]})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	targets := nativeTargets(t, root)
	if len(targets) < 11 {
		t.Fatalf("found %d native fuzz targets, want at least the 11 of peers and fuzz: %v", len(targets), targets)
	}
	fuzzers := map[string]bool{}
	for _, l := range lines {
		if fuzzers[l.fuzzer] {
			t.Errorf("build.sh: fuzzer name %s used twice", l.fuzzer)
		}
		fuzzers[l.fuzzer] = true
		if !slices.Contains(targets, nativeTarget{l.dir, l.name}) {
			t.Errorf("build.sh builds %s %s, which is no native fuzz target of the repository", l.dir, l.name)
		}
	}
	for _, tg := range targets {
		i := slices.IndexFunc(lines, func(l line) bool { return l.dir == tg.dir && l.name == tg.name })
		if i < 0 {
			t.Errorf("native fuzz target %s.%s is not built by .clusterfuzzlite/build.sh: add a line `native $MODULE/%s %s tlsconform_...`", tg.dir, tg.name, tg.dir, tg.name)
			continue
		}
		switch lines[i].kind {
		case "native":
			// compile_native_go_fuzzer: grep -r -l NAME in the package
			// directory must find the one file that defines it.
			var files []string
			filepath.WalkDir(filepath.Join(root, tg.dir), func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), tg.name) {
						files = append(files, path)
					}
				}
				return nil
			})
			if len(files) != 1 {
				t.Errorf("%s.%s: its name occurs in %d files of %s (%v); compile_native_go_fuzzer needs exactly one", tg.dir, tg.name, len(files), tg.dir, files)
			}
		case "gofuzz":
			if !hasGoFuzzEntry(t, filepath.Join(root, tg.dir), tg.name) {
				t.Errorf("%s.%s is built from its go-fuzz entry point, but %s has no func %s(data []byte) int under the gofuzz build tag", tg.dir, tg.name, tg.dir, tg.name)
			}
		}
	}
	// The script parses, and lists what the test read.
	if bash, err := exec.LookPath("bash"); err == nil {
		if out, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
			t.Errorf("bash -n build.sh: %v\n%s", err, out)
		}
		cmd := exec.Command(bash, script)
		cmd.Env = append(os.Environ(), "LIST=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("LIST=1 build.sh: %v", err)
		}
		if n := strings.Count(string(out), "\n"); n != len(lines) {
			t.Errorf("LIST=1 build.sh lists %d targets, the test read %d lines:\n%s", n, len(lines), out)
		}
	}
}

// hasGoFuzzEntry says whether dir has func name(data []byte) int in a
// file built with the gofuzz tag.
func hasGoFuzzEntry(t *testing.T, dir, name string) bool {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.go"))
	fset := token.NewFileSet()
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		tagged := false
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if c.Text == "//go:build gofuzz" {
					tagged = true
				}
			}
		}
		if !tagged {
			continue
		}
		for _, d := range f.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Name.Name == name && len(fn.Type.Params.List) == 1 && fn.Type.Results != nil {
				return true
			}
		}
	}
	return false
}
