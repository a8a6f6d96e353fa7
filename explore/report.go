package explore

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"lab/faults"
	"lab/invoker"
)

// ReportVersion is the version of the JSON report; merge refuses others.
// Version 2 named the scheduler's picks "picks" (version 1: "decisions");
// version 3 records the model revision; version 4 counts the picks that
// had a choice; version 5 may rerun failing seeds against another setting;
// version 6 may list only the first failures of each way of failing, and
// names the first seed of every pair and order reached.
const ReportVersion = 6

// Report is what an exploration (or a merge of shards) found.
type Report struct {
	SchemaVersion int `json:"schema_version"`
	// ModelRevision is faults.ModelRevision of the lab that explored: a
	// seed's run, and so the report, is the same only within a revision.
	ModelRevision int    `json:"model_revision"`
	Variant       string `json:"variant"`
	// Plan is the fault plan, or "swarm".
	Plan     string `json:"plan"`
	Strategy string `json:"strategy"`
	// Shape is the node's and workload's settings and the invariants'
	// bounds every seed ran with (for a swarm, which draws the rest, the
	// bounds): shards of one exploration share it (Config.ShapeName).
	Shape string `json:"shape,omitempty"`
	// Invariants are those hunted, when not all (Config.Invariants).
	Invariants []string `json:"invariants,omitempty"`
	// FirstSeed and Seeds are the range explored (Seeds 0: for a
	// duration); Shards are the shards it covers, "i/n" each.
	FirstSeed uint64   `json:"first_seed"`
	Seeds     uint64   `json:"seeds"`
	Shards    []string `json:"shards"`
	// Schedules run, of which Failed violated an invariant (or, checking
	// determinism, differed between two runs of the seed).
	Schedules uint64 `json:"schedules"`
	Failed    uint64 `json:"failed"`
	Picks     uint64 `json:"picks"`
	// Choices are the picks that had more than one thing ready
	// (faults.Result.Choices); the others were forced.
	Choices            uint64  `json:"choices"`
	Seconds            float64 `json:"seconds"`
	SchedulesPerSecond float64 `json:"schedules_per_second"`
	// CPUSeconds the process spent (all workers and the garbage
	// collector): on a shared machine, schedules per CPU second say more
	// than per wall second.
	CPUSeconds            float64 `json:"cpu_seconds"`
	SchedulesPerCPUSecond float64 `json:"schedules_per_cpu_second"`
	Workers               int     `json:"workers"`
	// Stopped says why the exploration ended before its seeds did:
	// "first-failure", "duration" or "interrupted".
	Stopped string `json:"stopped,omitempty"`
	// Failures are the failing seeds, by seed: with ListPerWay, the
	// first ListPerWay of each way of failing (an invariant and its
	// check), else every one. ByInvariant counts every failure.
	Failures    []Failure                 `json:"failures"`
	ListPerWay  int                       `json:"failures_listed_per_way,omitempty"`
	ByInvariant map[string]InvariantStats `json:"by_invariant"`
	Coverage    Coverage                  `json:"coverage"`
	// CoverageGaps hold Coverage against what the swarm is known to
	// reach for the variant (absent for a variant it knows nothing of).
	CoverageGaps *CoverageGaps `json:"coverage_gaps,omitempty"`
	// DeterminismChecked is whether every seed ran twice; mismatches are
	// failures of invariant "determinism".
	DeterminismChecked bool `json:"determinism_checked"`
	// Against is what every failing seed was rerun with (Config.Against:
	// a variant, an on-panic or a retry-timers), if anything.
	Against string `json:"against,omitempty"`
}

// Determinism is the pseudo-invariant of a seed whose two runs differed.
const Determinism = "determinism"

