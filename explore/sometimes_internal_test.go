package explore

import (
	"context"
	"strings"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// What the report calls out of a variant's reach, the variant's swarm
// never reaches, over 300 seeds each; and the report says n/a for it,
// with why, instead of never.
func TestSituationsOutOfReachAreNotReached(t *testing.T) {
	outOfReach := 0
	for _, v := range invoker.Variants() {
		r, err := Explore(context.Background(), Config{Swarm: true, Variant: v, Node: invoker.DefaultConfig(),
			Workload: faults.DefaultWorkload(), Strategy: "random", FirstSeed: 1, Seeds: 300, Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		if err := r.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		for s, name := range sometimesNames {
			why := cannotReach(sometime(s), v)
			if why == "" {
				continue
			}
			outOfReach++
			if n := r.Coverage.Sometimes[name]; n.Schedules > 0 {
				t.Errorf("%s reached %q (first seed %d), which the report says it cannot: %s", v, name, n.FirstSeed, why)
			}
			if want := "n/a  " + name + "\n"; !strings.Contains(text.String(), want) || !strings.Contains(text.String(), why) {
				t.Errorf("%s: the report does not say %q, because %s", v, want, why)
			}
		}
	}
	if outOfReach == 0 {
		t.Error("no situation is out of any variant's reach: the test checks nothing")
	}
}
