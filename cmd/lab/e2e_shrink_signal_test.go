//go:build unix

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
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
