package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
	"lab/telemetry"
)

func newCompareCmd() *cobra.Command {
	f := runFlags{}
	var against, format, jaegerURL string
	var otlp bool
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Run one seed under two variants and show where they part",
		Long: `Run one seed under --variant and under --against, side by side, and show
the first event where their logs differ: until then both runs are the same
run, and there one variant acts differently (under the default flags, the
buggy invoker panics where the fixed one drops the stale invoke). Prints the
last events both logged, each run's first events from where they part, and
what each run found. Spill stays in memory: nothing is written to disk.
With --otlp, each run is also a trace, and the report gives the Jaeger URL
that shows the two side by side.

Exit status: 0 every invariant held in both runs, 1 a violation was found in
either, 2 bad input, 3 internal error, 130 interrupted.`,
		Example: `  lab compare                                   # seed 1, shutdown-race: buggy against fixed
  lab compare --plan none --seed 28 --against graceful
  lab compare --variant fixed --against graceful --plan chaos --seed 5 --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usageError("--format %s: want text or json", format)
			}
			other, err := invoker.ParseVariant(against)
			if err != nil {
				return usageError("--against: %v", err)
			}
			base, err := f.options(cmd.Flags())
			if err != nil {
				return err
			}
			a, b, err := comparedOptions(base, f.scheduler, base.Node.Variant, other)
			if err != nil {
				return usageError("--scheduler: %v", err)
			}
			a.Command = base.Command
			b.Command = runCommand(cmd.Flags(), cmd.Flags().Lookup("seed").Value.String(), against)
			traces, err := newTraceExport(cmd.Context(), otlp, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer traces.close()
			var ta, tb *telemetry.Tracer
			if traces != nil {
				ta, tb = traces.tracer(), traces.tracer()
				a.Observers, b.Observers = append(a.Observers, ta), append(b.Observers, tb)
			}
			c, err := explore.Compare(cmd.Context(), a, b)
			if err != nil {
				return err
			}
			if traces != nil {
				traces.close() // flushed before the report names the traces
				c.Traces = &explore.ComparedTraces{A: ta.TraceID(), B: tb.TraceID(),
					CompareURL: jaegerCompareURL(jaegerURL, ta.TraceID(), tb.TraceID())}
			}
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
	cmd.Flags().StringVar(&against, "against", "fixed", "the variant to compare with: buggy, fixed or graceful")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().BoolVar(&otlp, "otlp", false, "export the two runs as two traces over OTLP (OTEL_EXPORTER_OTLP_*; on by itself when an endpoint variable is set), and print the Jaeger URL that compares them")
	cmd.Flags().StringVar(&jaegerURL, "jaeger-url", "http://127.0.0.1:16686", "Jaeger UI the comparison links to")
	return cmd
}

// comparedOptions are the options of base's seed under variants v and w,
// for explore.Compare: each with a strategy of its own (a strategy is a
// run's), spill in memory, and none of base's observers or outputs.
func comparedOptions(base faults.Options, scheduler string, v, w invoker.Variant) (a, b faults.Options, err error) {
	base.Node.Store = invoker.MemStores()
	base.Observers, base.Events, base.Record, base.Command = nil, nil, nil, ""
	a, b = base, base
	a.Node.Variant, b.Node.Variant = v, w
	if a.Strategy, err = faults.NewStrategy(scheduler, base.Seed); err != nil {
		return a, b, err
	}
	b.Strategy, err = faults.NewStrategy(scheduler, base.Seed)
	return a, b, err
}

// compareWithTheFix is the terminal UI's comparison (tui.Config.Compare):
// seed under v and under the variant that fixes it, as lab compare would
// run them, in a few lines.
func compareWithTheFix(base faults.Options, scheduler string) func(context.Context, uint64, invoker.Variant) ([]string, error) {
	return func(ctx context.Context, seed uint64, v invoker.Variant) ([]string, error) {
		fix, ok := explore.FixOf(v)
		if !ok {
			return nil, fmt.Errorf("%s has no fix to compare with", v)
		}
		base.Seed = seed
		a, b, err := comparedOptions(base, scheduler, v, fix)
		if err != nil {
			return nil, err
		}
		c, err := explore.Compare(ctx, a, b)
		if err != nil {
			return nil, err
		}
		return c.Summary(), nil
	}
}
