package campaign

import (
	"path"
	"regexp"
	"strings"
)

// Site is where a target says it failed, read from its own output: a Go
// panic (or fatal error) and the first frames of the panicking goroutine
// outside the runtime, a sanitizer's SUMMARY line and the top frames of
// its report, or a signal and the faulting frame when one is printed. A
// crash or hang finding is keyed by its site, so that every input that
// reaches one bug is one finding; only when the output names no site
// does the key fall back to the changes made.
type Site struct {
	// Kind is go-panic, go-fatal, sanitizer or signal.
	Kind string `json:"kind"`
	// Message is the failure, normalised: "runtime error: slice bounds
	// out of range [:N] with capacity N", "AddressSanitizer:
	// heap-buffer-overflow server.c in parse_sni", "SIGSEGV".
	Message string `json:"message"`
	// Frames are the top frames outside the runtime (or the sanitizer's
	// interceptors), innermost first, normalised: "campaign.keepHello",
	// "parse_sni".
	Frames []string `json:"frames,omitempty"`
	// Line is the line the message comes from, as printed.
	Line string `json:"line"`
}

// Key is the site as the signature holds it: the same site gives the
// same key whatever the addresses, goroutine ids, PIDs, line offsets and
// values in the message were.
func (s Site) Key() string {
	k := s.Kind + ": " + s.Message
	if len(s.Frames) > 0 {
		k += " at " + strings.Join(s.Frames, " < ")
	}
	return k
}

// siteFrames is how many frames a key holds: enough to tell two callers
// of one helper apart, few enough that an unrelated caller further out
// does not split one bug.
const siteFrames = 3

// siteOf reads the first failure site the output names; false when it
// names none.
func siteOf(output string) (Site, bool) {
	lines := strings.Split(output, "\n")
	for i := range lines {
		lines[i] = stripStamp(strings.TrimRight(lines[i], "\r"))
	}
	for _, f := range []func([]string) (Site, bool){goSite, sanitizerSite, signalSite} {
		if s, ok := f(lines); ok {
			return s, true
		}
	}
	return Site{}, false
}

var (
	// stampRe is a timestamp a logger puts before a line: "2026/01/02
	// 15:04:05.000 ", "2026-01-02T15:04:05Z ", "[12.345] ".
	stampRe = regexp.MustCompile(`^(\[\s*\d+(\.\d+)?\]\s*|\d{4}[-/]\d\d[-/]\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?\s+)`)
	hexRe   = regexp.MustCompile(`0x[0-9a-fA-F]+`)
	numRe   = regexp.MustCompile(`\b\d+\b`)
	// goroutineRe opens a goroutine's stack: "goroutine 7 [running]:".
	goroutineRe = regexp.MustCompile(`^goroutine \d+ \[[^\]]*\]:$`)
	// goArgsRe is a Go frame's arguments: "({0xc000012345, 0x5, ...})".
	goArgsRe = regexp.MustCompile(`\([^()]*\)$`)
	// sanFrameRe is a frame of a sanitizer's stack: "#0 0x4c5d8e in
	// parse_sni /src/server.c:42:13" or "#2 0x7f.. (/lib/libc.so.6+0x29d90)".
	sanFrameRe = regexp.MustCompile(`^\s*#\d+\s+0x[0-9a-fA-F]+\s+(?:in\s+(\S+)|\(([^)+]+))`)
	// summaryRe is a sanitizer's last word.
	summaryRe = regexp.MustCompile(`SUMMARY: (\w+Sanitizer): (.*)$`)
	// sanErrorRe is a sanitizer's first word, when the SUMMARY is missing.
	sanErrorRe = regexp.MustCompile(`==\d+==\s*(?:ERROR|WARNING): (\w+Sanitizer): (.*)$`)
	// ubsanRe is UBSan's report without a stack: "x.c:10:5: runtime error: ...".
	ubsanRe = regexp.MustCompile(`^(\S+?):\d+(?::\d+)?: runtime error: (.*)$`)
	// fileLineRe is a source position in a message: "/src/server.c:42:13".
	fileLineRe = regexp.MustCompile(`(?:[^\s:()]*/)?([^\s/:()]+\.[A-Za-z]+):\d+(?::\d+)?`)
	// signalRe names a fatal signal the way shells, runtimes and crash
	// handlers print it ("sh: line 1: 4242 Segmentation fault (core
	// dumped) ./server"); "Aborted" only where a shell puts it, at the
	// start of a line or after the PID, not inside a sentence.
	signalRe = regexp.MustCompile(`\b(SIG(?:SEGV|BUS|ABRT|FPE|ILL|TRAP|SYS))\b|\bsignal (\d+)\b|\b(Segmentation fault|Bus error|Floating point exception|Illegal instruction)\b|(?:^|\d\s+)(Aborted)\b`)
	// backtraceRe is a frame as glibc's backtrace_symbols prints it:
	// "./server(parse_sni+0x1a)[0x4005d6]".
	backtraceRe = regexp.MustCompile(`\(([A-Za-z_][\w.:<>~]*)\+0x[0-9a-fA-F]+\)\s*\[0x[0-9a-fA-F]+\]`)
)

