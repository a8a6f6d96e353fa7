package faults_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// TestSwarm draws a different shape of node and workload for every seed
// (swarm testing, as TigerBeetle's VOPR does): partitions, layout, quota,
// queue limit, effect capacity, invocations, step-downs, kills, whether
// the node shuts down, whether its invokers share a tmp-dir, unkeyed retry
// timers, pauses, task panics, what an invoker's panic takes down, a
// throttle, a memory pool with invocations hungry for it, and what a pause
// does with a slot, under every built-in plan, with the sweeps' rule
// (allowedIn).
func TestSwarm(t *testing.T) {
	n := sweepSeeds(400)
	plans := map[string]*faults.Plan{}
	for _, name := range faults.BuiltinPlans() {
		p, err := faults.LoadPlan(name)
		if err != nil {
			t.Fatal(err)
		}
		plans[name] = p
	}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		for _, v := range invoker.Variants() {
			cfg, w, plan := faults.SwarmShape(seed, v)
			o := faults.Options{Seed: seed, Node: cfg, Plan: plans[plan], Workload: w}
			r, err := faults.Run(context.Background(), o)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			for _, vi := range r.Violations {
				if !allowedIn(cfg, r, vi) {
					t.Errorf("seed %d %s plan %s %+v workload %+v: %v", seed, v, plan, cfg, w, vi)
				}
			}
		}
	}
}

// The swarm's shapes under the settings it takes for every shape in place
// of its own draws: throttled (--throttle) fast enough to change little, and
// slow enough to hold most invokes queued and some for longer than the
// progress bound; with memory pools (--memory-limit) from a little
// smaller than the node's slots to one lease for the whole node; and with
// small pools and up to six invocations hungry for a second lease
// (--memory-hungry); and with pauses that keep the slots of state machines
// waiting to retry (--paused-slots leaked, #4468), with up to 16 pauses so
// that some do. The sweeps' rule holds all the same.
func TestSwarmTakes(t *testing.T) {
	t.Run("throttle", func(t *testing.T) {
		sweepTaking(t, 120, faults.Bounds{}, func(seed uint64, cfg *invoker.Config, _ *faults.Workload) string {
			cfg.Throttle = []invoker.Throttle{{Rate: 100, Per: time.Second, Burst: 8}, {Rate: 20, Per: time.Second, Burst: 1},
				{Rate: 1, Per: time.Minute, Burst: 2}}[seed%3]
			return "throttle " + cfg.Throttle.String()
		}, nil)
	})
	t.Run("memory-limit", func(t *testing.T) {
		sweepTaking(t, 120, faults.Bounds{}, func(seed uint64, cfg *invoker.Config, _ *faults.Workload) string {
			slots := cfg.Quota * cfg.Partitions
			if cfg.SharedInvoker {
				slots = cfg.Quota
			}
			cfg.MemoryLimit = []int{max(1, slots-1), max(1, slots/3), 1}[seed%3]
			return "memory-limit " + strconv.Itoa(cfg.MemoryLimit)
		}, nil)
	})
	t.Run("paused-slots", func(t *testing.T) {
		leaks := 0
		sweepTaking(t, 120, faults.Bounds{}, func(seed uint64, cfg *invoker.Config, w *faults.Workload) string {
			cfg.PausedSlots = invoker.PausedSlotsLeaked
			w.Pauses = min(w.Invocations, 16)
			return "paused-slots leaked, " + strconv.Itoa(w.Pauses) + " pauses"
		}, func(r *faults.Result) {
			if r.Violated(faults.QuotaConservation) {
				leaks++
			}
		})
		if leaks == 0 {
			t.Error("no pause leaked a slot: the sweep shows nothing of #4468")
		}
	})
	t.Run("yield", func(t *testing.T) {
		// A loop of yields takes the whole progress bound before the
		// monitor names it, a round a millisecond: a shorter bound
		// keeps the sweep quick.
		bounds := faults.DefaultBounds()
		bounds.Progress = 10 * time.Second
		yielded := 0
		sweepTaking(t, 120, bounds, func(seed uint64, cfg *invoker.Config, w *faults.Workload) string {
			cfg.MemoryLimit, cfg.Yield = []int{2 * cfg.Partitions, cfg.Partitions, 2}[seed%3], invoker.YieldOn
			w.Hungry = min(w.Invocations, int(seed%7))
			return "memory-limit " + strconv.Itoa(cfg.MemoryLimit) + " memory-hungry " + strconv.Itoa(w.Hungry) + " yield on"
		}, func(r *faults.Result) {
			if r.Yields > 0 {
				yielded++
			}
		})
		if yielded == 0 {
			t.Error("no attempt yielded: the sweep shows nothing of the yield")
		}
	})
	t.Run("memory-hungry", func(t *testing.T) {
		sweepTaking(t, 120, faults.Bounds{}, func(seed uint64, cfg *invoker.Config, w *faults.Workload) string {
			cfg.MemoryLimit = []int{2 * cfg.Partitions, cfg.Partitions, 3}[seed%3]
			w.Hungry = min(w.Invocations, int(seed%7))
			return "memory-limit " + strconv.Itoa(cfg.MemoryLimit) + " memory-hungry " + strconv.Itoa(w.Hungry)
		}, nil)
	})
}

// sweepTaking runs every variant on the swarm's first seeds under bounds
// (the default ones if zero), each shape given a setting of its node or
// workload by take (which names it), holds them to the sweeps' rule, and
// shows each result to seen, if not nil.
func sweepTaking(t *testing.T, seeds int, bounds faults.Bounds, take func(seed uint64, cfg *invoker.Config, w *faults.Workload) string, seen func(*faults.Result)) {
	n := sweepSeeds(seeds)
	for seed := uint64(1); seed <= uint64(n); seed++ {
		for _, v := range invoker.Variants() {
			cfg, w, plan := faults.SwarmShape(seed, v)
			setting := take(seed, &cfg, &w)
			p, err := faults.LoadPlan(plan)
			if err != nil {
				t.Fatal(err)
			}
			r, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: w, Bounds: bounds})
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			for _, vi := range r.Violations {
				if !allowedIn(cfg, r, vi) {
					t.Errorf("seed %d %s plan %s %s: %v", seed, v, plan, setting, vi)
				}
			}
			if seen != nil {
				seen(r)
			}
		}
	}
}
