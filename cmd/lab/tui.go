package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
	"lab/live"
	"lab/tui"
)

// defaultTUIPace shows the reference run in about ten seconds.
const defaultTUIPace = "0.05x"

func newTUICmd() *cobra.Command {
	f := runFlags{}
	var paused bool
	var replay string
	var startAt int
	cmd := &cobra.Command{
		Use:   "tui",
		Short: "Watch a run live in the terminal, steer it, and save it for replay",
		Long: `Run a paced simulation in a terminal UI: partitions, invokers and their
queues, invocations, the shutdown phases and every event, with controls to
pause, step, step a partition down, kill an invocation, start the shutdown,
inject a fault, take the next pick with a choice yourself (a: its options
are listed with their odds, what 20 seeded runs on from each come to), or
restart on another variant or seed (? lists the keys).

Every lab run flag applies (-v shows the stack of a crash; events are not
printed over the screen: use --events FILE); without --seed a fresh seed is
drawn (shown on screen), and --pace defaults to ` + defaultTUIPace + `. On quit (q) the
run is finished unpaced with no further controls, its schedule is saved
(--schedule-out, or lab-session-seedN-VARIANT.schedule here) and its report
printed: lab replay FILE reproduces the session byte for byte. Plain lab
starts the UI when stdin and stdout are a terminal.

With --replay FILE it plays a recorded schedule (lab run --schedule-out,
lab explore --out, a saved session) instead, backwards as well as forwards:
, goes one step back, [ and ] a hundred, g to a step, an event
(#N), the violation (v) or the end. A replay takes no controls and saves
nothing, until a takes it over: at its next pick with a choice, an option
other than the recorded one makes the session live from there, a run of the
schedule's seed with faults from its built-in plan (or --plan), saved on
quit as any session (--schedule-out). --pace, --paused, --start-at,
--spill-dir, --events and --format apply.

Exit status: 0 quit (whatever the run found), 2 bad input or no terminal,
3 internal error, 130 interrupted.`,
		Args: cobra.NoArgs,
		Example: `  lab tui                                   # buggy, shutdown-race, a fresh seed
  ` + fmt.Sprintf("%-42s", fmt.Sprintf("lab tui --seed %d --paused", faults.DefaultSeed)) + `# start paused on the README's seed
  lab tui --variant fixed --pace 0.01x
  lab tui --replay failures/seed-1-no-panic-shrunk.schedule --paused
  lab tui --replay seed9.schedule --start-at 728   # a: take #2543's race the other way`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if startAt < 0 {
				return usageError("--start-at %d: want a step, 0 or more", startAt)
			}
			if cmd.Flags().Changed("replay") {
				return runTUIReplay(cmd, f, paused, startAt, replay)
			}
			return runTUI(cmd, f, paused, startAt)
		},
	}
	f.register(cmd.Flags())
	// The UI's own defaults, which runTUI applies (lab run's would mislead).
	seed := cmd.Flags().Lookup("seed")
	seed.Usage, seed.DefValue = "seed of every random draw of the run (default: a fresh one, shown on screen)", "0" // "0": no (default 1)
	pace := cmd.Flags().Lookup("pace")
	pace.Usage = "run at a pace against the wall clock: 1x is real time, 10x ten times faster (default " + defaultTUIPace + ")"
	cmd.Flags().BoolVar(&paused, "paused", false, "start paused (space resumes, . takes one step)")
	intFlag(cmd.Flags(), &startAt, "start-at", 0, "start paused at step N, its first N steps taken at once")
	cmd.Flags().StringVar(&replay, "replay", "", "play this recorded schedule, backwards as well as forwards, instead of a new run")
	return cmd
}

