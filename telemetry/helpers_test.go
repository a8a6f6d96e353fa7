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
	return runOptions(t, options(t, seed, variant, plan), obs...)
}

// options are those of one run of the reference workload.
func options(t testing.TB, seed uint64, variant invoker.Variant, plan string) faults.Options {
	t.Helper()
	p, err := faults.LoadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant = variant
	return faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: faults.DefaultWorkload()}
}

// runOptions simulates the run o describes with the given observers.
func runOptions(t testing.TB, o faults.Options, obs ...faults.Observer) *faults.Result {
	t.Helper()
	o.Observers = obs
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("seed %d %s %s: %v", o.Seed, o.Node.Variant, o.Plan.Name, err)
	}
	return r
}
