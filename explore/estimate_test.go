package explore_test

import (
	"context"
	"slices"
	"testing"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// PCT draws its d-1 change points among the first EstimateChoices choices
// of a run: an estimate far above a run's real count puts most change
// points past its end, and PCT degenerates into one fixed priority order;
// one far below crowds them into its start. The estimate is held to
// complete runs (fixed variant, so that none stops early) of swarm shapes,
// which vary plans, layouts, step-downs, kills and 1-4 partitions (but not
// those that stalled or crashed), and of node sizes up to 256 partitions
// and workloads up to 512 invocations. Choices vary more with the plan
// than picks do (from 11% to 37% of them): each run is held within a
// factor of 2.5, the median within 20%.
func TestEstimateChoicesFitsRealRuns(t *testing.T) {
	var ratios []float64
	check := func(seed uint64, cfg invoker.Config, w faults.Workload, plan *faults.Plan) {
		t.Helper()
		r, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: plan, Workload: w, SkipHash: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.Violated(faults.Progress) || r.Violated(faults.NoPanic) {
			// A node left running stalled: its run went on through five
			// simulated minutes of retries, which no estimate of a run's
			// length tries to foresee. Nor does it foresee a crash (fixed
			// panics when its invokers share a tmp-dir), which cuts a run
			// short.
			return
		}
		est := explore.EstimateChoices(cfg, w)
		ratio := float64(est) / float64(r.Choices)
		if ratio < 1/2.5 || ratio > 2.5 {
			t.Errorf("seed %d, %d partitions, %d invocations, plan %s: %d choices, estimated %d (×%.2f)",
				seed, cfg.Partitions, w.Invocations, plan.Name, r.Choices, est, ratio)
		}
		ratios = append(ratios, ratio)
	}
	for seed := uint64(1); seed <= 120; seed++ {
		cfg, w, planName := faults.SwarmShape(seed, invoker.Fixed)
		plan, err := faults.LoadPlan(planName)
		if err != nil {
			t.Fatal(err)
		}
		check(seed, cfg, w, plan)
	}
	none, err := faults.LoadPlan("none")
	if err != nil {
		t.Fatal(err)
	}
	for _, parts := range []int{1, 16, 64, 256} {
		for _, invocations := range []int{8, 512} {
			cfg := invoker.DefaultConfig()
			cfg.Variant, cfg.Partitions = invoker.Fixed, parts
			w := faults.DefaultWorkload()
			w.Invocations = invocations
			check(3, cfg, w, none)
		}
	}
	slices.Sort(ratios)
	if median := ratios[len(ratios)/2]; median < 0.8 || median > 1.25 {
		t.Errorf("estimates are ×%.2f of the real choices in the median, want within 20%%", median)
	}
}

// The estimate decides where every pct seed's change points fall, so a
// change to it changes the runs `lab explore --strategy pct` gives a seed.
// faults' TestModelRevisionPinsRuns pins PCT runs with the reference
// workload's estimate: this holds the estimate to that number, so that a
// change cannot slip by without a new faults.ModelRevision.
func TestEstimateOfTheReferenceIsPinned(t *testing.T) {
	if got := explore.EstimateChoices(invoker.DefaultConfig(), faults.DefaultWorkload()); got != 268 {
		t.Errorf("EstimateChoices(reference) = %d, pinned 268: pct seeds now run differently; "+
			"bump faults.ModelRevision, set referencePCTSteps in faults/revision_test.go, and rewrite the pins", got)
	}
}
