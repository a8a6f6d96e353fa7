package explore_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

func config(t testing.TB, variant invoker.Variant, plan string, seeds uint64) explore.Config {
	t.Helper()
	p, err := faults.LoadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	return explore.Config{Variant: variant, Plan: p, Node: invoker.DefaultConfig(), Workload: faults.DefaultWorkload(),
		Strategy: "random", FirstSeed: 1, Seeds: seeds, Workers: 2}
}

func TestExploreSaveShrink(t *testing.T) {
	cfg := config(t, invoker.Buggy, "shutdown-race", 20)
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Schedules != 20 || r.Failed == 0 {
		t.Fatalf("report: %+v", r)
	}
	dir := t.TempDir()
	if err := explore.Save(context.Background(), cfg, r, explore.SaveOptions{Dir: dir, Shrink: true, ShrinkBudget: time.Minute}); err != nil {
		t.Fatal(err)
	}
	f := r.Failures[0]
	if len(f.Files) != 3 || !strings.Contains(f.Files[2], "shrunk") {
		t.Fatalf("files: %v", f.Files)
	}
	data, err := os.ReadFile(filepath.Join(f.Files[2]))
	if err != nil {
		t.Fatal(err)
	}
	s, err := faults.ParseSchedule("shrunk", data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := faults.Run(context.Background(), faults.ReplayOptions(s))
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() || res.Violations[0].Invariant != f.Invariant {
		t.Fatalf("the shrunk schedule replays to %v", res.Violations)
	}
}

// The report depends on the seeds alone, not on how many workers ran them.
func TestReportIndependentOfWorkers(t *testing.T) {
	var reps []*explore.Report
	for _, w := range []int{1, 3} {
		cfg := config(t, invoker.Buggy, "none", 60)
		cfg.Workers = w
		r, err := explore.Explore(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, r)
	}
	a, b := reps[0], reps[1]
	if a.Schedules != b.Schedules || a.Decisions != b.Decisions || !reflect.DeepEqual(a.Failures, b.Failures) ||
		!reflect.DeepEqual(a.Coverage, b.Coverage) {
		t.Fatalf("1 worker: %+v\n3 workers: %+v", a, b)
	}
}

func TestMergeRefusesOtherExplorations(t *testing.T) {
	a := &explore.Report{SchemaVersion: 1, Variant: "buggy", Plan: "none", Strategy: "random", Seeds: 10, Shards: []string{"0/2"}}
	b := *a
	b.Shards, b.Plan = []string{"1/2"}, "chaos"
	if _, err := explore.Merge([]*explore.Report{a, &b}); err == nil || !strings.Contains(err.Error(), "not shards of one") {
		t.Fatalf("merge of two explorations: %v", err)
	}
}

// Counters fed by Observe agree with the report.
func TestCountersMatchTheReport(t *testing.T) {
	var c explore.Counters
	cfg := config(t, invoker.Buggy, "none", 80)
	cfg.Observe = c.Observe
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Schedules() != r.Schedules || c.Failed() != r.Failed || c.Decisions() != r.Decisions ||
		c.ByInvariant()[faults.NoPanic] != r.ByInvariant[faults.NoPanic].Failures {
		t.Fatalf("counters %d/%d/%d %v, report %d/%d/%d %v", c.Schedules(), c.Failed(), c.Decisions(), c.ByInvariant(),
			r.Schedules, r.Failed, r.Decisions, r.ByInvariant)
	}
}
