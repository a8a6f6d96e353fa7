package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// A schedule that its seed does not give is compared by replaying it: the
// recorded run as it was, and the fix's side leniently. On schedules that
// their seed does give, that parts exactly where the seeded comparison
// does, so the lenient side is the same run up to where the variants
// differ.
func TestReplayedComparisonPartsWhereTheSeededOneDoes(t *testing.T) {
	for _, plan := range []string{"none", "shutdown-race", "chaos"} {
		p, err := faults.LoadPlan(plan)
		if err != nil {
			t.Fatal(err)
		}
		for seed := uint64(1); seed <= 12; seed++ {
			t.Run(fmt.Sprintf("%s/%d", plan, seed), func(t *testing.T) {
				cfg := invoker.DefaultConfig()
				cfg.Variant, cfg.Store = invoker.Buggy, invoker.MemStores()
				var rec bytes.Buffer
				if _, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: p,
					Workload: faults.DefaultWorkload(), Record: &rec}); err != nil {
					t.Fatal(err)
				}
				sch, err := faults.ParseSchedule("rec.schedule", rec.Bytes())
				if err != nil {
					t.Fatal(err)
				}
				fixed := explore.AgainstVariant(invoker.Fixed)
				seededA, seededB, note, err := compareSchedule(context.Background(), sch, "rec.schedule", "", &fixed)
				if err != nil || note != "" {
					t.Fatalf("a recorded seeded run: note %q, %v", note, err)
				}
				replayA, replayB, err := replayedOptions(sch, fixed, p)
				if err != nil {
					t.Fatal(err)
				}
				seeded, err := explore.Compare(context.Background(), seededA, seededB)
				if err != nil {
					t.Fatal(err)
				}
				replayed, err := explore.Compare(context.Background(), replayA, replayB)
				if err != nil {
					t.Fatal(err)
				}
				if seeded.Shared != replayed.Shared || seeded.Parted() != replayed.Parted() {
					t.Errorf("seeded: alike for %d events (parted %t); replayed: %d (parted %t)",
						seeded.Shared, seeded.Parted(), replayed.Shared, replayed.Parted())
				}
				if replayed.Parted() && len(replayed.B) > 0 && len(seeded.B) > 0 && replayed.B[0] != seeded.B[0] {
					t.Errorf("the fix's first event: seeded %v, replayed %v", seeded.B[0], replayed.B[0])
				}
			})
		}
	}
}

// A run steered by a control is not its seed's: it is compared by
// replaying it, the fix's side leniently with the control at the step it
// was applied at. The README's seed with a step-down of p0 sent at the 300th step
// panics in p0's invoker, and the fix drops the stale invoke right there
// (the README says so).
func TestCompareASteeredRun(t *testing.T) {
	p, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.Store = invoker.Buggy, invoker.MemStores()
	var rec bytes.Buffer
	sim, err := faults.New(faults.Options{Seed: faults.DefaultSeed, Node: cfg, Plan: p, Workload: faults.DefaultWorkload(), Record: &rec})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	for i := 0; !sim.Done(); i++ {
		if i == 300 {
			if err := sim.Control(faults.Control{Kind: faults.ControlStepDown, Partition: 0}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := sim.Step(); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := faults.ParseSchedule("steered.schedule", rec.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	a, b, note, err := compareSchedule(context.Background(), sch, "steered.schedule", "", nil)
	if err != nil || !strings.Contains(note, "(1 control steered it)") {
		t.Fatalf("note %q, %v", note, err)
	}
	c, err := explore.Compare(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Parted() || c.A[0].Kind != invoker.KindPanic || c.B[0].Kind != invoker.KindStaleInvoke || c.A[0].Inv != c.B[0].Inv || c.A[0].Invoker != 0 {
		t.Fatalf("parted %t after %d events: %v against %v", c.Parted(), c.Shared, c.A, c.B)
	}
	if c.ResultA.Hash != sch.Entries[len(sch.Entries)-1].Hash {
		t.Errorf("the recorded side is not the recorded run: %s", c.ResultA.Hash)
	}
}
