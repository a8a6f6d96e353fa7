package faults_test

import (
	"context"
	"os"
	"runtime"
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
	p, err := faults.LoadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant = variant
	o := faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: faults.DefaultWorkload()}
	for _, e := range edit {
		e(&o)
	}
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("seed %d %s %s: %v", seed, variant, plan, err)
	}
	return r
}

// sweep runs seeds 1..n of every variant on all cores and returns, per
// variant, the seeds that violated an invariant.
func sweep(t *testing.T, plan string, n int, variants ...invoker.Variant) map[invoker.Variant][]uint64 {
	t.Helper()
	var mu sync.Mutex
	failed := map[invoker.Variant][]uint64{}
	seeds := make(chan uint64)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range seeds {
				for _, v := range variants {
					if r := run(t, seed, v, plan); !r.OK() {
						mu.Lock()
						failed[v] = append(failed[v], seed)
						for _, vi := range r.Violations {
							// The buggy invoker may only panic: anything else
							// would be the lab accusing it falsely.
							if v != invoker.Buggy || vi.Invariant != faults.NoPanic {
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
	return failed
}

func onDisk(dir string) func(*faults.Options) {
	return func(o *faults.Options) { o.Node.Store = invoker.FileStores(dir) }
}

// Spilling to real files or to memory makes no difference to the run: the
// event log is the same, byte for byte, and no file is left behind.
func TestStoreIsInvisible(t *testing.T) {
	dir := t.TempDir()
	for seed := uint64(1); seed <= 30; seed++ {
		for _, v := range invoker.Variants() {
			files := run(t, seed, v, "shutdown-race", onDisk(dir))
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
}

// The README's seed reproduces #2543 in the buggy variant, and the fix holds
// on it.
func TestREADMESeed(t *testing.T) {
	const seed = 1
	r := run(t, seed, invoker.Buggy, "shutdown-race", onDisk(t.TempDir()))
	if !r.Violated(faults.NoPanic) {
		t.Fatalf("seed %d: buggy held every invariant; the README's seed must reproduce #2543", seed)
	}
	if v := r.Violations[0]; v.Invariant != faults.NoPanic || !strings.Contains(v.Detail, invoker.HasPartitionAssertion) {
		t.Errorf("first violation = %v, want the has_partition assertion", v)
	}
	if len(r.Violations) != 1 {
		t.Errorf("buggy violated more than no-panic: %v", r.Violations)
	}
	for _, v := range []invoker.Variant{invoker.Fixed, invoker.Graceful} {
		if r := run(t, seed, v, "shutdown-race", onDisk(t.TempDir())); !r.OK() {
			t.Errorf("%s, seed %d: %v", v, seed, r.Violations)
		}
	}
}

// Over 1,000 seeds of shutdown-race (see sweepSeeds), buggy fails at least once; fixed and
// graceful never do.
func TestShutdownRaceSweep(t *testing.T) {
	n := sweepSeeds(1000)
	failed := sweep(t, "shutdown-race", n, invoker.Variants()...)
	if len(failed[invoker.Buggy]) == 0 {
		t.Errorf("buggy held on all %d seeds", n)
	}
	t.Logf("shutdown-race over %d seeds: buggy failed %d", n, len(failed[invoker.Buggy]))
}

// chaos is documented as a plan a correct invoker survives.
func TestChaosHolds(t *testing.T) {
	n := sweepSeeds(1000)
	failed := sweep(t, "chaos", n, invoker.Fixed, invoker.Graceful)
	if len(failed) > 0 {
		t.Errorf("chaos: %v", failed)
	}
}

// Without faults, races come from the scheduler alone: the buggy invoker
// still panics on some seeds, which is how #2543 was found in e2e tests.
func TestNoFaultsStillRaces(t *testing.T) {
	n := max(sweepSeeds(200), 40) // the first panic is at seed 28
	failed := sweep(t, "none", n, invoker.Buggy, invoker.Fixed, invoker.Graceful)
	if len(failed[invoker.Buggy]) == 0 {
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
		for _, v := range r.Violations {
			buggyFailed = true
			if v.Invariant != faults.NoPanic {
				t.Errorf("shared buggy seed %d: %v", seed, v)
			}
		}
		for _, v := range []invoker.Variant{invoker.Fixed, invoker.Graceful} {
			if r := run(t, seed, v, "shutdown-race", shared); !r.OK() {
				t.Errorf("shared %s seed %d: %v", v, seed, r.Violations[0])
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
	r := run(t, 1, invoker.Buggy, "shutdown-race")
	v := r.Violations[0]
	if len(v.Recent) == 0 || v.Recent[len(v.Recent)-1].Seq != v.Event.Seq {
		t.Fatalf("recent events do not end with the breaking event #%d", v.Event.Seq)
	}
	if v.Event.Kind != invoker.KindPanic {
		t.Errorf("breaking event is %s, want invoker.panic", v.Event.Kind)
	}
}
