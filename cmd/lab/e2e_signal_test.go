//go:build unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A long run interrupted by SIGINT or SIGTERM exits 130, says so on stderr,
// and flushes the event log: every line written is complete JSON. It also
// removes its spill directories on the way out. So does SIGHUP (a closed
// terminal or ssh session), which killed the lab and left them.
func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			interrupt(t, sig.String(), func(pid int) error { return syscall.Kill(pid, sig) })
		})
	}
}

// interrupt runs a long run in a process group of its own, and once it
// is under way, signals it with send (of the process id), which must stop
// it cleanly.
func interrupt(t *testing.T, sig string, send func(pid int) error) {
	spill := spillDir(t)
	events := filepath.Join(t.TempDir(), "events.jsonl")
	env, tmp := labEnv(t)
	cmd := exec.Command(labBin, "run", "--invocations", "200000", "--events", events, "--spill-dir", spill)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			<-done
		}
	}()

	// Let it run for about a second, and check it is still running (so the
	// signal interrupts a run, not an exit).
	start := time.Now()
	for time.Since(start) < time.Second || fileSize(events) == 0 {
		select {
		case err := <-done:
			killed = true
			t.Fatalf("the run ended after %v, before the signal (%v)\nstdout:\n%s\nstderr:\n%s",
				time.Since(start), err, clip(stdout.String()), clip(stderr.String()))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("no event reached %s within 10s", events)
		}
	}
	if err := send(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
		killed = true
	case <-time.After(20 * time.Second):
		t.Fatalf("the run did not end within 20s of %v", sig)
	}
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	r.code = exitCodeOf(t, err, sig, r)
	noGoPanic(t, r)
	wantCode(t, r, 130)
	if r.stderr != "lab: interrupted\n" {
		t.Errorf("stderr is %q, want \"lab: interrupted\\n\"", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("an interrupted run printed a report:\n%v", r)
	}
	n := readEvents(t, events)
	t.Logf("%v after %v: %d events in the log", sig, time.Since(start).Round(time.Millisecond), n)
	checkTmp(t, tmp)
}

func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

// A second Ctrl-C exits at once, even when stderr takes nothing: the
// "exiting now" line was written before the exit, and a write into a
// stderr nobody reads blocked it (seconds in a pipe, for ever in a
// socket, as a journald stream is). Here stderr is a socket never read,
// filled by -v, so the run is stuck in a write: the first SIGINT cannot
// end it, the second must.
func TestSecondInterruptIgnoresStalledStderr(t *testing.T) {
	t.Parallel()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096)
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
	}
	unread, stderr := os.NewFile(uintptr(fds[0]), "unread"), os.NewFile(uintptr(fds[1]), "stderr")
	defer unread.Close()
	out := t.TempDir()
	schedule := filepath.Join(out, "s.schedule")
	env, _ := labEnv(t)
	cmd := exec.Command(labBin, "run", "-v", "--invocations", "200000", "--schedule-out", schedule, "--spill-dir", t.TempDir())
	cmd.Env = env
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stderr.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill() // the old lab waited here for ever
		<-done
	}()
	exitedEarly := func(when string) {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("the run ended %s (%v): stderr was not full", when, err)
		default:
		}
	}
	time.Sleep(time.Second) // -v fills the socket's few KiB within milliseconds
	exitedEarly("before the first SIGINT")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // a second Ctrl-C, not the same one
	exitedEarly("at the first SIGINT")
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	second := time.Now()
	select {
	case err = <-done:
		done <- err
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after the second SIGINT: its exit waits on stderr")
	}
	t.Logf("exited %v after the second SIGINT", time.Since(second).Round(time.Millisecond))
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupt {
		t.Fatalf("exit %v, want %d", err, exitInterrupt)
	}
	// The schedule being recorded beside its file is removed on the way.
	if left := dirEntries(t, out); len(left) > 0 {
		t.Errorf("the forced exit left %v", left)
	}
}

// Interrupted before its first event (waiting for a first scrape), a run
// leaves the --events file as it was: an older log whole, or no file at
// all, not an empty one.
func TestInterruptBeforeTheFirstEventKeepsTheOldLog(t *testing.T) {
	t.Parallel()
	for _, old := range []string{"", `{"an":"older log"}` + "\n"} {
		events := filepath.Join(t.TempDir(), "events.jsonl")
		if old != "" {
			if err := os.WriteFile(events, []byte(old), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var stdout, stderr lockedBuilder
		p := startLab(t, &stdout, &stderr, nil, "run", "--metrics-addr", "127.0.0.1:0", "--await-scrape", "1m",
			"--events", events, "--spill-dir", spillDir(t))
		deadline := time.Now().Add(cmdTimeout)
		for !strings.Contains(stderr.String(), "waiting up to 1m0s for a first scrape") {
			if time.Now().After(deadline) {
				t.Fatalf("no wait for a scrape announced:\n%s", stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if code := p.wait(t); code != 130 {
			t.Errorf("exit %d, want 130\n%s", code, stderr.String())
		}
		got, err := os.ReadFile(events)
		switch {
		case old == "" && !errors.Is(err, os.ErrNotExist):
			t.Errorf("interrupted before its first event, the run left %s (%q, %v)", events, got, err)
		case old != "" && string(got) != old:
			t.Errorf("interrupted before its first event, the run left %q in place of the older log %q (%v)", got, old, err)
		}
		checkTmp(t, p.tmp)
	}
}
