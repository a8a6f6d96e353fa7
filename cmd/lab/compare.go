package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
	"lab/telemetry"
)

func newCompareCmd() *cobra.Command {
	f := runFlags{}
	var againstName, format, jaegerURL string
	var otlp bool
	cmd := &cobra.Command{
		Use:   "compare [FILE]",
		Short: "Run one seed under two variants (or two settings) and show where they part",
		Long: `Run one seed under --variant and under --against, side by side, and show
the first event where their logs differ: until then both runs are the same
run, and there one variant acts differently (under the default flags, the
buggy invoker panics where the fixed one drops the stale invoke). Prints the
last events both logged, each run's first events from where they part, and
what each run found. Spill stays in memory: nothing is written to disk.
With --otlp, each run is also a trace, and the report gives the Jaeger URL
that shows the two side by side.

--against defaults to the variant's fix: fixed for buggy, graceful for
fixed and term (graceful is compared with fixed). It may instead name what
an invoker's panic takes down (abort, unwind or watch): the other side is
then the same variant under that --on-panic (unwind against watch: #4102
against its fix, #4103), or how retry timers are found (keyed or unkeyed):
the same variant under that --retry-timers (unkeyed against keyed: #4064
against its fix), what becomes of a paused invocation's slot (released or
leaked): the same variant under that --paused-slots (leaked against
released: #4468 against its fix), what becomes of a spill directory as its
invoker ends (kept or removed): the same variant under that --spill-dirs,
where invokers spill in one tmp-dir (shared or subdir): the same variant
under that --in-tmp-dir, or how invocations reach the invoker (off, on or
unguarded): the same variant under that --vqueues (unguarded against on:
#4520 against its fix).

Given a schedule FILE (lab run --schedule-out, lab explore --out, lab
shrink, a session the terminal UI saved), it compares that run with the
same run under the fix of what it broke first (buggy's is fixed, fixed's
and term's graceful; a stale timer's, keyed timers; a slot a pause
leaked, slots released; a slot a vqueue invocation gave back without
taking it, vqueues on; spill left behind, spill directories removed; a
segment lost in a shared tmp-dir, a subdirectory each; --against names
another): the seed, shape and plan are the schedule's (--plan gives a
plan file, which schedules only name). When the seed alone gives the
recorded run, both sides are runs of the seed; when it does not (a shrunk
schedule, one found by PCT, one steered by controls or picks taken in
lab tui, or of another model revision), the recorded run is replayed as
it was, and the other side replays its decisions, controls at their
steps, as far as they fit, then draws as a seeded run; a note says so.

Exit status: 0 every invariant held in both runs, 1 a violation was found in
either, 2 bad input, 3 internal error, 130 interrupted.`,
		Example: `  lab compare                                   # seed ` + strconv.Itoa(faults.DefaultSeed) + `, shutdown-race: buggy against fixed
  lab compare --plan none --seed 28 --against graceful
  lab compare --variant fixed --against graceful --plan chaos --seed 5 --format json
  lab compare --seed 28 --plan none --shutdown=false --on-panic unwind --against watch
  lab compare --seed 19 --variant fixed --plan none --pauses 8 --retry-timers unkeyed --against keyed
  lab compare --seed 42 --variant term --plan shutdown-race --shutdown=false --against removed
  lab compare failures/seed-13-clean-shutdown.schedule`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError("--format %s: want text or json", format)
			}
			var chosen *explore.Against // nil: the fix of what the run is
			if cmd.Flags().Changed("against") {
				other, err := explore.ParseAgainst(againstName)
				if err != nil {
					return usageError("--against: %v", err)
				}
				chosen = &other
			}
			var a, b faults.Options
			var note string
			var err error
			if len(args) == 1 {
				a, b, note, err = scheduleCompared(cmd, args[0], f.plan, chosen)
			} else {
				a, b, err = flagsCompared(cmd, f, chosen)
			}
			if err != nil {
				return err
			}
			// Both sides one run: "their hashes differ by the first", then two equal hashes.
			if explore.OneRun(a.Node, b.Node) {
				return usageError("--against %s: both runs would be one run; name another variant, on-panic, retry-timers, paused-slots, spill-dirs, in-tmp-dir or vqueues", againstName)
			}
			traces, err := newTraceExport(cmd.Context(), otlpWanted(cmd.Flags(), otlp), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer traces.close()
			c, err := compareTraced(cmd.Context(), a, b, traces, jaegerURL)
			if err != nil {
				return err
			}
			c.Note = note
			stdout := cmd.OutOrStdout()
			if format == "json" {
				err = c.WriteJSON(stdout)
			} else {
				err = c.WriteText(stdout)
			}
			if err != nil {
				return outputError(err)
			}
			if !c.ResultA.OK() || !c.ResultB.OK() {
				return violationFound
			}
			return nil
		},
	}
	f.registerShape(cmd.Flags())
	cmd.Flags().StringVar(&againstName, "against", "", "what the other run changes: its variant (buggy, fixed, graceful or term), what a panic takes down (abort, unwind or watch), how retry timers are found (keyed or unkeyed), what becomes of a paused invocation's slot (released or leaked), what becomes of spill directories (kept or removed), or where invokers spill in one tmp-dir (shared or subdir) (default: the variant's fix)")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().BoolVar(&otlp, "otlp", false, "export the two runs as two traces over OTLP (OTEL_EXPORTER_OTLP_*; on by itself when an endpoint variable is set), and print the Jaeger URL that compares them")
	registerJaegerURL(cmd.Flags(), &jaegerURL, "Jaeger UI the comparison links to")
	return cmd
}

