package explore

import (
	"math/rand/v2"

	"lab/faults"
	"lab/invoker"
)

// swarmShape draws a node shape, workload and built-in plan from seed, as
// faults' swarm test does (swarm testing, after TigerBeetle's VOPR), so
// that `lab explore --swarm` and the test explore the same shapes.
func swarmShape(seed uint64, v invoker.Variant, plans map[string]*faults.Plan) shape {
	rng := rand.New(rand.NewPCG(seed, 0x5357524d)) // "SWRM"
	cfg := invoker.DefaultConfig()
	cfg.Variant = v
	cfg.Partitions = 1 + rng.IntN(4)
	cfg.SharedInvoker = rng.IntN(3) == 0
	cfg.Quota = 1 + rng.IntN(8)
	cfg.QueueLimit = 1 + rng.IntN(8)
	cfg.EffectCapacity = 1 + rng.IntN(4)
	w := faults.DefaultWorkload()
	w.Invocations = rng.IntN(100)
	w.StepDowns = rng.IntN(4)
	w.Kills = rng.IntN(min(w.Invocations, 6) + 1)
	names := faults.BuiltinPlans()
	return shape{cfg, w, plans[names[rng.IntN(len(names))]]}
}

// builtinPlans loads every built-in plan once per exploration.
func builtinPlans() (map[string]*faults.Plan, error) {
	plans := map[string]*faults.Plan{}
	for _, name := range faults.BuiltinPlans() {
		p, err := faults.LoadPlan(name)
		if err != nil {
			return nil, err
		}
		plans[name] = p
	}
	return plans, nil
}
