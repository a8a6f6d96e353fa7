package faults_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// On every seed of shutdown-race and none where the buggy invoker meets
// #2543, Restate's per-term invoker (variant term) does not panic: the
// invoke that buggy dequeued after its partition's AbortAllPartition went
// with its term's queue. Its runs break nothing but clean-shutdown, by the
// spill directories its ended terms leave (sweep's rule, allowed).
func TestTermHoldsWhereBuggyPanics(t *testing.T) {
	for _, plan := range []string{"shutdown-race", "none"} {
		races := 0
		for seed := uint64(1); seed <= uint64(sweepSeeds(100)); seed++ {
			if !run(t, seed, invoker.Buggy, plan).Violated(faults.NoPanic) {
				continue
			}
			races++
			r := run(t, seed, invoker.Term, plan)
			for _, vi := range r.Violations {
				if !allowed(invoker.Term, vi) {
					t.Errorf("%s seed %d, where buggy panics: term %v", plan, seed, vi)
				}
			}
			if r.Kinds[invoker.KindTermEnd] == 0 || r.Kinds[invoker.KindAbortAll] != 0 {
				t.Errorf("%s seed %d: %d terms ended and %d AbortAllPartitions handled: not the per-term shape",
					plan, seed, r.Kinds[invoker.KindTermEnd], r.Kinds[invoker.KindAbortAll])
			}
		}
		if races == 0 && plan == "shutdown-race" {
			t.Errorf("buggy never panicked under %s: the test compares nothing", plan)
		}
	}
}

// The per-term invoker leaves a spill directory per term that ended with
// invokes on disk, not only at the node's shutdown: on a node left running,
// whose partitions step down three times with invokes queued (two slots,
// segments of one), the check names several terms of one invoker.
func TestTermLeavesASpillDirectoryPerTerm(t *testing.T) {
	several := func(o *faults.Options) {
		o.Node.QueueLimit, o.Node.Quota = 1, 2
		o.Workload.StepDowns, o.Workload.Shutdown = 3, false
	}
	for seed := uint64(1); seed <= 50; seed++ {
		r := run(t, seed, invoker.Term, "shutdown-race", several, onDisk(t.TempDir()))
		for _, vi := range r.Violations {
			if !vi.LeftoverSpill() {
				continue
			}
			for p := range invoker.DefaultConfig().Partitions {
				if strings.Count(vi.Detail, fmt.Sprintf("invoker%d@0/e", p)) >= 2 {
					return // two terms of one invoker left theirs
				}
			}
		}
	}
	t.Error("in 50 seeds with three step-downs no invoker left the spill directories of two terms")
}

// A violation names at most eight directories: a node of twelve
// partitions whose terms all end spilled names the first eight in number
// order and counts the rest.
func TestLeftoverSpillNamesEightAndCountsTheRest(t *testing.T) {
	wide := func(o *faults.Options) {
		o.Node.Partitions, o.Node.QueueLimit, o.Node.Quota = 12, 1, 1
		o.Workload.Invocations = 300
	}
	r := run(t, 9, invoker.Term, "shutdown-race", wide, onDisk(t.TempDir()))
	want := regexp.MustCompile(`^\d+ spill segment files left by invoker0@0/e1, invoker1@0/e1, (invoker\d+@\d+/e\d+, ){5}invoker\d+@\d+/e\d+ and \d+ more$`)
	for _, vi := range r.Violations {
		if vi.LeftoverSpill() {
			if !want.MatchString(vi.Detail) {
				t.Errorf("leftover spill reported as %q", vi.Detail)
			}
			return
		}
	}
	t.Errorf("no leftover spill in %v", r.Violations)
}

// What stands still in a per-term node under chaos is the plan's doing,
// and the progress check says so: a killed invocation's attempt whose
// failure (NotInvoked, given up) the plan dropped (swarm seed 1285), and
// an invocation whose Invoke the plan duplicated, so that the copy ran
// with a fencing token no longer current while the current invoke was
// dropped as a duplicate of it (seeds 14633 and 27077: without and with a
// state machine left).
func TestTermStallsUnderChaosAreThePlans(t *testing.T) {
	for _, seed := range []uint64{1285, 14633, 27077} {
		cfg, w, plan := faults.SwarmShape(seed, invoker.Term)
		p, err := faults.LoadPlan(plan)
		if err != nil {
			t.Fatal(err)
		}
		r, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: w})
		if err != nil {
			t.Fatal(err)
		}
		stalls := 0
		for _, vi := range r.Violations {
			if vi.Invariant == faults.Progress {
				stalls++
				if vi.Check != faults.CheckFaulted {
					t.Errorf("seed %d: %s by %s, want %s: %s", seed, vi.Invariant, vi.Check, faults.CheckFaulted, vi.Detail)
				}
			}
			if !allowedIn(cfg, r, vi) {
				t.Errorf("seed %d: %v", seed, vi)
			}
		}
		if stalls == 0 {
			t.Errorf("seed %d stood nothing still: the test shows nothing", seed)
		}
	}
}
