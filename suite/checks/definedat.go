package checks

import (
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// moduleRoot is the repository's root on the machine that built the
// binary: the file names of DefinedAt are relative to it.
var moduleRoot = func() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Dir(filepath.Dir(filepath.Dir(file))) // suite/checks/definedat.go
}()

// DefinedAt says where a family defines the check its constructor is
// building ("suite/order/checks.go:231"), for JUnit's file and line. A
// family's constructor calls it; the frames of the family's package are
// [constructor, (helpers), the line that lists the check, the family's
// entry point]: the line is the frame just inside the entry point, or the
// entry point itself when it calls the constructor directly.
func DefinedAt() string {
	pc := make([]uintptr, 32)
	n := runtime.Callers(2, pc) // the constructor
	frames := runtime.CallersFrames(pc[:n])
	var pkg string
	var fam []runtime.Frame
	for {
		f, more := frames.Next()
		p := funcPackage(f.Function)
		if p == checksPackage && more { // a constructor of this package (ClientCheck)
			continue
		}
		if pkg == "" {
			pkg = p
		}
		if p != pkg {
			break
		}
		fam = append(fam, f)
		if !more {
			break
		}
	}
	var f runtime.Frame
	switch k := len(fam); {
	case k == 0:
		return ""
	case k >= 3:
		f = fam[k-2]
	default:
		f = fam[k-1]
	}
	return relative(f.File) + ":" + strconv.Itoa(f.Line)
}

// checksPackage is this package's import path.
var checksPackage = func() string {
	pc, _, _, _ := runtime.Caller(0)
	return funcPackage(runtime.FuncForPC(pc).Name())
}()

// funcPackage is the import path of a function's package:
// "github.com/x/y/suite/order" for "github.com/x/y/suite/order.orderCheck.func1".
func funcPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// definedHere is the caller's own line, for the checks this package
// defines itself (the baselines).
func definedHere() string {
	_, file, line, ok := runtime.Caller(1)
	if !ok {
		return ""
	}
	return relative(file) + ":" + strconv.Itoa(line)
}

// relative is file relative to the repository's root, when it is inside.
func relative(file string) string {
	if rel, err := filepath.Rel(moduleRoot, file); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return file
}
