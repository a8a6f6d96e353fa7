package faults_test

import (
	"context"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// Task panics are a fault the liveness phase heals. With every attempt's
// task panicking, the first one takes the node down (panic = "abort"); the
// restarted node's attempts close instead, so every invocation still ends
// and nothing but the panic is reported, in every variant (each re-raises
// a task's panic). Without task panics, runs log what they always did
// (TestModelRevisionPinsRuns holds their hashes).
func TestLivenessHealsTaskPanics(t *testing.T) {
	plan, err := faults.LoadPlan("none")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed, invoker.Graceful} {
		cfg := invoker.DefaultConfig()
		cfg.Variant, cfg.Store = v, invoker.MemStores()
		w := faults.DefaultWorkload()
		w.Tasks.Panic = 1
		r, err := faults.Run(context.Background(), faults.Options{Seed: 5, Node: cfg, Plan: plan, Workload: w})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Violations) != 1 || r.Violations[0].Check != invoker.TaskPanicMessage || r.AfterPanic() != faults.PanicAbortedNode {
			t.Errorf("%s: violations %v, after panic %q", v, r.Violations, r.AfterPanic())
		}
		// The one violation is the panic: no-lost-invocation held, so every
		// invocation ended, on the restarted node.
		if r.Kinds[invoker.KindRestart] != 1 || r.Kinds[invoker.KindPanic] != 1 {
			t.Errorf("%s: %d restarts, %d panics", v, r.Kinds[invoker.KindRestart], r.Kinds[invoker.KindPanic])
		}
	}
}
