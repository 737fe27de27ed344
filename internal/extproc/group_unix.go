//go:build unix

package extproc

import (
	"os"
	"os/exec"
	"syscall"
)

// inGroup makes cmd the leader of a new process group, killed whole when
// the context ends.
func inGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process) }
}

// killGroup kills every process of p's group (p leads it), also after p
// itself has exited.
func killGroup(p *os.Process) error {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		return err
	}
	return nil
}
