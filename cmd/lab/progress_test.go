package main

import (
	"testing"
	"time"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// The explore line counts schedules and failures, and, with --against,
// on how many failures the other side held the invariant.
func TestExploreLine(t *testing.T) {
	var counts explore.Counters
	counts.Observe(explore.RunSummary{Seed: 1})
	counts.Observe(explore.RunSummary{Seed: 2, Failed: true, Invariant: faults.NoPanic, Against: explore.AgainstHeld})
	counts.Observe(explore.RunSummary{Seed: 3, Failed: true, Invariant: faults.CleanShutdown, Against: explore.AgainstSame})
	counts.Observe(explore.RunSummary{Seed: 4})
	want := "[############............] 4 schedules  2/s  2 failed  ETA 2s"
	if got := exploreLine(8, 0, nil, &counts, 2*time.Second); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	fixed := explore.AgainstVariant(invoker.Fixed)
	want = "[############............] 4 schedules  2/s  2 failed (fixed held 1)  ETA 2s"
	if got := exploreLine(8, 0, &fixed, &counts, 2*time.Second); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
