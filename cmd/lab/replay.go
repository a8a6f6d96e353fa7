package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"lab/faults"
)

func newReplayCmd() *cobra.Command {
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Re-execute a recorded schedule, decision by decision",
		Long: `Replay a schedule written by lab run --schedule-out (or saved by the
terminal UI): the same node, the same workload, every scheduler choice,
fault, task outcome and control as recorded, with no random draw at all.
It prints the same report, and the same event log and hash, as the run
that recorded it. A schedule that does not fit (edited, truncated, another
version, or the lab's code changed) stops at the first entry that does
not, naming its line and step, and the model revision that recorded it
if not this lab's; one of another revision that fits to its end says so
on stderr.

Exit status: 0 every invariant held, 1 a violation was found, 2 the
schedule cannot be read or does not fit, 3 internal error, 130 interrupted.`,
		Example: `  lab run --seed 7 --schedule-out seed7.schedule
  lab replay seed7.schedule --events replay.jsonl`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sch, err := readSchedule(args[0])
			if err != nil {
				return err
			}
			opts := faults.ReplayOptions(sch)
			opts.Command = "lab replay " + faults.ShellQuote(args[0])
			out.inputs = []namedPath{{"the schedule replayed", args[0]}}
			err = simulate(cmd, opts, out)
			if m := sch.Header.Model; m != faults.ModelRevision && (err == nil || errors.Is(err, violationFound)) {
				// It fitted to its end, whose events and hash replay
				// checks: the run is the one recorded, under either
				// revision. (One that does not fit says its revision in
				// the error.)
				fmt.Fprintf(cmd.ErrOrStderr(), "lab: %s was recorded by model revision %d (this lab's is %d); it fits this one: the replay logged the events and hash it recorded\n",
					args[0], m, faults.ModelRevision)
			}
			return err
		},
	}
	out.register(cmd.Flags())
	return cmd
}

func readSchedule(path string) (*faults.Schedule, error) {
	src, err := faults.ReadInputUpTo(path, faults.MaxScheduleBytes)
	if err != nil {
		return nil, usageError("%s: %v", path, err)
	}
	return faults.ParseSchedule(path, src)
}
