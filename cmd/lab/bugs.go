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
	"github.com/spf13/pflag"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// A bug is one the lab reproduces: a lifecycle bug of Restate's invoker,
// or one the lab found in its source, with the seed whose run shows it.
type bug struct {
	id    string
	title string
	// reported says where it was reported and what fixed it.
	reported string
	// story tells what happens, as the shrunk run shows it.
	story string
	// args are lab run's flags for the run that shows it.
	args []string
	// invariant is what it breaks; the run hunts it, so that an earlier
	// violation of another (#4102's run panics first) is not the one shown.
	invariant string
}

// bugs are the catalogue, in the order Restate met them.
var bugs = []bug{
	{"2543", "a queued Invoke, dequeued after AbortAllPartition removed its partition, panics the invoker",
		"restatedev/restate#2543 (January 2025); fixed by #2547, which drops the stale invoke (--variant fixed)",
		"An Invoke waits in the queue for the one free slot. The partition steps down: AbortAllPartition removes its " +
			"state machines, which frees their slots, and its leader epoch. The dequeue arm, ready again, takes the " +
			"waiting Invoke of that epoch, and handle_invoke's debug_assert!(has_partition) fails: the invoker panics, " +
			`and with panic = "abort" the node goes down.`,
		[]string{"--seed", "1", "--plan", "shutdown-race"}, faults.NoPanic},
	{"3217", "a killed invocation whose Invoke was still queued is retried forever, holding its slot",
		"restatedev/restate#3217 (May 2025); fixed by #3221, which gives up on NotInvoked (--variant graceful does too)",
		"The user kills an invocation whose Invoke still waits in the queue: the partition marks it killed and sends " +
			"Abort, which finds no state machine and is ignored (#411). The Invoke is dequeued later; its attempt reads " +
			"a status no longer invoked (NotInvoked), and the 2025 invoker retries that error forever, holding the " +
			"slot. On a node left running, nothing ends the loop.",
		[]string{"--seed", "11", "--variant", "fixed", "--plan", "none", "--kills", "6", "--shutdown=false"}, faults.Progress},
	{"4102", "an invoker that panics alone dies unnoticed, and its partitions lead on without it",
		"restatedev/restate#4102 (December 2025); fixed by #4103, a watch that makes the partitions step down (--on-panic watch)",
		`With panic = "unwind" (August to December 2025), #2543's panic kills the invoker alone. Nothing watches it: ` +
			"its partition goes on leading, and what it sends the dead invoker (a new leader's invokes) is lost. The " +
			"node looks alive while its invocations hang. #4103's watch makes the partition notice the death.",
		[]string{"--seed", "28", "--plan", "none", "--shutdown=false", "--on-panic", "unwind"}, faults.CrashVisibility},
	{"4064", "a retry timer left behind by a pause fires on the resumed invocation",
		"restatedev/restate#4064 (November 2025); fixed by f681676dc (January 2026), which keys each timer to its wait (--retry-timers keyed)",
		"An attempt fails and its state machine waits for a retry timer. The user pauses the invocation (the state " +
			"machine is removed, the timer stays queued) and resumes it before the timer is due: a new state machine " +
			"starts an attempt. The old timer, found by invocation alone, reaches the attempt in flight, where a debug " +
			"build's assertion fails (#4064's panic) and a release build carries on; a state machine waiting for its " +
			"own timer would retry before its backoff ended.",
		[]string{"--seed", "19", "--variant", "fixed", "--plan", "none", "--pauses", "8", "--retry-timers", "unkeyed"}, faults.TimerFencing},
	{"shared-tmp-dir", "invokers given one tmp-dir overwrite each other's spilled segments, and one panics reading its own",
		"found by the lab in Restate's source (worker.invoker.tmp-dir), not reported; --variant graceful spills into a directory per invoker",
		"Given worker.invoker.tmp-dir, every partition's invoker spills into that one directory and names its " +
			"segment files from 0.segment. Two invokers that spill at once overwrite each other's files: one reads " +
			"back the other's invokes (and, fixed, drops them as stale), the other finds its file gone and panics: " +
			"Unable to load a segment.",
		[]string{"--seed", "1", "--variant", "fixed", "--plan", "shutdown-race", "--shared-tmp-dir"}, faults.NoPanic},
	{"spill-files", "the spill files of invokes still queued at shutdown are never removed",
		"found by the lab in Restate's source, not reported; --variant graceful removes its spill directory at shutdown",
		"Invokes still spilled to disk when the node shuts down stay there: the 2025 invoker never removes its " +
			"spill directory (nothing cleans up on exit, and the next start picks a fresh name). graceful removes it " +
			"as its last shutdown phase.",
		[]string{"--seed", "66", "--variant", "fixed", "--plan", "none"}, faults.CleanShutdown},
	{"parked-send", "an invoker parked on a full effect channel does not see its cancellation, and overruns its shutdown",
		"derived by the lab from Restate's source (the select! loop), not reported; Restate's later run_until_cancelled sees cancellation while a step is parked, and --variant graceful does too",
		"The partition processor falls behind and takes its effects off the channel seconds late. The invoker, " +
			"sending an effect on the full channel, awaits inside the arm's body. The node shuts down: the " +
			"invoker's cancellation is just another select! arm, which a parked loop does not poll, and the " +
			"partition's step-down, which would drop the channel and free the send, comes late. The invoker " +
			"does not exit within its bound.",
		[]string{"--seed", "1", "--variant", "fixed", "--plan", "slow-partition", "--effect-capacity", "2"}, faults.BoundedShutdown},
}

