package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"lab/faults"
)

func newPlansCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "plans [NAME]",
		Short: "List the built-in fault plans, or print one as a template",
		Example: `  lab plans
  lab plans chaos > my-plan.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if len(args) == 1 {
				src, ok := faults.BuiltinPlanSource(args[0])
				if !ok {
					return usageError("no built-in plan %q (built-in: %s)", args[0], strings.Join(faults.BuiltinPlans(), ", "))
				}
				if _, err := out.Write(src); err != nil {
					return outputError(err)
				}
				return nil
			}
			var b strings.Builder
			for _, name := range faults.BuiltinPlans() {
				p, err := faults.LoadPlan(name)
				if err != nil {
					return err
				}
				for i, line := range wrap(p.Description, 64) {
					label := ""
					if i == 0 {
						label = name
					}
					fmt.Fprintf(&b, "%-14s %s\n", label, line)
				}
				for _, r := range p.Rules {
					fmt.Fprintf(&b, "%-14s   - %s\n", "", r)
				}
			}
			if _, err := io.WriteString(out, b.String()); err != nil {
				return outputError(err)
			}
			return nil
		},
	}
}

// wrap breaks text into lines of at most width runes, at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(lines, line)
}