// compareTraced is explore.Compare, each run a trace on traces when there
// are traces: flushed before the comparison names them, and where Jaeger
// shows them side by side.
func compareTraced(ctx context.Context, a, b faults.Options, traces *traceExport, jaegerURL string) (*explore.Comparison, error) {
	var ta, tb *telemetry.Tracer
	if traces != nil {
		ta, tb = traces.tracer(), traces.tracer()
		a.Observers, b.Observers = append(a.Observers, ta), append(b.Observers, tb)
	}
	c, err := explore.Compare(ctx, a, b)
	if err != nil || traces == nil {
		return c, err
	}
	traces.close()
	c.Traces = &explore.ComparedTraces{A: ta.TraceID(), B: tb.TraceID(),
		CompareURL: jaegerCompareURL(jaegerURL, ta.TraceID(), tb.TraceID())}
	return c, nil
}

// comparedOptions are the options of base's seed as it is and as w
// changes it, for explore.Compare: each with a strategy of its own (a
// strategy is a run's), spill in memory, and none of base's observers or
// outputs.
func comparedOptions(base faults.Options, scheduler string, w explore.Against) (a, b faults.Options, err error) {
	base.Node.Store = invoker.MemStores()
	base.Observers, base.Events, base.Record, base.Command = nil, nil, nil, ""
	a, b = base, base
	w.Apply(&b)
	if a.Strategy, err = faults.NewStrategy(scheduler, base.Seed); err != nil {
		return a, b, err
	}
	b.Strategy, err = faults.NewStrategy(scheduler, base.Seed)
	return a, b, err
}

// compareWithTheFix is the terminal UI's comparison (tui.Config.Compare):
// seed under v and under what fixes its first failure (explore.FixFor),
// as lab compare would run them, in a few lines; or, for a session steered
// by controls, the schedule it saved, as lab compare FILE (with plan)
// compares it.
func compareWithTheFix(base faults.Options, scheduler, plan string) func(context.Context, uint64, invoker.Variant, faults.Violation, string) ([]string, error) {
	return func(ctx context.Context, seed uint64, v invoker.Variant, first faults.Violation, schedule string) ([]string, error) {
		if schedule != "" {
			sch, err := readSchedule(schedule)
			if err != nil {
				return nil, err
			}
			return summarizeSchedule(ctx, sch, schedule, plan, first)
		}
		base.Seed, base.Node.Variant = seed, v
		fix, ok := explore.FixFor(base.Node, first.Invariant, first.Check)
		if !ok {
			return nil, fmt.Errorf("%s has no fix to compare with", v)
		}
		a, b, err := comparedOptions(base, scheduler, fix)
		if err != nil {
			return nil, err
		}
		return summarize(ctx, a, b)
	}
}

// compareReplayWithTheFix is the terminal UI's comparison in a replay of
// sch: the recorded run against the fix, as lab compare FILE makes it. The
// replay shares sch, which both only read.
func compareReplayWithTheFix(sch *faults.Schedule, path string) func(context.Context, uint64, invoker.Variant, faults.Violation, string) ([]string, error) {
	return func(ctx context.Context, _ uint64, _ invoker.Variant, first faults.Violation, _ string) ([]string, error) {
		return summarizeSchedule(ctx, sch, path, "", first)
	}
}

