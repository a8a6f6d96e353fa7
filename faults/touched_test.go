package faults

import (
	"context"
	"math/rand/v2"
	"testing"

	"lab/invoker"
)

// The cache of ready arms never misses a change: every decision of a swarm
// of shapes (up to 64 partitions), plans and variants compares it with a
// full recomputation, and panics on a difference.
func TestTouchedCacheMissesNothing(t *testing.T) {
	verifyTouched = true
	defer func() { verifyTouched = false }()
	names := BuiltinPlans()
	for seed := uint64(1); seed <= 60; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0x746f756368)) // "touch"
		cfg := invoker.DefaultConfig()
		cfg.Partitions = []int{1, 2, 4, 16, 64}[rng.IntN(5)]
		cfg.SharedInvoker = rng.IntN(3) == 0
		cfg.Quota = 1 + rng.IntN(8)
		cfg.QueueLimit = 1 + rng.IntN(8)
		cfg.EffectCapacity = 1 + rng.IntN(4)
		w := DefaultWorkload()
		w.Invocations = rng.IntN(100)
		w.StepDowns = rng.IntN(4)
		w.Kills = rng.IntN(min(w.Invocations, 6) + 1)
		plan, err := LoadPlan(names[rng.IntN(len(names))])
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range invoker.Variants() {
			cfg.Variant = v
			if _, err := Run(context.Background(), Options{Seed: seed, Node: cfg, Plan: plan, Workload: w, SkipHash: true}); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
		}
	}
}
