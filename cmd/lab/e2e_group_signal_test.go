package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A SIGINT sent to the lab and to its process group at once, as timeout
// -s INT sends it, is one interrupt: the run stops cleanly (exit 130,
// nothing left in TMPDIR), not as after a second Ctrl-C.
func TestSignalToTheGroupIsOneInterrupt(t *testing.T) {
	t.Parallel()
	events := filepath.Join(t.TempDir(), "events.jsonl")
	env, tmp := labEnv(t)
	cmd := exec.Command(labBin, "run", "--invocations", "200000", "--events", events)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for fileSize(events) == 0 { // running, spill directories made
		select {
		case err := <-done:
			t.Fatalf("the run ended before the signal (%v):\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("no event reached %s within 20s", events)
		}
	}
	// Two deliveries, as timeout makes them: one to the process, and once
	// that is taken (a signal still pending would absorb the second), one
	// to its group.
	pid := cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	for sigintPending(t, pid) {
		time.Sleep(100 * time.Microsecond)
	}
	if err := syscall.Kill(-pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the run did not end within 60s of the interrupt")
	}
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v\n%v", err, r)
	}
	wantCode(t, r, 130)
	if r.stderr != "lab: interrupted\n" {
		t.Errorf("stderr is %q, want \"lab: interrupted\\n\"", r.stderr)
	}
	checkTmp(t, tmp)
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
