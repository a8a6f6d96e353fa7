package faults_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// run simulates one run of the reference workload, spilling to memory
// (TestStoreIsInvisible shows files give the same run).
func run(t testing.TB, seed uint64, variant invoker.Variant, plan string, edit ...func(*faults.Options)) *faults.Result {
	t.Helper()
	r, err := tryRun(seed, variant, plan, edit...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryRun is run returning its error, for goroutines other than the test's,
// which must not call t.Fatal.
func tryRun(seed uint64, variant invoker.Variant, plan string, edit ...func(*faults.Options)) (*faults.Result, error) {
	p, err := faults.LoadPlan(plan)
	if err != nil {
		return nil, err
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant = variant
	o := faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: faults.DefaultWorkload()}
	for _, e := range edit {
		e(&o)
	}
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		return nil, fmt.Errorf("seed %d %s %s: %w", seed, variant, plan, err)
	}
	return r, nil
}

// swept is what a sweep found, per variant: the seeds that panicked and
// the seeds that left spill files behind.
type swept struct {
	panicked, leaked map[invoker.Variant][]uint64
}

// sweep runs seeds 1..n of every variant on all cores, fails the test on
// any violation the sweeps' rule does not allow, and says what it found.
func sweep(t *testing.T, plan string, n int, variants ...invoker.Variant) swept {
	t.Helper()
	var mu sync.Mutex
	found := swept{panicked: map[invoker.Variant][]uint64{}, leaked: map[invoker.Variant][]uint64{}}
	seeds := make(chan uint64)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A run that errs is reported and the worker goes on taking
			// seeds: one that quit would leave the sender blocked.
			for seed := range seeds {
				for _, v := range variants {
					r, err := tryRun(seed, v, plan)
					if err != nil {
						t.Error(err)
						continue
					}
					if !r.OK() {
						mu.Lock()
						if r.Violated(faults.NoPanic) {
							found.panicked[v] = append(found.panicked[v], seed)
						}
						if slices.ContainsFunc(r.Violations, faults.Violation.LeftoverSpill) {
							found.leaked[v] = append(found.leaked[v], seed)
						}
						for _, vi := range r.Violations {
							if !allowed(v, vi) {
								t.Errorf("%s, seed %d: %v", v, seed, vi)
							}
						}
						mu.Unlock()
					}
				}
			}
		}()
	}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		seeds <- seed
	}
	close(seeds)
	wg.Wait()
	return found
}

// allowed is the sweeps' rule, the one the README states: buggy may
// violate no-panic (#2543) and clean-shutdown by leaving spill files;
// fixed may only leave spill files; both may report #3217's retry loop
// (progress) on a node left running; graceful violates nothing; term (the
// per-term invoker of 2026) may only leave spill files, one directory per
// term that ended with invokes on disk. On a node
// left running, any variant may report invocations the plan's faults left
// standing still (progress, faulted or no-leader). Anything else would be
// the lab accusing Restate's invoker falsely.
func allowed(v invoker.Variant, vi faults.Violation) bool {
	retryLoop := vi.Invariant == faults.Progress && vi.Check == faults.CheckRetryLoop
	if vi.Invariant == faults.Progress && (vi.Check == faults.CheckNoLeader || vi.Check == faults.CheckFaulted) {
		// The plan's doing, in any variant: it reordered a partition's
		// elections, dropped a message nothing sends again, or
		// duplicated an ended invocation's invoke.
		return true
	}

	switch v {
	case invoker.Buggy:
		return vi.Invariant == faults.NoPanic || vi.LeftoverSpill() || retryLoop
	case invoker.Fixed:
		return vi.LeftoverSpill() || retryLoop
	case invoker.Term:
		return vi.LeftoverSpill()
	}
	return false
}

