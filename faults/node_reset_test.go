package faults

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"lab/invoker"
)

// TestResetNodeRunsAsNew: the simulator on one node that invoker.Node.Reset
// renews between runs finds what it finds on a new node per run: the same
// result, event log hash (the canonical JSON of every event), violations,
// counts and final snapshot included. The runs are swarm shapes of every
// variant under every built-in plan, one after another on the same node, so
// that partitions, layout, quota, queue limit, panics, aborts and restarts
// change from run to run; every third seed spills to real files, and Reset
// must leave only the new run's spill directories behind.
func TestResetNodeRunsAsNew(t *testing.T) {
	plans := map[string]*Plan{}
	for _, name := range BuiltinPlans() {
		p, err := LoadPlan(name)
		if err != nil {
			t.Fatal(err)
		}
		plans[name] = p
	}
	freshDir, resetDir := t.TempDir(), t.TempDir()
	var reused *invoker.Node
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
			want := runOn(t, o, nil)

			if files {
				o.Node.Store = invoker.FileStores(resetDir)
			}
			var err error
			if reused == nil {
				reused, err = invoker.New(o.Node)
			} else {
				err = reused.Reset(o.Node)
			}
			if err != nil {
				t.Fatalf("seed %d %s: %v", seed, v, err)
			}
			if dirs := countEntries(t, resetDir); (files && dirs != reused.Invokers()) || (!files && dirs != 0) {
				t.Fatalf("seed %d %s: %d spill directories after Reset, for %d invokers spilling to files=%v",
					seed, v, dirs, reused.Invokers(), files)
			}
			got := runOn(t, o, reused)
			if diff := resultDiff(comparableResult(got), comparableResult(want)); diff != nil {
				t.Fatalf("seed %d %s plan %s %+v: on the reset node, the result's %v differ", seed, v, plan, cfg, diff)
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
	if err := reused.Close(); err != nil {
		t.Fatal(err)
	}
	if n := countEntries(t, resetDir) + countEntries(t, freshDir); n != 0 {
		t.Errorf("%d spill directories left behind", n)
	}
}

// runOn runs o to the end, on node if it is not nil (the simulator's own
// node is closed and replaced before the first step), or on a new node
// closed after the run.
func runOn(t *testing.T, o Options, node *invoker.Node) *Result {
	t.Helper()
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if node != nil {
		if err := s.node.Close(); err != nil {
			t.Fatal(err)
		}
		s.node = node
	}
	for !s.done {
		if err := s.step(); err != nil {
			t.Fatalf("seed %d: %v", o.Seed, err)
		}
	}
	r := s.Result()
	if node == nil {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return r
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
