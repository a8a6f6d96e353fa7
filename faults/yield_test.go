package faults_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// yieldOptions is seed's run of the reference workload on a node with a
// memory pool of pool leases, hungry invocations and the yield as given.
func yieldOptions(seed uint64, pool, hungry int, y invoker.Yield) faults.Options {
	cfg := invoker.DefaultConfig()
	cfg.MemoryLimit, cfg.Yield = pool, y
	w := faults.DefaultWorkload()
	w.Hungry = hungry
	return faults.Options{Seed: seed, Node: cfg, Workload: w, SkipHash: true}
}

// runBounded runs o under the default bounds but a progress bound of
// progress: a loop of yields takes the whole bound before it is named.
func runBounded(t *testing.T, o faults.Options, progress time.Duration) *faults.Result {
	t.Helper()
	o.Bounds = faults.DefaultBounds()
	o.Bounds.Progress = progress
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// progressCheck is the check of r's progress violation, or "".
func progressCheck(r *faults.Result) string {
	for _, v := range r.Violations {
		if v.Invariant == faults.Progress {
			return v.Check
		}
	}
	return ""
}

// With the yield off, hungry invocations that hold the pool starve each
// other for good; with it on, each gives its lease back and comes round
// again, and the same seeds make progress.
func TestYieldUnsticksWhatTheRetryStarves(t *testing.T) {
	starvedOff, starvedOn := 0, 0
	for seed := uint64(1); seed <= 20; seed++ {
		for _, y := range []invoker.Yield{invoker.YieldOff, invoker.YieldOn} {
			r, err := faults.Run(context.Background(), yieldOptions(seed, 8, 16, y))
			if err != nil {
				t.Fatalf("seed %d, yield %v: %v", seed, y, err)
			}
			switch check := progressCheck(r); {
			case check == "":
			case y == invoker.YieldOff && check == faults.CheckOutOfMemory:
				starvedOff++
			default:
				t.Errorf("seed %d, yield %v: progress broken by %s", seed, y, check)
				starvedOn++
			}
		}
	}
	if starvedOff < 15 || starvedOn != 0 {
		t.Fatalf("runs starved of memory: %d with the yield off (want most of 20), %d with it on (want none)", starvedOff, starvedOn)
	}
}

// A hungry invocation in a pool of one lease can never grow: it yields for
// ever, and the monitor names the loop. Once it has, the stage ends, as it
// does for retries that change nothing, rather than go round until the
// pick budget runs out.
func TestYieldLoopIsNamedAndEndsTheStage(t *testing.T) {
	o := yieldOptions(1, 1, 1, invoker.YieldOn)
	o.Workload.Invocations, o.Workload.Shutdown, o.Workload.StepDowns = 1, false, 0
	r := runBounded(t, o, time.Second)
	if check := progressCheck(r); check != faults.CheckYieldLoop {
		t.Fatalf("progress check %q; want %s (violations: %v)", check, faults.CheckYieldLoop, r.Violations)
	}
	// A second of yields a millisecond apart is a thousand rounds of a
	// handful of picks; the budget is millions.
	if r.Decisions.Picks > 20_000 {
		t.Fatalf("%d picks: the stage went on yielding after the verdict", r.Decisions.Picks)
	}
}

// Behind a throttle, queues whose hungry invocations yield round and round
// keep the pool's leases between them: the loop's top of each takes back,
// in the same step, the lease its attempt gave up. Another partition's
// invocation, which needs no more than one lease, waits for one for good,
// and the monitor names the loops as its cause.
func TestYieldLoopsStarveTheOtherQueues(t *testing.T) {
	o := yieldOptions(95, 2, 4, invoker.YieldOn)
	o.Node.Variant = invoker.Term
	o.Node.Throttle = invoker.Throttle{Rate: 300, Per: time.Second, Burst: 1}
	o.Plan, _ = faults.LoadPlan("none")
	r := runBounded(t, o, 30*time.Second)
	for _, v := range r.Violations {
		if v.Invariant != faults.Progress {
			continue
		}
		if v.Check != faults.CheckYieldLoop || !strings.Contains(v.Detail, "waits for the node's memory pool, held by queues for the invokes of invocations that yield round and round") {
			t.Fatalf("the verdict: %s by %s; want the other queue's wait explained by the yield loops", v.Detail, v.Check)
		}
		return
	}
	t.Fatalf("no progress verdict: %v", r.Violations)
}

// An invocation that yielded and then stands still for another reason is
// not a loop: here its partition loses its leader, which drops the Yield
// as stale, and nothing invokes it again until a new leader does. The
// monitor names the partition, not the yield.
func TestAYieldThenNoLeaderIsNoLoop(t *testing.T) {
	o := yieldOptions(13743, 2, 7, invoker.YieldOn)
	o.Node.Quota, o.Node.EffectCapacity, o.Node.QueueLimit = 1, 3, 8
	o.Workload.Invocations, o.Workload.StepDowns, o.Workload.Kills, o.Workload.Shutdown = 8, 3, 4, false
	o.Plan, _ = faults.LoadPlan("none")
	r := runBounded(t, o, 30*time.Second)
	if r.Yields == 0 {
		t.Fatal("nothing yielded: the run shows nothing of a yield")
	}
	if check := progressCheck(r); check != faults.CheckNoLeader {
		t.Fatalf("progress check %q; want %s (violations: %v)", check, faults.CheckNoLeader, r.Violations)
	}
}