// allowedIn is the sweeps' rule for a run of a node of any shape. Unkeyed
// retry timers may break timer-fencing; a slow partition, bounded-shutdown
// (but in graceful and term, which see their cancellation while parked);
// tasks that panic make their
// invoker panic, in any variant, and leave its spill files behind; an
// invoker that unwinds alone under on-panic unwind goes unnoticed
// (crash-visibility); a throttle or a memory pool may leave queues
// draining slower than the progress bound (a backlog); invocations hungry
// for memory may stand still, failing for memory the pool does not have
// (out-of-memory, or with the yield on, yield-loop), and then never end; a pause under paused-slots leaked
// keeps its slot (quota-conservation), and what queues behind slots so
// leaked stands still (slots-leaked) and never ends. Where
// invokers share one spill store (a tmp-dir, in buggy and fixed), a
// segment another invoker overwrote or consumed is a panic too, on the
// load ("Unable to load a segment"), or a silent loss; and what the
// restarted node loses that way never ends, for nothing restarts it again
// (the lab restarts a node once). Graceful spills into a directory of its
// own.
func allowedIn(cfg invoker.Config, r *faults.Result, vi faults.Violation) bool {
	switch {
	case vi.Invariant == faults.TimerFencing:
		// Only unkeyed timers, Restate's before f681676dc, let a stale one
		// reach another state machine (#4064), in any variant.
		return cfg.RetryTimers == invoker.RetryTimersUnkeyed
	case taskPanic(vi):
		// A task's panic, re-raised by the join arm in every variant.
		return r.Workload.Tasks.Panic > 0
	case vi.LeftoverSpill() && slices.ContainsFunc(r.Violations, taskPanic):
		// And an invoker that died of it never removes its spill
		// directory, graceful's included.
		return true
	case vi.Invariant == faults.Progress && vi.Check == faults.CheckInvokerDead:
		// What an invoker's death, reported as no-panic, left behind.
		return slices.ContainsFunc(r.Violations, func(vi faults.Violation) bool { return vi.Invariant == faults.NoPanic })
	case vi.Invariant == faults.CrashVisibility:
		// An invoker that unwinds alone, and that nothing watches (#4102).
		return cfg.OnPanic == invoker.PanicUnwinds
	case vi.Invariant == faults.Progress && vi.Check == faults.CheckOutOfMemory:
		// Invocations hungry for more memory than the pool has left,
		// retried for ever holding their first lease: Restate's default,
		// in every variant.
		return r.Workload.Hungry > 0
	case vi.Invariant == faults.Progress && vi.Check == faults.CheckYieldLoop:
		// Or, the yield on, yielding and invoked again for ever.
		return r.Workload.Hungry > 0 && cfg.Yield == invoker.YieldOn
	case vi.Invariant == faults.NoLostInvocation && slices.ContainsFunc(r.Violations, outOfMemory):
		// And what they never finish.
		return true
	case vi.Invariant == faults.NoLostInvocation && cfg.Yield == invoker.YieldOn && r.Workload.Hungry > 0 &&
		slices.ContainsFunc(r.Violations, func(vi faults.Violation) bool { return vi.Invariant == faults.Progress }):
		// And, the yield on, what goes round after the restart: a hungry
		// invocation the monitor named for another cause first (a dropped
		// output) yields for ever once the new leader invokes it again,
		// and the liveness phase ends on the loop the monitor named.
		return true
	case vi.Invariant == faults.QuotaConservation, vi.Invariant == faults.Progress && vi.Check == faults.CheckSlotsLeaked:
		// A pause that keeps the slot of a state machine waiting to retry
		// (#4468), and the invocations queued behind slots so leaked.
		return cfg.PausedSlots == invoker.PausedSlotsLeaked
	case vi.Invariant == faults.NoLostInvocation && slices.ContainsFunc(r.Violations, slotsLeaked):
		// And what they never finish.
		return true
	case vi.Invariant == faults.Progress && vi.Check == faults.CheckBacklog:
		// Queues that drain slower than the bound: a throttle's load, or
		// a memory pool's.
		return cfg.Throttle.On() || cfg.MemoryOn()
	case vi.Invariant == faults.BoundedShutdown:
		// A loop parked on a full effect channel, behind a partition
		// processor that falls behind, misses its cancellation; graceful
		// sees it while parked.
		return r.Plan == "slow-partition" && cfg.Variant != invoker.Graceful && cfg.Variant != invoker.Term
	}
	if cfg.SharesSpillStore() {
		switch {
		case vi.Invariant == faults.NoPanic && vi.Check == invoker.SpillReadPanic:
			return true
		case vi.Invariant == faults.Progress, vi.Invariant == faults.NoLostInvocation:
			// Invokes in a segment another invoker consumed or wrote over
			// are gone, with or without a panic (fixed drops the other
			// partition's invokes it reads back): their invocations wait
			// for ever. The new leaders after a restart invoke them
			// again, but the lab restarts a node once, so what the
			// restarted node loses never ends.
			return true
		}
	}
	return allowed(cfg.Variant, vi)
}

// slotsLeaked: invocations stood still behind slots pauses leaked
// (--paused-slots leaked).
func slotsLeaked(vi faults.Violation) bool {
	return vi.Invariant == faults.Progress && vi.Check == faults.CheckSlotsLeaked
}

// outOfMemory: invocations stood still, their attempts failing for
// memory (--memory-hungry), retried or, the yield on, yielded.
func outOfMemory(vi faults.Violation) bool {
	return vi.Invariant == faults.Progress && (vi.Check == faults.CheckOutOfMemory || vi.Check == faults.CheckYieldLoop)
}

