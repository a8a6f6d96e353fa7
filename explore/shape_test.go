package explore_test

import (
	"bytes"
	"strings"
	"testing"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// The text report says what its shape changes from lab explore's
// defaults, so that a reader knows what its counts are of; a default
// exploration and a swarm, which draws its shapes, say nothing (but what
// a swarm takes: spill-dirs, in-tmp-dir, a memory pool and invocations
// hungry for it).
func TestReportTextSaysWhatTheShapeChanges(t *testing.T) {
	removed := explore.Config{Node: invoker.DefaultConfig(), Workload: faults.DefaultWorkload()}
	removed.Node.SpillDirs, removed.Node.Quota, removed.Workload.Shutdown = invoker.SpillDirsRemoved, 2, false
	removed.Invariants = []string{faults.CleanShutdown}
	plain := explore.Config{Node: invoker.DefaultConfig(), Workload: faults.DefaultWorkload()}
	swarm := explore.Config{Swarm: true}
	swarmRemoved := swarm
	swarmRemoved.Node.SpillDirs = invoker.SpillDirsRemoved
	swarmBoth := swarmRemoved
	swarmBoth.Node.InTmpDir = invoker.InTmpDirSubdir
	swarmHungry := swarm
	swarmHungry.Node.MemoryLimit, swarmHungry.Workload.Hungry = 4, 2
	for _, c := range []struct {
		name, plan string
		cfg        explore.Config
		want       string
	}{
		{"changed", "none", removed, "shape        quota=2 spill-dirs=removed shutdown=false\n"},
		{"defaults", "none", plain, ""},
		{"swarm", "swarm", swarm, ""},
		{"swarm, spill removed", "swarm", swarmRemoved, "shape        spill-dirs=removed\n"},
		{"swarm, spill removed from subdirectories", "swarm", swarmBoth, "shape        spill-dirs=removed in-tmp-dir=subdir\n"},
		{"swarm, a pool and hungry invocations", "swarm", swarmHungry, "shape        memory-limit=4 memory-hungry=2\n"},
	} {
		r := &explore.Report{Variant: "fixed", Plan: c.plan, Strategy: "random", Shape: c.cfg.ShapeName(), Shards: []string{"0/1"}}
		var text bytes.Buffer
		if err := r.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		got := ""
		for line := range strings.Lines(text.String()) {
			if strings.HasPrefix(line, "shape ") {
				got = line
			}
		}
		if got != c.want {
			t.Errorf("%s: shape line %q, want %q\n%s", c.name, got, c.want, text.String())
		}
	}
}
