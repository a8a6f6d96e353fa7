package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"lab/faults"
)

func newScriptCmd() *cobra.Command {
	var spillDir string
	cmd := &cobra.Command{
		Use:   "script FILE",
		Short: "Run a scripted timeline and check its expects",
		Long: `Run a script: one command per line (config, leader, invoke, abort, step-down,
shutdown, restart, task, deliver, advance, settle, pause, retry-now, fault,
check, state, expect), '#' starts a comment. Messages arrive as soon as they
are sent; the script decides every arm the invoker takes. A head segment
spilled to disk takes two dequeue polls (deliver arm=dequeue n=2): the
first starts its read, whose end arrives at once (unless a fault holds
it), the second takes the invoke. Prints the event log to stdout.

Exit status: 0 every expect held, 1 an expect failed, 2 the script has an
error (its line is named), 3 internal error, 130 interrupted.`,
		Example: "  lab script examples/issue-2543.script",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScript(cmd, args[0], spillDir)
		},
	}
	cmd.Flags().StringVar(&spillDir, "spill-dir", os.TempDir(), "directory for the invokers' spill directories")
	return cmd
}

func runScript(cmd *cobra.Command, path, spillDir string) error {
	src, err := faults.ReadInput(path)
	if err != nil {
		return usageError("%s: %v", path, err)
	}
	cmds, err := faults.ParseScript(path, src)
	if err != nil {
		return err
	}
	// Before any line runs: a bad line 900 stopped the script after 899
	// had run and printed.
	if err := faults.CheckScript(cmds); err != nil {
		if se, ok := err.(*faults.ScriptError); ok {
			se.File = path
		}
		return err
	}
	if info, err := os.Stat(spillDir); err != nil || !info.IsDir() {
		return usageError("--spill-dir %s: not a directory", spillDir)
	}
	r := faults.NewScriptRunner()
	r.SpillDir, r.ShowTime = spillDir, true
	defer r.Close()
	ctx := cmd.Context()
	// A stalled reader of the log must not hold the script past Ctrl-C.
	var files outputFiles
	defer files.close()
	out := files.unblockable(cmd.OutOrStdout(), "/dev/stdout")
	defer context.AfterFunc(ctx, files.unblock)()
	r.Out = out // the event log goes out as it is printed
	for _, c := range cmds {
		_, err := r.ExecContext(ctx, c)
		var oe *faults.ScriptOutputError
		if errors.As(err, &oe) {
			if interrupted := givenUp(ctx, oe.Err); interrupted != nil {
				return interrupted
			}
			return outputError(oe.Err)
		}
		if se, ok := err.(*faults.ScriptError); ok {
			se.File = path
			return se
		}
		if err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	failures := r.Failures()
	res := r.Result()
	if _, err := fmt.Fprintf(out, "%d commands, %d events, sha256:%s\n", len(cmds), res.Events, res.Hash); err != nil {
		return outputError(err)
	}
	if len(failures) > 0 {
		for _, f := range failures {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s:%d: %s: FAILED: %s\n", path, f.Line, f.Expect, f.Problem)
		}
		return violationFound
	}
	return nil
}