// taskPanic: an invoker re-raised a task's panic (--task-panics).
func taskPanic(vi faults.Violation) bool {
	return vi.Invariant == faults.NoPanic && vi.Check == invoker.TaskPanicMessage
}

func onDisk(dir string) func(*faults.Options) {
	return func(o *faults.Options) { o.Node.Store = invoker.FileStores(dir) }
}

// Spilling to real files or to memory makes no difference to the run: the
// event log is the same, byte for byte. And no file is left behind: runs
// whose simulated node leaks its spill files (reported as clean-shutdown)
// have them removed by the lab once the run is over.
func TestStoreIsInvisible(t *testing.T) {
	dir := t.TempDir()
	leaks := 0
	for seed := uint64(1); seed <= 30; seed++ {
		for _, v := range invoker.Variants() {
			files := run(t, seed, v, "shutdown-race", onDisk(dir))
			if slices.ContainsFunc(files.Violations, faults.Violation.LeftoverSpill) {
				leaks++
			}
			memory := run(t, seed, v, "shutdown-race")
			if files.Hash != memory.Hash {
				t.Fatalf("%s seed %d: files and memory give different runs", v, seed)
			}
			if files.Kinds[invoker.KindSpill] == 0 && seed == 1 {
				t.Errorf("%s seed %d spilled nothing: the test shows nothing", v, seed)
			}
		}
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("%d spill directories left behind", len(left))
	}
	if leaks == 0 {
		t.Error("no run leaked spill files: the cleanup after reporting is not shown")
	}
}

// The README's seed reproduces #2543 in the buggy variant as it was filed,
// at the node's shutdown (on a node left running, the same run does not
// panic), and the fix holds on it.
func TestREADMESeed(t *testing.T) {
	const seed = faults.DefaultSeed
	r := run(t, seed, invoker.Buggy, "shutdown-race", onDisk(t.TempDir()))
	if !r.Violated(faults.NoPanic) {
		t.Fatalf("seed %d: buggy held every invariant; the README's seed must reproduce #2543", seed)
	}
	if left := run(t, seed, invoker.Buggy, "shutdown-race", func(o *faults.Options) { o.Workload.Shutdown = false }); left.Violated(faults.NoPanic) {
		t.Errorf("seed %d panics on a node left running: its panic is not the shutdown's", seed)
	}
	if v := r.Violations[0]; v.Invariant != faults.NoPanic || !strings.Contains(v.Detail, invoker.HasPartitionAssertion) {
		t.Errorf("first violation = %v, want the has_partition assertion", v)
	}
	if rec := r.Violations[0].Recent; len(rec) < 2 || rec[len(rec)-2].Kind != invoker.KindDequeue {
		t.Errorf("the README's panic is not a dequeue's: %v", rec[max(0, len(rec)-2):])
	}
	for _, vi := range r.Violations {
		if !allowed(invoker.Buggy, vi) {
			t.Errorf("buggy, seed %d: %v", seed, vi)
		}
	}
	if r.AfterPanic() != faults.PanicAbortedNode {
		t.Errorf("after the panic: %q, want the process aborted", r.AfterPanic())
	}
	for _, v := range []invoker.Variant{invoker.Fixed, invoker.Graceful, invoker.Term} {
		if r := run(t, seed, v, "shutdown-race", onDisk(t.TempDir())); !r.OK() {
			t.Errorf("%s, seed %d: %v", v, seed, r.Violations)
		}
	}
}

// Over 1,000 seeds of shutdown-race (see sweepSeeds), buggy panics at least
// once and leaves spill files behind at least once; fixed never panics;
// graceful violates nothing (sweep checks the rule on every seed).
func TestShutdownRaceSweep(t *testing.T) {
	n := sweepSeeds(1000)
	found := sweep(t, "shutdown-race", n, invoker.Variants()...)
	if len(found.panicked[invoker.Buggy]) == 0 {
		t.Errorf("buggy held on all %d seeds", n)
	}
	if len(found.leaked[invoker.Buggy]) == 0 {
		t.Errorf("buggy never left a spill file in %d seeds: the leak of Restate's spill directory is not shown", n)
	}
	t.Logf("shutdown-race over %d seeds: buggy panicked on %d, left spill files on %d; fixed left spill files on %d",
		n, len(found.panicked[invoker.Buggy]), len(found.leaked[invoker.Buggy]), len(found.leaked[invoker.Fixed]))
}

// chaos is documented as a plan a correct invoker survives: graceful holds
// every invariant, fixed may only leave spill files.
func TestChaosHolds(t *testing.T) {
	n := sweepSeeds(1000)
	found := sweep(t, "chaos", n, invoker.Fixed, invoker.Graceful, invoker.Term)
	t.Logf("chaos over %d seeds: fixed left spill files on %d", n, len(found.leaked[invoker.Fixed]))
}

