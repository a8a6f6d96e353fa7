package faults

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"lab/invoker"
)

// ScheduleError is a schedule that cannot be read, or that does not fit the
// run it replays: it names the file, line and, once replaying, the
// simulator's step.
type ScheduleError struct {
	File string
	Line int
	Step int
	Msg  string
}

func (e *ScheduleError) Error() string {
	var b strings.Builder
	b.WriteString("schedule")
	if e.File != "" {
		b.WriteString(" " + e.File)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Line)
	}
	if e.Step > 0 {
		fmt.Fprintf(&b, " (step %d)", e.Step)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// countCommands counts the lines that hold a command (not blank, not a
// comment), without splitting them: room for a schedule's entries is made
// once.
func countCommands(src []byte) int {
	n := 0
	for len(src) > 0 {
		line := src
		if i := bytes.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = nil
		}
		if line = bytes.TrimLeft(line, " \t\r"); len(line) > 0 && line[0] != '#' {
			n++
		}
	}
	return n
}

// ParseSchedule reads a schedule written by a recorded run. It checks the
// format, the version and every entry's arguments; whether the decisions
// fit the run is found out by replaying it.
func ParseSchedule(file string, src []byte) (*Schedule, error) {
	fail := func(line int, format string, v ...any) error {
		return &ScheduleError{File: file, Line: line, Msg: fmt.Sprintf(format, v...)}
	}
	lines := bytes.Count(src, []byte("\n")) + 1
	// A last line without its newline: the file was cut mid-line.
	cut := len(src) > 0 && src[len(src)-1] != '\n'
	var s *Schedule
	seen, first, last := 0, 0, 0
	// The commands are read one at a time (eachCommand): a long run's
	// schedule is millions of lines, and holding them all as commands
	// besides the entries took twice the memory.
	err := eachCommand(file, src, func(c Command) error {
		seen++
		last = c.Line
		if key, twice := c.twice(); twice {
			return fail(c.Line, "%s= given twice", key)
		}
		switch seen {
		case 1:
			first = c.Line
			if c.Verb != "lab-schedule" {
				return fail(c.Line, "not a schedule: it must start with `lab-schedule version=%d`", ScheduleVersion)
			}
			a := c.args("version", "model")
			if v := a.int("version", 0, true); a.err == nil && v != ScheduleVersion {
				return fail(c.Line, "version %d: this lab reads version %d", v, ScheduleVersion)
			}
			model := a.int("model", 1, false)
			if a.err == nil && model < 1 {
				return fail(c.Line, "model=%d: model revisions start at 1", model)
			}
			if a.err != nil {
				return fail(c.Line, "%s", scriptMsg(a.err))
			}
			s = &Schedule{File: file, Header: ScheduleHeader{Model: model}}
			return nil
		case 2:
			if c.Verb != "options" {
				return fail(first+1, "the second entry must be `options ...`")
			}
			model := s.Header.Model
			h, err := parseHeader(c)
			if err != nil {
				return fail(c.Line, "%s", scriptMsg(err))
			}
			s.Header, s.Header.Model = h, model
			s.Entries = make([]Entry, 0, countCommands(src)) // not per line: blank lines would reserve room for nothing
			return nil
		}
		e, err := parseEntry(c)
		if err != nil && cut && c.Line == lines {
			return fail(c.Line, "truncated: the last line is cut short (%s)", scriptMsg(err))
		}
		if err != nil {
			return fail(c.Line, "%s", scriptMsg(err))
		}
		if n := len(s.Entries); n > 0 && s.Entries[n-1].Op == OpEnd {
			return fail(c.Line, "an entry after the end")
		}
		s.Entries = append(s.Entries, e)
		return nil
	})
	var se *ScriptError
	if errors.As(err, &se) {
		return nil, &ScheduleError{File: file, Line: se.Line, Msg: se.Msg}
	}
	switch {
	case err != nil:
		return nil, err
	case seen == 0:
		return nil, fail(0, "empty: not a schedule")
	case seen == 1:
		return nil, fail(first+1, "the second entry must be `options ...`")
	}
	if n := len(s.Entries); n == 0 || s.Entries[n-1].Op != OpEnd {
		return nil, fail(last, "truncated: the schedule does not end with `end`")
	}
	return s, nil
}

