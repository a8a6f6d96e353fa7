package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"lab/faults"
	"lab/invoker"
)

type runFlags struct {
	seed                   uint64
	variant, plan, invoker string
	partitions, quota      int
	queueLimit             int
	effectCapacity         int
	invocations            int
	stepDowns, kills       int
	pauses, retryNows      int
	scheduler              string
	onPanic                string
	retryTimers            string
	pausedSlots            string
	yield                  string
	vqueues                string
	yieldThreshold         time.Duration
	spillDirs              string
	sharedTmpDir           bool
	inTmpDir               string
	throttle               string
	throttleBurst          int
	memoryLimit            int
	memoryHungry           int
	taskPanics             float64
	shutdown               bool
	progressBound          time.Duration
	output                 outputFlags
}

func newRunCmd() *cobra.Command {
	f := runFlags{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Simulate one seeded run and check every invariant",
		Long: `Simulate one run: a safety phase under the fault plan (invocations arrive,
a partition steps down and is re-elected, the node shuts down), then a
liveness phase with faults healed (the node restarts and every partition gets
a new leader, which must finish what is left). Prints a report to stdout.

Exit status: 0 every invariant held, 1 a violation was found, 2 bad input,
3 internal error, 130 interrupted.`,
		Args: cobra.NoArgs,
		Example: `  lab run                                   # buggy invoker, shutdown-race plan, seed ` + strconv.Itoa(faults.DefaultSeed) + `
  lab run --variant fixed                   # the same seed with restatedev/restate#2547
  lab run --plan chaos --seed 42 --format json --events run.jsonl
  lab run --schedule-out run.schedule       # record every decision; lab replay run.schedule`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRun(cmd, f) },
	}
	f.register(cmd.Flags())
	return cmd
}

const (
	onPanicHelp        = "what an invoker's panic takes down: abort (the whole process, as in January 2025), unwind (the invoker alone, and nothing notices: August to December 2025, restatedev/restate#4102) or watch (the invoker alone; its partitions notice, restatedev/restate#4103)"
	taskPanicsHelp     = "probability that an attempt's task panics instead of ending, from 0 to 1; the invoker's join arm re-raises the panic, and --on-panic says what follows (restatedev/restate#4102's trigger)"
	retryTimersHelp    = "how a due retry timer finds its state machine: keyed (fenced to the wait that set it, as Restate since January 2026) or unkeyed (by invocation only, as before: a timer left by a pause or retry-now reaches the next state machine, restatedev/restate#4064)"
	yieldHelp          = "what an attempt out of the memory pool does: off (retried, keeping its lease and slot: Restate's default) or on (the experimental invoker-yield: it gives them up and its partition invokes it again); needs --memory-limit"
	vqueuesHelp        = "how invocations reach the invoker: off (Invoke, through its queue and quota: Restate's default), on (each waits in its partition's vqueue for a permit of the node's limit, --quota for the whole node, then the leader sends a VQInvoke that starts at once) or unguarded (on, with the invoker before March 2026 that gives back a quota slot it never took whenever such an invocation suspends, is aborted, paused or given up: restatedev/restate#4520); not with --memory-limit or --throttle"
	yieldThresholdHelp = "with --vqueues, an attempt whose next retry backoff is at least this long gives its permit back and yields to the scheduler, which runs it again once the backoff is over (Restate's invocation-yield-threshold, 2s since May 2026); 0 never does, as before"
	pausedSlotsHelp    = "what becomes of the concurrency slot of an invocation paused while it waits to retry: released (with its state machine, as Restate since March 2026) or leaked (kept in use for ever, as from October 2025 to then: restatedev/restate#4468)"
	spillDirsHelp      = "what becomes of an invoker's spill directory as it ends: kept (nothing removes it, as in Restate) or removed (as a Drop for the segmented queue would; graceful always removes it)"
	pausesHelp         = "invocations the user pauses shortly after they arrive, and resumes soon after"
	retryNowsHelp      = "invocations the user asks to retry now, 1-200ms after they arrive (one waiting to retry then retries at once)"
	sharedTmpDirHelp   = "every invoker spills into one directory, as Restate's do when worker.invoker.tmp-dir is set (their segment files collide; graceful makes a subdirectory each)"
	throttleHelp       = "invocation throttling: a token bucket the node's invokers share, read as Restate's invocation-throttling rate (<rate>/<unit>, the unit s, m or h: 50/s); each dequeue takes a token, and one taken on credit puts the queue to sleep until it is repaid"
	throttleBurstHelp  = "tokens the throttle's bucket holds (0: as many as the rate, as Restate's capacity defaults to)"
	memoryHungryHelp   = "invocations whose attempts need more memory than their first lease: each holds a second lease of the pool while it runs, or, the pool exhausted, fails before reaching its service and is retried, keeping its first lease; needs --memory-limit"
	memoryLimitHelp    = "the invokers' memory pool, shared by the node, in invocations' initial memory (Restate's memory-limit over per-invocation-initial-memory): each dequeue needs a lease of it, which the invocation holds until its state machine goes (0: unlimited, no pool)"
	inTmpDirHelp       = "where each invoker spills given --shared-tmp-dir: shared (into the directory itself, as in Restate) or subdir (into a subdirectory of its own in it, as graceful does)"
	progressBoundHelp  = "virtual time an invocation may go without a step forward before the progress invariant fails, up to 24h (0: the monitor is off)"
	effectCapacityHelp = "effects each invoker-to-partition channel holds before a send parks the invoker's loop, as the real send().await does"
	shutdownHelp       = "shut the node down at the end of the safety phase; --shutdown=false keeps it running until nothing is left to happen, so a stall lasts long enough for the progress invariant to see it"
)