// summarizeSchedule is compareSchedule's comparison of sch against what
// fixes its first failure, in the few lines of a panel, its note last.
func summarizeSchedule(ctx context.Context, sch *faults.Schedule, path, plan string, first faults.Violation) ([]string, error) {
	h := sch.Header
	fix, ok := fixOf(h, first)
	if !ok {
		return nil, fmt.Errorf("%s has no fix to compare with", h.Node.Variant)
	}
	a, b, note, err := compareSchedule(ctx, sch, path, plan, &fix)
	if err != nil {
		return nil, err
	}
	lines, err := summarize(ctx, a, b)
	if note != "" {
		lines = append(lines, "  ("+note+")")
	}
	return lines, err
}

// summarize compares a and b, in the few lines of a panel.
func summarize(ctx context.Context, a, b faults.Options) ([]string, error) {
	c, err := explore.Compare(ctx, a, b)
	if err != nil {
		return nil, err
	}
	return c.Summary(), nil
}

// flagsCompared are the options of the run the flags describe, and of the
// same seed as chosen changes it; when nothing was chosen, as the
// variant's fix (explore.DefaultAgainst) does.
func flagsCompared(cmd *cobra.Command, f runFlags, chosen *explore.Against) (a, b faults.Options, err error) {
	base, err := f.options(cmd.Flags())
	if err != nil {
		return a, b, err
	}
	other := explore.DefaultAgainst(base.Node.Variant)
	if chosen != nil {
		other = *chosen
	}
	if a, b, err = comparedOptions(base, f.scheduler, other); err != nil {
		return a, b, usageError("--scheduler: %v", err)
	}
	a.Command = base.Command
	b.Command = runCommandWith(cmd.Flags(), cmd.Flags().Lookup("seed").Value.String(), other.Flag(), other.String())
	return a, b, nil
}

// compareFileFlags are the flags lab compare FILE takes; the others shape
// a run, which the schedule fixes.
var compareFileFlags = map[string]bool{"against": true, "plan": true, "format": true, "otlp": true, "jaeger-url": true}

// scheduleCompared is compareSchedule for lab compare FILE: the flags
// that shape a run are refused, --plan and --against taken.
func scheduleCompared(cmd *cobra.Command, path, plan string, chosen *explore.Against) (a, b faults.Options, note string, err error) {
	var refused error
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if !compareFileFlags[fl.Name] && refused == nil {
			refused = usageError("--%s: not with a schedule, which fixes the run", fl.Name)
		}
	})
	if refused != nil {
		return a, b, "", refused
	}
	sch, err := readSchedule(path)
	if err != nil {
		return a, b, "", err
	}
	if !cmd.Flags().Changed("plan") {
		plan = ""
	}
	a, b, note, err = compareSchedule(cmd.Context(), sch, path, plan, chosen)
	return a, b, note, err
}

// compareSchedule are the options of the run schedule sch (read from path)
// recorded and of the same run as chosen changes it (nil: under the fix of
// the one invariant its hunt named, or else of the one it broke first,
// FixFor), with the schedule's plan unless plan names another.
// When the seed alone gives the recorded run, both sides are seeded runs.
// When it does not (the schedule was shrunk, edited, steered by controls,
// found by PCT, or recorded by another model revision), the recorded run is
// replayed as it was, and the other side replays its decisions leniently,
// controls at the steps they were applied at, as far as they fit, then
// draws as a seeded run; note says so.
func compareSchedule(ctx context.Context, sch *faults.Schedule, path, plan string, chosen *explore.Against) (a, b faults.Options, note string, err error) {
	h := sch.Header
	var other explore.Against
	ok := chosen != nil
	if ok {
		other = *chosen
	} else {
		first, err := firstFailure(ctx, sch)
		if err != nil {
			return a, b, "", err
		}
		other, ok = fixOf(h, first)
	}
	if !ok {
		return a, b, "", usageError("%s: %s has no fix to compare with: name a variant, an on-panic, a retry-timers, a paused-slots, a spill-dirs, an in-tmp-dir or a vqueues with --against", path, h.Node.Variant)
	}
	named := plan != ""
	if !named {
		plan = h.Plan
	}
	loaded, err := faults.LoadPlan(plan)
	if err != nil && named {
		return a, b, "", usageError("--plan: %v", err)
	}
	if named && loaded.Name != h.Plan {
		// --plan supplies the plan the schedule names, for it holds only
		// the name: another plan would compare another run.
		return a, b, "", usageError("--plan %s: %s ran plan %q, not %q", plan, path, h.Plan, loaded.Name)
	}
	base := faults.SeededOptions(h)
	base.Plan = loaded
	why, err := notSeeds(ctx, sch, base, named)
	switch {
	case err != nil:
		return a, b, "", err
	case why == "":
		a, b, err = comparedOptions(base, h.Strategy, other)
	default:
		a, b, err = replayedOptions(sch, other, loaded)
		note = fmt.Sprintf("%s is not its seed's run (%s): %s replays its decisions as far as they fit, then draws as a seeded run",
			path, why, other)
	}
	a.Command = "lab replay " + faults.ShellQuote(path)
	b.JudgeByConfirmedBound()
	return a, b, note, err
}

