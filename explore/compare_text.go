package explore

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"lab/faults"
	"lab/invoker"
)

// WriteText prints the comparison for a person: the events both runs
// logged last, where they parted and how, and what each run found.
func (c *Comparison) WriteText(w io.Writer) error {
	a, b := c.ResultA, c.ResultB
	setting, na, nb := c.Sides()
	var s strings.Builder
	if setting == "" {
		fmt.Fprintf(&s, "compared     %s against %s: seed %d, plan %s, scheduler %s\n", na, nb, a.Seed, a.Plan, a.Strategy)
	} else {
		fmt.Fprintf(&s, "compared     %s %s against %s: seed %d, %s, plan %s, scheduler %s\n", setting, na, nb, a.Seed, a.Variant, a.Plan, a.Strategy)
	}
	if both := sharedSettings(a, b); both != "" {
		fmt.Fprintf(&s, "settings     %s (both runs)\n", both)
	}
	if c.Note != "" {
		fmt.Fprintf(&s, "note         %s\n", c.Note)
	}
	if !c.Parted() {
		fmt.Fprintf(&s, "alike        every event: both runs log the same %d (their hashes differ by the first, which names the run)\n", c.Shared)
	} else {
		fmt.Fprintf(&s, "alike        the first %d events; the last %d of them:\n", c.Shared, len(c.Before))
		for _, e := range c.Before {
			fmt.Fprintf(&s, "  %s\n", faults.DescribeEvent(e))
		}
		fmt.Fprintf(&s, "parted       at event #%d\n", c.Shared+1)
		side := func(name string, events []invoker.Event) {
			if len(events) == 0 {
				fmt.Fprintf(&s, "  %-9s  (the run had ended)\n", name)
			}
			for i, e := range events {
				label := ""
				if i == 0 {
					label = name
				}
				fmt.Fprintf(&s, "  %-9s  %s\n", label, faults.DescribeEvent(e))
			}
		}
		side(na, c.A)
		side(nb, c.B)
	}
	for i, r := range []*faults.Result{a, b} {
		fmt.Fprintf(&s, "%-12s %s; %d events in %v of virtual time; sha256:%s\n",
			[]string{na, nb}[i], verdict(r, faults.Violation.Failure), r.Events, r.End.Round(time.Microsecond), r.Hash)
	}
	if t := c.Traces; t != nil {
		fmt.Fprintf(&s, "traces       %s %s, %s %s\n", na, t.A, nb, t.B)
		fmt.Fprintf(&s, "jaeger       %s\n", t.CompareURL)
	}
	label := "rerun"
	for _, r := range []*faults.Result{a, b} {
		if r.Replay != "" {
			fmt.Fprintf(&s, "%-12s %s\n", label, r.Replay)
			label = ""
		}
	}
	_, err := io.WriteString(w, s.String())
	return err
}

// Summary is the comparison in a few lines, for a panel of the terminal
// UI: where the runs part, each one's first event from there, and what
// each found.
func (c *Comparison) Summary() []string {
	a, b := c.ResultA, c.ResultB
	_, na, nb := c.Sides()
	var lines []string
	if !c.Parted() {
		lines = append(lines, fmt.Sprintf("%s and %s log the same %d events", na, nb, c.Shared))
	} else {
		lines = append(lines, fmt.Sprintf("%s and %s alike for %d events, then:", na, nb, c.Shared))
		for _, side := range []struct {
			name   string
			events []invoker.Event
		}{{na, c.A}, {nb, c.B}} {
			what := "(the run had ended)"
			if len(side.events) > 0 {
				what = faults.DescribeEvent(side.events[0])
			}
			lines = append(lines, fmt.Sprintf("  %-9s %s", side.name, what))
		}
	}
	return append(lines, fmt.Sprintf("  %s: %s · %s: %s", na, verdict(a, invariantOf), nb, verdict(b, invariantOf)))
}

// Sides is what tells the two runs apart: their variants (setting ""),
// or, in one variant, the setting that differs, on-panic, retry-timers,
// paused-slots, spill-dirs, in-tmp-dir or vqueues, and its two values.
func (c *Comparison) Sides() (setting, a, b string) {
	ra, rb := c.ResultA, c.ResultB
	switch {
	case ra.Variant != rb.Variant:
	case ra.OnPanic != rb.OnPanic:
		return "on-panic", ra.OnPanic.String(), rb.OnPanic.String()
	case ra.RetryTimers != rb.RetryTimers:
		return "retry-timers", ra.RetryTimers.String(), rb.RetryTimers.String()
	case ra.PausedSlots != rb.PausedSlots:
		return "paused-slots", ra.PausedSlots.String(), rb.PausedSlots.String()
	case ra.Yield != rb.Yield:
		return "yield", ra.Yield.String(), rb.Yield.String()
	case ra.SpillDirs != rb.SpillDirs:
		return "spill-dirs", ra.SpillDirs.String(), rb.SpillDirs.String()
	case ra.InTmpDir != rb.InTmpDir:
		return "in-tmp-dir", ra.InTmpDir.String(), rb.InTmpDir.String()
	case ra.VQueues != rb.VQueues:
		return "vqueues", ra.VQueues.String(), rb.VQueues.String()
	}
	return "", ra.Variant.String(), rb.Variant.String()
}

