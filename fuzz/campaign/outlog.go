package campaign

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// The target's output, as the campaign keeps it: every line the target
// process prints (a TARGET_CMD, or a tool such as openssl that targets
// started) is stamped with the time it arrived, appended to
// REPORT_DIR/target.log (the whole log, once per campaign) and kept in a
// bounded ring. A finding's stderr.txt is cut from the ring: the lines
// from the start of the conversation that triggered it to the crash or
// the end of the conversation, each with its time relative to that
// start, so that it shows this finding's output and not the last
// kilobytes of every other conversation's.

// Bounds on the output kept.
const (
	// ringLines bounds the lines kept in memory; ringLineBytes cuts each
	// one there (target.log keeps it whole): at most 4 MiB.
	ringLines     = 2048
	ringLineBytes = 2 << 10
	// windowLines bounds a finding's stderr.txt: its last lines are kept
	// (those nearest the crash).
	windowLines = 1000
	// maxTargetLog bounds what one run appends to target.log; past it
	// lines are counted, not written.
	maxTargetLog = 256 << 20
	// fileTargetLog is the whole log, under REPORT_DIR.
	fileTargetLog = "target.log"
)

// logLine is one line of output, or a note of the campaign's own
// (mark: "the target exited (exit-2)").
type logLine struct {
	t    time.Time
	s    string
	mark bool
}

// targetLog is the target's output log.
type targetLog struct {
	mu      sync.Mutex
	ring    [ringLines]logLine
	next    int    // where the next line goes
	n       int    // lines in the ring
	total   uint64 // lines ever added
	file    *os.File
	w       *bufio.Writer
	written int64
	cut     uint64 // lines not written to the file (maxTargetLog)
	err     error  // the file's first write error
}

// openTargetLog appends to path ("" keeps the ring only, for replay).
func openTargetLog(path string) (*targetLog, error) {
	l := &targetLog{}
	if path == "" {
		return l, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, &SetupError{fmt.Errorf("campaign: target log: %w", err)}
	}
	l.file, l.w = f, bufio.NewWriterSize(f, 64<<10)
	return l, nil
}

// line takes one line the target printed (the follower of its output).
func (l *targetLog) line(s string) { l.add(logLine{t: time.Now(), s: s}) }

// markf notes an event of the campaign's in the log: a start, an exit.
func (l *targetLog) markf(format string, args ...any) {
	l.add(logLine{t: time.Now(), s: fmt.Sprintf(format, args...), mark: true})
}

func (l *targetLog) add(ln logLine) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w != nil {
		text := ln.s
		if ln.mark {
			text = "--- " + text
		}
		rec := ln.t.UTC().Format("2006-01-02T15:04:05.000000Z") + " " + text + "\n"
		if l.written+int64(len(rec)) > maxTargetLog {
			l.cut++
		} else if _, err := l.w.WriteString(rec); err != nil && l.err == nil {
			l.err = err
		} else {
			l.written += int64(len(rec))
		}
	}
	if len(ln.s) > ringLineBytes {
		ln.s = ln.s[:ringLineBytes] + " [line cut]"
	}
	l.ring[l.next] = ln
	l.next = (l.next + 1) % ringLines
	l.n = min(l.n+1, ringLines)
	l.total++
}

// window is the output from from to to (both included), and whether the
// ring had already dropped lines of it.
func (l *targetLog) window(from, to time.Time) (lines []logLine, lost bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := (l.next - l.n + ringLines) % ringLines
	for i := range l.n {
		ln := l.ring[(start+i)%ringLines]
		if i == 0 && ln.t.After(from) && l.total > uint64(l.n) {
			lost = true
		}
		if !ln.t.Before(from) && !ln.t.After(to) {
			lines = append(lines, ln)
		}
	}
	return lines, lost
}

// since is the window from from to now.
func (l *targetLog) since(from time.Time) ([]logLine, bool) { return l.window(from, time.Now()) }

// flush writes what is buffered to target.log.
func (l *targetLog) flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		return nil
	}
	if err := l.w.Flush(); err != nil && l.err == nil {
		l.err = err
	}
	if l.err != nil {
		return fmt.Errorf("campaign: target log: %w", l.err)
	}
	return nil
}

// close notes lines cut and closes target.log.
func (l *targetLog) close() error {
	l.mu.Lock()
	if l.w != nil && l.cut > 0 {
		fmt.Fprintf(l.w, "%s --- %d more lines not written: this run reached the %d MiB bound of target.log\n",
			time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"), l.cut, maxTargetLog>>20)
	}
	l.mu.Unlock()
	err := l.flush()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file != nil {
		if cerr := l.file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("campaign: target log: %w", cerr)
		}
		l.file, l.w = nil, nil
	}
	return err
}

// text is the window as stderr.txt holds it: a header saying what it
// covers, then each line with its time since from.
func windowText(lines []logLine, lost bool, from time.Time, what string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# the target's output from the start of the conversation (%s) to %s; times since that start\n",
		from.UTC().Format("2006-01-02T15:04:05.000Z"), what)
	if lost {
		b.WriteString("# (earlier lines of this conversation were no longer kept)\n")
	}
	if len(lines) > windowLines {
		fmt.Fprintf(&b, "# (%d earlier lines of this conversation not kept)\n", len(lines)-windowLines)
		lines = lines[len(lines)-windowLines:]
	}
	for _, ln := range lines {
		text := ln.s
		if ln.mark {
			text = "--- " + text
		}
		fmt.Fprintf(&b, "[%+9.3fs] %s\n", ln.t.Sub(from).Seconds(), text)
	}
	return b.String()
}