// stripStamp removes a logger's timestamp from the start of a line.
func stripStamp(s string) string { return stampRe.ReplaceAllString(s, "") }

// normMessage makes a failure message the same for every input that
// reaches the site: addresses and numbers (indexes, lengths, PIDs,
// sizes) become placeholders, source positions lose their directory
// and line.
func normMessage(s string) string {
	s = fileLineRe.ReplaceAllString(s, "$1")
	s = hexRe.ReplaceAllString(s, "0x?")
	s = numRe.ReplaceAllString(s, "N")
	return strings.Join(strings.Fields(s), " ")
}

// goSite: "panic: MESSAGE" (or "fatal error: MESSAGE") and the frames of
// the goroutine that follows it, skipping the runtime's.
func goSite(lines []string) (Site, bool) {
	for i, l := range lines {
		kind, msg := "", ""
		switch {
		case strings.HasPrefix(l, "panic: "):
			kind, msg = "go-panic", strings.TrimPrefix(l, "panic: ")
		case strings.HasPrefix(l, "fatal error: "):
			kind, msg = "go-fatal", strings.TrimPrefix(l, "fatal error: ")
		default:
			continue
		}
		// "panic: x [recovered]" is the same panic re-raised.
		if j := strings.LastIndex(msg, " [recovered"); j > 0 && strings.HasSuffix(msg, "]") {
			msg = msg[:j]
		}
		s := Site{Kind: kind, Message: normMessage(msg), Line: l}
		for j := i + 1; j < len(lines); j++ {
			if goroutineRe.MatchString(lines[j]) {
				s.Frames = goFrames(lines[j+1:])
				break
			}
		}
		return s, true
	}
	return Site{}, false
}

// goFrames are the first frames of a Go stack outside the runtime: a
// function line, then its tab-indented file line.
func goFrames(lines []string) []string {
	var out []string
	for i := 0; i < len(lines) && len(out) < siteFrames; i++ {
		fn := lines[i]
		if fn == "" || strings.HasPrefix(fn, "created by ") || strings.HasPrefix(fn, "goroutine ") {
			break
		}
		if strings.HasPrefix(fn, "\t") || strings.HasPrefix(fn, " ") || strings.HasPrefix(fn, "...") {
			continue // a file line, or "...additional frames elided..."
		}
		file := ""
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			file = lines[i+1]
			i++
		}
		name := goArgsRe.ReplaceAllString(fn, "")
		if strings.HasPrefix(name, "runtime.") || name == "panic" || strings.Contains(file, "/src/runtime/") {
			continue
		}
		out = append(out, shortFunc(name))
	}
	return out
}

// shortFunc drops a Go function's import path but its last element:
// "github.com/x/y/fuzz/campaign.keepHello" is "campaign.keepHello".
func shortFunc(name string) string {
	if i := strings.LastIndex(name, "/"); i >= 0 && !strings.Contains(name[:i], "(") {
		return name[i+1:]
	}
	return name
}

