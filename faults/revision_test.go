package faults_test

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
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
	for _, plan := range []string{"none", "shutdown-race", "chaos"} {
		p, err := faults.LoadPlan(plan)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []invoker.Variant{invoker.Buggy, invoker.Fixed, invoker.Graceful} {
			for seed := uint64(1); seed <= 3; seed++ {
				cfg := invoker.DefaultConfig()
				cfg.Variant = v
				cfg.Store = invoker.MemStores()
				r, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: faults.DefaultWorkload()})
				if err != nil {
					t.Fatal(err)
				}
				lines = append(lines, fmt.Sprintf("%s %s %d %s", v, plan, seed, r.Hash))
			}
		}
	}
	return append(lines, pinnedSchedulerRuns(t)...)
}

// pinnedSchedulerRuns are the reference runs of the other schedulers,
// whose picks a seed also fixes: `lab explore --strategy pct` and `lab run
// --scheduler` runs of one seed must stay what they were within a
// revision too. PCT's steps are the reference workload's estimate of its
// choices (explore.EstimateChoices, held to it by explore's tests).
func pinnedSchedulerRuns(t *testing.T) []string {
	t.Helper()
	var lines []string
	for _, plan := range []string{"none", "shutdown-race"} {
		p, err := faults.LoadPlan(plan)
		if err != nil {
			t.Fatal(err)
		}
		for _, scheduler := range []string{"uniform", "priority", "pct-d2", "pct-d3"} {
			for seed := uint64(1); seed <= 3; seed++ {
				var strategy faults.Strategy
				if depth, ok := strings.CutPrefix(scheduler, "pct-d"); ok {
					strategy, err = faults.NewPCT(seed, int(depth[0]-'0'), referencePCTSteps)
				} else {
					strategy, err = faults.NewStrategy(scheduler, seed)
				}
				if err != nil {
					t.Fatal(err)
				}
				cfg := invoker.DefaultConfig()
				cfg.Store = invoker.MemStores()
				r, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: faults.DefaultWorkload(), Strategy: strategy})
				if err != nil {
					t.Fatal(err)
				}
				lines = append(lines, fmt.Sprintf("%s %s %d %s %s", cfg.Variant, plan, seed, scheduler, r.Hash))
			}
		}
	}
	return lines
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
	switch {
	case changed && revision == faults.ModelRevision:
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
