package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
	"lab/telemetry"
)

type exploreFlags struct {
	run              runFlags
	swarm            bool
	strategy         string
	depth            int
	seeds, firstSeed uint64
	duration         time.Duration
	stopOnFirst      bool
	format, out      string
	shrinkBudget     time.Duration
	savePerInvariant int
	listFailures     int
	otlp             bool
	jaegerURL        string
	workers          int
	shard            string
	checkDeterminism bool
	invariants       []string
	against          string
	metrics          metricsFlags
}

func newExploreCmd() *cobra.Command {
	f := exploreFlags{}
	cmd := &cobra.Command{
		Use:   "explore",
		Short: "Run many seeds on every core and report what failed",
		Long: `Run seeds of a plan and variant (or, with --swarm, a node shape, workload
and built-in plan drawn per seed) on every core, with the random or the PCT
scheduler. Each run stops at its first violation (of an invariant named by
--invariant, when given: the others are then no failures). The report gives the
schedules run and their rate, failures by invariant with their first seed,
and coverage: the (state, event) pairs of the invocation state machine and
the orders of the shutdown phases that were reached. With --out, the first
failing seed of every invariant is rerun, recorded and shrunk there.

--against reruns every failing seed with one setting changed (a variant,
an on-panic, a retry-timers or a spill-dirs, as lab compare takes them),
hunting the invariant the seed broke: the report says on how many the
other side held it, so a fix is checked on the very seeds that fail.

--shard i/n runs every n-th seed from the i-th; in a Kubernetes Indexed Job
the shard comes from JOB_COMPLETION_INDEX and JOB_COMPLETIONS. Shard
reports (--format json) combine with lab explore merge.

Exit status: 0 nothing failed, 1 a schedule failed, 2 bad input, 3 internal
error, 130 interrupted (the report so far is printed).`,
		Example: `  lab explore --seeds 1000                          # buggy, shutdown-race, random
  lab explore --variant fixed --plan chaos --duration 30s
  lab explore --plan none --strategy pct --depth 3 --seeds 5000 --stop-on-first
  lab explore --swarm --variant fixed --seeds 20000 --check-determinism
  lab explore --swarm --variant term --spill-dirs removed  # what does the fix break?
  lab explore --seeds 1000 --against fixed          # does #2547 hold where buggy fails?
  lab explore --seeds 100000 --shard 0/4 --format json > shard0.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runExplore(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.run.variant, "variant", "buggy", "invoker variant: buggy, fixed, graceful or term")
	fl.StringVar(&f.run.plan, "plan", "shutdown-race", "fault plan: a built-in name or a YAML/JSON file (not with --swarm)")
	f.run.registerNode(fl)
	fl.BoolVar(&f.swarm, "swarm", false, "draw the node shape (a shared tmp-dir, unkeyed retry timers, what a panic takes down, a throttle, a memory pool and paused slots leaked included), workload (a shutdown or not, pauses, task panics, retry-nows, invocations hungry for memory) and built-in plan from each seed; --spill-dirs, --in-tmp-dir, --yield (to the shapes with a memory pool), --vqueues and --yield-threshold (to those with neither a pool nor a throttle) and --progress-bound, which it does not draw, apply to every shape, and so do --throttle, --memory-limit (with --memory-hungry) and --paused-slots when given, even off, in place of its draws")
	fl.StringVar(&f.strategy, "strategy", "random", "scheduler: random or pct")
	intFlag(fl, &f.depth, "depth", 3, "PCT depth d: d-1 priority change points per run")
	uintFlag(fl, &f.seeds, "seeds", 0, "how many seeds to run (default 1000 unless --duration)")
	uintFlag(fl, &f.firstSeed, "first-seed", 1, "the first seed")
	fl.DurationVar(&f.duration, "duration", 0, "run seeds for this long (with --seeds: at most this long)")
	fl.BoolVar(&f.stopOnFirst, "stop-on-first", false, "stop at the first failing schedule")
	fl.StringVar(&f.format, "format", "text", "report format: text or json")
	fl.StringVar(&f.out, "out", "", "directory for each failure's report, schedule and shrunk schedule, and report.json")
	fl.DurationVar(&f.shrinkBudget, "shrink-budget", 30*time.Second, "time to shrink each saved failure (0: do not shrink)")
	intFlag(fl, &f.savePerInvariant, "save-per-invariant", 1, "with --out: how many failures of each invariant to save and shrink, the first by seed (0: every one the report lists)")
	fl.BoolVar(&f.otlp, "otlp", false, "with --out: export each saved failure's run, its shrunk run and, with --against, its run under the other setting as traces over OTLP (OTEL_EXPORTER_OTLP_*; on by itself when an endpoint variable is set), and print their ids and the Jaeger URLs that compare them")
	registerJaegerURL(fl, &f.jaegerURL, "Jaeger UI the traces' comparisons link to")
	intFlag(fl, &f.listFailures, "list-failures", 1000, "how many failing seeds of each way of failing (an invariant and its check) the report lists, the first by seed; every failure is counted (0: list every one, which holds them all in memory)")
	intFlag(fl, &f.workers, "workers", explore.DefaultWorkers(), "parallel workers, one per core unless set")
	fl.StringVar(&f.shard, "shard", "", "run shard i/n of the seeds (default: from JOB_COMPLETION_INDEX/JOB_COMPLETIONS, else 0/1)")
	fl.BoolVar(&f.checkDeterminism, "check-determinism", false, "run every seed twice and compare their events")
	// An array, split here: a slice flag dropped an empty name
	// (--invariant no-panic --invariant '' hunted no-panic alone).
	fl.StringArrayVar(&f.invariants, "invariant", nil, "hunt only this invariant (repeat it, or separate names by commas): a run goes on past violations of the others, which are no failures")
	fl.StringVar(&f.against, "against", "", "rerun every failing seed with this changed, hunting the invariant it broke: a variant (buggy, fixed, graceful or term), what a panic takes down (abort, unwind or watch), how retry timers are found (keyed or unkeyed), what becomes of a paused invocation's slot (released or leaked), what becomes of spill directories (kept or removed), or where invokers spill in one tmp-dir (shared or subdir)")
	f.metrics.register(fl, " (lab_explore_*: schedules, failures, coverage and, with --against, the reruns)", "exploration")
	cmd.AddCommand(newMergeCmd())
	return cmd
}

func runExplore(cmd *cobra.Command, f exploreFlags) (err error) {
	cfg, err := f.config(cmd.Flags())
	if err != nil {
		return err
	}
	if f.format != "text" && f.format != "json" {
		return usageError("--format %s: want text or json", f.format)
	}
	// The export first, so that bad OTEL_* variables end nothing begun.
	traces, err := newTraceExport(cmd.Context(), f.out != "" && otlpWanted(cmd.Flags(), f.otlp), cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer traces.close()
	counts := &explore.Counters{}
	cfg.Observe = counts.Observe
	// The address first: a refused exploration leaves no --out directory.
	srv, err := serveExploreMetrics(f, cfg.Against, counts, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	if srv != nil {
		defer srv.Close()
	}
	if f.out != "" {
		if err := os.MkdirAll(f.out, 0o755); err != nil {
			return usageError("--out: %v", err)
		}
	}
	// report.json is opened before the first seed runs, as lab run opens
	// its outputs, so that one it cannot write (a directory, a dangling
	// link, a pipe nobody reads) is refused before anything is written,
	// unlike the failures' files.
	var reportFile outputFiles
	defer reportFile.abandon(&err)
	var reportOut io.Writer
	if f.out != "" {
		path := filepath.Join(f.out, "report.json")
		if fi, err := os.Stat(path); err == nil && fi.IsDir() {
			return usageError("--out: %s is a directory, not a file", path)
		}
		if reportOut, err = reportFile.create("--out", path, false); err != nil {
			return err
		}
	}
	f.metrics.awaitScrape(cmd.Context(), srv, cmd.ErrOrStderr())
	bar := newProgress(cmd.ErrOrStderr(), exploreProgress(cfg, counts))
	bar.start()
	report, err := explore.Explore(cmd.Context(), cfg)
	bar.stop()
	if err != nil {
		return err
	}
	// A failure's files that could not be saved lose nothing else: the
	// report is still written, and the error ends the command after it.
	var saveErr error
	if f.out != "" && report.Failed > 0 && cmd.Context().Err() == nil {
		opt := explore.SaveOptions{Dir: f.out, Shrink: f.shrinkBudget > 0, ShrinkBudget: f.shrinkBudget,
			Reserved:     []string{filepath.Join(f.out, "report.json")},
			PerInvariant: f.savePerInvariant}
		if err := explore.Save(cmd.Context(), cfg, report, opt); err != nil && cmd.Context().Err() == nil {
			saveErr = fmt.Errorf("--out: %w", err)
			var pe *fs.PathError
			if errors.As(err, &pe) || errors.Is(err, faults.ErrNoReader) { // a full disk, say: not the lab's failure
				saveErr = writeError{saveErr}
			}
		}
		if traces != nil && saveErr == nil && cmd.Context().Err() == nil {
			saveErr = traces.traceSaved(cmd.Context(), cfg, report, f.jaegerURL)
		}
	}
	if f.out != "" {
		if err := writeReportFile(&reportFile, reportOut, report); err != nil {
			saveErr = cmp.Or(saveErr, err)
		}
	}
	if err := writeReport(cmd, report, f.format); err != nil {
		return err
	}
	if saveErr != nil {
		return saveErr
	}
	if cmd.Context().Err() == nil {
		// The report is out: Ctrl-C while lingering only ends the lingering.
		f.metrics.lingerOn(cmd.Context(), srv, cmd.ErrOrStderr())
		return verdict(report)
	}
	if cmd.Context().Err() != nil {
		return cmd.Context().Err()
	}
	return verdict(report)
}

// verdict is the exit of an exploration that ran to its end: 1 if a
// schedule failed.
func verdict(r *explore.Report) error {
	if r.Failed > 0 {
		return violationFound
	}
	return nil
}

func writeReport(cmd *cobra.Command, r *explore.Report, format string) error {
	var err error
	if format == "json" {
		err = r.WriteJSON(cmd.OutOrStdout())
	} else {
		err = r.WriteText(cmd.OutOrStdout())
	}
	if err != nil {
		return outputError(err)
	}
	return nil
}

// writeReportFile writes r into report.json, opened as w in files, and
// puts it in place; a failed write leaves the file that was there.
func writeReportFile(files *outputFiles, w io.Writer, r *explore.Report) error {
	if err := r.WriteJSON(w); err != nil {
		files.abandon(&err)
		return err
	}
	return files.close()
}

// swarmTakes are the flags a swarm takes in place of its draws, or does
// not draw at all: each applies to every shape it draws, and a rerun of
// one of its seeds says them again.
var swarmTakes = []string{"paused-slots", "yield", "vqueues", "yield-threshold", "spill-dirs", "in-tmp-dir", "throttle", "throttle-burst", "memory-limit", "memory-hungry",
	"progress-bound"}

// shapeFlags are the flags that shape each seed's node and workload: what
// a swarm draws instead (but swarmTakes), and what a rerun of one seed
// must say again.
var shapeFlags = []string{"partitions", "invocations", "quota", "queue-limit", "effect-capacity", "invokers", "step-downs", "kills",
	"pauses", "retry-nows", "on-panic", "retry-timers", "paused-slots", "spill-dirs", "shared-tmp-dir", "in-tmp-dir", "throttle", "throttle-burst", "memory-limit",
	"memory-hungry", "yield", "vqueues", "yield-threshold", "task-panics", "shutdown"}

// config turns the flags into an exploration.
func (f exploreFlags) config(flags *pflag.FlagSet) (explore.Config, error) {
	var invariants []string
	for _, arg := range f.invariants {
		invariants = append(invariants, strings.Split(arg, ",")...)
	}
	cfg := explore.Config{Swarm: f.swarm, Strategy: f.strategy, Depth: f.depth, FirstSeed: f.firstSeed,
		Seeds: f.seeds, Duration: f.duration, StopOnFirst: f.stopOnFirst, Workers: f.workers,
		CheckDeterminism: f.checkDeterminism, Invariants: invariants}
	if err := faults.CheckInvariants(invariants); err != nil {
		return cfg, usageError("--invariant: %v", err)
	}
	if f.swarm {
		// The swarm draws all of these per seed; taking one silently
		// would explore something else than the command line says. It
		// does not draw swarmTakes, which apply to every shape.
		for _, name := range append([]string{"plan"}, shapeFlags...) {
			if flags.Changed(name) && !slices.Contains(swarmTakes, name) {
				return cfg, usageError("--%s: a swarm draws its plan and the node's shape per seed", name)
			}
		}
	}
	bounds, err := f.run.bounds()
	if err != nil {
		return cfg, err
	}
	cfg.Bounds = bounds
	// Zero means "unset" to the explorer; said on the command line it is a
	// mistake, not a request for the default.
	if flags.Changed("seeds") && f.seeds == 0 {
		return cfg, usageError("--seeds must be at least 1 (leave it out for 1000, or for as many as --duration allows)")
	}
	if flags.Changed("duration") && f.duration == 0 {
		return cfg, usageError("--duration must be more than 0")
	}
	if f.seeds == 0 && f.duration <= 0 {
		cfg.Seeds = 1000
	}
	if f.workers < 1 {
		return cfg, usageError("--workers must be at least 1")
	}
	if f.workers > explore.MaxWorkers {
		return cfg, usageError("--workers %d: the lab runs at most %d (each holds a run in memory)", f.workers, explore.MaxWorkers)
	}
	if f.strategy != "random" && f.strategy != "pct" {
		return cfg, usageError("--strategy %s: want random or pct", f.strategy)
	}
	if f.depth < 1 {
		return cfg, usageError("--depth must be at least 1")
	}
	if flags.Changed("depth") && f.strategy != "pct" {
		return cfg, usageError("--depth is PCT's: it needs --strategy pct")
	}
	if f.duration < 0 {
		return cfg, usageError("--duration must not be negative")
	}
	if f.savePerInvariant < 0 {
		return cfg, usageError("--save-per-invariant must not be negative")
	}
	if f.listFailures < 0 {
		return cfg, usageError("--list-failures must not be negative (0: list every one)")
	}
	if f.listFailures > 0 && f.savePerInvariant > f.listFailures {
		// Saving picks among the failures the report lists.
		return cfg, usageError("--save-per-invariant %d: it saves among the failures listed, %d of each way of failing: give --list-failures %d or more",
			f.savePerInvariant, f.listFailures, f.savePerInvariant)
	}
	cfg.ListPerWay = f.listFailures
	if err := notStdout("--out", f.out); err != nil {
		return cfg, err
	}
	if f.otlp && f.out == "" {
		return cfg, usageError("--otlp traces the failures --out saves: give --out DIR")
	}
	if f.shrinkBudget < 0 {
		return cfg, usageError("--shrink-budget must not be negative (0: do not shrink)")
	}
	if err := f.metrics.check(); err != nil {
		return cfg, err
	}
	shard, err := shardFrom(f.shard)
	if err != nil {
		return cfg, err
	}
	cfg.Shard = shard
	variant, err := invoker.ParseVariant(f.run.variant)
	if err != nil {
		return cfg, usageError("--variant: %v", err)
	}
	cfg.Variant = variant
	if !f.swarm {
		f.run.seed, f.run.scheduler = 1, "random"
		o, err := f.run.options(flags)
		if err != nil {
			return cfg, err
		}
		cfg.Plan, cfg.Node, cfg.Workload = o.Plan, o.Node, o.Workload
	} else if cfg.Node.SpillDirs, err = invoker.ParseSpillDirs(f.run.spillDirs); err != nil {
		return cfg, usageError("--spill-dirs: %v", err)
	} else if cfg.Node.PausedSlots, err = invoker.ParsePausedSlots(f.run.pausedSlots); err != nil {
		return cfg, usageError("--paused-slots: %v", err)
	} else if cfg.Node.Yield, err = invoker.ParseYield(f.run.yield); err != nil {
		return cfg, usageError("--yield: %v", err)
	} else if cfg.Node.VQueues, err = invoker.ParseVQueues(f.run.vqueues); err != nil {
		return cfg, usageError("--vqueues: %v", err)
	} else if cfg.Node.YieldThreshold = f.run.yieldThreshold; cfg.Node.YieldThreshold < 0 {
		return cfg, usageError("--yield-threshold must not be negative, got %v", cfg.Node.YieldThreshold)
	} else if cfg.Node.YieldThreshold > 0 && cfg.Node.VQueues == invoker.VQueuesOff {
		return cfg, usageError("--yield-threshold %v yields to the vqueue scheduler: give --vqueues too", cfg.Node.YieldThreshold)
	} else if cfg.Node.InTmpDir, err = invoker.ParseInTmpDir(f.run.inTmpDir); err != nil {
		return cfg, usageError("--in-tmp-dir: %v", err)
	} else if cfg.Node.Throttle, err = invoker.ParseThrottleRate(f.run.throttle); err != nil {
		return cfg, usageError("--throttle: %v", err)
	} else {
		cfg.Node.Throttle.Burst = f.run.throttleBurst
		cfg.Node.MemoryLimit = f.run.memoryLimit
		cfg.Workload.Hungry = f.run.memoryHungry
		// said, even off, they replace what the swarm draws
		cfg.SwarmTakesThrottle = flags.Changed("throttle") || flags.Changed("throttle-burst")
		cfg.SwarmTakesMemory = flags.Changed("memory-limit") || flags.Changed("memory-hungry")
		cfg.SwarmTakesPausedSlots = flags.Changed("paused-slots")
	}
	if flags.Changed("against") {
		w, err := explore.ParseAgainst(f.against)
		if err != nil {
			return cfg, usageError("--against: %v", err)
		}
		cfg.Against = &w
	}
	if err := cfg.Validate(); err != nil {
		return cfg, usageError("%v", err)
	}
	cfg.Rerun = f.rerun(flags)
	return cfg, nil
}

// shardFrom is --shard, or else the Indexed Job's completion index.
func shardFrom(flag string) (explore.Shard, error) {
	if flag != "" {
		s, err := explore.ParseShard(flag)
		if err != nil {
			return s, usageError("--shard: %v", err)
		}
		return s, nil
	}
	index, count := os.Getenv("JOB_COMPLETION_INDEX"), os.Getenv("JOB_COMPLETIONS")
	if index == "" && count == "" {
		return explore.Shard{Index: 0, Count: 1}, nil
	}
	s, err := explore.ParseShard(index + "/" + count)
	if err != nil {
		return s, usageError("JOB_COMPLETION_INDEX=%q JOB_COMPLETIONS=%q: want 0 <= index < completions", index, count)
	}
	return s, nil
}

// rerun is the command line that reruns one seed: lab run for the random
// scheduler on a fixed shape (it takes the same decisions, and goes on
// past the first violation), else lab explore on that seed alone.
func (f exploreFlags) rerun(flags *pflag.FlagSet) func(uint64) string {
	shape := []string{}
	flags.Visit(func(fl *pflag.Flag) {
		if slices.Contains(shapeFlags, fl.Name) || fl.Name == "progress-bound" {
			shape = append(shape, flagArg(fl))
		}
	})
	extra := strings.Join(shape, " ")
	if extra != "" {
		extra = " " + extra
	}
	hunted := "" // lab run goes on past every violation; lab explore must be told
	if len(f.invariants) > 0 {
		hunted = " --invariant " + faults.ShellQuote(strings.Join(f.invariants, ","))
	}
	strategy := "" // random is the default
	if f.strategy == "pct" {
		strategy = fmt.Sprintf(" --strategy pct --depth %d", f.depth)
	}
	return func(seed uint64) string {
		s := strconv.FormatUint(seed, 10)
		switch {
		case f.swarm:
			taken := "" // the settings a swarm takes in place of its draws, or does not draw
			for _, name := range swarmTakes {
				if fl := flags.Lookup(name); fl != nil && fl.Changed {
					taken += " " + flagArg(fl)
				}
			}
			return fmt.Sprintf("lab explore --swarm --variant %s%s --first-seed %s --seeds 1%s%s",
				f.run.variant, strategy, s, taken, hunted)
		case f.strategy == "random":
			return fmt.Sprintf("lab run --seed %s --variant %s --plan %s%s", s, f.run.variant, faults.ShellQuote(f.run.plan), extra)
		}
		return fmt.Sprintf("lab explore --variant %s --plan %s%s --first-seed %s --seeds 1%s%s",
			f.run.variant, faults.ShellQuote(f.run.plan), strategy, s, extra, hunted)
	}
}

// maxReportBytes bounds a shard's JSON report, far above any real one,
// so that merge never reads an endless file.
const maxReportBytes = 256 << 20

func newMergeCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "merge REPORT.json...",
		Short: "Combine the JSON reports of shards into one",
		Long: `Combine the JSON reports of the shards of one exploration (lab explore
--shard i/n --format json, or the report.json of --out) into the report the
unsharded exploration gives: schedules, failures, coverage. The time is the
longest shard's.

Exit status: 0 nothing failed, 1 a schedule failed, 2 a report cannot be
read or the reports are not shards of one exploration.`,
		Example: `  lab explore --seeds 10000 --shard 0/2 --format json > s0.json
  lab explore --seeds 10000 --shard 1/2 --format json > s1.json
  lab explore merge s0.json s1.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError("--format %s: want text or json", format)
			}
			var reports []*explore.Report
			for _, path := range args {
				data, err := faults.ReadInputUpTo(path, maxReportBytes)
				if err != nil {
					return usageError("%s: %v", path, err)
				}
				r, err := explore.ReadReport(path, bytes.NewReader(data))
				if err != nil {
					return usageError("%v", err)
				}
				reports = append(reports, r)
			}
			merged, err := explore.Merge(reports)
			if err != nil {
				return usageError("%v", err)
			}
			if err := writeReport(cmd, merged, format); err != nil {
				return err
			}
			if merged.Failed > 0 {
				return violationFound
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "report format: text or json")
	return cmd
}

// serveExploreMetrics serves the exploration's counters for Prometheus,
// if --metrics-addr asks for it: with --against, the reruns' as well.
func serveExploreMetrics(f exploreFlags, against *explore.Against, counts *explore.Counters, stderr io.Writer) (*telemetry.MetricsServer, error) {
	reg := prometheus.NewRegistry()
	if err := telemetry.RegisterExploreMetrics(reg, counts); err != nil {
		return nil, err
	}
	if against != nil {
		if err := telemetry.RegisterAgainstMetrics(reg, against.String(), counts); err != nil {
			return nil, err
		}
	}
	return f.metrics.serve(reg, stderr)
}