// register adds the flags of a run; lab run and lab tui share them.
func (f *runFlags) register(fl *pflag.FlagSet) {
	f.registerShape(fl)
	f.output.register(fl)
	fl.StringVar(&f.output.scheduleOut, "schedule-out", "", "record every decision of the run to this file (replay it with lab replay)")
}

// registerShape adds the flags that say what run to simulate: the seed,
// variant, plan, node, workload, bounds and scheduler.
func (f *runFlags) registerShape(fl *pflag.FlagSet) {
	uintFlag(fl, &f.seed, "seed", faults.DefaultSeed, "seed of every random draw of the run")
	fl.StringVar(&f.variant, "variant", "buggy", "invoker variant: buggy, fixed, graceful or term")
	fl.StringVar(&f.plan, "plan", "shutdown-race", "fault plan: a built-in name (see lab plans) or a YAML/JSON file")
	f.registerNode(fl)
	fl.StringVar(&f.scheduler, "scheduler", "random", "how ready arms are chosen: "+strings.Join(faults.Strategies, " or "))
}

// registerNode adds the flags of the node, its workload and the progress
// bound; lab explore takes them too.
func (f *runFlags) registerNode(fl *pflag.FlagSet) {
	wl := faults.DefaultWorkload()
	node := invoker.DefaultConfig()
	intFlag(fl, &f.partitions, "partitions", node.Partitions, "number of partitions")
	intFlag(fl, &f.invocations, "invocations", wl.Invocations, "invocations arriving in the safety phase")
	intFlag(fl, &f.quota, "quota", node.Quota, "concurrency slots per invoker; with --vqueues, the node's limit: permits of the vqueue scheduler for the whole node")
	intFlag(fl, &f.queueLimit, "queue-limit", node.QueueLimit, "invokes per in-memory queue segment before it spills to disk")
	intFlag(fl, &f.effectCapacity, "effect-capacity", node.EffectCapacity, effectCapacityHelp)
	fl.StringVar(&f.invoker, "invokers", "per-partition", "invoker layout: per-partition or shared")
	intFlag(fl, &f.stepDowns, "step-downs", wl.StepDowns, "mid-run step-downs (each followed by a re-election)")
	intFlag(fl, &f.kills, "kills", wl.Kills, "invocations killed by the user")
	intFlag(fl, &f.pauses, "pauses", wl.Pauses, pausesHelp)
	intFlag(fl, &f.retryNows, "retry-nows", wl.RetryNows, retryNowsHelp)
	fl.StringVar(&f.onPanic, "on-panic", node.OnPanic.String(), onPanicHelp)
	fl.StringVar(&f.retryTimers, "retry-timers", node.RetryTimers.String(), retryTimersHelp)
	fl.StringVar(&f.pausedSlots, "paused-slots", node.PausedSlots.String(), pausedSlotsHelp)
	fl.StringVar(&f.spillDirs, "spill-dirs", node.SpillDirs.String(), spillDirsHelp)
	fl.BoolVar(&f.sharedTmpDir, "shared-tmp-dir", false, sharedTmpDirHelp)
	fl.StringVar(&f.inTmpDir, "in-tmp-dir", node.InTmpDir.String(), inTmpDirHelp)
	fl.StringVar(&f.throttle, "throttle", node.Throttle.String(), throttleHelp)
	intFlag(fl, &f.throttleBurst, "throttle-burst", 0, throttleBurstHelp)
	intFlag(fl, &f.memoryLimit, "memory-limit", 0, memoryLimitHelp)
	intFlag(fl, &f.memoryHungry, "memory-hungry", 0, memoryHungryHelp)
	fl.StringVar(&f.yield, "yield", node.Yield.String(), yieldHelp)
	fl.StringVar(&f.vqueues, "vqueues", node.VQueues.String(), vqueuesHelp)
	fl.DurationVar(&f.yieldThreshold, "yield-threshold", 0, yieldThresholdHelp)
	floatFlag(fl, &f.taskPanics, "task-panics", 0, taskPanicsHelp)
	fl.BoolVar(&f.shutdown, "shutdown", wl.Shutdown, shutdownHelp)
	fl.DurationVar(&f.progressBound, "progress-bound", faults.DefaultBounds().Progress, progressBoundHelp)
}

