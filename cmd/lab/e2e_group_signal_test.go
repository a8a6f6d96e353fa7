//go:build linux

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A SIGINT sent to the lab and to its process group at once, as timeout
// -s INT sends it, is one interrupt: the run stops cleanly, not as after
// a second Ctrl-C.
func TestSignalToTheGroupIsOneInterrupt(t *testing.T) {
	t.Parallel()
	interrupt(t, "SIGINT to the process and its group", func(pid int) error {
		// Two deliveries, as timeout makes them: one to the process, and
		// once that is taken (a signal still pending would absorb the
		// second), one to its group.
		if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
			return err
		}
		for sigintPending(t, pid) {
			time.Sleep(100 * time.Microsecond)
		}
		return syscall.Kill(-pid, syscall.SIGINT)
	})
}

// sigintPending reports whether process pid has a SIGINT not yet taken.
func sigintPending(t *testing.T, pid int) bool {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		name, mask, ok := strings.Cut(line, ":")
		if !ok || name != "SigPnd" && name != "ShdPnd" {
			continue
		}
		bits, err := strconv.ParseUint(strings.TrimSpace(mask), 16, 64)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if bits&(1<<(syscall.SIGINT-1)) != 0 {
			return true
		}
	}
	return false
}
