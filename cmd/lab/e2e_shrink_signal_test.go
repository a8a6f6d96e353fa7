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
func TestShrinkInterruptedSavesTheSmallestSoFar(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sched := filepath.Join(dir, "big.schedule")
	wantCode(t, lab(t, "run", "--seed", "9", "--invocations", "5000", "--schedule-out", sched), 1)
	shrunk := filepath.Join(dir, "big-shrunk.schedule")
	landInterrupt(t, "shrinking", func(delay time.Duration) landing {
		if err := os.Remove(shrunk); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err) // left by a try that came too late
		}
		r := interruptedAfter(t, delay, "shrink", "--budget", "10m", sched)
		switch {
		case r.code == 1:
			return tooLate
		case r.code == 130 && !strings.Contains(r.stdout, "saved"):
			if r.stderr != "lab: interrupted\n" || r.stdout != "" {
				t.Fatalf("interrupted before shrinking:\n%v", r)
			}
			if _, err := os.Stat(shrunk); err == nil {
				t.Fatalf("interrupted before shrinking, %s was written", shrunk)
			}
			return tooEarly
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
			return landed
		}
		t.Fatalf("interrupted after %v:\n%v", delay, r)
		return landed
	})
}

// landing is where an interrupt came: before the work began, after it
// ended, or while it ran.
type landing int

const (
	tooEarly landing = iota
	tooLate
	landed
)

// landInterrupt finds a delay after which SIGINT lands while the work
// runs. When it lands depends on the machine's speed, so the delay is
// searched: doubled while it comes too early, halved back while the work
// finishes before it. try runs the lab once, interrupted after delay, and
// says where the interrupt landed.
func landInterrupt(t *testing.T, work string, try func(delay time.Duration) landing) {
	t.Helper()
	var early, late time.Duration
	delay := 200 * time.Millisecond
	for range 12 {
		switch try(delay) {
		case landed:
			return
		case tooEarly:
			early = delay
		case tooLate:
			late = delay
		}
		if late == 0 {
			delay *= 2
		} else {
			delay = (early + late) / 2
		}
	}
	t.Fatalf("no interrupt landed while %s: too early at %v, too late at %v", work, early, late)
}

// interruptedAfter runs lab with args and sends it SIGINT after delay,
// unless it has ended by then. The lab neither crashed nor left anything
// in its TMPDIR.
func interruptedAfter(t *testing.T, delay time.Duration, args ...string) result {
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
	r := result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	noGoPanic(t, r)
	checkTmp(t, p.tmp)
	return r
}
