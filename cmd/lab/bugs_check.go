package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// A checkedBug is one line of lab bugs --check.
type checkedBug struct {
	ID        string `json:"id"`
	Invariant string `json:"invariant"`
	// Decisions are the run's, to its violation, and the shrunk run's.
	Decisions int    `json:"decisions,omitempty"`
	Shrunk    int    `json:"shrunk_decisions,omitempty"`
	Fix       string `json:"fix,omitempty"`
	Shown     bool   `json:"shown"`
	NotShown  string `json:"not_shown,omitempty"`
}

// checkBugs shows every bug of the catalogue, a line each, and fails
// unless each showed as the catalogue says.
func checkBugs(cmd *cobra.Command, catalogue []bug, budget time.Duration, format string) error {
	var checked []checkedBug
	var failed []string
	for _, b := range catalogue {
		s, err := showBug(cmd.Context(), b, budget, "", nil, "")
		if err != nil {
			return fmt.Errorf("bug %s: %w", b.id, err)
		}
		c := checkedBug{ID: b.id, Invariant: b.invariant, NotShown: s.notShown()}
		c.Shown = c.NotShown == ""
		if s.shrunk != nil {
			c.Decisions, c.Shrunk = s.shrunk.Original.Decisions, s.shrunk.Shrunk.Decisions
			c.Fix = s.fix()
		}
		if !c.Shown {
			failed = append(failed, b.id)
		}
		checked = append(checked, c)
	}
	if err := writeChecked(cmd.OutOrStdout(), checked, format); err != nil {
		return outputError(err)
	}
	if len(failed) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "lab: %d of %d bugs did not show as they should: %s\n", len(failed), len(catalogue), strings.Join(failed, ", "))
		return violationFound
	}
	return nil
}

func writeChecked(w io.Writer, checked []checkedBug, format string) error {
	if format == "json" {
		return writeJSON(w, checked)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tBREAKS\tSHRUNK\tFIX\tVERDICT")
	for _, c := range checked {
		shrunk, verdict := "-", "shown, and its fix holds"
		if c.Shrunk > 0 {
			shrunk = fmt.Sprintf("%d -> %d", c.Decisions, c.Shrunk)
		}
		if !c.Shown {
			verdict = "NOT SHOWN: " + c.NotShown
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Invariant, shrunk, c.Fix, verdict)
	}
	return tw.Flush()
}
