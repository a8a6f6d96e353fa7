package main

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// execute runs the lab's command line and returns the process exit code.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:   "lab",
		Short: "A fault-injection lab for lifecycle races in Restate's invoker",
		Long: `lab runs a deterministic model of Restate's invoker under a seeded fault
injector and checks invariants on every event. It reproduces
restatedev/restate#2543 (the invoker panicking at shutdown) and shows the
fix holds under the same seeds.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v (see %s --help)", err, c.CommandPath())
	})
	root.AddCommand(newRunCmd(), newReplayCmd(), newScriptCmd(), newPlansCmd())
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && isUsage(err) {
		err = usageError("%v (see %s --help)", err, cmd.CommandPath())
	}
	return exitCode(err, stderr)
}

// isUsage recognises cobra's own errors about commands and arguments.
func isUsage(err error) bool {
	var ee *exitError
	if errors.As(err, &ee) {
		return false
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "accepts ") ||
		strings.HasPrefix(msg, "requires ") || strings.Contains(msg, "arg(s)")
}
