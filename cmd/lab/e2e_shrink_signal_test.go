//go:build unix

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Ctrl-C while lab shrink works saves the smallest schedule found so far,
// says it is not proven 1-minimal, and exits 130; it replays to the same
// panic. Ctrl-C before the original's replay has finished saves nothing.
// When the interrupt lands depends on the machine's speed, so the delay is
// searched: doubled while it comes too early, halved back while the
// shrink finishes before it. The window between is most of the shrink.
func TestShrinkInterruptedSavesTheSmallestSoFar(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sched := filepath.Join(dir, "big.schedule")
	wantCode(t, lab(t, "run", "--seed", "9", "--invocations", "5000", "--schedule-out", sched), 1)
	shrunk := filepath.Join(dir, "big-shrunk.schedule")
	var early, late time.Duration // too early: nothing saved; too late: done before it
	delay := 200 * time.Millisecond
	for try := 0; try < 12; try++ {
		if err := os.Remove(shrunk); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err) // left by a try that came too late
		}
		r, tmp := shrinkInterrupted(t, sched, delay)
		noGoPanic(t, r)
		checkTmp(t, tmp)
		switch {
		case r.code == 1:
			late = delay
		case r.code == 130 && !strings.Contains(r.stdout, "saved"):
			if r.stderr != "lab: interrupted\n" || r.stdout != "" {
				t.Fatalf("interrupted before shrinking:\n%v", r)
			}
			if _, err := os.Stat(shrunk); err == nil {
				t.Fatalf("interrupted before shrinking, %s was written", shrunk)
			}
			early = delay
		case r.code == 130:
			if !strings.Contains(r.stdout, "1-minimal    not proven: interrupted") || r.stderr != "lab: interrupted\n" {
				t.Fatalf("interrupted while shrinking, the report does not say so:\n%v", r)
			}
			replay := lab(t, "replay", shrunk)
			wantCode(t, replay, 1)
			if !strings.Contains(replay.stdout, "no-panic            VIOLATED") {
				t.Fatalf("the schedule saved at the interrupt does not replay to the panic:\n%v", replay)
			}
			t.Logf("interrupted after %v: %s", delay, strings.Split(r.stdout, "\n")[3])
			return
		default:
			t.Fatalf("interrupted after %v:\n%v", delay, r)
		}
		if late == 0 {
			delay *= 2
		} else {
			delay = (early + late) / 2
		}
	}
	t.Fatalf("no interrupt landed while shrinking: too early at %v, too late at %v", early, late)
}

// shrinkInterrupted runs lab shrink on sched and sends it SIGINT after
// delay, unless it has ended by then.
func shrinkInterrupted(t *testing.T, sched string, delay time.Duration) (result, string) {
	t.Helper()
	return interruptedAfter(t, delay, "shrink", "--budget", "10m", sched)
}

// interruptedAfter runs lab with args and sends it SIGINT after delay,
// unless it has ended by then; it returns the result and the TMPDIR the
// lab had.
func interruptedAfter(t *testing.T, delay time.Duration, args ...string) (result, string) {
	t.Helper()
	var stdout, stderr lockedBuilder
	p := startLab(t, &stdout, &stderr, nil, args...)
	select {
	case err := <-p.done:
		p.done <- err // ended before the signal: wait reads it
	case <-time.After(delay):
		if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
	}
	code := p.wait(t)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}, p.tmp
}