func findBug(catalogue []bug, id string) (bug, bool) {
	id = strings.TrimPrefix(id, "#")
	for _, b := range catalogue {
		if b.id == id {
			return b, true
		}
	}
	return bug{}, false
}

func bugIDs(catalogue []bug) string {
	ids := make([]string, len(catalogue))
	for i, b := range catalogue {
		ids[i] = b.id
	}
	return strings.Join(ids, ", ")
}

// command is the lab run command line of the bug's full run.
func (b bug) command() string { return "lab run " + strings.Join(b.args, " ") }

// options are the bug's run as lab run's flags make it, hunting its
// invariant, recording its schedule to rec, spill in memory.
func (b bug) options(rec io.Writer) (faults.Options, error) {
	fl := pflag.NewFlagSet("lab run", pflag.ContinueOnError)
	f := runFlags{}
	f.registerShape(fl)
	if err := fl.Parse(b.args); err != nil {
		return faults.Options{}, err
	}
	o, err := f.options(fl)
	if err != nil {
		return o, err
	}
	o.Node.Store = invoker.MemStores()
	o.Invariants, o.StopAtViolation, o.SkipHash = []string{b.invariant}, true, true
	o.Record, o.Command = rec, b.command()
	return o, nil
}

// newBugsCmd is lab bugs over a catalogue (bugs; tests give others).
func newBugsCmd(catalogue []bug) *cobra.Command {
	var format, out, jaegerURL string
	var budget time.Duration
	var otlp bool
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

Exit status: 0 the bug showed and its fix held the invariant it breaks
(listing always exits 0), 1 it did not (the model no longer shows it, or
the fix does not hold), 2 unknown ID or bad flags, 3 internal error, 130
interrupted.`,
		Example: `  lab bugs                          # the catalogue
  lab bugs 4064                     # #4064: its run, shrunk, against keyed timers
  lab bugs 2543 --schedule-out 2543.schedule && lab tui --replay 2543.schedule`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if format != "text" && format != "json" {
				return usageError("--format %s: want text or json", format)
			}
			if len(args) == 0 {
				if out != "" {
					return usageError("--schedule-out: only with an ID")
				}
				return listBugs(cmd.OutOrStdout(), catalogue, format)
			}
			b, ok := findBug(catalogue, args[0])
			if !ok {
				return usageError("no such bug %q (want one of %s)", args[0], bugIDs(catalogue))
			}
			if budget <= 0 {
				return usageError("--budget must be positive")
			}
			if out != "" {
				if err := outPathUsable("--schedule-out", out); err != nil {
					return err
				}
			}
			traces, err := newTraceExport(cmd.Context(), otlp, cmd.ErrOrStderr())
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
	cmd.Flags().StringVar(&jaegerURL, "jaeger-url", "http://127.0.0.1:16686", "Jaeger UI the comparison links to")
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
	sch, err := faults.ParseSchedule(b.command(), rec.Bytes())
	if err != nil {
		return nil, err
	}
	if s.shrunk, err = explore.Shrink(ctx, sch, budget); err != nil {
		return nil, fmt.Errorf("shrinking: %w", err)
	}
	shrunk, err := faults.ParseSchedule("shrunk", s.shrunk.Schedule)
	if err != nil {
		return nil, err
	}
	name := "the shrunk run"
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
		name, s.saved = out, out
	}
	a, fixed, note, err := compareSchedule(ctx, shrunk, name, "", nil)
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
	s.compared.Note = note
	return s, nil
}

// notShown says how the bug failed to show as the catalogue says ("": it
// showed, and its fix held).
func (s *shownBug) notShown() string {
	switch {
	case s.shrunk == nil:
		return fmt.Sprintf("%s broke no %s", s.command(), s.invariant)
	case !s.compared.ResultA.Violated(s.invariant):
		return fmt.Sprintf("the shrunk run broke no %s", s.invariant)
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
		fmt.Fprintf(&t, "found        no %s\n", s.invariant)
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
	if s.shrunk != nil {
		doc.Found = s.found.Failure()
	}
	return writeJSON(w, doc)
}
