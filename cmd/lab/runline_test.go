package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
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
		{newRunCmd(), []string{"--seed", "9", "--partitions", "2", "--format", "json"}, map[string]string{"partitions": "2"}},
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
		c.shape["seed"], c.shape["variant"] = "9", "fixed"
		for name, want := range c.shape {
			if got := run.Flags().Lookup(name).Value.String(); got != want {
				t.Errorf("lab %s: %q gives --%s %s, want %s", c.cmd.Name(), line, name, got, want)
			}
		}
	}
}
