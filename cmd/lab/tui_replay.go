package main

import (
	"context"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"lab/faults"
	"lab/invoker"
	"lab/tui"
)

// replayTUIFlags are the flags a replay in the terminal UI takes: the rest
// shape a run, which the schedule already fixes, or steer telemetry, which
// a replay going back in time would feed each event more than once.
// --plan and --schedule-out are for a session taken over from the replay.
var replayTUIFlags = map[string]bool{"replay": true, "pace": true, "paused": true, "start-at": true, "spill-dir": true, "events": true,
	"format": true, "plan": true, "schedule-out": true}

// runTUIReplay plays the schedule at path in the terminal UI, backwards as
// well as forwards.
func runTUIReplay(cmd *cobra.Command, f runFlags, paused bool, startAt int, path string) error {
	var refused error
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if replayTUIFlags[fl.Name] || refused != nil {
			return
		}
		why := "the schedule fixes the run"
		if telemetryFlagNames[fl.Name] || fl.Name == "verbose" {
			why = "a replay that goes back would show its events again"
		}
		refused = usageError("--%s: not with --replay: %s", fl.Name, why)
	})
	if refused != nil {
		return refused
	}
	if !cmd.Flags().Changed("pace") {
		f.output.pace = defaultTUIPace
	}
	f.output.inputs = []namedPath{{"the schedule replayed", path}}
	if cmd.Flags().Changed("plan") {
		f.output.inputs = append(f.output.inputs, f.planInput()...)
	}
	f.output.onScreen = true
	if err := f.output.check(); err != nil {
		return err
	}
	sch, err := readSchedule(path)
	if err != nil {
		return err
	}
	takeOver, err := takeOverConfig(cmd, f, sch)
	if err != nil {
		return err
	}
	opts := faults.ReplayOptions(sch)
	opts.Command = "lab replay " + faults.ShellQuote(path)
	replay, err := tui.ScanReplay(cmd.Context(), path, opts)
	if err != nil {
		if cerr := cmd.Context().Err(); cerr != nil {
			return cerr // interrupted while scanning a long replay
		}
		return usageError("%v", err)
	}
	in, out, ok := terminal(cmd)
	if !ok {
		return usageError("lab tui needs a terminal: stdin and stdout must be a TTY (for a headless replay: lab replay FILE)")
	}
	opts.Node.Store = invoker.FileStores(f.output.spillDir)
	speed, _ := parsePace(f.output.pace)
	takeOver.Speed = speed
	cfg := tui.Config{Options: opts, Speed: speed, Paused: paused, StartAt: startAt, EventsPath: f.output.events, Replay: replay,
		Inevitable: func(ctx context.Context, file string) (tui.Chart, error) { return chartInevitable(ctx, file, nil) },
		Compare:    compareReplayWithTheFix(sch, path), TakeOver: takeOver, Odds: takeOver.Odds}
	saved, err := tui.Run(cmd.Context(), cfg, in, out, cmd.ErrOrStderr())
	if err != nil {
		return tuiError(err)
	}
	return writeTUIReport(cmd, saved.Result, f.output.format)
}

// takeOverConfig is how a replay taken over at a pick (a) goes on: as a
// run of the schedule's seed, node and workload, its later picks taken by
// the scheduler the schedule names, its faults drawn from --plan or else
// from the built-in plan the schedule names (a plan file it names is not
// read: none are drawn). The session is saved to --schedule-out, or as
// any session of its seed and variant here.
func takeOverConfig(cmd *cobra.Command, f runFlags, sch *faults.Schedule) (*tui.Config, error) {
	h := sch.Header
	o := faults.SeededOptions(h)
	o.Plan = &faults.Plan{Name: h.Plan}
	name := ""
	if cmd.Flags().Changed("plan") {
		name = f.plan
	} else if _, builtin := faults.BuiltinPlanSource(h.Plan); builtin {
		name = h.Plan
	}
	if name != "" {
		plan, err := faults.LoadPlan(name)
		if err != nil {
			return nil, err
		}
		o.Plan = plan
	}
	o.Node.Store = invoker.FileStores(f.output.spillDir)
	scheduler := h.Strategy
	if _, err := faults.NewStrategy(scheduler, h.Seed); err != nil {
		scheduler = "random" // pct's: its change points were drawn for the whole run
	}
	t := &tui.Config{Options: o, Scheduler: scheduler, EventsPath: f.output.events,
		// Restarts from there are runs of the schedule's shape: a lab run
		// line says them where its flags can.
		Command: restartLine(h, name, scheduler),
		Inevitable: func(ctx context.Context, file string) (tui.Chart, error) {
			return chartInevitable(ctx, file, o.Plan)
		},
		Compare: compareWithTheFix(o, scheduler, o.Plan.Name),
		Odds:    branchOdds(o.Plan, scheduler),
		CheckPaths: func(sched, violation string) error {
			return distinctFiles(f.output.inputs, []namedPath{{"--events", f.output.events},
				{"the session's schedule", sched}, {"the session's schedule at its violation", violation}})
		},
	}
	if out := f.output.scheduleOut; out != "" {
		t.SchedulePath = func(uint64, invoker.Variant) string { return out }
		t.ScheduleFlag = "--schedule-out"
	}
	return t, nil
}