func runRun(cmd *cobra.Command, f runFlags) error {
	opts, err := f.options(cmd.Flags())
	if err != nil {
		return err
	}
	f.output.inputs = f.planInput()
	return simulate(cmd, opts, f.output)
}

// planInput is the plan file the run reads, if it is not a built-in plan.
func (f runFlags) planInput() []namedPath {
	if _, builtin := faults.BuiltinPlanSource(f.plan); builtin {
		return nil
	}
	return []namedPath{{"--plan", f.plan}}
}

// options turns the flags into simulation options.
func (f runFlags) options(flags *pflag.FlagSet) (faults.Options, error) {
	variant, err := invoker.ParseVariant(f.variant)
	if err != nil {
		return faults.Options{}, usageError("--variant: %v", err)
	}
	plan, err := faults.LoadPlan(f.plan)
	if err != nil {
		return faults.Options{}, err
	}
	node := invoker.DefaultConfig()
	node.Variant, node.Partitions, node.Quota, node.QueueLimit = variant, f.partitions, f.quota, f.queueLimit
	node.EffectCapacity = f.effectCapacity
	if node.OnPanic, err = invoker.ParseOnPanic(f.onPanic); err != nil {
		return faults.Options{}, usageError("--on-panic: %v", err)
	}
	if node.RetryTimers, err = invoker.ParseRetryTimers(f.retryTimers); err != nil {
		return faults.Options{}, usageError("--retry-timers: %v", err)
	}
	if node.PausedSlots, err = invoker.ParsePausedSlots(f.pausedSlots); err != nil {
		return faults.Options{}, usageError("--paused-slots: %v", err)
	}
	if node.SpillDirs, err = invoker.ParseSpillDirs(f.spillDirs); err != nil {
		return faults.Options{}, usageError("--spill-dirs: %v", err)
	}
	switch f.invoker {
	case "shared":
		node.SharedInvoker = true
	case "per-partition":
	default:
		return faults.Options{}, usageError("--invokers %s: want per-partition or shared", f.invoker)
	}
	node.SharedTmpDir = f.sharedTmpDir
	if node.InTmpDir, err = invoker.ParseInTmpDir(f.inTmpDir); err != nil {
		return faults.Options{}, usageError("--in-tmp-dir: %v", err)
	}
	if node.Throttle, err = invoker.ParseThrottleRate(f.throttle); err != nil {
		return faults.Options{}, usageError("--throttle: %v", err)
	}
	node.Throttle.Burst = f.throttleBurst
	node.MemoryLimit = f.memoryLimit
	if node.Yield, err = parseYield(f.yield, node); err != nil {
		return faults.Options{}, err
	}
	if node.VQueues, err = invoker.ParseVQueues(f.vqueues); err != nil {
		return faults.Options{}, usageError("--vqueues: %v", err)
	}
	node.YieldThreshold = f.yieldThreshold
	if node.InTmpDir != node.TmpDirUse() {
		return faults.Options{}, usageError("--in-tmp-dir %s: it says where invokers spill in one tmp-dir: give --shared-tmp-dir too", node.InTmpDir)
	}
	if err := node.Validate(); err != nil {
		return faults.Options{}, usageError("%v", err)
	}
	wl := faults.DefaultWorkload()
	wl.Invocations, wl.StepDowns, wl.Kills, wl.Shutdown = f.invocations, f.stepDowns, f.kills, f.shutdown
	wl.Pauses, wl.RetryNows, wl.Hungry = f.pauses, f.retryNows, f.memoryHungry
	wl.Tasks.Panic = f.taskPanics
	if err := wl.Validate(); err != nil {
		return faults.Options{}, usageError("%v", err)
	}
	if err := faults.CheckHungry(node, wl); err != nil {
		return faults.Options{}, usageError("--memory-hungry: %v", err)
	}
	strategy, err := faults.NewStrategy(f.scheduler, f.seed)
	if err != nil {
		return faults.Options{}, usageError("--scheduler: %v", err)
	}
	bounds, err := f.bounds()
	if err != nil {
		return faults.Options{}, err
	}
	return faults.Options{Seed: f.seed, Node: node, Plan: plan, Workload: wl, Bounds: bounds,
		Strategy: strategy, Command: replayCommand(flags)}, nil
}