// firstFailure is the violation the run sch recorded found first (none if
// none), which says what fixes it: a stale timer's fix is keyed timers,
// whatever the variant.
func firstFailure(ctx context.Context, sch *faults.Schedule) (faults.Violation, error) {
	o := recordedOptions(sch)
	o.SkipHash = true
	r, err := faults.Run(ctx, o)
	if err != nil || len(r.Violations) == 0 {
		return faults.Violation{}, err
	}
	return r.Violations[0], nil
}

// fixOf is explore.FixFor of the failure a schedule's run is about: the
// invariant its hunt named, when it named one (lab explore --invariant),
// whatever broke first; otherwise first, its check included.
func fixOf(h faults.ScheduleHeader, first faults.Violation) (explore.Against, bool) {
	if len(h.Invariants) == 1 && h.Invariants[0] != first.Invariant {
		return explore.FixFor(h.Node, h.Invariants[0], "")
	}
	return explore.FixFor(h.Node, first.Invariant, first.Check)
}

// recordedOptions replay the run sch recorded, as it was, spill in memory.
func recordedOptions(sch *faults.Schedule) faults.Options {
	o := faults.ReplayOptions(sch)
	o.Node.Store = invoker.MemStores()
	return o
}

// replayedOptions are the options of the run sch recorded, replayed as it
// was, and of that run as other changes it: a lenient replay of the same
// decisions as far as they fit, then drawing as a seeded run would, faults
// from plan (nil: none drawn).
func replayedOptions(sch *faults.Schedule, other explore.Against, plan *faults.Plan) (a, b faults.Options, err error) {
	a, b = recordedOptions(sch), recordedOptions(sch)
	other.Apply(&b)
	b.Lenient, b.DrawAfterPicks = true, true
	b.Workload.Tasks = faults.TaskModelOf(sch.Header) // drawn from once the picks run out
	if plan != nil {
		b.Plan = plan
	}
	b.Strategy, err = faults.NewStrategy("random", sch.Header.Seed)
	return a, b, err
}

// notSeeds says why the seed alone does not give the run sch recorded
// ("": it does), base being its seeded options (faults.SeededOptions, its
// plan nil when not built in); planGiven: --plan gave its plan, which
// matches the schedule's by name only.
func notSeeds(ctx context.Context, sch *faults.Schedule, base faults.Options, planGiven bool) (string, error) {
	h := sch.Header
	if n := sch.Decisions().Controls; n > 0 {
		return fmt.Sprintf("%s steered it", faults.Plural(n, "control")), nil
	}
	if base.Plan == nil {
		return fmt.Sprintf("its plan %q is not built in, and --plan did not give it", h.Plan), nil
	}
	seeded, _, err := comparedOptions(base, h.Strategy, explore.AgainstVariant(h.Node.Variant))
	if err != nil {
		return fmt.Sprintf("its scheduler %q does not rerun from a seed", h.Strategy), nil
	}
	// The seeded run must log the recorded one, and may go on past where
	// the schedule stopped.
	check, err := explore.Compare(ctx, seeded, recordedOptions(sch))
	if err != nil {
		return "", err
	}
	if len(check.B) > 0 {
		causes := "shrunk, edited, picked by hand, or of another model revision"
		if planGiven {
			causes = "shrunk, edited, picked by hand, of another model revision, or run under another plan of that name"
		}
		if m := sch.Header.Model; m != faults.ModelRevision {
			// Certainly another revision's: say which.
			causes = fmt.Sprintf("recorded by model revision %d, where this lab's is %d; perhaps shrunk or edited too", m, faults.ModelRevision)
			if planGiven {
				causes = fmt.Sprintf("recorded by model revision %d, where this lab's is %d; perhaps shrunk, edited, or run under another plan of that name too", m, faults.ModelRevision)
			}
		}
		return fmt.Sprintf("its seed's run parts from it at event #%d: %s", check.Shared+1, causes), nil
	}
	return "", nil
}
