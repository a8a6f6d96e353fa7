package faults_test

import (
	"errors"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// TestVQueuesHoldTheNodesLimit: with vqueues, the scheduler's permits are
// the node's concurrency limit (--quota): no more state machines live at
// once than that, across every invoker of the node, while invocations
// wait their turn in their partitions' vqueues; and every permit comes
// back, whether its state machine ends or its VQInvoke starts none
// (stale, lost with a plan's drop, or left on the channel of an invoker
// that exited) or its attempt yields to the scheduler for its backoff
// (a third of the runs, --yield-threshold 50ms), so every run, shut down
// or left running, ends with no permit in use but those of live state
// machines, and every invariant
// held, the progress monitor's included (but for what chaos drops, or the
// leaderless partitions its reordered elections leave, in a node left
// running).
func TestVQueuesHoldTheNodesLimit(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		for _, plan := range []string{"none", "shutdown-race", "chaos"} {
			for _, v := range []invoker.Variant{invoker.Fixed, invoker.Graceful, invoker.Term} {
				p, err := faults.LoadPlan(plan)
				if err != nil {
					t.Fatal(err)
				}
				cfg := invoker.DefaultConfig()
				cfg.Variant, cfg.VQueues, cfg.Quota = v, invoker.VQueuesOn, 3
				if seed%3 == 0 { // and attempts that yield to the scheduler for any backoff
					cfg.YieldThreshold = 50 * time.Millisecond
				}
				cfg.Store = invoker.MemStores()
				live, most, waited, ran, accepted := 0, 0, false, 0, 0
				watch := faults.EventFunc(func(e invoker.Event) {
					switch {
					case e.Kind == invoker.KindISM && invoker.ISMState(e.From) == invoker.ISMNone:
						live++
						most = max(most, live)
					case e.Kind == invoker.KindISM && invoker.ISMState(e.To) == invoker.ISMGone:
						live--
					case e.Kind == invoker.KindVQRun:
						ran++
						if e.N > e.M {
							t.Errorf("seed %d %s %s: %d of %d permits granted", seed, plan, v, e.N, e.M)
						}
					case e.Kind == invoker.KindAccepted:
						accepted++
						waited = waited || live == cfg.Quota
					}
				})
				w := faults.DefaultWorkload()
				// Half the nodes are left running: a restart would give
				// back the permits a lost one leaked.
				w.Shutdown = seed%2 == 0
				s, err := faults.New(faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: w, SkipHash: true,
					Observers: []faults.Observer{watch}})
				if err != nil {
					t.Fatal(err)
				}
				for !s.Done() {
					if _, err := s.Step(); err != nil && !errors.Is(err, faults.ErrDone) {
						t.Fatal(err)
					}
				}
				r := s.Result()
				for _, vi := range r.Violations {
					// Left running, what chaos drops is not sent again, and
					// elections it reorders may leave a partition without a
					// leader.
					if !w.Shutdown && plan == "chaos" && (vi.Check == faults.CheckFaulted || vi.Check == faults.CheckNoLeader) {
						continue
					}
					t.Fatalf("seed %d %s %s: %s", seed, plan, v, vi.Failure())
				}
				if plan != "chaos" && most > cfg.Quota {
					// chaos duplicates invokes: a copy may start a second
					// state machine after the first ended, without a permit.
					t.Errorf("seed %d %s %s: %d state machines at once, the node's limit %d", seed, plan, v, most, cfg.Quota)
				}
				// At the end nothing is on its way: every permit in use is
				// a live state machine's (one a dropped output left stuck).
				end := s.Snapshot().Node
				holders := 0
				for _, iv := range end.Invokers {
					holders += iv.Permits
				}
				if end.PermitsInUse != holders || end.PermitLimit != cfg.Quota {
					t.Errorf("seed %d %s %s: %d of %d permits in use at the end, %d state machines hold one", seed, plan, v,
						end.PermitsInUse, end.PermitLimit, holders)
				}
				if !waited || ran < accepted {
					t.Errorf("seed %d %s %s: %d permits granted for %d invocations accepted; one accepted while all were in use: %t",
						seed, plan, v, ran, accepted, waited)
				}
				s.Close()
			}
		}
	}
}
