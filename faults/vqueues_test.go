package faults_test

import (
	"context"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// vqueuesRun runs seed of plan with every invocation a VQInvoke, counting
// what of the queue and the quota its events touched.
func vqueuesRun(t *testing.T, seed uint64, v invoker.Variant, plan string, vq invoker.VQueues) (*faults.Result, map[invoker.Kind]int) {
	t.Helper()
	p, err := faults.LoadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.VQueues = v, vq
	cfg.Store = invoker.MemStores()
	seen := map[invoker.Kind]int{}
	r, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: faults.DefaultWorkload(),
		SkipHash: true, Observers: []faults.Observer{faults.EventFunc(func(e invoker.Event) { seen[e.Kind]++ })}})
	if err != nil {
		t.Fatal(err)
	}
	return r, seen
}

// TestVQueuesBypassTheQueueAndTheQuota: a VQInvoke starts at once, so no
// invoke is ever queued, no slot taken or given back, and #2543, a queued
// invoke dequeued after its partition went, cannot happen even in buggy.
// Everything holds under the same seeds and faults as without vqueues.
func TestVQueuesBypassTheQueueAndTheQuota(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		for _, plan := range []string{"shutdown-race", "chaos"} {
			r, seen := vqueuesRun(t, seed, invoker.Buggy, plan, invoker.VQueuesOn)
			if vs := r.Violations; len(vs) > 0 {
				t.Fatalf("seed %d %s: %s", seed, plan, vs[0].Failure())
			}
			for _, k := range []invoker.Kind{invoker.KindEnqueue, invoker.KindDequeue, invoker.KindSlotAcquired, invoker.KindSlotReleased} {
				if seen[k] > 0 {
					t.Fatalf("seed %d %s: %d %s events with every invocation a VQInvoke", seed, plan, seen[k], invoker.KindInfo(k).Name)
				}
			}
			if seen[invoker.KindVQInvoke] == 0 || seen[invoker.KindTaskStart] == 0 {
				t.Fatalf("seed %d %s: %d VQInvokes, %d task starts", seed, plan, seen[invoker.KindVQInvoke], seen[invoker.KindTaskStart])
			}
		}
	}
}

// TestUnguardedVQueuesInflateTheQuota: with the release unguarded (#4520),
// every run in which a VQInvoke's state machine suspends or is aborted
// gives back a slot it never took, and quota-conservation fails by that
// check and no other; the same run, guarded, holds.
func TestUnguardedVQueuesInflateTheQuota(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		r, seen := vqueuesRun(t, seed, invoker.Fixed, "shutdown-race", invoker.VQueuesUnguarded)
		if seen[invoker.KindSlotReleased] == 0 {
			t.Fatalf("seed %d: no slot given back; the run shows nothing of #4520", seed)
		}
		if seen[invoker.KindSlotAcquired] > 0 {
			t.Fatalf("seed %d: %d slots taken by VQInvokes", seed, seen[invoker.KindSlotAcquired])
		}
		if len(r.Violations) == 0 {
			t.Fatalf("seed %d: every invariant held", seed)
		}
		if v := r.Violations[0]; v.Invariant != faults.QuotaConservation || v.Check != faults.CheckSlotsInflated {
			t.Fatalf("seed %d: first violation %s, want quota-conservation (%s)", seed, v.Failure(), faults.CheckSlotsInflated)
		}
		if guarded, _ := vqueuesRun(t, seed, invoker.Fixed, "shutdown-race", invoker.VQueuesOn); len(guarded.Violations) > 0 {
			t.Fatalf("seed %d, guarded: %s", seed, guarded.Violations[0].Failure())
		}
	}
}

// TestVQueuesLeaveMemoryAndThrottleToTheScheduler: the lab models no
// vqueue scheduler, so a node with vqueues and a memory pool or a throttle
// is refused rather than run with the invoker enforcing either.
func TestVQueuesLeaveMemoryAndThrottleToTheScheduler(t *testing.T) {
	for _, vq := range []invoker.VQueues{invoker.VQueuesOn, invoker.VQueuesUnguarded} {
		withPool := invoker.DefaultConfig()
		withPool.VQueues, withPool.MemoryLimit = vq, 4
		withThrottle := invoker.DefaultConfig()
		withThrottle.VQueues, withThrottle.Throttle = vq, invoker.Throttle{Rate: 100, Per: time.Second, Burst: 1}
		for _, cfg := range []invoker.Config{withPool, withThrottle} {
			if err := cfg.Validate(); err == nil {
				t.Errorf("vqueues %v with memory-limit %d and throttle %v: accepted", vq, cfg.MemoryLimit, cfg.Throttle)
			}
		}
	}
}
