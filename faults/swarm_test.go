package faults_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// TestSwarm draws a different shape of node and workload for every seed
// (swarm testing, as TigerBeetle's VOPR does): partitions, layout, quota,
// queue limit, effect capacity, invocations, step-downs and kills, under
// every built-in plan, with the sweeps' rule (allowed).
func TestSwarm(t *testing.T) {
	n := sweepSeeds(400)
	plans := map[string]*faults.Plan{}
	for _, name := range faults.BuiltinPlans() {
		p, err := faults.LoadPlan(name)
		if err != nil {
			t.Fatal(err)
		}
		plans[name] = p
	}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		rng := rand.New(rand.NewPCG(seed, 0x5357524d)) // "SWRM"
		cfg := invoker.DefaultConfig()
		cfg.Partitions = 1 + rng.IntN(4)
		cfg.SharedInvoker = rng.IntN(3) == 0
		cfg.Quota = 1 + rng.IntN(8)
		cfg.QueueLimit = 1 + rng.IntN(8)
		cfg.EffectCapacity = 1 + rng.IntN(4)
		w := faults.DefaultWorkload()
		w.Invocations = rng.IntN(100)
		w.StepDowns = rng.IntN(4)
		w.Kills = rng.IntN(min(w.Invocations, 6) + 1)
		plan := faults.BuiltinPlans()[rng.IntN(len(plans))]
		for _, v := range invoker.Variants() {
			cfg.Variant = v
			o := faults.Options{Seed: seed, Node: cfg, Plan: plans[plan], Workload: w}
			r, err := faults.Run(context.Background(), o)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			for _, vi := range r.Violations {
				if !allowed(v, vi) {
					t.Errorf("seed %d %s plan %s %+v workload %+v: %v", seed, v, plan, cfg, w, vi)
				}
			}
		}
	}
}
