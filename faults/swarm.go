package faults

import (
	"math/rand/v2"
	"time"

	"lab/invoker"
)

// swarmPlans are the built-in plans the swarm draws first. A plan added
// later (slow-partition) joins with a draw of its own, after the others,
// so that every seed that does not draw it keeps the run it had.
var swarmPlans = []string{"chaos", "none", "shutdown-race"}

// swarmThrottles are the rates the swarm throttles a node to: from well
// under the reference workload's ≈320 invocations a second to above it.
var swarmThrottles = []invoker.Throttle{
	{Rate: 50, Per: time.Second},
	{Rate: 100, Per: time.Second},
	{Rate: 300, Per: time.Second},
	{Rate: 1000, Per: time.Second},
}

// SwarmShape draws, from seed, the shape of one swarm-testing run (after
// TigerBeetle's VOPR): partitions, layout, quota, queue limit, effect
// capacity, invocations, step-downs, kills, which built-in plan, whether
// the node shuts down at the end of the safety phase, whether its invokers
// share one tmp-dir, how its retry timers are found, pauses, task panics,
// what an invoker's panic takes down, retry-nows, a slow partition, a
// throttle, a memory pool with invocations hungry for it, and what a
// pause does with a slot. The variant
// is the caller's, so that every variant meets the same shapes.
// The swarm test and `lab explore --swarm` both draw from here.
func SwarmShape(seed uint64, v invoker.Variant) (invoker.Config, Workload, string) {
	rng := rand.New(rand.NewPCG(seed, 0x5357524d)) // "SWRM"
	cfg := invoker.DefaultConfig()
	cfg.Variant = v
	cfg.Partitions = 1 + rng.IntN(4)
	cfg.SharedInvoker = rng.IntN(3) == 0
	cfg.Quota = 1 + rng.IntN(8)
	cfg.QueueLimit = 1 + rng.IntN(8)
	cfg.EffectCapacity = 1 + rng.IntN(4)
	w := DefaultWorkload()
	w.Invocations = rng.IntN(100)
	w.StepDowns = rng.IntN(4)
	w.Kills = rng.IntN(min(w.Invocations, 6) + 1)
	plan := swarmPlans[rng.IntN(len(swarmPlans))]
	// Drawn last, so that every draw above kept its value when it came:
	// one node in four is left running rather than shut down, long enough
	// for the progress invariant to see what stalls.
	w.Shutdown = rng.IntN(4) != 0
	// And after it, the same way: one node in four is given one tmp-dir for
	// all its invokers, as Restate is when worker.invoker.tmp-dir is set,
	// which matters where there are several (see Config.SharedTmpDir).
	cfg.SharedTmpDir = rng.IntN(4) == 0
	// And after that: half the nodes find their retry timers as Restate
	// did before f681676dc (unkeyed), and in one workload in four the user
	// pauses and soon resumes a few invocations: together they make
	// restatedev/restate#4064's race.
	if rng.IntN(2) == 0 {
		cfg.RetryTimers = invoker.RetryTimersUnkeyed
	}
	if rng.IntN(4) == 0 {
		w.Pauses = rng.IntN(min(w.Invocations, 8) + 1)
	}
	// And last: in one workload in four, 1% of attempts' tasks panic; and
	// a node's answer to an invoker's panic is the process abort of
	// January 2025 in half the nodes, the unwatched unwind of 2025
	// (restatedev/restate#4102) in a quarter, and the watch that fixed it
	// in the other quarter.
	if rng.IntN(4) == 0 {
		w.Tasks.Panic = 0.01
	}
	switch rng.IntN(4) {
	case 0:
		cfg.OnPanic = invoker.PanicUnwinds
	case 1:
		cfg.OnPanic = invoker.PanicWatched
	}
	// Later still: in one workload in four the user asks a few invocations
	// to retry now, #4064's other road (a retry-now fires the wait at once
	// and, unkeyed, leaves its timer queued).
	if rng.IntN(4) == 0 {
		w.RetryNows = rng.IntN(min(w.Invocations, 8) + 1)
	}
	// Last: one seed in eight runs under slow-partition instead, whose
	// partition processor falls behind its (small) effect channel.
	if rng.IntN(8) == 0 {
		plan = "slow-partition"
	}
	// Drawn after all the rest: one node in eight throttles its
	// invocations (the reference workload asks about 320 a second), and
	// one in eight has a memory pool of 1 to quota × partitions leases,
	// as often as not with a few invocations hungry for a second lease.
	if rng.IntN(8) == 0 {
		cfg.Throttle = swarmThrottles[rng.IntN(len(swarmThrottles))]
		cfg.Throttle.Burst = 1 + rng.IntN(8)
	}
	if rng.IntN(8) == 0 {
		cfg.MemoryLimit = 1 + rng.IntN(cfg.Quota*cfg.Partitions)
		if rng.IntN(2) == 0 {
			w.Hungry = rng.IntN(min(w.Invocations, 8) + 1)
		}
	}
	// And after those: half the nodes keep the slot of an invocation
	// paused while it waits to retry, as Restate did from October 2025 to
	// March 2026 (restatedev/restate#4468).
	if rng.IntN(2) == 0 {
		cfg.PausedSlots = invoker.PausedSlotsLeaked
	}
	// The yield (Config.Yield) is not drawn: an invocation that yields
	// for ever goes round once a millisecond for the whole progress
	// bound, about 2 s of CPU a seed, and the loops it drew made the
	// swarm 16 times slower. lab explore --swarm --yield on gives it to
	// every shape with a pool.
	if v.PerTerm() {
		// Drawn all the same, so that the draws after it stay in step.
		cfg.SharedInvoker = false
	}
	return cfg, w, plan
}
