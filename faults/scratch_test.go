package faults

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"lab/invoker"
)

// TestRunOnReusedStorageRunsAsNew: Run lends each run the storage of the
// run before, its node included (renewed by invoker.Node.Reset). Runs on one
// reused storage must find what runs on their own find: the same result,
// event log hash (the canonical JSON of every event), violations, counts and
// final snapshot. The runs are swarm shapes of every variant under every
// built-in plan, one after another, so that partitions, layout, quota, queue
// limit, panics, aborts and restarts change from run to run; every third
// seed spills to real files, and no spill directory may be left behind.
func TestRunOnReusedStorageRunsAsNew(t *testing.T) {
	plans := map[string]*Plan{}
	for _, name := range BuiltinPlans() {
		p, err := LoadPlan(name)
		if err != nil {
			t.Fatal(err)
		}
		plans[name] = p
	}
	freshDir, reusedDir := t.TempDir(), t.TempDir()
	reused := new(scratch)
	tally := map[string]int{}
	seeds := uint64(40)
	if testing.Short() {
		seeds = 10
	}
	for seed := uint64(1); seed <= seeds; seed++ {
		for _, v := range invoker.Variants() {
			cfg, w, plan := SwarmShape(seed, v)
			files := seed%3 == 0
			o := Options{Seed: seed, Node: cfg, Plan: plans[plan], Workload: w}
			if files {
				o.Node.Store = invoker.FileStores(freshDir)
			}
			want := runAlone(t, o)

			if files {
				o.Node.Store = invoker.FileStores(reusedDir)
			}
			got, err := reused.run(context.Background(), o)
			if err != nil {
				t.Fatalf("seed %d %s: %v", seed, v, err)
			}
			if n := countEntries(t, reusedDir); n != 0 {
				t.Fatalf("seed %d %s: %d spill directories left after the run", seed, v, n)
			}
			if diff := resultDiff(comparableResult(got), comparableResult(want)); diff != nil {
				t.Fatalf("seed %d %s plan %s %+v: on reused storage, the result's %v differ", seed, v, plan, cfg, diff)
			}
			tally["runs"]++
			for _, k := range []invoker.Kind{invoker.KindPanic, invoker.KindNodeAbort, invoker.KindRestart, invoker.KindSpill} {
				if want.Kinds[k] > 0 {
					tally["with "+k.String()]++
				}
			}
			if files {
				tally["on files"]++
			}
		}
	}
	t.Logf("%v", tally)
	if n := countEntries(t, reusedDir) + countEntries(t, freshDir); n != 0 {
		t.Errorf("%d spill directories left behind", n)
	}
}

// runAlone runs o to the end on storage of its own (New, then Close).
func runAlone(t *testing.T, o Options) *Result {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	for !s.done {
		if err := s.step(); err != nil {
			t.Fatalf("seed %d: %v", o.Seed, err)
		}
	}
	return s.Result()
}

// comparableResult blanks the spill directories' names, which are random.
func comparableResult(r *Result) Result {
	c := *r
	c.Final.Invokers = append([]invoker.InvokerSnapshot(nil), r.Final.Invokers...)
	for i := range c.Final.Invokers {
		if !strings.HasPrefix(c.Final.Invokers[i].SpillDir, "memory:") {
			c.Final.Invokers[i].SpillDir = "file"
		}
	}
	return c
}

// resultDiff names the fields of two results that differ.
func resultDiff(a, b Result) []string {
	var diff []string
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			diff = append(diff, va.Type().Field(i).Name)
		}
	}
	return diff
}

func countEntries(t *testing.T, dir string) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// A run that ends early (cancelled half-way, or out of its pick budget)
// leaves its storage full of messages in flight, live tasks and open
// checks, and a run refused for its node's config leaves a node whose Reset
// failed; the next run on that storage must still be the run on its own.
func TestRunAfterAnUnfinishedRunOnTheSameStorage(t *testing.T) {
	p, err := LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	reused := new(scratch)
	for seed := uint64(1); seed <= 12; seed++ {
		cfg, w, _ := SwarmShape(seed, invoker.Fixed)
		o := Options{Seed: seed, Node: cfg, Plan: p, Workload: w}

		cut := o
		if seed%2 == 0 {
			cut.MaxPicks = 100 + int(seed)*10
			if _, err := reused.run(context.Background(), cut); !errors.Is(err, ErrBudget) {
				t.Fatalf("seed %d: %v, want the budget exhausted", seed, err)
			}
		} else {
			// Run looks at its context every 1,024 decisions: the
			// reference workload takes about 1,280.
			cut.Node, cut.Workload = invoker.DefaultConfig(), DefaultWorkload()
			ctx, cancel := context.WithCancel(context.Background())
			cut.Observers = []Observer{EventFunc(func(e invoker.Event) {
				if e.Seq == 100*seed {
					cancel()
				}
			})}
			_, err := reused.run(ctx, cut)
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("seed %d: %v, want the run cancelled", seed, err)
			}
		}

		if seed%3 == 0 { // and a run refused: the node's Reset fails
			bad := o
			bad.Node.Quota = 0
			if _, err := reused.run(context.Background(), bad); !errors.Is(err, invoker.ErrConfig) {
				t.Fatalf("seed %d: %v, want the config refused", seed, err)
			}
		}

		want := runAlone(t, o)
		got, err := reused.run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if diff := resultDiff(comparableResult(got), comparableResult(want)); diff != nil {
			t.Fatalf("seed %d: after an unfinished run on the same storage, the result's %v differ", seed, diff)
		}
	}
}
