//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Ctrl-C while lab inevitable charts prints the points charted so far,
// says how far it got and that it cannot tell where failing became
// certain, and exits 130; before its first point, it prints nothing.
func TestInevitableInterruptedPrintsThePointsSoFar(t *testing.T) {
	t.Parallel()
	sched := filepath.Join(t.TempDir(), "seed28.schedule")
	wantCode(t, lab(t, "run", "--seed", "28", "--plan", "none", "--schedule-out", sched), 1)
	landInterrupt(t, "charting", func(delay time.Duration) landing {
		r := interruptedAfter(t, delay, "inevitable", "--stride", "1", "--suffixes", "100", sched)
		switch {
		case r.code == 1:
			return tooLate
		case r.code == 130 && r.stdout == "":
			if r.stderr != "lab: interrupted\n" {
				t.Fatalf("interrupted before the first point:\n%v", r)
			}
			return tooEarly
		case r.code == 130:
			for _, want := range []string{"\n       0   ", "jump         not named: interrupted\n", "certain      not known: the points after pick ",
				"interrupted  charted every pick from 0 to "} {
				if !strings.Contains(r.stdout, want) || r.stderr != "lab: interrupted\n" {
					t.Fatalf("interrupted while charting, no %q:\n%v", want, r)
				}
			}
			return landed
		}
		t.Fatalf("interrupted after %v:\n%v", delay, r)
		return landed
	})
}
