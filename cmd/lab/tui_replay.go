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
var replayTUIFlags = map[string]bool{"replay": true, "pace": true, "paused": true, "start-at": true, "spill-dir": true, "events": true, "format": true}

// runTUIReplay plays the schedule at path in the terminal UI, backwards as
// well as forwards.
func runTUIReplay(cmd *cobra.Command, f runFlags, paused bool, startAt int, path string) error {
	var refused error
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if replayTUIFlags[fl.Name] || refused != nil {
			return
		}
		why := "the schedule fixes the run"
		switch {
		case telemetryFlagNames[fl.Name] || fl.Name == "verbose":
			why = "a replay that goes back would show its events again"
		case fl.Name == "schedule-out":
			why = "a replay saves no schedule: it is one"
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
	f.output.onScreen = true
	if err := f.output.check(); err != nil {
		return err
	}
	sch, err := readSchedule(path)
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
	cfg := tui.Config{Options: opts, Speed: speed, Paused: paused, StartAt: startAt, EventsPath: f.output.events, Replay: replay,
		Inevitable: func(ctx context.Context, file string) (tui.Chart, error) { return chartInevitable(ctx, file, nil) },
		Compare:    compareReplayWithTheFix(sch, path)}
	saved, err := tui.Run(cmd.Context(), cfg, in, out, cmd.ErrOrStderr())
	if err != nil {
		return tuiError(err)
	}
	return writeTUIReport(cmd, saved.Result, f.output.format)
}