// Without faults, races come from the scheduler alone: the buggy invoker
// still panics on some seeds, which is how #2543 was found in e2e tests.
func TestNoFaultsStillRaces(t *testing.T) {
	n := max(sweepSeeds(200), 40) // the first panic is at seed 28
	found := sweep(t, "none", n, invoker.Buggy, invoker.Fixed, invoker.Graceful, invoker.Term)
	if len(found.panicked[invoker.Buggy]) == 0 {
		t.Errorf("buggy held on %d seeds without faults", n)
	}
}

// The same (seed, variant, plan, workload) gives the same event log byte for
// byte; the hash tells runs apart.
func TestDeterminism(t *testing.T) {
	seen := map[string]string{}
	for _, plan := range faults.BuiltinPlans() {
		for _, v := range invoker.Variants() {
			for seed := uint64(1); seed <= 20; seed++ {
				var first, second strings.Builder
				a := run(t, seed, v, plan, func(o *faults.Options) { o.Events = &first })
				b := run(t, seed, v, plan, func(o *faults.Options) { o.Events = &second })
				if a.Hash != b.Hash || first.String() != second.String() {
					t.Fatalf("%s %s seed %d: two runs differ", plan, v, seed)
				}
				key := plan + "/" + v.String()
				if prev, dup := seen[a.Hash]; dup {
					t.Errorf("%s seed %d has the same log as %s", key, seed, prev)
				}
				seen[a.Hash] = key
			}
		}
	}
}

// The shared layout (one invoker for every partition, one quota, one queue)
// runs the same race: a partition's AbortAllPartition frees slots that the
// next dequeue may give to its own stale invoke.
func TestSharedInvoker(t *testing.T) {
	shared := func(o *faults.Options) { o.Node.SharedInvoker = true }
	buggyFailed := false
	for seed := uint64(1); seed <= 50; seed++ {
		r := run(t, seed, invoker.Buggy, "shutdown-race", shared)
		buggyFailed = buggyFailed || r.Violated(faults.NoPanic)
		for _, vi := range r.Violations {
			if !allowed(invoker.Buggy, vi) {
				t.Errorf("shared buggy seed %d: %v", seed, vi)
			}
		}
		for _, v := range []invoker.Variant{invoker.Fixed, invoker.Graceful} {
			for _, vi := range run(t, seed, v, "shutdown-race", shared).Violations {
				if !allowed(v, vi) {
					t.Errorf("shared %s seed %d: %v", v, seed, vi)
				}
			}
		}
	}
	if !buggyFailed {
		t.Error("shared buggy held on 50 seeds")
	}
}

// A violation report carries the events that led to it, ending with the one
// that broke the invariant.
func TestViolationCarriesItsStory(t *testing.T) {
	r := run(t, faults.DefaultSeed, invoker.Buggy, "shutdown-race")
	v := r.Violations[0]
	if len(v.Recent) == 0 || v.Recent[len(v.Recent)-1].Seq != v.Event.Seq {
		t.Fatalf("recent events do not end with the breaking event #%d", v.Event.Seq)
	}
	if v.Event.Kind != invoker.KindPanic {
		t.Errorf("breaking event is %s, want invoker.panic", v.Event.Kind)
	}
}

// A partition processor that falls behind (slow-partition) fills a small
// effect channel: the 2025 loop, parked on the send, does not see its
// cancellation until the late step-down drops the channel, and overruns the
// shutdown bound (derived from the code, not a filed bug). graceful sees
// the cancellation while parked. The reference workload does not fill the
// default channel of 64.
func TestSlowPartitionHidesCancellation(t *testing.T) {
	small := func(o *faults.Options) { o.Node.EffectCapacity = 2 }
	for seed := uint64(1); seed <= uint64(sweepSeeds(50)); seed++ {
		fixed := run(t, seed, invoker.Fixed, "slow-partition", small)
		if !fixed.Violated(faults.BoundedShutdown) {
			t.Errorf("seed %d: fixed met its shutdown bound: %v", seed, fixed.Violations)
		}
		for _, vi := range fixed.Violations {
			if vi.Invariant != faults.BoundedShutdown && !allowed(invoker.Fixed, vi) {
				t.Errorf("seed %d: fixed: %v", seed, vi)
			}
		}
		if graceful := run(t, seed, invoker.Graceful, "slow-partition", small); !graceful.OK() {
			t.Errorf("seed %d: graceful: %v", seed, graceful.Violations)
		}
		if roomy := run(t, seed, invoker.Fixed, "slow-partition"); roomy.Violated(faults.BoundedShutdown) {
			t.Errorf("seed %d: fixed overran its shutdown with a channel of 64", seed)
		}
	}
}
