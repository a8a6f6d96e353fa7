package explore

import (
	"bytes"
	"context"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// Every failure of a swarm of shapes and plans shrinks, 1-minimal, to a
// schedule that replays strictly to the same violation (Shrink checks it):
// the first 15, and those of seeds 23, 53, 79 and 80, whose shutdown's
// step-downs, delayed by slow-partition, repeat the content of the mid-run
// step-down before them (a lenient replay took the first for the one
// faulted, until faults named which message of a content they were for).
func TestShrinkSwarmFailures(t *testing.T) {
	plans, _ := builtinPlans()
	n, ok := 0, 0
	alike := map[uint64]bool{23: true, 53: true, 79: true, 80: true}
	for seed := uint64(1); seed <= 400 && (n < 15+len(alike)); seed++ {
		if n >= 15 && !alike[seed] {
			continue
		}
		for _, v := range []invoker.Variant{invoker.Buggy} {
			sh := swarmShape(seed, v, plans)
			var buf bytes.Buffer
			r, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: sh.node, Plan: sh.plan, Workload: sh.workload, Record: &buf})
			if err != nil {
				t.Fatal(err)
			}
			if r.OK() {
				continue
			}
			n++
			s, err := faults.ParseSchedule("x", buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			res, err := Shrink(context.Background(), s, 20*time.Second)
			if err != nil {
				t.Errorf("seed %d (%+v %s): %v", seed, sh.node, sh.plan.Name, err)
				continue
			}
			ok++
			if !res.OneMinimal || res.Shrunk.Decisions >= res.Original.Decisions {
				t.Errorf("seed %d: %v", seed, res)
			}
			// The sizes' choices are the runs' own: the recorded run's, the
			// same run's up to its violation, and the shrunk one's, each
			// some of its picks.
			toViolation, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: sh.node, Plan: sh.plan, Workload: sh.workload, StopAtViolation: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.OriginalFull.Choices != r.Choices || res.Original.Choices != toViolation.Choices ||
				res.Original.Choices == 0 || res.Original.Choices > res.Original.Picks || res.Shrunk.Choices > res.Shrunk.Picks {
				t.Errorf("seed %d: choices %d (run %d), %d to the violation (run %d), %d shrunk of %d picks",
					seed, res.OriginalFull.Choices, r.Choices, res.Original.Choices, toViolation.Choices, res.Shrunk.Choices, res.Shrunk.Picks)
			}
		}
	}
	if n < 15+len(alike) || ok != n {
		t.Fatalf("%d of %d failures shrunk (want %d)", ok, n, 15+len(alike))
	}
}

// Shrinking drops the throttle and the memory pool a failure does not
// need, sates the hungry invocations it does not need, and keeps the
// smallest pool it does: seeds of the buggy swarm whose #2543 panic
// needs neither a throttle (5) nor a pool (1, 10: hungry ones too), needs
// a pool of one lease but no hunger (111), or both (83, and 580, where
// removing the invocations alone would leave two hungry).
func TestShrinkDropsSettingsTheFailureDoesNotNeed(t *testing.T) {
	plans, _ := builtinPlans()
	for _, c := range []struct {
		seed                 uint64
		throttled            bool
		memoryLimit, hungry  int
		wasPooled, wasHungry bool
	}{
		{seed: 5, throttled: true},
		{seed: 1, wasPooled: true},
		{seed: 10, wasPooled: true, wasHungry: true},
		{seed: 111, memoryLimit: 1, wasPooled: true, wasHungry: true},
		{seed: 83, memoryLimit: 1, hungry: 1, wasPooled: true, wasHungry: true},
		{seed: 580, memoryLimit: 1, hungry: 1, wasPooled: true, wasHungry: true},
	} {
		sh := swarmShape(c.seed, invoker.Buggy, plans)
		var buf bytes.Buffer
		if _, err := faults.Run(context.Background(), faults.Options{Seed: c.seed, Node: sh.node, Plan: sh.plan, Workload: sh.workload, Record: &buf}); err != nil {
			t.Fatal(err)
		}
		s, err := faults.ParseSchedule("x", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		res, err := Shrink(context.Background(), s, time.Minute)
		if err != nil {
			t.Fatalf("seed %d: %v", c.seed, err)
		}
		o, z := res.Original, res.Shrunk
		if (o.Throttle != "") != c.throttled || (o.MemoryLimit > 0) != c.wasPooled || (o.Hungry > 0) != c.wasHungry {
			t.Fatalf("seed %d draws %+v: pick another seed for this test", c.seed, o)
		}
		if res.Invariant != faults.NoPanic || z.Throttle != "" || z.MemoryLimit != c.memoryLimit || z.Hungry != c.hungry {
			t.Errorf("seed %d: %s shrunk to %s; want memory-limit %d and %d hungry, no throttle", c.seed, res.Failure(), z, c.memoryLimit, c.hungry)
		}
	}
}
