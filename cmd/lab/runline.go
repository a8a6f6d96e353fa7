package main

import (
	"reflect"
	"strconv"

	"lab/faults"
	"lab/invoker"
)

// runLineOf is the lab run line of the seeded run of schedule header h's
// shape, on plan (a built-in name or a file) and scheduler; "" when lab
// run's flags cannot say it (a retry policy or an arrival span of its own,
// a bound lab run does not set). The line is read back as lab run reads
// it, and kept only if that gives h's seed, node, workload and bounds.
func runLineOf(h faults.ScheduleHeader, plan, scheduler string) string {
	if plan == "" {
		return ""
	}
	n, w := h.Node, h.Workload
	layout := "per-partition"
	if n.SharedInvoker {
		layout = "shared"
	}
	f, fl := runFlagSet()
	for _, kv := range [][2]string{
		{"seed", strconv.FormatUint(h.Seed, 10)}, {"variant", n.Variant.String()}, {"plan", plan},
		{"partitions", strconv.Itoa(n.Partitions)}, {"invokers", layout}, {"quota", strconv.Itoa(n.Quota)},
		{"queue-limit", strconv.Itoa(n.QueueLimit)}, {"effect-capacity", strconv.Itoa(n.EffectCapacity)},
		{"on-panic", n.OnPanic.String()}, {"retry-timers", n.RetryTimers.String()},
		{"paused-slots", n.PausedSlots.String()},
		{"spill-dirs", n.SpillDirs.String()}, {"in-tmp-dir", n.TmpDirUse().String()},
		{"throttle", n.Throttle.String()}, {"throttle-burst", strconv.Itoa(n.Throttle.Burst)},
		{"memory-limit", strconv.Itoa(n.MemoryLimit)}, {"memory-hungry", strconv.Itoa(w.Hungry)}, {"yield", n.Yield.String()},
		{"vqueues", n.VQueues.String()}, {"yield-threshold", n.YieldThreshold.String()},
		{"shared-tmp-dir", strconv.FormatBool(n.SharedTmpDir)}, {"invocations", strconv.Itoa(w.Invocations)},
		{"step-downs", strconv.Itoa(w.StepDowns)}, {"kills", strconv.Itoa(w.Kills)}, {"pauses", strconv.Itoa(w.Pauses)},
		{"retry-nows", strconv.Itoa(w.RetryNows)}, {"task-panics", strconv.FormatFloat(w.Tasks.Panic, 'g', -1, 64)},
		{"shutdown", strconv.FormatBool(w.Shutdown)}, {"progress-bound", h.Bounds.Progress.String()},
		{"scheduler", scheduler},
	} {
		if fl.Lookup(kv[0]).DefValue == kv[1] {
			continue // lab run's own lines leave defaults out
		}
		if err := fl.Set(kv[0], kv[1]); err != nil {
			return ""
		}
	}
	o, err := f.options(fl)
	if err != nil {
		return ""
	}
	want := faults.SeededOptions(h)
	o.Node.Store, want.Node.Store = nil, nil
	if o.Seed != want.Seed || !reflect.DeepEqual(o.Node, want.Node) || !reflect.DeepEqual(o.Workload, want.Workload) || o.Bounds != want.Bounds {
		return ""
	}
	return replayCommand(fl)
}

// restartLine is the Command of a session taken over from a replay of h:
// its restarts are seeded runs of h's shape (another seed or variant).
func restartLine(h faults.ScheduleHeader, plan, scheduler string) func(uint64, invoker.Variant) string {
	return func(seed uint64, v invoker.Variant) string {
		h.Seed, h.Node.Variant = seed, v
		return runLineOf(h, plan, scheduler)
	}
}