// Failure is one failing seed.
type Failure struct {
	Seed      uint64 `json:"seed"`
	Invariant string `json:"invariant"`
	// Check is which of the invariant's checks failed
	// (faults.Violation.Check).
	Check  string `json:"check,omitempty"`
	Detail string `json:"detail"`
	// Shape is the node, workload and plan a swarm drew for the seed
	// (empty outside a swarm, where the report's shape is every seed's).
	Shape string `json:"shape,omitempty"`
	// Replay reruns the seed; Compare runs it against the fix
	// (CompareCommand), if the variant has one.
	Replay  string `json:"replay"`
	Compare string `json:"compare,omitempty"`
	// Files saved for it (report, schedule, shrunk schedule), if any;
	// Unsaved says why its schedules were not, when it was saved without
	// them.
	Files   []string      `json:"files,omitempty"`
	Unsaved string        `json:"unsaved,omitempty"`
	Shrunk  *ShrinkResult `json:"shrunk,omitempty"`
	// Against is the seed under Report.Against, if the exploration ran
	// one.
	Against *AgainstRun `json:"against,omitempty"`
	// Traces name its saved runs' traces, when they were exported.
	Traces *Traces `json:"traces,omitempty"`
}

// Traces name the traces of a failing schedule's run and of its shrunk
// version in an OTLP backend, and where Jaeger UI compares the two.
type Traces struct {
	Original   string `json:"original"`
	Shrunk     string `json:"shrunk,omitempty"`
	CompareURL string `json:"compare_url,omitempty"`
	// Against is the seed's run under Report.Against, when it was rerun;
	// AgainstURL compares it with the original.
	Against    string `json:"against,omitempty"`
	AgainstURL string `json:"against_url,omitempty"`
}

// InvariantStats counts the failures of one invariant, in all and by
// check: a rare way to fail stays visible beside a common one (fixed and
// buggy leave spill files behind in thousands of seeds, which would hide
// the one seed whose invoker never joined).
type InvariantStats struct {
	FailureStats
	Checks map[string]FailureStats `json:"checks,omitempty"`
	// Against sums up the failures' other side (Report.Against).
	Against *AgainstStats `json:"against,omitempty"`
}

// FailureStats counts failures and names the first seed of them.
type FailureStats struct {
	Failures  uint64 `json:"failures"`
	FirstSeed uint64 `json:"first_seed"`
}

func (s *FailureStats) add(seed uint64) {
	if s.Failures == 0 {
		s.FirstSeed = seed
	}
	s.Failures++
}

