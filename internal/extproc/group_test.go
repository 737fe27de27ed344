//go:build unix

package extproc

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGroupStopKillsChildren: with Options.Group, Stop kills what the
// shell started, not the shell alone.
func TestGroupStopKillsChildren(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, m, err := StartReady(ctx, shell(t), []string{"-c", `sleep 60 & echo "child $!"; wait`},
		Options{Group: true}, regexp.MustCompile(`^child (\d+)$`), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	child, _ := strconv.Atoi(m[1])
	p.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for running(child) {
		select {
		case <-ctx.Done():
			_ = syscall.Kill(child, syscall.SIGKILL)
			t.Fatalf("child %d of the shell still runs after Stop", child)
		case <-tick.C:
		}
	}
}

// running says whether pid is a process that has not exited (a zombie
// that no init reaps has).
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no procfs: trust the signal
	}
	_, after, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(after, "Z")
}