// bounds are the invariants' time bounds, the progress bound as the flag
// says.
func (f runFlags) bounds() (faults.Bounds, error) {
	b := faults.DefaultBounds()
	b.Progress = f.progressBound
	if b.Validate() != nil {
		return b, usageError("--progress-bound %v: want 0 (off) to %v", b.Progress, faults.MaxProgressBound)
	}
	return b, nil
}

// replayCommand is the command line that reproduces the run: seed, variant
// and plan always, and every other setting that was changed.
func replayCommand(flags *pflag.FlagSet) string {
	seed := "1"
	if fl := flags.Lookup("seed"); fl != nil { // lab explore has no --seed
		seed = fl.Value.String()
	}
	return runCommand(flags, seed, flags.Lookup("variant").Value.String())
}

// runCommand is replayCommand with another seed and variant (the terminal
// UI restarts sessions on either).
func runCommand(flags *pflag.FlagSet, seed, variant string) string {
	return runCommandWith(flags, seed, "variant", variant)
}

// runCommandWith is runCommand with the seed, and flag name (the variant,
// or another that shapes the run) given value.
func runCommandWith(flags *pflag.FlagSet, seed, name, value string) string {
	variant := flags.Lookup("variant").Value.String()
	if name == "variant" {
		variant = value
	}
	parts := []string{"lab run", "--seed " + faults.ShellQuote(seed), "--variant " + faults.ShellQuote(variant),
		"--plan " + faults.ShellQuote(flags.Lookup("plan").Value.String())}
	set := false
	flags.VisitAll(func(fl *pflag.Flag) {
		switch {
		case fl.Name == name && name != "variant":
			parts = append(parts, "--"+name+" "+faults.ShellQuote(value))
			set = true
			return
		case !fl.Changed, telemetryFlagNames[fl.Name], !runFlagNames[fl.Name]:
			return // lab tui's --start-at, lab compare's --against: not lab run's
		}
		switch fl.Name {
		case "seed", "variant", "plan", "format", "events", "verbose", "spill-dir", "schedule-out", "pace":
			return
		}
		parts = append(parts, flagArg(fl))
	})
	if !set && name != "variant" {
		parts = append(parts, "--"+name+" "+faults.ShellQuote(value))
	}
	return strings.Join(parts, " ")
}

// runFlagSet is lab run's flags in a flag set of their own, for reading
// a lab run command line outside lab run.
func runFlagSet() (*runFlags, *pflag.FlagSet) {
	f := new(runFlags)
	fl := pflag.NewFlagSet("lab run", pflag.ContinueOnError)
	f.register(fl)
	return f, fl
}

// runFlagNames are the flags lab run takes: a lab run line written from
// another command's flags gives no other.
var runFlagNames = func() map[string]bool {
	_, fl := runFlagSet()
	return flagNames(fl)
}()

// flagNames are the names of the flags in fl.
func flagNames(fl *pflag.FlagSet) map[string]bool {
	names := map[string]bool{}
	fl.VisitAll(func(f *pflag.Flag) { names[f.Name] = true })
	return names
}

// flagArg is a flag as a command line gives it again: a boolean flag takes
// its value after "=" (--shutdown=false), since "--shutdown false" would
// make "false" an argument.
func flagArg(fl *pflag.Flag) string {
	if fl.NoOptDefVal != "" {
		return "--" + fl.Name + "=" + faults.ShellQuote(fl.Value.String())
	}
	return "--" + fl.Name + " " + faults.ShellQuote(fl.Value.String())
}

// parseYield reads --yield for node, which must have a memory pool for
// the yield to mean anything.
func parseYield(s string, node invoker.Config) (invoker.Yield, error) {
	y, err := invoker.ParseYield(s)
	if err != nil {
		return 0, usageError("--yield: %v", err)
	}
	if err := faults.CheckYield(node.MemoryLimit, y); err != nil {
		return 0, usageError("--yield: %v", err)
	}
	return y, nil
}
