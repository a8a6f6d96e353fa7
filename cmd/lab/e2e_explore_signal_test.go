//go:build unix

package main

import (
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An interrupted exploration exits 130 and still prints what it found.
func TestExploreInterrupted(t *testing.T) {
	t.Parallel()
	env, tmp := labEnv(t)
	cmd := exec.Command(labBin, "explore", "--variant", "fixed", "--duration", "60s")
	cmd.Env = env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("the exploration ended before the signal: %v\n%s%s", err, stdout.String(), stderr.String())
	case <-time.After(time.Second):
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the exploration did not end within 20s of SIGINT")
	}
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("want exit 130: %v\n%v", err, r)
	}
	if !strings.Contains(r.stdout, "stopped      interrupted") || r.stderr != "lab: interrupted\n" {
		t.Fatalf("the report so far and one line on stderr:\n%v", r)
	}
	checkTmp(t, tmp)
}
