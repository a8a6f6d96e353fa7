package explore_test

import (
	"context"
	"testing"

	"lab/explore"
	"lab/invoker"
)

// precondition is the situation #2543 needs.
const precondition = "abort-all with invokes of its term queued (#2543's precondition)"

// The situations are counted from the events alone, and they agree with
// what the variants do: on every seed where AbortAll finds invokes of its
// term queued, buggy panics and fixed drops a stale invoke, and on no other.
func TestSometimesAgreeWithTheVariants(t *testing.T) {
	for _, plan := range []string{"none", "shutdown-race", "chaos"} {
		reach := map[invoker.Variant]*explore.Report{}
		for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed} {
			r, err := explore.Explore(context.Background(), config(t, v, plan, 150))
			if err != nil {
				t.Fatal(err)
			}
			reach[v] = r
		}
		buggy, fixed := reach[invoker.Buggy], reach[invoker.Fixed]
		pre, stale := fixed.Coverage.Sometimes[precondition], fixed.Coverage.Sometimes["a stale invoke dequeued and dropped (the #2547 fix at work)"]
		panics := buggy.ByInvariant["no-panic"]
		if pre.Schedules == 0 || pre != stale || buggy.Coverage.Sometimes[precondition] != pre ||
			panics.Failures != pre.Schedules || panics.FirstSeed != pre.FirstSeed {
			t.Errorf("%s: precondition %+v (buggy %+v), stale invokes %+v, panics %+v",
				plan, pre, buggy.Coverage.Sometimes[precondition], stale, panics)
		}
	}
}

// The swarm reaches every situation within its first 100 seeds.
func TestSwarmReachesEverySituation(t *testing.T) {
	cfg := config(t, invoker.Fixed, "none", 100)
	cfg.Swarm, cfg.Plan = true, nil
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Coverage.Sometimes) != len(explore.SometimesNames()) {
		t.Errorf("reached %d of %d: %v", len(r.Coverage.Sometimes), len(explore.SometimesNames()), r.Coverage.Sometimes)
	}
}
