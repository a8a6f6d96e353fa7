package explore_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

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
	swarmPlain := swarm
	swarmPlain.SwarmTakesThrottle, swarmPlain.SwarmTakesMemory, swarmPlain.SwarmTakesPausedSlots = true, true, true
	swarmLeaked := swarm
	swarmLeaked.Node.PausedSlots = invoker.PausedSlotsLeaked
	swarmVQueues := swarm
	swarmVQueues.Node.VQueues = invoker.VQueuesUnguarded
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
		{"swarm, neither throttles nor pools, slots released", "swarm", swarmPlain, "shape        throttle=unlimited memory-limit=0 paused-slots=released\n"},
		{"swarm, paused slots leaked", "swarm", swarmLeaked, "shape        paused-slots=leaked\n"},
		{"swarm through vqueues", "swarm", swarmVQueues, "shape        vqueues=unguarded\n"},
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

// A swarm draws a throttle for some nodes, a memory pool, with
// invocations hungry for it, for others, and leaked paused slots for half;
// a throttle, a pool or paused slots asked for replace the drawn ones on
// every shape, and a pool asked for brings its own hungry invocations
// (none unless asked), never the drawn ones. Asked for off, no shape has
// one. Vqueues, which it does not draw, go to the shapes without either.
func TestSwarmDrawsItsSettingsUnlessAskedFor(t *testing.T) {
	const seeds = 400
	var throttled, pooled, hungry, leaked int
	drawn := func(c explore.Config, check func(seed uint64, o faults.Options)) {
		t.Helper()
		for seed := uint64(1); seed <= seeds; seed++ {
			o, err := c.SeedOptions(seed)
			if err != nil {
				t.Fatal(err)
			}
			check(seed, o)
		}
	}
	drawn(explore.Config{Swarm: true, Variant: invoker.Fixed}, func(seed uint64, o faults.Options) {
		if o.Node.Throttle.On() {
			throttled++
		}
		if o.Node.MemoryOn() {
			pooled++
			if slots := o.Node.Quota * o.Node.Partitions; o.Node.MemoryLimit > slots {
				t.Errorf("seed %d: a pool of %d leases for %d slots", seed, o.Node.MemoryLimit, slots)
			}
		}
		if o.Workload.Hungry > 0 {
			hungry++
		}
		if o.Node.PausedSlots == invoker.PausedSlotsLeaked {
			leaked++
		}
	})
	// one in eight, one in eight, and one in sixteen less the draws of 0
	if throttled < seeds/16 || throttled > seeds/4 || pooled < seeds/16 || pooled > seeds/4 || hungry == 0 || hungry >= pooled {
		t.Errorf("over %d seeds: %d throttled, %d pooled, %d with hungry invocations", seeds, throttled, pooled, hungry)
	}
	if leaked < seeds/3 || leaked > 2*seeds/3 {
		t.Errorf("over %d seeds: %d leak paused slots, want about half", seeds, leaked)
	}

	asked := explore.Config{Swarm: true, Variant: invoker.Fixed}
	asked.Node.Throttle = invoker.Throttle{Rate: 7, Per: time.Second}
	asked.Node.MemoryLimit = 3
	asked.Node.PausedSlots = invoker.PausedSlotsLeaked
	drawn(asked, func(seed uint64, o faults.Options) {
		if o.Node.Throttle != asked.Node.Throttle || o.Node.MemoryLimit != 3 || o.Workload.Hungry != 0 || o.Node.PausedSlots != invoker.PausedSlotsLeaked {
			t.Fatalf("seed %d: throttle %v, pool %d, %d hungry; asked for %v, 3 and none",
				seed, o.Node.Throttle, o.Node.MemoryLimit, o.Workload.Hungry, asked.Node.Throttle)
		}
	})

	// Vqueues go to every shape with neither a throttle nor a pool, the
	// scheduler's business, which the lab does not model.
	throughVQueues := explore.Config{Swarm: true, Variant: invoker.Fixed}
	throughVQueues.Node.VQueues = invoker.VQueuesOn
	took := 0
	drawn(throughVQueues, func(seed uint64, o faults.Options) {
		want := invoker.VQueuesOff
		if !o.Node.Throttle.On() && !o.Node.MemoryOn() {
			want, took = invoker.VQueuesOn, took+1
		}
		if o.Node.VQueues != want {
			t.Fatalf("seed %d (throttle %v, pool %d): vqueues %v, want %v", seed, o.Node.Throttle, o.Node.MemoryLimit, o.Node.VQueues, want)
		}
	})
	if took < seeds/2 {
		t.Errorf("over %d seeds: %d through vqueues, want about three in four", seeds, took)
	}
	if err := (&explore.Config{Swarm: true, Seeds: 1, Node: invoker.Config{VQueues: invoker.VQueuesOn, MemoryLimit: 2}}).Validate(); err == nil {
		t.Error("a swarm giving every shape a memory pool and vqueues is accepted")
	}

	off := explore.Config{Swarm: true, Variant: invoker.Fixed, SwarmTakesThrottle: true, SwarmTakesMemory: true, SwarmTakesPausedSlots: true}
	drawn(off, func(seed uint64, o faults.Options) {
		if o.Node.Throttle.On() || o.Node.MemoryOn() || o.Workload.Hungry != 0 || o.Node.PausedSlots != invoker.PausedSlotsReleased {
			t.Fatalf("seed %d: throttle %v, pool %d, %d hungry; asked for none", seed, o.Node.Throttle, o.Node.MemoryLimit, o.Workload.Hungry)
		}
	})
}

// Each failure of a swarm names the shape drawn for its seed (its plan,
// node, workload and whether the node shuts down), which the report's
// shape cannot; outside a swarm the report's shape is every seed's, and
// a failure names none.
func TestSwarmFailuresNameTheirShape(t *testing.T) {
	swarm := explore.Config{Swarm: true, Variant: invoker.Graceful, Strategy: "random", FirstSeed: 80, Seeds: 10}
	r, err := explore.Explore(context.Background(), swarm)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Failures) == 0 {
		t.Fatal("no failure among graceful's swarm seeds 80-89: pick other seeds")
	}
	for _, f := range r.Failures {
		o, err := swarm.SeedOptions(f.Seed)
		if err != nil {
			t.Fatal(err)
		}
		want := "plan=" + o.Plan.Name + " " + faults.DescribeShape(o.Node, o.Workload) + " shutdown=" + strconv.FormatBool(o.Workload.Shutdown)
		if f.Shape != want {
			t.Errorf("seed %d: shape %q, want %q", f.Seed, f.Shape, want)
		}
	}
	plans, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	plain := explore.Config{Variant: invoker.Buggy, Strategy: "random", FirstSeed: 1, Seeds: 10, Plan: plans,
		Node: invoker.DefaultConfig(), Workload: faults.DefaultWorkload()}
	r, err = explore.Explore(context.Background(), plain)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Failures {
		if f.Shape != "" {
			t.Errorf("seed %d of one shape names its own: %q", f.Seed, f.Shape)
		}
	}
}