func runTUI(cmd *cobra.Command, f runFlags, paused bool, startAt int) (err error) {
	flags := cmd.Flags()
	if !flags.Changed("seed") {
		f.seed = rand.Uint64N(1 << 32)
	}
	if !flags.Changed("pace") {
		f.output.pace = defaultTUIPace
	}
	f.output.inputs = f.planInput()
	f.output.onScreen = true
	if err := f.output.check(); err != nil {
		return err
	}
	opts, err := f.options(flags)
	if err != nil {
		return err
	}
	if err := faults.CheckLimits(opts); err != nil {
		return err
	}
	// After the flags: a bad one is the error to name, terminal or not.
	in, out, ok := terminal(cmd)
	if !ok {
		return usageError("lab tui needs a terminal: stdin and stdout must be a TTY (for a headless run: lab run --pace 1x)")
	}
	schedule := func(seed uint64, v invoker.Variant) string {
		return fmt.Sprintf("lab-session-seed%d-%s.schedule", seed, v)
	}
	scheduleFlag := ""
	if f.output.scheduleOut != "" {
		schedule = func(uint64, invoker.Variant) string { return f.output.scheduleOut }
		scheduleFlag = "--schedule-out"
	}
	// The session's own files, under its default name too, are outputs
	// like the others: none may be another's file (the event log replaced
	// by the schedule, say). A restart on another seed or variant is
	// checked as it starts.
	checkPaths := func(sched, violation string) error {
		return distinctFiles(f.output.inputs, []namedPath{{"--events", f.output.events}, {"--trace-out", f.output.tel.traceOut},
			{"the session's schedule", sched}, {"the session's schedule at its violation", violation}})
	}
	first := schedule(opts.Seed, opts.Node.Variant)
	if err := checkPaths(first, tui.ViolationPath(first, opts.Seed, opts.Node.Variant)); err != nil {
		return err
	}
	opts.Node.Store = invoker.FileStores(f.output.spillDir)
	tel, err := startTelemetry(cmd.Context(), &f.output.tel, &opts, cmd.ErrOrStderr())
	defer tel.close(&err) // spans flushed on every path
	if err != nil {
		return err
	}
	speed, _ := parsePace(f.output.pace)
	cfg := tui.Config{
		Options: opts, Scheduler: f.scheduler, Speed: speed, Paused: paused, StartAt: startAt,
		SchedulePath: schedule, ScheduleFlag: scheduleFlag, EventsPath: f.output.events,
		Command: func(seed uint64, v invoker.Variant) string {
			return runCommand(flags, fmt.Sprint(seed), v.String())
		},
		Watch: tel.watch,
		Inevitable: func(ctx context.Context, path string) (tui.Chart, error) {
			return chartInevitable(ctx, path, opts.Plan)
		},
		Compare:    compareWithTheFix(opts, f.scheduler, f.plan),
		Odds:       branchOdds(opts.Plan, f.scheduler),
		CheckPaths: checkPaths,
	}
	if tel != nil && tel.tracer != nil {
		// Both are safe from the UI's goroutine.
		cfg.TraceID, cfg.TraceIDOf = tel.tracer.TraceID, tel.tracer.TraceIDOf
	}
	if tel.servesMetrics() {
		cfg.BeforeRun = func() { tel.awaitScrape(opts) }
	}
	saved, err := tui.Run(cmd.Context(), cfg, in, out, cmd.ErrOrStderr())
	if err != nil {
		return tuiError(err)
	}
	tel.annotate(saved.Result)
	if err := writeTUIReport(cmd, saved.Result, f.output.format); err != nil {
		return err
	}
	tel.flush(&err)
	tel.lingerOn(cmd.Context())
	return err
}

// writeTUIReport prints the report of the run the UI finished, below the
// screen it restored.
func writeTUIReport(cmd *cobra.Command, res *faults.Result, format string) error {
	var err error
	if format == "json" {
		err = faults.WriteJSON(cmd.OutOrStdout(), res)
	} else {
		fmt.Fprintln(cmd.OutOrStdout())
		if err = faults.WriteText(cmd.OutOrStdout(), res); err == nil {
			err = writeCompareLine(cmd.OutOrStdout(), res)
		}
	}
	if err != nil {
		return outputError(err)
	}
	return nil
}

// tuiError is how the UI's error ends the command: a crash of the run
// panics here, with the runner's stack; a file it could not open is bad
// input.
func tuiError(err error) error {
	var crash *live.PanicError
	if errors.As(err, &crash) {
		panic(crash)
	}
	var pe *fs.PathError
	var oe *tui.OpenError
	if errors.As(err, &oe) || errors.As(err, &pe) && pe.Op == "open" {
		return &exitError{exitUsage, err} // an unusable --schedule-out, --events or working directory
	}
	return err
}

// terminal is the command's input and output when both are a terminal.
func terminal(cmd *cobra.Command) (io.Reader, io.Writer, bool) {
	in, ok := cmd.InOrStdin().(*os.File)
	if !ok || !isatty.IsTerminal(in.Fd()) {
		return nil, nil, false
	}
	w := cmd.OutOrStdout()
	if c, ok := w.(*checkedWriter); ok {
		w = c.w
	}
	out, ok := w.(*os.File)
	if !ok || !isatty.IsTerminal(out.Fd()) {
		return nil, nil, false
	}
	return in, out, true
}

// branchOdds is the terminal UI's odds of a pick: explore.Branches's
// default runs on from each option, faults drawn from plan, later picks
// taken by scheduler.
func branchOdds(plan *faults.Plan, scheduler string) func(context.Context, *faults.Schedule, []faults.Choice) ([]string, error) {
	return func(ctx context.Context, cut *faults.Schedule, options []faults.Choice) ([]string, error) {
		branches, err := explore.Branches(ctx, cut, options,
			explore.BranchConfig{Runs: explore.DefaultBranchRuns, Plan: plan, Scheduler: scheduler})
		if err != nil {
			return nil, err
		}
		lines := make([]string, len(branches))
		for i, b := range branches {
			lines[i] = b.String()
		}
		return lines, nil
	}
}
