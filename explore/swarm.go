package explore

import (
	"lab/faults"
	"lab/invoker"
)

// swarmShape is faults.SwarmShape with its plan loaded.
func swarmShape(seed uint64, v invoker.Variant, plans map[string]*faults.Plan) shape {
	cfg, w, plan := faults.SwarmShape(seed, v)
	return shape{cfg, w, plans[plan]}
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
