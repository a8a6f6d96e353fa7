package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"lab/explore"
	"lab/faults"
)

// newBugsCmd is lab bugs over a catalogue (bugs; tests give others).
func newBugsCmd(catalogue []bug) *cobra.Command {
	var format, out, jaegerURL string
	var budget time.Duration
	var otlp, check bool
	cmd := &cobra.Command{
		Use:   "bugs [ID]",
		Short: "List the bugs the lab reproduces, or show one: its run, shrunk, against its fix",
		Long: `Without ID, list the lifecycle bugs the lab reproduces: Restate's, by issue
number, and the ones the lab found in Restate's source, by name.

With ID, show that one: run the seed that shows it (the command is printed,
lab run reruns it in full), shrink the run to the fewest decisions that
still break the same invariant the same way (as lab shrink does), and
compare the shrunk run with the same run under the bug's fix (as lab
compare does): the events both runs log alike, where they part, and what
each breaks. --schedule-out saves the shrunk schedule, for lab replay and
lab tui --replay. With --otlp, the two runs are also two traces, and the
report gives the Jaeger URL that shows them side by side. Spill stays in
memory: nothing is written to disk.

With --check, show every bug that way, a line each: how far its run
shrank, its fix, and whether it showed as the catalogue says.

Exit status: 0 the bug showed and its fix held the invariant it breaks
(with --check, every bug; listing always exits 0), 1 it did not (the
model no longer shows it, or the fix does not hold), 2 unknown ID or bad
flags, 3 internal error, 130 interrupted.`,
		Example: `  lab bugs                          # the catalogue
  lab bugs 4064                     # #4064: its run, shrunk, against keyed timers
  lab bugs 2543 --schedule-out 2543.schedule && lab tui --replay 2543.schedule
  lab bugs --check                  # does the model still show every bug?`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if format != "text" && format != "json" {
				return usageError("--format %s: want text or json", format)
			}
			if budget <= 0 {
				return usageError("--budget must be positive")
			}
			if len(args) == 0 || check {
				for _, name := range []string{"schedule-out", "otlp"} {
					if cmd.Flags().Changed(name) {
						return usageError("--%s: only with an ID", name)
					}
				}
			}
			switch {
			case check && len(args) > 0:
				return usageError("--check shows every bug: give no ID")
			case check:
				return checkBugs(cmd, catalogue, budget, format)
			case len(args) == 0:
				return listBugs(cmd.OutOrStdout(), catalogue, format)
			}
			b, ok := findBug(catalogue, args[0])
			if !ok {
				return usageError("no such bug %q (want one of %s)", args[0], bugIDs(catalogue))
			}
			if out != "" {
				if err := outPathUsable("--schedule-out", out); err != nil {
					return err
				}
			}
			traces, err := newTraceExport(cmd.Context(), otlpWanted(cmd.Flags(), otlp), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer traces.close()
			shown, err := showBug(cmd.Context(), b, budget, out, traces, jaegerURL)
			if err != nil {
				return err
			}
			stdout := cmd.OutOrStdout()
			if format == "json" {
				err = shown.writeJSON(stdout)
			} else {
				err = shown.writeText(stdout)
			}
			if err != nil {
				return outputError(err)
			}
			if why := shown.notShown(); why != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "lab: bug %s did not show as it should: %s\n", b.id, why)
				return violationFound
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().StringVar(&out, "schedule-out", "", "save the shrunk schedule to this file (replay it with lab replay)")
	cmd.Flags().DurationVar(&budget, "budget", 30*time.Second, "how long shrinking may take")
	cmd.Flags().BoolVar(&otlp, "otlp", false, "export the shrunk run and its fix as two traces over OTLP (OTEL_EXPORTER_OTLP_*; on by itself when an endpoint variable is set), and print the Jaeger URL that compares them")
	registerJaegerURL(cmd.Flags(), &jaegerURL, "Jaeger UI the comparison links to")
	cmd.Flags().BoolVar(&check, "check", false, "show every bug, a line each, and whether each still shows as the catalogue says")
	return cmd
}

func listBugs(w io.Writer, catalogue []bug, format string) error {
	if format == "json" {
		type entry struct {
			ID        string `json:"id"`
			Title     string `json:"title"`
			Reported  string `json:"reported"`
			Story     string `json:"story"`
			Invariant string `json:"invariant"`
			Run       string `json:"run"`
		}
		list := make([]entry, len(catalogue))
		for i, b := range catalogue {
			list[i] = entry{b.id, b.title, b.reported, b.story, b.invariant, b.command()}
		}
		return outputErr(writeJSON(w, list))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tBREAKS\tWHAT")
	for _, b := range catalogue {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", b.id, b.invariant, b.title)
	}
	fmt.Fprintln(tw, "\nlab bugs ID shows one: its run, shrunk, against its fix.")
	return outputErr(tw.Flush())
}

func outputErr(err error) error {
	if err != nil {
		return outputError(err)
	}
	return nil
}

// A shownBug is a bug's run, shrunk and compared with its fix.
type shownBug struct {
	bug
	found    faults.Violation
	shrunk   *explore.ShrinkResult
	compared *explore.Comparison
	saved    string
	// untold: the run failed the bug's way, but not by its story's road.
	untold bool
}

// showBug runs the bug's seed, shrinks the run and compares the shrunk
// run with the same under the fix of what it breaks, both runs traced on
// traces if not nil. out, if not "", is where the shrunk schedule is saved.
func showBug(ctx context.Context, b bug, budget time.Duration, out string, traces *traceExport, jaegerURL string) (s *shownBug, err error) {
	var rec bytes.Buffer
	o, err := b.options(&rec)
	if err != nil {
		return nil, err
	}
	told := func() bool { return true }
	if b.road != nil {
		w := b.road()
		o.Observers, told = append(o.Observers, w), w.Told
	}
	r, err := faults.Run(ctx, o)
	if err != nil {
		return nil, err
	}
	s = &shownBug{bug: b}
	found, ok := r.FirstViolationOf(o.Invariants)
	if !ok {
		return s, nil // notShown says so
	}
	s.found = found
	if found.Check != b.check {
		return s, nil // another failure: notShown says so
	}
	if s.untold = !told(); s.untold {
		return s, nil // another road to it: notShown says so
	}
	sch, err := faults.ParseSchedule(b.command(), rec.Bytes())
	if err != nil {
		return nil, err
	}
	if s.shrunk, err = explore.ShrinkTelling(ctx, sch, budget, b.road); err != nil {
		return nil, fmt.Errorf("shrinking: %w", err)
	}
	if s.shrunk.Interrupted {
		return nil, ctx.Err() // the catalogue shows a bug shrunk, not half way
	}
	shrunk, err := faults.ParseSchedule("shrunk", s.shrunk.Schedule)
	if err != nil {
		return nil, err
	}
	if out != "" {
		var files outputFiles
		defer files.abandon(&err)
		w, err := files.create("--schedule-out", out, false)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(s.shrunk.Schedule); err != nil {
			return nil, err
		}
		if err := files.close(); err != nil {
			return nil, err
		}
		s.saved = out
	}
	a, fixed, note, err := compareSchedule(ctx, shrunk, "the shrunk run", "", nil)
	if err != nil {
		return nil, err
	}
	a.Command = "lab bugs " + b.id
	if s.saved != "" {
		a.Command = "lab replay " + faults.ShellQuote(s.saved)
	}
	if s.compared, err = compareTraced(ctx, a, fixed, traces, jaegerURL); err != nil {
		return nil, err
	}
	if note != "" {
		// compareSchedule explains why a schedule is not its seed's run;
		// here it is the shrunk one, so only what the fix's side does is news.
		note = s.fix() + " replays the shrunk run's decisions as far as they fit, then draws as a seeded run"
	}
	s.compared.Note = note
	return s, nil
}

// fix names the other side of the comparison: a variant, or a setting
// and its value.
func (s *shownBug) fix() string {
	setting, _, fix := s.compared.Sides()
	return strings.TrimSpace(setting + " " + fix)
}

// violatedAs reports whether r broke invariant by check.
func violatedAs(r *faults.Result, invariant, check string) bool {
	for _, v := range r.Violations {
		if v.Invariant == invariant && v.Check == check {
			return true
		}
	}
	return false
}

// notShown says how the bug failed to show as the catalogue says ("": it
// showed, and its fix held).
func (s *shownBug) notShown() string {
	switch {
	case s.shrunk == nil && s.found.Invariant == "":
		return fmt.Sprintf("%s broke no %s", s.command(), s.invariant)
	case s.untold:
		return fmt.Sprintf("%s broke %s, but not by the road the bug takes", s.command(), s.failure())
	case s.shrunk == nil:
		return fmt.Sprintf("%s broke %s, not as the bug does: %s", s.command(), s.found.Failure(), s.failure())
	case !violatedAs(s.compared.ResultA, s.invariant, s.check):
		return fmt.Sprintf("the shrunk run broke no %s", s.failure())
	case s.compared.ResultB.Violated(s.invariant):
		return fmt.Sprintf("its fix broke %s too", s.invariant)
	}
	return ""
}

func (s *shownBug) writeText(w io.Writer) error {
	var t strings.Builder
	fmt.Fprintf(&t, "bug          %s: %s\n", s.id, s.title)
	writeWrapped(&t, "reported", s.reported)
	writeWrapped(&t, "story", s.story)
	fmt.Fprintf(&t, "run          %s\n", s.command())
	if s.shrunk == nil {
		switch {
		case s.found.Invariant == "":
			fmt.Fprintf(&t, "found        no %s\n", s.invariant)
		case s.untold:
			fmt.Fprintf(&t, "found        %s at %v of virtual time, but not by the road the bug takes\n", s.found.Failure(), s.found.At)
		default:
			fmt.Fprintf(&t, "found        %s at %v of virtual time, not the bug's %s\n", s.found.Failure(), s.found.At, s.failure())
		}
		_, err := io.WriteString(w, t.String())
		return err
	}
	z := s.shrunk
	fmt.Fprintf(&t, "found        %s at %v of virtual time, %d decisions into the run\n",
		s.found.Failure(), s.found.At, z.Original.Decisions)
	minimal := "1-minimal"
	if !z.OneMinimal {
		minimal = "not proven 1-minimal: the budget ran out"
	}
	fmt.Fprintf(&t, "shrunk       %s (%.1f%%), %s in %d replays\n",
		z.Shrunk, 100*float64(z.Shrunk.Decisions)/float64(max(z.Original.Decisions, 1)), minimal, z.Replays)
	if s.saved != "" {
		fmt.Fprintf(&t, "saved        %s\n", s.saved)
	}
	t.WriteString("\n")
	if _, err := io.WriteString(w, t.String()); err != nil {
		return err
	}
	return s.compared.WriteText(w)
}

// writeWrapped writes text after its label, wrapped to the report's width.
func writeWrapped(t *strings.Builder, label, text string) {
	for _, line := range wrap(text, 66) {
		fmt.Fprintf(t, "%-12s %s\n", label, line)
		label = ""
	}
}

func (s *shownBug) writeJSON(w io.Writer) error {
	var compared json.RawMessage
	if s.compared != nil {
		var buf bytes.Buffer
		if err := s.compared.WriteJSON(&buf); err != nil {
			return err
		}
		compared = buf.Bytes()
	}
	doc := struct {
		ID        string                `json:"id"`
		Title     string                `json:"title"`
		Reported  string                `json:"reported"`
		Story     string                `json:"story"`
		Run       string                `json:"run"`
		Invariant string                `json:"invariant"`
		Found     string                `json:"found,omitempty"`
		Shrunk    *explore.ShrinkResult `json:"shrunk,omitempty"`
		Saved     string                `json:"saved,omitempty"`
		Compared  json.RawMessage       `json:"compared,omitempty"`
		Shown     bool                  `json:"shown"`
		NotShown  string                `json:"not_shown,omitempty"`
	}{s.id, s.title, s.reported, s.story, s.command(), s.invariant, "", s.shrunk, s.saved, compared, s.notShown() == "", s.notShown()}
	doc.Found = s.found.Failure()
	return writeJSON(w, doc)
}
