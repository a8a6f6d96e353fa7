package explore

import (
	"context"
	"strings"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// What the report calls out of a variant's reach, the variant's swarm
// never reaches, over 300 seeds each, nor, with every invocation through
// vqueues, 300 seeds of shutdown-race; and the
// report says n/a for it, with why, instead of never.
func TestSituationsOutOfReachAreNotReached(t *testing.T) {
	plan, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	outOfReach := 0
	for _, v := range invoker.Variants() {
		for _, vqueues := range []bool{false, true} {
			c := Config{Swarm: true, Variant: v, Node: invoker.DefaultConfig(), Workload: faults.DefaultWorkload(),
				Strategy: "random", FirstSeed: 1, Seeds: 300, Workers: 2}
			if vqueues {
				c.Swarm, c.Plan, c.Node.VQueues = false, plan, invoker.VQueuesOn
			}
			r, err := Explore(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			if err := r.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			for s, name := range sometimesNames {
				why := cannotReach(sometime(s), v, vqueues)
				if why == "" {
					continue
				}
				outOfReach++
				if n := r.Coverage.Sometimes[name]; n.Schedules > 0 {
					t.Errorf("%s (vqueues %t) reached %q (first seed %d), which the report says it cannot: %s", v, vqueues, name, n.FirstSeed, why)
				}
				if want := "n/a  " + name + "\n"; !strings.Contains(text.String(), want) || !strings.Contains(text.String(), why) {
					t.Errorf("%s (vqueues %t): the report does not say %q, because %s", v, vqueues, want, why)
				}
			}
		}
	}
	if outOfReach == 0 {
		t.Error("no situation is out of any variant's reach: the test checks nothing")
	}
}
