package telemetry_test

import (
	"context"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// runWith simulates one run of the reference workload (spilling to memory)
// with the given observers.
func runWith(t testing.TB, seed uint64, variant invoker.Variant, plan string, obs ...faults.Observer) *faults.Result {
	t.Helper()
	p, err := faults.LoadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant = variant
	o := faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: faults.DefaultWorkload(), Observers: obs}
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("seed %d %s %s: %v", seed, variant, plan, err)
	}
	return r
}
