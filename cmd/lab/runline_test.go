package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"lab/explore"
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
		compare, ok := strings.CutPrefix(explore.CompareCommand(line, invoker.Fixed, invoker.PanicAbortsNode, "no-panic"), "lab compare ")
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
