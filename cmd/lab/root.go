package main

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"lab/live"
)

// execute runs the lab's command line and returns the process exit code.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return executeWith(ctx, args, stdout, stderr)
}

// executeWith is execute with extra commands, for tests. A panic anywhere
// in a command is the lab's own failure: exit 3 (see crashed).
func executeWith(ctx context.Context, args []string, stdout, stderr io.Writer, extra ...*cobra.Command) (code int) {
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
	out := &checkedWriter{w: stdout}
	root.SetOut(out)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError("%v (see %s --help)", err, c.CommandPath())
	})
	// run and replay have their own -v; for every command it also shows
	// the stack of a crash.
	root.PersistentFlags().BoolP("verbose", "v", false, "show the stack of a crash")
	// Declared here so that cobra's own --version does not take -v.
	root.Flags().Bool("version", false, "print the lab's build, model revision and file formats")
	root.Version = versionText()
	root.SetVersionTemplate("{{.Version}}")
	tuiCmd := newTUICmd()
	root.AddCommand(newRunCmd(), newReplayCmd(), newScriptCmd(), newPlansCmd(), tuiCmd, newExploreCmd(), newShrinkCmd(), newInevitableCmd(), newCompareCmd(), newBugsCmd(bugs), newVersionCmd())
	root.AddCommand(extra...)
	refuseUnknownHelpTopics(root)
	refuseUnknownSubcommands(root)
	// Plain lab starts the UI on a terminal, and prints the help elsewhere.
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		if _, _, ok := terminal(cmd); !ok {
			return cmd.Help()
		}
		tuiCmd.SetContext(cmd.Context())
		return tuiCmd.RunE(tuiCmd, nil)
	}
	defer func() {
		if p := recover(); p != nil {
			st := stack()
			if crash, ok := p.(*live.PanicError); ok {
				p, st = crash.Value, crash.Stack
			}
			code = crashed(p, st, verbose(root, args), stderr)
		}
	}()
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && isUsage(err) {
		err = usageError("%v (see %s --help)", err, cmd.CommandPath())
	}
	if out.err != nil && (err == nil || errors.Is(err, violationFound) || errors.Is(err, out.err)) {
		err = outputError(out.err) // output lost unchecked (the help), or returned bare (completion)
	}
	return exitCode(err, stderr)
}

// refuseUnknownHelpTopics makes `lab help frob` a usage error, as `lab
// frob` is: cobra's help command prints the usage and exits 0.
func refuseUnknownHelpTopics(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	for _, help := range root.Commands() {
		if help.Name() != "help" {
			continue
		}
		show := help.Run
		help.RunE = func(c *cobra.Command, args []string) error {
			// Find leaves words it does not know as arguments of the
			// command before them (help explore frob).
			if cmd, rest, err := c.Root().Find(args); cmd == nil || err != nil || len(rest) > 0 {
				return usageError("unknown help topic %q (see %s --help)", strings.Join(args, " "), c.Root().Name())
			}
			show(c, args)
			return nil
		}
	}
}

// refuseUnknownSubcommands makes `lab completion frob` a usage error, as
// `lab frob` is: cobra checks the words after a command only for the root,
// and a command that is but a group of others printed its help and
// exited 0.
func refuseUnknownSubcommands(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.HasSubCommands() && !sub.Runnable() {
				sub.RunE = func(c *cobra.Command, args []string) error {
					if len(args) > 0 {
						return usageError("unknown command %q for %q (see %s --help)", args[0], c.CommandPath(), c.CommandPath())
					}
					return c.Help()
				}
			}
			walk(sub)
		}
	}
	walk(root)
}

// checkedWriter is stdout, remembering its first failed write: a command
// whose output was lost to a full disk or a closed pipe ends with exit 3
// even where the write's error went unchecked.
type checkedWriter struct {
	w   io.Writer
	err error
}

// file is the file it writes to, if it is one.
func (c *checkedWriter) file() (*os.File, bool) {
	f, ok := c.w.(*os.File)
	return f, ok
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// verbose reports whether the command args ran had -v set.
func verbose(root *cobra.Command, args []string) bool {
	c, _, err := root.Find(args)
	if err != nil {
		return false
	}
	f := c.Flags().Lookup("verbose")
	return f != nil && f.Value.String() == "true"
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
