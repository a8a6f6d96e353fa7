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