// finish lists the first failures of each way by seed, and works out the
// totals; ByInvariant is the caller's, summed from workers or shards.
func (r *Report) finish() {
	r.Failures = listFirst(r.Failures, r.ListPerWay)
	if r.Failures == nil {
		r.Failures = []Failure{}
	}
	if r.ByInvariant == nil {
		r.ByInvariant = map[string]InvariantStats{}
	}
	r.Failed = 0
	for _, s := range r.ByInvariant {
		r.Failed += s.Failures
	}
	if r.Seconds > 0 {
		r.SchedulesPerSecond = float64(r.Schedules) / r.Seconds
	}
	if r.CPUSeconds > 0 {
		r.SchedulesPerCPUSecond = float64(r.Schedules) / r.CPUSeconds
	}
	slices.Sort(r.Shards)
	r.CoverageGaps = known.gapsOf(r.Variant, r.Coverage)
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for a person.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	result := "OK: no invariant violated"
	switch {
	case r.Failed > 0:
		result = fmt.Sprintf("FAILED: %d of %d schedules", r.Failed, r.Schedules)
	case r.Schedules == 0:
		// A --duration that ended before the first schedule: no news is
		// not good news here.
		result = "nothing explored: no schedule ran to its end"
	}
	fmt.Fprintf(&b, "result       %s\n", result)
	seeds := fmt.Sprintf("seeds %d..%d", r.FirstSeed, r.FirstSeed+r.Seeds-1)
	if r.Seeds == 0 {
		seeds = fmt.Sprintf("seeds from %d", r.FirstSeed)
	}
	shards := strings.Join(r.Shards, " ")
	if len(r.Shards) > 0 {
		if sh, err := ParseShard(r.Shards[0]); err == nil && len(r.Shards) < sh.Count {
			// A merge short of shards read as the whole exploration.
			shards += fmt.Sprintf(" (%d of %d shards)", len(r.Shards), sh.Count)
		}
	}
	fmt.Fprintf(&b, "explored     %s, plan %s, %s, %s, shards %s\n", r.Variant, r.Plan, r.Strategy, seeds, shards)
	if changes := shapeChanges(r); changes != "" {
		fmt.Fprintf(&b, "shape        %s\n", changes)
	}
	fmt.Fprintf(&b, "schedules    %d in %.2fs: %.0f schedules/s on %s (%.0f per CPU second), %d picks (%d with a choice)\n",
		r.Schedules, r.Seconds, r.SchedulesPerSecond, faults.Plural(r.Workers, "worker"), r.SchedulesPerCPUSecond, r.Picks, r.Choices)
	if len(r.Invariants) > 0 {
		fmt.Fprintf(&b, "hunted       %s only: a run went on past violations of the others, which are no failures\n",
			strings.Join(r.Invariants, ", "))
	}
	if r.Stopped != "" {
		fmt.Fprintf(&b, "stopped      %s\n", r.Stopped)
	}
	if r.DeterminismChecked {
		fmt.Fprintf(&b, "determinism  every seed ran twice: %d mismatches\n", r.ByInvariant[Determinism].Failures)
	}
	if listed := uint64(len(r.Failures)); listed < r.Failed {
		fmt.Fprintf(&b, "listed       %d of %d failures: the first %d by seed of each way of failing (--list-failures)\n",
			listed, r.Failed, r.ListPerWay)
	}
	if len(r.ByInvariant) > 0 {
		b.WriteString("\nfailures by invariant\n")
		for _, inv := range slices.Sorted(maps.Keys(r.ByInvariant)) {
			s := r.ByInvariant[inv]
			fmt.Fprintf(&b, "  %-20s %6d   first seed %d\n", inv, s.Failures, s.FirstSeed)
			for _, check := range slices.Sorted(maps.Keys(s.Checks)) {
				c := s.Checks[check]
				fmt.Fprintf(&b, "    by %s: %d, first seed %d\n", check, c.Failures, c.FirstSeed)
			}
			if a := s.Against; a != nil {
				for i, line := range a.lines(inv) {
					if i == 0 {
						fmt.Fprintf(&b, "    against %s: %s\n", r.Against, line)
					} else {
						fmt.Fprintf(&b, "      %s\n", line)
					}
				}
			}
		}
	}
	for _, f := range r.Failures {
		if len(f.Files) == 0 && f.Shrunk == nil {
			continue
		}
		fmt.Fprintf(&b, "\nseed %d: %s: %s\n", f.Seed, f.Invariant, f.Detail)
		if f.Shape != "" {
			fmt.Fprintf(&b, "  shape      %s\n", f.Shape)
		}
		fmt.Fprintf(&b, "  rerun      %s\n", f.Replay)
		if f.Compare != "" {
			fmt.Fprintf(&b, "  compare    %s\n", f.Compare)
		}
		if f.Against != nil {
			fmt.Fprintf(&b, "  against    %s: %s\n", r.Against, f.Against.summary(f))
		}
		for _, file := range f.Files {
			fmt.Fprintf(&b, "  saved      %s\n", faults.ShellQuote(file))
		}
		if f.Unsaved != "" {
			fmt.Fprintf(&b, "  unsaved    %s\n", f.Unsaved)
		}
		if s := f.Shrunk; s != nil {
			fmt.Fprintf(&b, "  shrunk     %d (%d in the whole run) -> %d decisions (%.1f%%); choices %d -> %d, invocations %d -> %d, partitions %d -> %d, quota %d -> %d%s; %.1fs, %d replays%s\n",
				s.Original.Decisions, s.OriginalFull.Decisions, s.Shrunk.Decisions, 100*float64(s.Shrunk.Decisions)/float64(max(s.Original.Decisions, 1)),
				s.Original.Choices, s.Shrunk.Choices,
				s.Original.Invocations, s.Shrunk.Invocations, s.Original.Partitions, s.Shrunk.Partitions,
				s.Original.Quota, s.Shrunk.Quota, s.Original.settingsTo(s.Shrunk), s.Seconds, s.Replays, minimalNote(s))
		}
		if sched := RecordedSchedule(f.Files); sched != "" {
			fmt.Fprintf(&b, "  chart      lab inevitable %s\n", faults.ShellQuote(sched))
		}
		if tr := f.Traces; tr != nil {
			fmt.Fprintf(&b, "  trace      %s", tr.Original)
			if tr.Shrunk != "" {
				fmt.Fprintf(&b, ", shrunk %s: %s", tr.Shrunk, tr.CompareURL)
			}
			b.WriteString("\n")
			if tr.Against != "" {
				fmt.Fprintf(&b, "  trace      %s against %s: %s\n", tr.Against, r.Against, tr.AgainstURL)
			}
		}
		if sched := playableSchedule(f.Files); sched != "" {
			fmt.Fprintf(&b, "  play       lab tui --replay %s\n", faults.ShellQuote(sched))
		}
	}
	b.WriteString("\ncoverage\n")
	var pairGaps, orderGaps *Gaps // nil: nothing known for the variant
	if g := r.CoverageGaps; g != nil {
		pairGaps, orderGaps = &g.Pairs, &g.Orders
	}
	fmt.Fprintf(&b, "  (ism state, event) pairs reached: %d%s\n", len(r.Coverage.ISMPairs), pairGaps.ofKnown())
	writeGaps(&b, pairGaps, r.Coverage.PairSeeds)
	fmt.Fprintf(&b, "  shutdown phase orders reached:    %d%s\n", len(r.Coverage.ShutdownOrders), orderGaps.ofKnown())
	orders := slices.Collect(maps.Keys(r.Coverage.ShutdownOrders))
	slices.SortFunc(orders, func(a, c string) int {
		return cmp.Or(cmp.Compare(r.Coverage.ShutdownOrders[c], r.Coverage.ShutdownOrders[a]), strings.Compare(a, c))
	})
	for _, o := range orders {
		fmt.Fprintf(&b, "    %8d  %s\n", r.Coverage.ShutdownOrders[o], o)
	}
	writeGaps(&b, orderGaps, r.Coverage.OrderSeeds)
	if last := r.Coverage.LastNew(); last > 0 {
		fmt.Fprintf(&b, "  last new pair or order first reached at seed %d: the seeds after it reached none new\n", last)
	}
	if g := r.CoverageGaps; g != nil {
		fmt.Fprintf(&b, "  * by %s\n", g.KnownFrom)
	}
	b.WriteString("  schedules that reached, before any violation:\n")
	v, vErr := invoker.ParseVariant(r.Variant) // reports name it as text
	var whys []string                          // why the variant cannot reach those n/a
	// A swarm gives vqueues to some shapes only.
	vqueues := r.Plan != swarmPlan && shapeSays(r.Shape, "vqueues")
	for s, name := range sometimesNames {
		n := r.Coverage.Sometimes[name]
		switch why := cannotReach(sometime(s), v, vqueues); {
		case n.Schedules > 0:
			fmt.Fprintf(&b, "    %8d  %s (first seed %d)\n", n.Schedules, name, n.FirstSeed)
		case vErr == nil && why != "":
			fmt.Fprintf(&b, "    %8s  %s\n", "n/a", name)
			if !slices.Contains(whys, why) {
				whys = append(whys, why)
			}
		default:
			fmt.Fprintf(&b, "    %8s  %s\n", "never", name)
		}
	}
	writeList(&b, "n/a: ", whys)
	_, err := io.WriteString(w, b.String())
	return err
}

func minimalNote(s *ShrinkResult) string {
	if s.OneMinimal {
		return ", 1-minimal"
	}
	return ", not proven 1-minimal (" + s.Unproven() + ")"
}

// playableSchedule is the schedule best stepped through in the terminal
// UI: the shrunk one if saved (a few dozen decisions), else the whole run's.
func playableSchedule(files []string) string {
	return cmp.Or(ShrunkSchedule(files), RecordedSchedule(files))
}

// ShrunkSchedule is the shrunk schedule among a failure's saved files (""
// if none was saved).
func ShrunkSchedule(files []string) string {
	for _, f := range files {
		if strings.HasSuffix(f, "-shrunk.schedule") {
			return f
		}
	}
	return ""
}

// RecordedSchedule is the whole run's schedule among a failure's saved
// files ("" if none was saved): what lab inevitable charts.
func RecordedSchedule(files []string) string {
	for _, f := range files {
		if strings.HasSuffix(f, ".schedule") && !strings.HasSuffix(f, "-shrunk.schedule") {
			return f
		}
	}
	return ""
}
