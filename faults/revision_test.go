package faults_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// pinsFile holds the hashes of reference runs under faults.ModelRevision.
var pinsFile = filepath.Join("testdata", "model-revision.pins")

// pinnedRuns are the reference runs: every variant under the first three
// built-in plans, three seeds each. (A plan added later would add pins,
// not change them; slow-partition shares its machinery with chaos.)
func pinnedRuns(t *testing.T) []string {
	t.Helper()
	var lines []string
	eachPlan(t, []string{"none", "shutdown-race", "chaos"}, func(plan string, p *faults.Plan) {
		for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed, invoker.Graceful} {
			for seed := uint64(1); seed <= 3; seed++ {
				o := pinnedOptions(seed, v, p)
				lines = append(lines, fmt.Sprintf("%s %s %d %s", v, plan, seed, pinnedHash(t, o)))
			}
		}
	})
	lines = append(lines, pinnedSchedulerRuns(t)...)
	return append(lines, pinnedTermRuns(t)...)
}

// pinnedTermRuns are the per-term invoker's reference runs (Variant Term,
// added at revision 6 after the others): the first three plans, three
// seeds each, and a node whose partitions step down three times, so that
// terms end with invokes queued and spilled.
func pinnedTermRuns(t *testing.T) []string {
	t.Helper()
	var lines []string
	eachPlan(t, []string{"none", "shutdown-race", "chaos"}, func(plan string, p *faults.Plan) {
		for seed := uint64(1); seed <= 3; seed++ {
			for _, stepDowns := range []int{1, 3} {
				o := pinnedOptions(seed, invoker.Term, p)
				o.Workload.StepDowns = stepDowns
				lines = append(lines, fmt.Sprintf("%s %s %d step-downs=%d %s", invoker.Term, plan, seed, stepDowns, pinnedHash(t, o)))
			}
		}
	})
	return lines
}

// pinnedSchedulerRuns are the reference runs of the other schedulers,
// whose picks a seed also fixes: `lab explore --strategy pct` and `lab run
// --scheduler` runs of one seed must stay what they were within a
// revision too. PCT's steps are the reference workload's estimate of its
// choices (explore.EstimateChoices, held to it by explore's tests).
func pinnedSchedulerRuns(t *testing.T) []string {
	t.Helper()
	var lines []string
	eachPlan(t, []string{"none", "shutdown-race"}, func(plan string, p *faults.Plan) {
		for _, scheduler := range []string{"uniform", "priority", "pct-d2", "pct-d3"} {
			for seed := uint64(1); seed <= 3; seed++ {
				var strategy faults.Strategy
				var err error
				if depth, ok := strings.CutPrefix(scheduler, "pct-d"); ok {
					strategy, err = faults.NewPCT(seed, int(depth[0]-'0'), referencePCTSteps)
				} else {
					strategy, err = faults.NewStrategy(scheduler, seed)
				}
				if err != nil {
					t.Fatal(err)
				}
				o := pinnedOptions(seed, invoker.DefaultConfig().Variant, p)
				o.Strategy = strategy
				lines = append(lines, fmt.Sprintf("%s %s %d %s %s", o.Node.Variant, plan, seed, scheduler, pinnedHash(t, o)))
			}
		}
	})
	return lines
}

// eachPlan calls run with each built-in plan of names, in order.
func eachPlan(t *testing.T, names []string, run func(name string, p *faults.Plan)) {
	t.Helper()
	for _, name := range names {
		p, err := faults.LoadPlan(name)
		if err != nil {
			t.Fatal(err)
		}
		run(name, p)
	}
}

// pinnedOptions are a reference run: seed of plan p on the reference node
// of variant v and the reference workload, spill in memory.
func pinnedOptions(seed uint64, v invoker.Variant, p *faults.Plan) faults.Options {
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.Store = v, invoker.MemStores()
	return faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: faults.DefaultWorkload()}
}

// pinnedHash is the hash of the run o.
func pinnedHash(t *testing.T, o faults.Options) string {
	t.Helper()
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return r.Hash
}

// referencePCTSteps is explore.EstimateChoices of the reference workload.
const referencePCTSteps = 268

// A recorded schedule replays only where the lab's runs are what they
// were: any change in them (the model's, the simulator's, the log's) must
// come with a new faults.ModelRevision, which schedules record and replay
// errors name. This pins the revision to the hashes of reference runs.
func TestModelRevisionPinsRuns(t *testing.T) {
	got := pinnedRuns(t)
	rewrite := flag.Lookup("rewrite") != nil && flag.Lookup("rewrite").Value.String() == "true"
	revision, pinned := readPins(t)
	changed := strings.Join(got, "\n") != strings.Join(pinned, "\n")
	// Reference runs added after the pinned ones (of a new variant, say)
	// change no run a schedule of this revision records: they need no new
	// revision, only -rewrite.
	added := len(got) > len(pinned) && slices.Equal(got[:len(pinned)], pinned)
	switch {
	case added && revision == faults.ModelRevision && !rewrite:
		t.Errorf("%d reference runs are not pinned yet (the first: %q): rerun with -rewrite", len(got)-len(pinned), got[len(pinned)])
	case changed && revision == faults.ModelRevision && !added:
		// The first line that differs, or that only one of them has.
		for i := range max(len(got), len(pinned)) {
			if lineAt(got, i) != lineAt(pinned, i) {
				t.Errorf("runs of model revision %d changed (now %q, pinned %q; %d runs, %d pinned): schedules recorded before no longer replay; "+
					"bump faults.ModelRevision, then rerun with -rewrite", revision, lineAt(got, i), lineAt(pinned, i), len(got), len(pinned))
				return
			}
		}
	case revision != faults.ModelRevision && !rewrite:
		t.Errorf("%s pins revision %d, the lab is at %d: rerun with -rewrite", pinsFile, revision, faults.ModelRevision)
	case revision != faults.ModelRevision || (rewrite && changed):
		var b strings.Builder
		fmt.Fprintf(&b, "# Hashes of reference runs (variant, plan, seed, and scheduler if not random) under faults.ModelRevision.\n")
		fmt.Fprintf(&b, "# Written by go test ./faults -run TestModelRevisionPinsRuns -rewrite.\n")
		fmt.Fprintf(&b, "revision %d\n%s\n", faults.ModelRevision, strings.Join(got, "\n"))
		if err := os.WriteFile(pinsFile, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// lineAt is line i of lines, or "nothing" past their end.
func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "nothing"
}

func readPins(t *testing.T) (revision int, pins []string) {
	t.Helper()
	f, err := os.Open(pinsFile)
	if err != nil {
		t.Fatalf("%v (write it with -rewrite)", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"), line == "":
		case strings.HasPrefix(line, "revision "):
			if _, err := fmt.Sscanf(line, "revision %d", &revision); err != nil {
				t.Fatalf("%s: %q: %v", pinsFile, line, err)
			}
		default:
			pins = append(pins, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return revision, pins
}