// runSettings are r's settings that are not the default, as lab run's
// JSON names them (faults.RunSettings).
func runSettings(r *faults.Result) string {
	return strings.TrimSpace(faults.RunSettings(r.Settings(), r.Workload))
}

// sharedSettings are the settings both runs have, in a's order: what the
// comparison holds fixed (what tells them apart, Sides names).
func sharedSettings(a, b *faults.Result) string {
	bs := strings.Fields(runSettings(b))
	var both []string
	for _, kv := range strings.Fields(runSettings(a)) {
		if slices.Contains(bs, kv) {
			both = append(both, kv)
		}
	}
	return strings.Join(both, " ")
}

// verdict says what a run found: the violations it found, in order, each
// named by name, or that every invariant held.
func verdict(r *faults.Result, name func(faults.Violation) string) string {
	if r.OK() {
		return "every invariant held"
	}
	var names []string
	for _, v := range r.Violations {
		if n := name(v); len(names) == 0 || names[len(names)-1] != n {
			names = append(names, n)
		}
	}
	return "VIOLATED " + strings.Join(names, ", ")
}

// invariantOf names a violation by its invariant alone: short enough for a
// panel.
func invariantOf(v faults.Violation) string { return v.Invariant }

// CompareVersion is the JSON comparison's schema_version.
const CompareVersion = 1

type comparedRun struct {
	Variant     string `json:"variant"`
	OnPanic     string `json:"on_panic"`
	RetryTimers string `json:"retry_timers"`
	SpillDirs   string `json:"spill_dirs"`
	// InTmpDir is where invokers spilled in one tmp-dir; "" without one.
	InTmpDir string `json:"in_tmp_dir,omitempty"`
	// Settings are its settings that are not the default, as lab run's
	// JSON names them ("throttle=100/s memory-limit=8"; "" for none).
	Settings   string   `json:"settings"`
	OK         bool     `json:"ok"`
	Violations []string `json:"violations"`
	Events     uint64   `json:"events"`
	Hash       string   `json:"sha256"`
	Rerun      string   `json:"rerun"`
	// From are its first events from where the runs part.
	From []invoker.Event `json:"from"`
}

// WriteJSON prints the comparison as one JSON document.
func (c *Comparison) WriteJSON(w io.Writer) error {
	run := func(r *faults.Result, from []invoker.Event) comparedRun {
		cr := comparedRun{Variant: r.Variant.String(), OnPanic: r.OnPanic.String(), RetryTimers: r.RetryTimers.String(),
			SpillDirs: r.SpillDirs.String(), InTmpDir: inTmpDirOf(r), Settings: runSettings(r), OK: r.OK(), Violations: []string{}, Events: r.Events, Hash: r.Hash, Rerun: r.Replay, From: from}
		for _, v := range r.Violations {
			cr.Violations = append(cr.Violations, v.Failure())
		}
		if cr.From == nil {
			cr.From = []invoker.Event{}
		}
		return cr
	}
	doc := struct {
		SchemaVersion int             `json:"schema_version"`
		ModelRevision int             `json:"model_revision"`
		Seed          uint64          `json:"seed"`
		Plan          string          `json:"plan"`
		Scheduler     string          `json:"scheduler"`
		Parted        bool            `json:"parted"`
		Alike         uint64          `json:"alike"`
		Before        []invoker.Event `json:"before"`
		A             comparedRun     `json:"a"`
		B             comparedRun     `json:"b"`
		Traces        *ComparedTraces `json:"traces,omitempty"`
		Note          string          `json:"note,omitempty"`
	}{CompareVersion, faults.ModelRevision, c.ResultA.Seed, c.ResultA.Plan, c.ResultA.Strategy, c.Parted(), c.Shared, c.Before,
		run(c.ResultA, c.A), run(c.ResultB, c.B), c.Traces, c.Note}
	if doc.Before == nil {
		doc.Before = []invoker.Event{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// inTmpDirOf is where r's invokers spilled in one tmp-dir, or "" when its
// node gave them none.
func inTmpDirOf(r *faults.Result) string {
	if !r.SharedTmpDir {
		return ""
	}
	return r.InTmpDir.String()
}
