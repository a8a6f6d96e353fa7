package explore

import (
	"fmt"
	"slices"
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

// shapeSays reports whether a report's shape sets key (to anything but
// its default, which a shape leaves out).
func shapeSays(shape, key string) bool {
	for _, kv := range strings.Fields(shape) {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			return true
		}
	}
	return false
}

// shapeDiff says how shape a differs from report 1's shape b, naming only
// the settings that differ: "kills=3, report 1 kills=0", or
// "spill-dirs=removed, report 1 without it".
func shapeDiff(a, b string) string {
	onlyA, onlyB := fieldsNotIn(a, b), fieldsNotIn(b, a)
	switch {
	case onlyA == "" && onlyB == "": // the same settings, written otherwise
		return fmt.Sprintf("%q, report 1 %q", a, b)
	case onlyA == "":
		return "without " + onlyB + ", report 1 with it"
	case onlyB == "":
		return onlyA + ", report 1 without it"
	}
	return onlyA + ", report 1 " + onlyB
}

// fieldsNotIn is a's space-separated settings that b does not have.
func fieldsNotIn(a, b string) string {
	in := strings.Fields(b)
	var out []string
	for _, kv := range strings.Fields(a) {
		if !slices.Contains(in, kv) {
			out = append(out, kv)
		}
	}
	return strings.Join(out, " ")
}
