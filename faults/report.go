package faults

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"lab/invoker"
)

// WriteText prints a run's report for people: what ran, each invariant, the
// events that led to the first violation, counts, the hash and how to replay.
func WriteText(w io.Writer, r *Result) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "lab run   seed %d, variant %s%s, plan %s, scheduler %s\n", r.Seed, r.Variant, r.settings(), r.Plan, r.Strategy)
	fmt.Fprintf(b, "workload  %s\n", describeWorkload(r.Sent))
	if r.Sent != r.Workload {
		fmt.Fprintf(b, "          as replayed; its seed draws %s\n", describeWorkload(r.Workload))
	}
	if r.OK() {
		b.WriteString("result    ok: every invariant held\n")
	} else {
		fmt.Fprintf(b, "result    VIOLATED: %s\n", strings.Join(r.violatedNames(), ", "))
	}
	b.WriteString("\ninvariants\n")
	for _, inv := range Invariants {
		v := r.first(inv)
		if v == nil {
			fmt.Fprintf(b, "  %-19s held\n", inv)
			continue
		}
		fmt.Fprintf(b, "  %-19s VIOLATED %s: %s\n", inv, v.Where(), v.Detail)
	}
	if !r.OK() {
		v := r.Violations[0]
		fmt.Fprintf(b, "\nevents leading to %s\n", v.Invariant)
		for _, e := range v.Recent {
			fmt.Fprintf(b, "  %s\n", DescribeEvent(e))
		}
	}
	b.WriteString("\n")
	switch r.AfterPanic() {
	case PanicAbortedNode:
		b.WriteString("after panic  the process aborted (panic = \"abort\"): every invoker, task and partition processor stopped; the liveness phase restarted the node\n")
	case PanicInvokerOnly:
		b.WriteString("after panic  only the invoker died; the partition processors it served noticed (on-panic=watch, restatedev/restate#4103)\n")
	case PanicUnnoticed:
		b.WriteString("after panic  only the invoker died, and nothing told the partition processors it served (on-panic=unwind, restatedev/restate#4102)\n")
	}
	fmt.Fprintf(b, "invocations  %s\n", r.invocationCounts())
	fmt.Fprintf(b, "dropped      %d stale invokes, %d duplicate invokes, %d effects at the partition, %d queued invokes purged\n",
		r.Kinds[invoker.KindStaleInvoke], r.Kinds[invoker.KindDuplicateInvoke], r.Kinds[invoker.KindEffectDropped], r.Purged)
	fmt.Fprintf(b, "queue        %d segments spilled, %d loaded\n", r.Kinds[invoker.KindSpill], r.Kinds[invoker.KindLoad])
	fmt.Fprintf(b, "schedule     %s\n", r.Decisions)
	fmt.Fprintf(b, "picks        %d invoker steps, %d deliveries; %d with a choice\n", r.Steps, r.Deliveries, r.Choices)
	fmt.Fprintf(b, "events       %d in %v of virtual time\n", r.Events, r.End.Round(time.Microsecond))
	fmt.Fprintf(b, "faults       %s\n", r.faultCounts())
	fmt.Fprintf(b, "hash         sha256:%s\n", r.Hash)
	if r.TraceID != "" {
		fmt.Fprintf(b, "trace        %s\n", r.TraceID)
	}
	if r.TraceURL != "" {
		fmt.Fprintf(b, "jaeger       %s\n", r.TraceURL)
	}
	for _, c := range []string{r.Replay, r.ReplaySchedule} {
		if c != "" {
			fmt.Fprintf(b, "replay       %s\n", c)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Plural is n and what, in the plural unless n is 1: "1 kill", "2 kills".
func Plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func (r *Result) first(invariant string) *Violation {
	for i := range r.Violations {
		if r.Violations[i].Invariant == invariant {
			return &r.Violations[i]
		}
	}
	return nil
}

// settings names the run's node settings that are not the default, each
// after a comma: what an invoker's panic takes down, how retry timers are
// found, whether spill directories are removed, where invokers spill given
// one tmp-dir, the throttle and the memory pool.
func (r *Result) settings() string {
	var s string
	if r.OnPanic != invoker.PanicAbortsNode {
		s += ", on-panic " + r.OnPanic.String()
	}
	if r.RetryTimers != invoker.RetryTimersKeyed {
		s += ", retry-timers " + r.RetryTimers.String()
	}
	if r.PausedSlots != invoker.PausedSlotsReleased {
		s += ", paused-slots " + r.PausedSlots.String()
	}
	if r.Yield != invoker.YieldOff {
		s += ", yield " + r.Yield.String()
	}
	if r.VQueues != invoker.VQueuesOff {
		s += ", vqueues " + r.VQueues.String()
	}
	if r.YieldThreshold > 0 {
		s += ", yield-threshold " + r.YieldThreshold.String()
	}
	if r.SpillDirs != invoker.SpillDirsKept {
		s += ", spill-dirs " + r.SpillDirs.String()
	}
	if r.InTmpDir != invoker.InTmpDirShared {
		s += ", in-tmp-dir " + r.InTmpDir.String()
	}
	if r.Throttle.On() {
		s += ", throttle " + ThrottleText(r.Throttle)
	}
	if r.MemoryLimit > 0 {
		s += ", memory-limit " + strconv.Itoa(r.MemoryLimit)
	}
	return s
}

func (r *Result) violatedNames() []string {
	var names []string
	for _, inv := range Invariants {
		if r.Violated(inv) {
			names = append(names, inv)
		}
	}
	return names
}

func (r *Result) statusCounts() map[string]int {
	counts := map[string]int{}
	for _, p := range r.Final.Partitions {
		for s, n := range p.ByStatus {
			if n > 0 {
				counts[invoker.Status(s).String()] += n
			}
		}
	}
	return counts
}

func (r *Result) invocationCounts() string {
	counts := r.statusCounts()
	var parts []string
	for s := invoker.StatusInvoked; s <= invoker.StatusPaused; s++ {
		if n := counts[s.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	parts = append(parts, fmt.Sprintf("%d rejected", r.Kinds[invoker.KindRejected]-r.Refused))
	if r.Refused > 0 {
		parts = append(parts, fmt.Sprintf("%s refused (a kill, pause, resume or retry-now of an invocation not in that state)", Plural(r.Refused, "request")))
	}
	if r.Yields > 0 {
		parts = append(parts, fmt.Sprintf("%s yielded for memory", Plural(r.Yields, "attempt")))
	}
	return strings.Join(parts, ", ")
}

func (r *Result) faultCounts() string {
	if r.FaultsInjected() == 0 {
		return "none"
	}
	var parts []string
	for a := Delay; a <= Duplicate; a++ {
		if r.Faults[a] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", r.Faults[a], a))
		}
	}
	return strings.Join(parts, ", ")
}

// ReportVersion is the JSON report's schema_version. Version 2: decisions
// counts every decision of the schedule (decision_counts has each kind);
// in version 1 it counted the picks alone.
const ReportVersion = 2

// report is the JSON form of a Result, a stable document for machines.
type report struct {
	SchemaVersion int    `json:"schema_version"`
	ModelRevision int    `json:"model_revision"` // whose runs the hash is of
	Seed          uint64 `json:"seed"`
	Variant       string `json:"variant"`
	Plan          string `json:"plan"`
	Scheduler     string `json:"scheduler"`
	// Settings names what the run sets that is not the default, as
	// lab_run_info does ("on-panic=unwind spill-dirs=removed"; "" for none).
	Settings    string            `json:"settings"`
	OK          bool              `json:"ok"`
	Violations  []violationReport `json:"violations"`
	Invocations map[string]int    `json:"invocations"`
	Counts      map[string]int    `json:"event_counts"`
	Faults      map[string]int    `json:"faults"`
	Decisions   int               `json:"decisions"`
	Counted     DecisionCount     `json:"decision_counts"`
	Steps       int               `json:"invoker_steps"`
	Deliveries  int               `json:"deliveries"`
	Choices     int               `json:"choices"`
	Events      uint64            `json:"events"`
	EndNanos    int64             `json:"virtual_time_ns"`
	Hash        string            `json:"sha256"`
	AfterPanic  string            `json:"after_panic,omitempty"`
	Replay      string            `json:"replay,omitempty"`
	ReplaySched string            `json:"replay_schedule,omitempty"`
	TraceID     string            `json:"trace_id,omitempty"`
	TraceURL    string            `json:"trace_url,omitempty"`
}

type violationReport struct {
	Invariant string `json:"invariant"`
	Check     string `json:"check"`
	Detail    string `json:"detail"`
	// Event broke it, or with between, is the last event before it was
	// found at at_ns.
	Event   invoker.Event        `json:"event"`
	Between bool                 `json:"between,omitempty"`
	AtNanos int64                `json:"at_ns"`
	Inv     invoker.InvocationID `json:"inv,omitempty"`
	Recent  []invoker.Event      `json:"recent"`
}

// WriteJSON prints a run's report as one JSON document.
func WriteJSON(w io.Writer, r *Result) error {
	rep := report{SchemaVersion: ReportVersion, ModelRevision: ModelRevision, Seed: r.Seed, Variant: r.Variant.String(), Plan: r.Plan,
		Scheduler: r.Strategy, Settings: strings.TrimSpace(RunSettings(r.Settings(), r.Workload)), OK: r.OK(), Violations: []violationReport{},
		Invocations: r.statusCounts(), Counts: map[string]int{}, Faults: map[string]int{},
		Decisions: r.Decisions.Total(), Counted: r.Decisions, Steps: r.Steps, Deliveries: r.Deliveries, Choices: r.Choices, Events: r.Events,
		EndNanos: int64(r.End), Hash: r.Hash, AfterPanic: r.AfterPanic(), Replay: r.Replay, ReplaySched: r.ReplaySchedule,
		TraceID: r.TraceID, TraceURL: r.TraceURL}
	for _, v := range r.Violations {
		rep.Violations = append(rep.Violations, violationReport{Invariant: v.Invariant, Check: v.Check, Detail: v.Detail,
			Event: v.Event, Between: v.Between, AtNanos: int64(v.At), Inv: v.Inv, Recent: v.Recent})
	}
	for k, n := range r.Kinds {
		if n > 0 {
			rep.Counts[invoker.Kind(k).String()] = n
		}
	}
	for a := Delay; a <= Duplicate; a++ {
		rep.Faults[a.String()] = r.Faults[a]
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// describeWorkload says what a workload sends: "64 invocations over
// 200ms, 1 step-down, 0 kills", and its pauses, retry-nows and hungry
// invocations where it has them.
func describeWorkload(wl Workload) string {
	s := fmt.Sprintf("%s over %v, %s, %s", Plural(wl.Invocations, "invocation"), wl.ArrivalSpan,
		Plural(wl.StepDowns, "step-down"), Plural(wl.Kills, "kill"))
	if wl.Pauses > 0 {
		s += fmt.Sprintf(", %s and resumes", Plural(wl.Pauses, "pause"))
	}
	if wl.RetryNows > 0 {
		s += fmt.Sprintf(", %s", Plural(wl.RetryNows, "retry-now"))
	}
	if wl.Hungry > 0 {
		s += fmt.Sprintf(", %d hungry for memory", wl.Hungry)
	}
	return s
}
