package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// A lab run line written from another command's flags (the terminal UI's
// report, lab compare's) keeps the run's shape and gives nothing lab run
// does not take: lab tui's --start-at was once written into it.
func TestRunLinesTakeOnlyRunFlags(t *testing.T) {
	for _, c := range []struct {
		cmd   *cobra.Command
		args  []string
		shape map[string]string
	}{
		{newTUICmd(), []string{"--seed", "9", "--start-at", "728", "--paused", "--pace", "0.1x", "--quota", "4", "--schedule-out", "x.schedule"},
			map[string]string{"quota": "4"}},
		{newCompareCmd(), []string{"--seed", "9", "--against", "graceful", "--kills", "2"}, map[string]string{"kills": "2"}},
		{newRunCmd(), []string{"--seed", "9", "--partitions", "2", "--format", "json", "--pauses", "2", "--retry-timers", "unkeyed",
			"--invokers", "shared", "--shared-tmp-dir", "--progress-bound", "1m", "--task-panics", "0.1", "--on-panic", "unwind",
			"--shutdown=false", "--scheduler", "uniform", "--events", "e.jsonl", "--trace-out", "t.json", "--pace", "2x"},
			map[string]string{"partitions": "2", "pauses": "2", "invokers": "shared", "shutdown": "false", "scheduler": "uniform"}},
	} {
		if err := c.cmd.ParseFlags(c.args); err != nil {
			t.Fatal(err)
		}
		line := runCommand(c.cmd.Flags(), "9", "fixed")
		args, ok := strings.CutPrefix(line, "lab run ")
		if !ok {
			t.Fatalf("lab %s: %q is not a lab run line", c.cmd.Name(), line)
		}
		run := newRunCmd()
		if err := run.ParseFlags(strings.Fields(args)); err != nil {
			t.Errorf("lab %s: lab run refuses %q: %v", c.cmd.Name(), line, err)
			continue
		}
		// The violation panel and the reports turn it into lab compare's.
		compare, ok := strings.CutPrefix(explore.CompareCommand(line, invoker.Config{Variant: invoker.Fixed}, faults.NoPanic, ""), "lab compare ")
		if !ok {
			t.Fatalf("lab %s: no lab compare line from %q", c.cmd.Name(), line)
		}
		if err := newCompareCmd().ParseFlags(strings.Fields(compare)); err != nil {
			t.Errorf("lab %s: lab compare refuses %q: %v", c.cmd.Name(), compare, err)
		}
		c.shape["seed"], c.shape["variant"] = "9", "fixed"
		for name, want := range c.shape {
			if got := run.Flags().Lookup(name).Value.String(); got != want {
				t.Errorf("lab %s: %q gives --%s %s, want %s", c.cmd.Name(), line, name, got, want)
			}
		}
	}
}

// runOf records the run lab run's flags args describe.
func runOf(t *testing.T, args []string) (faults.ScheduleHeader, []byte) {
	t.Helper()
	f, fl := runFlagSet()
	if err := fl.Parse(args); err != nil {
		t.Fatal(err)
	}
	o, err := f.options(fl)
	if err != nil {
		t.Fatal(err)
	}
	var rec bytes.Buffer
	o.Record, o.Node.Store = &rec, invoker.MemStores()
	if _, err := faults.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	s, err := faults.ParseSchedule("recorded", rec.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return s.Header, rec.Bytes()
}

// A session taken over from a replay restarts as seeded runs of the
// schedule's shape: the lab run line said of one, run, records the same
// schedule byte for byte. A shape lab run's flags cannot say gets no line.
func TestRunLineOfAScheduleReproducesIt(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "my plan.yaml")
	if err := os.WriteFile(plan, []byte(chaosSource(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{},
		{"--seed", "3", "--variant", "fixed", "--quota", "4", "--pauses", "2", "--retry-timers", "unkeyed"},
		{"--invokers", "shared", "--shared-tmp-dir", "--shutdown=false", "--progress-bound", "1m", "--plan", "none"},
		{"--task-panics", "0.1", "--on-panic", "unwind", "--scheduler", "uniform", "--plan", plan, "--partitions", "2"},
	} {
		h, recorded := runOf(t, args)
		planArg, scheduler := "shutdown-race", "random"
		for i := 0; i+1 < len(args); i++ {
			switch args[i] {
			case "--plan":
				planArg = args[i+1]
			case "--scheduler":
				scheduler = args[i+1]
			}
		}
		line := runLineOf(h, planArg, scheduler)
		words, err := shellWords(strings.TrimPrefix(line, "lab run "))
		if err != nil || !strings.HasPrefix(line, "lab run ") {
			t.Fatalf("%v: line %q (%v)", args, line, err)
		}
		if _, again := runOf(t, words); !bytes.Equal(again, recorded) {
			t.Errorf("%v: %q records another run", args, line)
		}
	}
	h, _ := runOf(t, nil)
	if line := runLineOf(h, "", "random"); line != "" {
		t.Errorf("a plan given by no name: %q", line)
	}
	h.Workload.ArrivalSpan *= 2
	if line := runLineOf(h, "shutdown-race", "random"); line != "" {
		t.Errorf("an arrival span lab run cannot set: %q", line)
	}
}

func chaosSource(t *testing.T) []byte {
	src, ok := faults.BuiltinPlanSource("chaos")
	if !ok {
		t.Fatal("no built-in plan chaos")
	}
	return src
}

// shellWords splits a command line's arguments as bash does.
func shellWords(line string) ([]string, error) {
	out, err := exec.Command("bash", "-c", "printf '%s\\0' "+line).Output()
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"), nil
}

// A replay taken over in lab tui restarts (v, n) as seeded runs of the
// schedule's shape, which its report names by their lab run line.
func TestTakenOverSessionsRestartAsLabRunLines(t *testing.T) {
	h, recorded := runOf(t, []string{"--seed", "9", "--quota", "4"})
	sch, err := faults.ParseSchedule("seed9.schedule", recorded)
	if err != nil {
		t.Fatal(err)
	}
	cmd := newTUICmd()
	if err := cmd.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	cfg, err := takeOverConfig(cmd, runFlags{plan: "shutdown-race"}, sch)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Command(12, invoker.Fixed), "lab run --seed 12 --variant fixed --plan shutdown-race --quota 4"; got != want {
		t.Errorf("the restart of a take-over of %s is %q, want %q", h.Plan, got, want)
	}
}