// scriptMsg is an argument error's message without its line, which the
// schedule error adds.
func scriptMsg(err error) string {
	var se *ScriptError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

func parseHeader(c Command) (ScheduleHeader, error) {
	a := c.args("seed", "variant", "plan", "scheduler", "partitions", "invokers", "quota", "queue-limit",
		"effect-capacity", "retry-initial", "retry-factor", "retry-max", "retry-attempts", "on-panic", "invocations",
		"arrival-span", "step-downs", "kills", "shutdown", "bound-shutdown", "bound-crash", "bound-progress", "bound-progress-confirmed", "max-picks",
		"max-decisions", "shared-tmp-dir", "invariants", "task-panics", "retry-timers", "paused-slots", "spill-dirs", "in-tmp-dir", "throttle", "throttle-burst", "memory-limit", "memory-hungry", "yield", "vqueues", "yield-threshold", "pauses", "retry-nows")
	var h ScheduleHeader
	h.Seed = a.uint64("seed")
	variant, err := invoker.ParseVariant(a.str("variant", true))
	if err != nil {
		a.fail("%v", err)
	}
	n := &h.Node
	n.Variant = variant
	h.Plan, h.Strategy = unescapeName(a.str("plan", true)), unescapeName(a.str("scheduler", true))
	for _, f := range [...]struct{ key, name string }{{"plan", h.Plan}, {"scheduler", h.Strategy}} {
		// Names are printable (plans are refused otherwise), and they are
		// printed: an edited schedule must not write a line break or an
		// escape sequence through them.
		if bad := unprintableName(f.name); bad != "" && a.err == nil {
			a.fail("%s=%q: %s", f.key, f.name, bad)
		}
	}
	n.Partitions, n.Quota = a.int("partitions", 0, true), a.int("quota", 0, true)
	n.QueueLimit, n.EffectCapacity = a.int("queue-limit", 0, true), a.int("effect-capacity", 0, true)
	switch layout := a.str("invokers", true); layout {
	case "shared":
		n.SharedInvoker = true
	case "per-partition", "":
	default:
		a.fail("invokers=%s: want shared or per-partition", layout)
	}
	if _, ok := a.lookup("shared-tmp-dir"); ok {
		n.SharedTmpDir = a.bool("shared-tmp-dir")
	}
	n.Retry.Initial, n.Retry.Max = a.duration("retry-initial", 0), a.duration("retry-max", 0)
	n.Retry.Factor = a.float("retry-factor")
	n.Retry.MaxAttempts = a.int("retry-attempts", 0, true)
	parseArg(a, "on-panic", invoker.ParseOnPanic, &n.OnPanic)
	parseArg(a, "retry-timers", invoker.ParseRetryTimers, &n.RetryTimers)
	parseArg(a, "paused-slots", invoker.ParsePausedSlots, &n.PausedSlots)
	parseArg(a, "spill-dirs", invoker.ParseSpillDirs, &n.SpillDirs)
	parseArg(a, "in-tmp-dir", invoker.ParseInTmpDir, &n.InTmpDir)
	parseArg(a, "throttle", invoker.ParseThrottleRate, &n.Throttle)
	n.Throttle.Burst = a.int("throttle-burst", 0, false)
	n.MemoryLimit = a.int("memory-limit", 0, false)
	parseArg(a, "yield", invoker.ParseYield, &n.Yield)
	parseArg(a, "vqueues", invoker.ParseVQueues, &n.VQueues)
	n.YieldThreshold = a.duration("yield-threshold", 0)
	if n.InTmpDir != n.TmpDirUse() && a.err == nil {
		// the lab writes it only where it matters (inTmpDirArg)
		a.fail("in-tmp-dir=%s: only with shared-tmp-dir=true", n.InTmpDir)
	}
	if err := CheckYield(n.MemoryLimit, n.Yield); err != nil && a.err == nil {
		a.fail("%v", err)
	}
	w := &h.Workload
	w.Invocations, w.StepDowns, w.Kills = a.int("invocations", 0, true), a.int("step-downs", 0, true), a.int("kills", 0, true)
	w.Pauses, w.RetryNows = a.int("pauses", 0, false), a.int("retry-nows", 0, false)
	w.Hungry = a.int("memory-hungry", 0, false)
	if err := CheckHungry(h.Node, *w); err != nil && a.err == nil {
		a.fail("%v", err)
	}
	w.ArrivalSpan = a.duration("arrival-span", 0)
	w.Shutdown = a.bool("shutdown")
	h.Bounds.Shutdown, h.Bounds.Crash = a.duration("bound-shutdown", 0), a.duration("bound-crash", 0)
	if _, ok := a.lookup("bound-progress"); ok {
		if h.Bounds.Progress = a.duration("bound-progress", 0); h.Bounds.Progress <= 0 {
			a.fail("bound-progress=%v: must be positive", h.Bounds.Progress)
		}
	}
	if _, ok := a.lookup("bound-progress-confirmed"); ok {
		h.Bounds.ProgressConfirmed = a.duration("bound-progress-confirmed", 0)
		switch b := h.Bounds; {
		case a.err != nil:
		case b.Progress == 0:
			a.fail("bound-progress-confirmed=%v: only with bound-progress", b.ProgressConfirmed)
		case b.ProgressConfirmed <= b.Progress || b.ProgressConfirmed > MaxProgressBound:
			a.fail("bound-progress-confirmed=%v: want one longer than bound-progress=%v, up to %v", b.ProgressConfirmed, b.Progress, MaxProgressBound)
		}
	}
	// Schedules recorded before the budget was named for what it counts
	// call it max-decisions.
	budget := "max-picks"
	if _, ok := a.lookup("max-decisions"); ok {
		budget = "max-decisions"
	}
	h.MaxPicks = a.int(budget, 0, true)
	if _, ok := a.lookup("task-panics"); ok {
		if p := a.float("task-panics"); p > 0 && p <= 1 {
			w.Tasks.Panic = p
		} else if a.err == nil {
			a.fail("task-panics=%v: want a probability above 0, at most 1", p)
		}
	}
	if v, ok := a.lookup("invariants"); ok {
		h.Invariants = strings.Split(v, ",")
		if err := CheckInvariants(h.Invariants); err != nil {
			a.fail("invariants=%s: %v", v, err)
		}
	}
	if a.err != nil {
		return h, a.err
	}
	if err := n.Validate(); err != nil {
		return h, err
	}
	if err := w.Validate(); err != nil {
		return h, err
	}
	if h.Bounds.Shutdown <= 0 || h.Bounds.Crash <= 0 || h.MaxPicks <= 0 {
		return h, fmt.Errorf("bounds and max-picks must be positive")
	}
	return h, nil
}

func parseEntry(c Command) (Entry, error) {
	op, ok := opNames.Parse(c.Verb, OpPhase)
	if !ok {
		return Entry{}, fmt.Errorf("unknown entry %q (want %s)", c.Verb, strings.Join(opNames[1:], ", "))
	}
	e := Entry{Line: c.Line, Op: op}
	var a *args
	switch op {
	case OpPhase:
		a = c.args("stage")
		st, ok := ParseStage(a.str("stage", true))
		if (!ok || st == StageNone) && a.err == nil {
			a.fail("stage=%s: want workload, heal, restart, shutdown or end", a.str("stage", false))
		}
		e.Stage = st
	case OpSend:
		a = c.args("at", "msg", "invoker", "p", "epoch", "inv", "hungry")
		e.At = a.duration("at", 0)
		kind, ok := invoker.ParseMsgKind(a.str("msg", true))
		if !ok && a.err == nil {
			a.fail("msg=%s: not a message kind", a.str("msg", false))
		}
		e.Msg = invoker.Envelope{Kind: kind, Invoker: a.int("invoker", 0, false), Inv: invoker.InvocationID(a.str("inv", false)),
			PLE: invoker.PLE{Partition: invoker.PartitionID(a.signed("p")), Epoch: invoker.Epoch(a.int("epoch", 0, false))}}
		if _, ok := a.lookup("hungry"); ok {
			e.Msg.Hungry = a.bool("hungry")
		}
	case OpPick:
		a = c.args("invoker", "arm")
		e.Choice = Choice{Invoker: Transport}
		if w := c.words(); len(w) == 1 && w[0] == "deliver" && len(c.Args) == 1 {
			break
		}
		e.Choice.Invoker = a.int("invoker", 0, true)
		arm, ok := invoker.ParseArm(a.str("arm", true))
		if (!ok || arm == invoker.ArmNone) && a.err == nil {
			a.fail("arm=%s: not an arm", a.str("arm", false))
		}
		e.Choice.Arm = arm
	case OpFault:
		a = c.args("msg", "action", "d", "k", "rule")
		e.Msg.ID = a.uint64("msg")
		act, ok := parseAction(a.str("action", true))
		if !ok && a.err == nil {
			a.fail("action=%s: want delay, drop, reorder or duplicate", a.str("action", false))
		}
		e.Fault = Verdict{Action: act, Delay: a.duration("d", 0), Overtakes: a.int("k", 0, false), Rule: a.int("rule", 0, true)}
	case OpTask:
		a = c.args("id", "inv", "attempt", "out")
		e.Task, e.Inv, e.Attempt = invoker.TaskID(a.uint64("id")), invoker.InvocationID(a.str("inv", true)), a.int("attempt", 0, true)
		e.Steps = a.taskSteps("out")
	case OpAdvance:
		a = c.args("to")
		e.At = a.duration("to", 0)
	case OpControl:
		a = c.args("p", "epoch", "inv", "action", "kind", "n", "d", "k")
		ctl := parseControl(c, a)
		e.Control = &ctl
	case OpEnd:
		a = c.args("events", "sha256")
		e.Events, e.Hash = a.uint64("events"), a.str("sha256", true)
	}
	if op != OpPick && op != OpControl && len(c.words()) > 0 && a.err == nil {
		a.fail("unexpected word %q", c.words()[0])
	}
	return e, a.err
}

// parseControl reads `control KIND ...`, the form controlArgs writes.
func parseControl(c Command, a *args) Control {
	w := c.words()
	if len(w) != 1 {
		a.fail("control needs one kind: step-down, leader, kill, pause, resume, shutdown or fault")
		return Control{}
	}
	k, ok := controlNames.Parse(w[0], ControlStepDown)
	if !ok || k == ControlNone {
		a.fail("unknown control %q", w[0])
	}
	ctl := Control{Kind: k}
	switch {
	case k.aboutPartition():
		ctl.Partition = invoker.PartitionID(a.int("p", 0, true))
		ctl.Epoch = invoker.Epoch(a.int("epoch", 0, k == ControlLeader))
		ctl.Inv = invoker.InvocationID(a.str("inv", k.aboutInvocation()))
	case k == ControlFault:
		ctl.Rule = faultRule(a)
		if _, ok := a.lookup("p"); ok {
			p := invoker.PartitionID(a.int("p", 0, false))
			ctl.Rule.Partition = &p
		}
	}
	return ctl
}

func (a *args) uint64(key string) uint64 {
	v := a.str(key, true)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseUint(v, 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		a.fail("%s=%s: too large (at most %d)", key, v, uint64(math.MaxUint64))
	case err != nil:
		a.fail("%s=%s: want a whole number", key, v)
	}
	return n
}

// signed reads an optional whole number that may be -1 (nothing).
func (a *args) signed(key string) int {
	v, ok := a.lookup(key)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < -1 {
		a.fail("%s=%s: want a whole number or -1", key, v)
	}
	return n
}

func (a *args) float(key string) float64 {
	v := a.str(key, true)
	f, err := strconv.ParseFloat(v, 64)
	if v != "" && err != nil {
		a.fail("%s=%s: want a number", key, v)
	}
	return f
}

func (a *args) bool(key string) bool {
	v := a.str(key, true)
	b, err := strconv.ParseBool(v)
	if v != "" && err != nil {
		a.fail("%s=%s: want true or false", key, v)
	}
	return b
}

// taskSteps reads `out=entry@2ms,closed@9ms` (or `out=none`).
func (a *args) taskSteps(key string) []TaskStep {
	v := a.str(key, true)
	if v == "" || v == "none" {
		return nil
	}
	var steps []TaskStep
	for _, part := range strings.Split(v, ",") {
		name, after, ok := strings.Cut(part, "@")
		out, okOut := invoker.ParseOutputKind(name)
		d, err := time.ParseDuration(after)
		if !ok || !okOut || out == invoker.OutNone || err != nil || d < 0 {
			a.fail("%s=%s: want outputs like entry@2ms,closed@9ms", key, v)
			return nil
		}
		steps = append(steps, TaskStep{After: d, Out: out})
	}
	return steps
}
