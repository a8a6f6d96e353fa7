package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"lab/explore"
	"lab/faults"
	"lab/telemetry"
	"lab/tui"
)

func newInevitableCmd() *cobra.Command {
	cfg := explore.DefaultCurveConfig()
	var format, plan string
	var metrics metricsFlags
	cmd := &cobra.Command{
		Use:   "inevitable FILE",
		Short: "Chart when a failing schedule's failure became certain",
		Long: `For a schedule saved by lab run --schedule-out, lab explore --out or the
terminal UI, chart P(K): keep the schedule's first K scheduler picks (and
what they drew), let seeded random suffixes draw everything after them
(picks, task outcomes, faults from the built-in plan or --plan), and count
how many fail the same way. The outside world's timeline (invocations,
step-downs, the shutdown) stays as recorded. Where P rises most, every pick
is charted, and the pick that raised it most is shown with what it did: the
decision that made the failure likely.

Exit status: 1 the schedule fails (its curve is printed), 0 it violates
nothing (nothing to chart), 2 bad input, 3 internal error, 130
interrupted (the points charted so far are printed, and what they cannot
tell is not claimed).`,
		Example: `  lab run --seed 28 --plan none --schedule-out seed28.schedule
  lab inevitable seed28.schedule
  lab inevitable seed28.schedule --stride 1 --suffixes 500 --format json
  lab inevitable seed28.schedule --metrics-addr :9464 --linger 1m   # for Grafana`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError("--format %s: want text or json", format)
			}
			switch {
			case cfg.Stride < 1:
				return usageError("--stride %d: want 1 or more", cfg.Stride)
			case cfg.Suffixes < 1 || cfg.Suffixes > explore.MaxSuffixes:
				return usageError("--suffixes %d: want 1 to %d", cfg.Suffixes, explore.MaxSuffixes)
			case cfg.Workers < 1 || cfg.Workers > explore.MaxWorkers:
				return usageError("--workers %d: want 1 to %d", cfg.Workers, explore.MaxWorkers)
			}
			if err := metrics.check(); err != nil {
				return err
			}
			sch, err := readSchedule(args[0])
			if err != nil {
				return err
			}
			if plan != "" {
				if cfg.Plan, err = faults.LoadPlan(plan); err != nil {
					return err
				}
			}
			cfg.Progress = new(explore.CurveProgress)
			reg := prometheus.NewRegistry()
			// A label value must be UTF-8; a file's name need not be.
			if err := telemetry.RegisterInevitableMetrics(reg, faults.Visible(filepath.Base(args[0])), cfg.Progress); err != nil {
				return err
			}
			srv, err := metrics.serve(reg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			if srv != nil {
				defer srv.Close()
			}
			metrics.awaitScrape(cmd.Context(), srv, cmd.ErrOrStderr())
			bar := newProgress(cmd.ErrOrStderr(), inevitableProgress(cfg.Progress))
			bar.start()
			curve, err := explore.Inevitable(cmd.Context(), sch, cfg)
			bar.stop()
			if errors.Is(err, explore.ErrNothingToChart) {
				fmt.Fprintf(cmd.ErrOrStderr(), "lab: %s: %v\n", args[0], err)
				return nil
			}
			if err != nil {
				return err
			}
			stdout := cmd.OutOrStdout()
			if format == "json" {
				err = writeJSON(stdout, curve)
			} else {
				err = curve.WriteText(stdout)
			}
			if err != nil {
				return outputError(err)
			}
			if curve.Interrupted {
				return context.Canceled
			}
			metrics.lingerOn(cmd.Context(), srv, cmd.ErrOrStderr())
			return violationFound
		},
	}
	fl := cmd.Flags()
	intFlag(fl, &cfg.Stride, "stride", cfg.Stride, "chart every n-th pick (and every pick across the steepest rise)")
	intFlag(fl, &cfg.Suffixes, "suffixes", cfg.Suffixes, "random suffixes run after each prefix")
	intFlag(fl, &cfg.Workers, "workers", cfg.Workers, "parallel workers, one per core unless set")
	fl.StringVar(&format, "format", "text", "output format: text or json")
	metrics.register(fl, " (lab_inevitable_failure_probability{picks} as points are charted, lab_inevitable_jump_pick)", "chart")
	fl.StringVar(&plan, "plan", "", "plan the suffixes draw faults from: a built-in name or a YAML/JSON file (default: the built-in plan the schedule names)")
	return cmd
}

// chartInevitable is the terminal UI's chart of a schedule saved at a
// violation: lab inevitable's defaults with the session's plan (a file's
// rules are not in the schedule), in a few lines, and its jump's step.
func chartInevitable(ctx context.Context, path string, plan *faults.Plan) (tui.Chart, error) {
	sch, err := readSchedule(path)
	if err != nil {
		return tui.Chart{}, err
	}
	cfg := explore.DefaultCurveConfig()
	cfg.Plan = plan
	curve, err := explore.Inevitable(ctx, sch, cfg)
	if err == nil && curve.Interrupted {
		err = ctx.Err() // stopped: the panel keeps no partial chart
	}
	if err != nil {
		return tui.Chart{}, err
	}
	c := tui.Chart{Lines: curve.Summary()}
	if curve.Jump != nil {
		c.JumpAt = curve.Jump.AtStep
	}
	return c, nil
}
