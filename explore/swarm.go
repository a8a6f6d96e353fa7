package explore

import (
	"fmt"

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

// swarmShapeName names what a swarm drew for a run: its plan, the node's
// and the workload's shape, and whether the node shuts down.
func swarmShapeName(o faults.Options) string {
	return fmt.Sprintf("plan=%s %s shutdown=%t", o.Plan.Name, faults.DescribeShape(o.Node, o.Workload), o.Workload.Shutdown)
}