// sanitizerSite: a sanitizer's SUMMARY (else its ERROR line, else
// UBSan's runtime error line) and the top frames of its first stack,
// without the sanitizer's own interceptors.
func sanitizerSite(lines []string) (Site, bool) {
	var s Site
	first := -1
	for i, l := range lines {
		if m := sanErrorRe.FindStringSubmatch(l); m != nil && first < 0 {
			first = i
			s = Site{Kind: "sanitizer", Message: normMessage(m[1] + ": " + trimAddress(m[2])), Line: l}
		}
		if m := ubsanRe.FindStringSubmatch(l); m != nil && first < 0 {
			first = i
			s = Site{Kind: "sanitizer", Message: normMessage("UndefinedBehaviorSanitizer: runtime error: " + m[2] + " " + path.Base(m[1])), Line: l}
		}
		if m := summaryRe.FindStringSubmatch(l); m != nil {
			s.Kind, s.Message, s.Line = "sanitizer", normMessage(m[1]+": "+m[2]), l
			if first < 0 {
				first = i
			}
			break
		}
	}
	if s.Kind == "" {
		return Site{}, false
	}
	start := max(first, 0)
	for _, l := range lines[start:] {
		m := sanFrameRe.FindStringSubmatch(l)
		if m == nil {
			if len(s.Frames) > 0 {
				break // the first stack only
			}
			continue
		}
		name := m[1]
		if name == "" {
			name = path.Base(strings.TrimSpace(m[2]))
		}
		if sanitizerInternal(name) {
			continue
		}
		if len(s.Frames) < siteFrames {
			s.Frames = append(s.Frames, name)
		}
	}
	return s, true
}

// trimAddress drops what an ERROR line says after the bug's name: "on
// address 0x... at pc 0x... bp ... sp ..." differs at every run.
func trimAddress(s string) string {
	if i := strings.Index(s, " on "); i > 0 {
		return s[:i]
	}
	return s
}

// sanitizerInternal says whether a frame is a sanitizer's own
// (interceptors, reporting) rather than the program's.
func sanitizerInternal(name string) bool {
	for _, p := range []string{"__asan", "__interceptor", "___interceptor", "__sanitizer", "__ubsan", "__msan", "__tsan", "__lsan", "__hwasan"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// signalNames are the numbers of the fatal signals on Linux.
var signalNames = map[string]string{"4": "SIGILL", "5": "SIGTRAP", "6": "SIGABRT", "7": "SIGBUS", "8": "SIGFPE", "11": "SIGSEGV", "31": "SIGSYS",
	"Segmentation fault": "SIGSEGV", "Bus error": "SIGBUS", "Aborted": "SIGABRT", "Floating point exception": "SIGFPE", "Illegal instruction": "SIGILL"}

// signalSite: the first fatal signal the output names, and the faulting
// frame when a stack follows (a sanitizer-style "#0 ... in f" or glibc's
// backtrace_symbols "prog(f+0x1a)[0x...]").
func signalSite(lines []string) (Site, bool) {
	for i, l := range lines {
		m := signalRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		name := m[1]
		if name == "" {
			var ok bool
			if name, ok = signalNames[m[2]+m[3]+m[4]]; !ok {
				continue // "signal 15" and the like: not a crash
			}
		}
		s := Site{Kind: "signal", Message: name, Line: l}
		for _, f := range lines[i+1 : min(len(lines), i+40)] {
			fn := ""
			if fm := sanFrameRe.FindStringSubmatch(f); fm != nil {
				fn = fm[1]
			} else if bm := backtraceRe.FindStringSubmatch(f); bm != nil {
				fn = bm[1]
			}
			if fn == "" || signalHandlerFrame(fn) {
				continue
			}
			s.Frames = []string{fn}
			break
		}
		return s, true
	}
	return Site{}, false
}

// signalHandlerFrame: a frame of the code that prints the stack, not of
// the fault.
func signalHandlerFrame(fn string) bool {
	l := strings.ToLower(fn)
	return strings.Contains(l, "signal") || strings.Contains(l, "sigaction") || strings.Contains(l, "backtrace") ||
		strings.Contains(l, "restore_rt") || strings.Contains(l, "handler") || sanitizerInternal(fn)
}
