package main

import (
	"testing"
	"time"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// The explore line counts schedules, failures, and, with --against, on
// how many failures the other side held the invariant, and the distinct
// coverage reached (a pair reached by two workers counts once).
func TestExploreLine(t *testing.T) {
	var counts explore.Counters
	counts.Observe(explore.RunSummary{Seed: 1, Pairs: []string{"none invoker.enqueue", "new task.output"}, Orders: []string{"cancel"}})
	counts.Observe(explore.RunSummary{Seed: 2, Failed: true, Invariant: faults.NoPanic, Against: explore.AgainstHeld})
	counts.Observe(explore.RunSummary{Seed: 3, Failed: true, Invariant: faults.CleanShutdown, Against: explore.AgainstSame})
	counts.Observe(explore.RunSummary{Seed: 4, Pairs: []string{"none invoker.enqueue"}})
	want := "[############............] 4 schedules  2/s  2 failed  ETA 2s  2 pairs  1 orders"
	if got := exploreLine(8, 0, nil, &counts, 2*time.Second); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	fixed := explore.AgainstVariant(invoker.Fixed)
	want = "[############............] 4 schedules  2/s  2 failed (fixed held 1)  ETA 2s  2 pairs  1 orders"
	if got := exploreLine(8, 0, &fixed, &counts, 2*time.Second); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// A line as wide as the terminal, or wider, is cut short of its last
// column, where it would wrap; an unknown width cuts nothing.
func TestFitProgressLine(t *testing.T) {
	line := "[####....] 4 schedules  2/s  2 failed  ETA 2s  2 pairs  1 orders"
	for _, tc := range []struct {
		width int
		want  string
	}{{0, line}, {1, line}, {len(line) + 1, line}, {len(line), line[:len(line)-1]}, {40, line[:39]}} {
		if got := fit(line, tc.width); got != tc.want {
			t.Errorf("width %d: %q, want %q", tc.width, got, tc.want)
		}
	}
}
