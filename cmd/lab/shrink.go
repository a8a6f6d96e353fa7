package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"lab/explore"
	"lab/faults"
)

func newShrinkCmd() *cobra.Command {
	var out, format, jaegerURL string
	var otlp bool
	var budget time.Duration
	cmd := &cobra.Command{
		Use:   "shrink FILE",
		Short: "Minimise a failing schedule by delta debugging",
		Long: `Shrink a schedule saved by lab run --schedule-out, lab explore --out or the
terminal UI: find the smallest quota, the fewest partitions and the fewest
sends (invocations, step-downs, kills), task outcomes, faults, controls
and scheduler picks with which it still violates the invariant it
violated first, by the same check. The result
is 1-minimal (removing any one of them makes the violation go away) unless
the budget runs out, ends at the violation, and replays with lab replay.
A progress violation is shown under the shortest progress bound that still
finds it, and every candidate under it must fail the same way under the
bound it was found under as well (the schedule says both).

Ctrl-C stops shrinking as the budget running out does, and the smallest
schedule found so far is written.

Exit status: 1 the violation was reproduced and shrunk (the shrunk
schedule is written), 0 the schedule violates nothing (nothing written),
2 the schedule cannot be read or does not replay, 3 internal error, 130
interrupted (the schedule shrunk so far written, once shrinking began).`,
		Example: `  lab run --seed 1 --schedule-out seed1.schedule
  lab shrink seed1.schedule              # writes seed1-shrunk.schedule
  lab replay seed1-shrunk.schedule`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if format != "text" && format != "json" {
				return usageError("--format %s: want text or json", format)
			}
			if budget <= 0 {
				return usageError("--budget must be positive")
			}
			sch, err := readSchedule(args[0])
			if err != nil {
				return err
			}
			if out == "" {
				out = strings.TrimSuffix(args[0], ".schedule") + "-shrunk.schedule"
			}
			// Before the shrinking, which takes up to the budget.
			if err := distinctFiles([]namedPath{{"the schedule shrunk", args[0]}}, []namedPath{{"--out", out}}); err != nil {
				return err
			}
			if err := outPathUsable("--out", out); err != nil {
				return err
			}
			traces, err := newTraceExport(cmd.Context(), otlpWanted(cmd.Flags(), otlp), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer traces.close()
			res, err := explore.Shrink(cmd.Context(), sch, budget)
			if errors.Is(err, explore.ErrNothingToShrink) {
				fmt.Fprintf(cmd.ErrOrStderr(), "lab: %s: %v\n", args[0], err)
				return nil
			}
			if err != nil {
				return err
			}
			var files outputFiles
			defer files.abandon(&err)
			w, err := files.create("--out", out, false)
			if err != nil {
				return err
			}
			if _, err := w.Write(res.Schedule); err != nil {
				return err
			}
			if err := files.close(); err != nil {
				return err
			}
			var ba *explore.Traces
			if traces != nil {
				if ba, err = traces.trace(cmd.Context(), sch, res.Schedule, out, jaegerURL); err != nil {
					return err
				}
			}
			stdout := cmd.OutOrStdout()
			if format == "json" {
				if err := writeJSON(stdout, struct {
					*explore.ShrinkResult
					File   string          `json:"file"`
					Replay string          `json:"replay"`
					Traces *explore.Traces `json:"traces,omitempty"`
				}{res, out, "lab replay " + faults.ShellQuote(out), ba}); err != nil {
					return outputError(err)
				}
				return shrinkDone(res)
			}
			o, s := res.Original, res.Shrunk
			fmt.Fprintf(stdout, "invariant    %s\n", res.Invariant)
			if res.Check != res.Invariant {
				fmt.Fprintf(stdout, "check        %s\n", res.Check)
			}
			fmt.Fprintf(stdout, "original     %s (to the violation; %d in the whole run)\n", o, res.OriginalFull.Decisions)
			fmt.Fprintf(stdout, "shrunk       %s (%.1f%%)\n", s, 100*float64(s.Decisions)/float64(max(o.Decisions, 1)))
			minimal := "yes"
			if why := res.Unproven(); why != "" {
				minimal = "not proven: " + why
			}
			fmt.Fprintf(stdout, "1-minimal    %s (%d replays in %.1fs)\n", minimal, res.Replays, res.Seconds)
			fmt.Fprintf(stdout, "saved        %s\n", out)
			fmt.Fprintf(stdout, "replay       lab replay %s\n", faults.ShellQuote(out))
			if ba != nil {
				fmt.Fprintf(stdout, "traces       original %s, shrunk %s\n", ba.Original, ba.Shrunk)
				fmt.Fprintf(stdout, "compare      %s\n", ba.CompareURL)
			}
			return shrinkDone(res)
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "where to write the shrunk schedule (default: FILE without .schedule, then -shrunk.schedule: a.schedule gives a-shrunk.schedule)")
	cmd.Flags().DurationVar(&budget, "budget", 30*time.Second, "how long shrinking may take")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().BoolVar(&otlp, "otlp", false, "export the original and the shrunk run as two traces over OTLP (OTEL_EXPORTER_OTLP_*; on by itself when an endpoint variable is set), and print the Jaeger URL that compares them")
	registerJaegerURL(cmd.Flags(), &jaegerURL, "Jaeger UI the comparison links to")
	return cmd
}

// shrinkDone is how lab shrink exits once the result is saved: 1 for the
// violation reproduced, or 130 when an interrupt cut shrinking short (the
// smallest schedule found by then was saved all the same).
func shrinkDone(res *explore.ShrinkResult) error {
	if res.Interrupted {
		return context.Canceled
	}
	return violationFound
}

// outPathUsable refuses an output path that cannot be written before the
// work that fills it: stdout, a directory, or a file in no directory.
func outPathUsable(flag, path string) error {
	if err := notStdout(flag, path); err != nil {
		return err
	}
	if info, err := os.Stat(filepath.Dir(path)); err != nil || !info.IsDir() {
		return usageError("%s %s: %s is not a directory", flag, path, filepath.Dir(path))
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return usageError("%s %s: is a directory", flag, path)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
