package explore

import (
	"bytes"
	"context"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// What decides #2543 without faults is timing, not the invoker's select!:
// on the first failing seeds of `none`, random schedulers that keep the
// recorded task outcomes always panic again, while suffixes that also draw
// the task outcomes often do not (README, "What the lab found").
func TestTimingNotSelectDecides2543(t *testing.T) {
	plan, err := faults.LoadPlan("none")
	if err != nil {
		t.Fatal(err)
	}
	const seeds, suffixes = 8, 10
	var failing, schedulerOnly, everything int
	for seed := uint64(1); failing < seeds; seed++ {
		cfg := invoker.DefaultConfig()
		cfg.Variant = invoker.Buggy
		var rec bytes.Buffer
		r, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: plan,
			Workload: faults.DefaultWorkload(), Record: &rec, StopAtViolation: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.OK() || r.Violations[0].Invariant != faults.NoPanic {
			continue
		}
		failing++
		s, err := faults.ParseSchedule("recorded", rec.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		sh := &shrinker{ctx: context.Background()}
		base, _, err := sh.failingBase(s)
		if err != nil {
			t.Fatal(err)
		}
		for i := uint64(1); i <= suffixes; i++ {
			for _, draw := range []bool{false, true} {
				o, err := suffixOptions(keepPicks(nil, base, 0), sh.budget, i, plan, draw)
				if err != nil {
					t.Fatal(err)
				}
				r, err := faults.Run(context.Background(), o)
				switch {
				case err != nil:
					t.Fatal(err)
				case !sh.sameFailure(r):
				case draw:
					everything++
				default:
					schedulerOnly++
				}
			}
		}
	}
	if n := seeds * suffixes; schedulerOnly != n || everything == n {
		t.Errorf("of %d suffixes, %d panicked with the recorded task outcomes and %d drawing them", n, schedulerOnly, everything)
	}
	t.Logf("%d seeds × %d suffixes: %d panicked with the recorded task outcomes, %d drawing them", seeds, suffixes, schedulerOnly, everything)
}
