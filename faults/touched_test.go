package faults

import (
	"context"
	"testing"

	"lab/invoker"
)

// The cache of ready arms never misses a change: every decision of a swarm
// of shapes (up to 64 partitions), plans and variants compares it with a
// full recomputation, and panics on a difference.
func TestTouchedCacheMissesNothing(t *testing.T) {
	verifyTouched = true
	defer func() { verifyTouched = false }()
	for seed := uint64(1); seed <= 60; seed++ {
		for _, v := range invoker.Variants() {
			// The swarm's shapes, with partition counts up to 64.
			cfg, w, name := SwarmShape(seed, v)
			cfg.Partitions = []int{1, 2, 4, 16, 64}[seed%5]
			plan, err := LoadPlan(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := Run(context.Background(), Options{Seed: seed, Node: cfg, Plan: plan, Workload: w, SkipHash: true}); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
		}
	}
}
