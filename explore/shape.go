package explore

import (
	"strings"

	"lab/faults"
	"lab/invoker"
)

// swarmPlan is a swarm's plan in its report: each seed draws its own.
const swarmPlan = "swarm"

// shapeChanges is what a report's shape sets that lab explore's defaults
// do not, in the shape's order: the node and workload settings a reader
// of the text report must know to read its counts (spill-dirs=removed,
// shutdown=false, ...). Invariants hunted are said by a line of their
// own. A swarm, which draws the shape per seed, has only its bounds.
func shapeChanges(r *Report) string {
	defaults := Config{Node: invoker.DefaultConfig(), Workload: faults.DefaultWorkload(), Swarm: r.Plan == swarmPlan}
	unchanged := map[string]bool{}
	for _, kv := range strings.Fields(defaults.ShapeName()) {
		unchanged[kv] = true
	}
	var changes []string
	for _, kv := range strings.Fields(r.Shape) {
		if !unchanged[kv] && !strings.HasPrefix(kv, "invariants=") {
			changes = append(changes, kv)
		}
	}
	return strings.Join(changes, " ")
}
