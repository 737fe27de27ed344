//go:build !unix

package extproc

import (
	"os"
	"os/exec"
)

// inGroup: without process groups, the process alone is killed.
func inGroup(*exec.Cmd) {}

func killGroup(p *os.Process) error { return p.Kill() }
