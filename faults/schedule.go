package faults

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"lab/invoker"
)

// ScheduleVersion is the version of the schedule format this lab writes
// and reads: a schedule of another version is refused.
const ScheduleVersion = 1

// ModelRevision names the runs this lab's model and simulator produce. It
// changes whenever a recorded run would replay differently (another event,
// order or hash), as model fixes do; the format stays. A schedule records
// the revision it was made by: one of another revision is still replayed,
// and where it no longer fits, the error says why.
// TestModelRevisionPinsRuns holds the revision to the hashes of reference
// runs, so that a change in them cannot go unnoticed.
const ModelRevision = 7

// A Schedule is every decision of one run, in the order they were taken:
// what the outside world sent and when, which choice the scheduler made at
// every point, every fault verdict with its drawn delay, every task
// attempt's outputs, every control, and every stage and time advance as a
// checkpoint. Replaying it draws no random number at all.
//
// On disk a schedule is text, one entry a line, in the same `verb key=value`
// syntax as scripts; `#` starts a comment:
//
//	lab-schedule version=1 model=2
//	options seed=1 variant=buggy plan=shutdown-race scheduler=random partitions=4 ...
//	phase stage=workload
//	send at=1.25ms msg=submit p=2 inv=i012
//	pick deliver
//	pick invoker=0 arm=dequeue
//	fault msg=23 action=delay d=3ms
//	task id=4 inv=i012 attempt=1 out=entry@2ms,closed@9ms
//	advance to=12ms
//	control step-down p=1
//	end events=2345 sha256=...
type Schedule struct {
	Header  ScheduleHeader
	Entries []Entry
	// File is where ParseSchedule read it from ("" for one made in
	// memory), for replay errors to name.
	File string
}

// Picks are the choices s's picks took, in order.
func (s *Schedule) Picks() []Choice {
	var cs []Choice
	for _, e := range s.Entries {
		if e.Op == OpPick {
			cs = append(cs, e.Choice)
		}
	}
	return cs
}

// KeepPicks is s with only its first k picks, in dst's storage (nil for
// new storage); every other entry stays. A lenient replay of it takes the
// later picks with its strategy, and with DrawAfterPicks goes on from
// there as a seeded run would, while what the outside world sends stays
// as recorded: it asks what else could have happened after pick k.
func (s *Schedule) KeepPicks(dst []Entry, k int) *Schedule {
	out := &Schedule{Header: s.Header, Entries: dst[:0], File: s.File}
	picks := 0
	for _, e := range s.Entries {
		if e.Op == OpPick {
			if picks++; picks > k {
				continue
			}
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

// Decisions counts the schedule's decisions by kind (its advances and
// phases follow from them, and are not counted).
func (s *Schedule) Decisions() DecisionCount {
	var c DecisionCount
	for _, e := range s.Entries {
		switch e.Op {
		case OpPick:
			c.Picks++
		case OpSend:
			c.Sends++
		case OpFault:
			c.Faults++
		case OpTask:
			c.Tasks++
		case OpControl:
			c.Controls++
		}
	}
	return c
}

// ScheduleHeader is what a replay needs besides the decisions: the node's
// shape and the names that appear in the run's log.
type ScheduleHeader struct {
	// Model is the ModelRevision that recorded the schedule (1: before
	// revisions were recorded).
	Model    int
	Seed     uint64
	Node     invoker.Config
	Plan     string
	Strategy string
	Workload Workload
	Bounds   Bounds
	MaxPicks int
	// Invariants are those the run is about (Options.Invariants; nil:
	// all): it stopped at a violation of one of them only, and shrinking
	// keeps the first of those.
	Invariants []string
}

// Op is the kind of a schedule entry.
type Op uint8

const (
	OpNone Op = iota
	// OpPhase: the run entered Stage.
	OpPhase
	// OpSend: the outside world sends Msg at At.
	OpSend
	// OpPick: the scheduler chose Choice.
	OpPick
	// OpFault: message Msg.ID met a fault.
	OpFault
	// OpTask: task Task (invocation Inv, attempt Attempt) produces Steps.
	OpTask
	// OpAdvance: virtual time moved to At.
	OpAdvance
	// OpControl: Control was applied.
	OpControl
	// OpEnd: the run ended with Events events hashing to Hash.
	OpEnd
)

var opNames = invoker.Names[Op]{OpPhase: "phase", OpSend: "send", OpPick: "pick", OpFault: "fault",
	OpTask: "task", OpAdvance: "advance", OpControl: "control", OpEnd: "end"}

func (o Op) String() string { return opNames.Name(o) }

// Entry is one decision of a schedule. Only the fields of its Op are set.
type Entry struct {
	// Line is where a read entry was in its file.
	Line  int
	Op    Op
	Stage Stage
	At    time.Duration
	Msg   invoker.Envelope
	// Nth, for a fault whose Msg has its message's content (the
	// shrinker's, never a file's: files name messages by id), is which
	// message of that content the fault was for, counting from 1 in the
	// order the run sent them, so that a lenient replay finds it again
	// among others alike (a step-down sent twice to one partition, say);
	// 0 takes the first one.
	Nth     int
	Choice  Choice
	Fault   Verdict
	Task    invoker.TaskID
	Inv     invoker.InvocationID
	Attempt int
	Steps   []TaskStep
	// Control is set for OpControl alone: behind a pointer, so that the
	// millions of picks and advances of a long run's schedule do not each
	// carry room for one.
	Control *Control
	Events  uint64
	Hash    string
}

// Verdict is what a fault did to one message.
type Verdict struct {
	Action Action
	// Delay: by how much a delay held the message, or how much later a
	// duplicate's copy came.
	Delay time.Duration
	// Overtakes: how many later deliveries pass a reordered message.
	Overtakes int
	// Rule is the number of the rule that fired, from 1: the plan's rules,
	// then those armed by controls.
	Rule int
}

// String is the entry's line in a schedule file.
func (e Entry) String() string {
	var b strings.Builder
	b.WriteString(e.Op.String())
	switch e.Op {
	case OpPhase:
		fmt.Fprintf(&b, " stage=%s", e.Stage)
	case OpSend:
		fmt.Fprintf(&b, " at=%s msg=%s", e.At, e.Msg.Kind)
		if e.Msg.Invoker != 0 {
			fmt.Fprintf(&b, " invoker=%d", e.Msg.Invoker)
		}
		if e.Msg.PLE.Partition != 0 {
			fmt.Fprintf(&b, " p=%d", e.Msg.PLE.Partition)
		}
		if e.Msg.PLE.Epoch != 0 {
			fmt.Fprintf(&b, " epoch=%d", e.Msg.PLE.Epoch)
		}
		if e.Msg.Inv != "" {
			fmt.Fprintf(&b, " inv=%s", e.Msg.Inv)
		}
		if e.Msg.Hungry {
			b.WriteString(" hungry=true")
		}
	case OpPick:
		if e.Choice.Invoker == Transport {
			b.WriteString(" deliver")
		} else {
			fmt.Fprintf(&b, " invoker=%d arm=%s", e.Choice.Invoker, e.Choice.Arm)
		}
	case OpFault:
		fmt.Fprintf(&b, " msg=%d action=%s rule=%d", e.Msg.ID, e.Fault.Action, e.Fault.Rule)
		if e.Fault.Delay != 0 {
			fmt.Fprintf(&b, " d=%s", e.Fault.Delay)
		}
		if e.Fault.Action == Reorder {
			fmt.Fprintf(&b, " k=%d", e.Fault.Overtakes)
		}
	case OpTask:
		fmt.Fprintf(&b, " id=%d inv=%s attempt=%d out=", e.Task, e.Inv, e.Attempt)
		for i, st := range e.Steps {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%s@%s", st.Out, st.After)
		}
		if len(e.Steps) == 0 {
			b.WriteString("none")
		}
	case OpAdvance:
		fmt.Fprintf(&b, " to=%s", e.At)
	case OpControl:
		b.WriteString(" " + controlArgs(*e.Control))
	case OpEnd:
		fmt.Fprintf(&b, " events=%d sha256=%s", e.Events, e.Hash)
	}
	return b.String()
}

// controlArgs writes a control as schedule arguments: its kind as a bare
// word, then what it is about.
func controlArgs(c Control) string {
	switch c.Kind {
	case ControlStepDown:
		return fmt.Sprintf("step-down p=%d", c.Partition)
	case ControlLeader:
		return fmt.Sprintf("leader p=%d epoch=%d", c.Partition, c.Epoch)
	case ControlKill, ControlPause, ControlResume:
		return fmt.Sprintf("%s p=%d inv=%s", c.Kind, c.Partition, c.Inv)
	case ControlFault:
		return "fault " + ruleArgs(c.Rule)
	}
	return c.Kind.String()
}

// headerLines are the first lines of a schedule file: the version, then
// the options a replay rebuilds the run from.
func (h ScheduleHeader) lines() string {
	n, w := h.Node, h.Workload
	layout := "per-partition"
	if n.SharedInvoker {
		layout = "shared"
	}
	return fmt.Sprintf("# lab schedule: every decision of one run; `lab replay FILE` re-executes it.\n"+
		"lab-schedule version=%d model=%d\n"+
		"options seed=%d variant=%s plan=%s scheduler=%s partitions=%d invokers=%s quota=%d queue-limit=%d "+
		"effect-capacity=%d retry-initial=%s retry-factor=%s retry-max=%s retry-attempts=%d on-panic=%s "+
		"invocations=%d arrival-span=%s step-downs=%d kills=%d shutdown=%t "+
		"bound-shutdown=%s bound-crash=%s%s max-picks=%d%s%s%s\n",
		ScheduleVersion, ModelRevision, h.Seed, n.Variant, escapeName(h.Plan), escapeName(h.Strategy), n.Partitions, layout,
		n.Quota, n.QueueLimit, n.EffectCapacity, n.Retry.Initial, strconv.FormatFloat(n.Retry.Factor, 'g', -1, 64),
		n.Retry.Max, n.Retry.MaxAttempts, n.OnPanic, w.Invocations, w.ArrivalSpan, w.StepDowns, w.Kills, w.Shutdown,
		h.Bounds.Shutdown, h.Bounds.Crash, progressBoundArg(h.Bounds), h.MaxPicks, SharedTmpDirArg(n), invariantsArg(h.Invariants), SettingArgs(n, w))
}

// taskPanicsArg is ` task-panics=P` for a workload whose tasks may panic.
func taskPanicsArg(w Workload) string {
	if w.Tasks.Panic > 0 {
		return " task-panics=" + strconv.FormatFloat(w.Tasks.Panic, 'g', -1, 64)
	}
	return ""
}

// retryTimersArg is ` retry-timers=unkeyed` for a node whose timers are
// not fenced; keyed ones are the default, and left out.
func retryTimersArg(n invoker.Config) string {
	return settingArg("retry-timers", n.RetryTimers, invoker.RetryTimersKeyed)
}

// pausedSlotsArg is ` paused-slots=leaked` for a node whose pauses keep
// their slots; released ones are the default, and left out.
func pausedSlotsArg(n invoker.Config) string {
	return settingArg("paused-slots", n.PausedSlots, invoker.PausedSlotsReleased)
}

// vqueuesArg is ` vqueues=on` (or unguarded) for a node whose invocations
// come through vqueues, and ` yield-threshold=D` when they yield to the
// scheduler for a backoff of D or more; off and never, the defaults, are
// left out.
func vqueuesArg(n invoker.Config) string {
	return settingArg("vqueues", n.VQueues, invoker.VQueuesOff) + settingArg("yield-threshold", n.YieldThreshold, 0)
}

// yieldArg is ` yield=on` for a node whose attempts out of memory yield;
// off, Restate's default, is left out.
func yieldArg(n invoker.Config) string { return settingArg("yield", n.Yield, invoker.YieldOff) }

// spillDirsArg is ` spill-dirs=removed` for a node whose invokers remove
// their spill directories as they end; Restate's keep them, the default.
func spillDirsArg(n invoker.Config) string {
	return settingArg("spill-dirs", n.SpillDirs, invoker.SpillDirsKept)
}

// settingArg is ` key=value` for a setting off its default, and nothing
// at it.
func settingArg[T interface {
	comparable
	String() string
}](key string, value, byDefault T) string {
	if value == byDefault {
		return ""
	}
	return " " + key + "=" + value.String()
}

// inTmpDirArg is ` in-tmp-dir=subdir` for a node given one tmp-dir whose
// invokers spill into subdirectories of it; it is left out wherever it
// changes nothing (invoker.Config.TmpDirUse).
func inTmpDirArg(n invoker.Config) string {
	return settingArg("in-tmp-dir", n.TmpDirUse(), invoker.InTmpDirShared)
}

// throttleArg is ` throttle=R/U` (and ` throttle-burst=B` when it is not
// the rate) for a node whose invocations are throttled; unlimited is the
// default.
func throttleArg(n invoker.Config) string {
	t := n.Throttle
	if !t.On() {
		return ""
	}
	s := " throttle=" + t.String()
	if t.Burst > 0 {
		s += " throttle-burst=" + strconv.Itoa(t.Burst)
	}
	return s
}

// memoryLimitArg is ` memory-limit=N` for a node whose invokers draw on
// a memory pool of N leases; unlimited is the default.
func memoryLimitArg(n invoker.Config) string { return countArg("memory-limit", n.MemoryLimit) }

// hungryArg is ` memory-hungry=N` for a workload with invocations that
// need more memory than their first lease.
func hungryArg(w Workload) string { return countArg("memory-hungry", w.Hungry) }

// countArg is ` key=N` for a count that is not 0, and nothing for 0.
func countArg(key string, n int) string {
	if n > 0 {
		return " " + key + "=" + strconv.Itoa(n)
	}
	return ""
}

// ThrottleText is a throttle for a person: 10/s, with its burst when it
// is not the rate (10/s, burst 2).
func ThrottleText(t invoker.Throttle) string {
	if t.Burst > 0 {
		return t.String() + ", burst " + strconv.Itoa(t.Burst)
	}
	return t.String()
}

// SwarmTakesArgs names, each after a space, the settings of node n and
// workload w a swarm takes for every shape it draws: spill directories
// removed and a subdirectory each (for the nodes it gives one tmp-dir),
// the yield (for the nodes with a memory pool) and vqueues (for those
// with neither a pool nor a throttle), which it does not draw, and paused
// slots leaked, a throttle, a memory pool and invocations hungry for it,
// in place of those it draws.
func SwarmTakesArgs(n invoker.Config, w Workload) string {
	s := pausedSlotsArg(n) + yieldArg(n) + vqueuesArg(n) + spillDirsArg(n)
	if n.InTmpDir != invoker.InTmpDirShared {
		s += " in-tmp-dir=" + n.InTmpDir.String()
	}
	return s + throttleArg(n) + memoryLimitArg(n) + hungryArg(w)
}

// pausesArg is ` pauses=N` for a workload whose user pauses invocations.
func pausesArg(w Workload) string { return countArg("pauses", w.Pauses) }

// retryNowsArg is ` retry-nows=N` for a workload whose user asks for
// retries.
func retryNowsArg(w Workload) string { return countArg("retry-nows", w.RetryNows) }

// invariantsArg is ` invariants=a,b` for a run about those only.
func invariantsArg(invariants []string) string {
	if len(invariants) == 0 {
		return ""
	}
	return " invariants=" + strings.Join(invariants, ",")
}

// progressBoundArg is ` bound-progress=D` when the progress monitor is on.
// A schedule without it was recorded before the monitor existed (or with
// it off), and replays without it. ` bound-progress-confirmed=D` follows
// in a shrunk schedule whose bound shrinking shortened.
func progressBoundArg(b Bounds) string {
	s := ""
	if b.Progress > 0 {
		s = " bound-progress=" + b.Progress.String()
	}
	if b.ProgressConfirmed > 0 {
		s += " bound-progress-confirmed=" + b.ProgressConfirmed.String()
	}
	return s
}

// SharedTmpDirArg is ` shared-tmp-dir=true` for a node whose invokers
// share one spill directory, and nothing otherwise, so that the headers and
// first events of every other run read as they always have.
func SharedTmpDirArg(n invoker.Config) string {
	if n.SharedTmpDir {
		return " shared-tmp-dir=true"
	}
	return ""
}

// escapeName keeps a name one argument: spaces, `=` and `#` are escaped.
func escapeName(s string) string {
	return strings.NewReplacer("%", "%25", " ", "%20", "=", "%3D", "#", "%23", "\t", "%09", "\n", "%0A").Replace(s)
}

func unescapeName(s string) string {
	return strings.NewReplacer("%25", "%", "%20", " ", "%3D", "=", "%23", "#", "%09", "\t", "%0A", "\n").Replace(s)
}

// SeededOptions are the options of the run a schedule's seed gives on its
// node, workload and bounds, with no schedule: the workload's timings and
// task model, which schedules do not record, are DefaultWorkload's, as
// every run lab run or lab explore makes has them. Plan and Strategy are
// the caller's: a schedule only names them.
func SeededOptions(h ScheduleHeader) Options {
	w, d := h.Workload, DefaultWorkload()
	w.ReelectMin, w.ReelectMax, w.ShutdownMin, w.ShutdownMax, w.Tasks = d.ReelectMin, d.ReelectMax, d.ShutdownMin, d.ShutdownMax, TaskModelOf(h)
	return Options{Seed: h.Seed, Node: h.Node, Workload: w, Bounds: h.Bounds, MaxPicks: h.MaxPicks}
}

// TaskModelOf is the task model of the runs that recorded schedules with
// header h: DefaultWorkload's, with the task panics the header names. (A
// schedule records every attempt's outputs, not the model that drew them;
// runs that draw on past its end need it.)
func TaskModelOf(h ScheduleHeader) TaskModel {
	m := DefaultWorkload().Tasks
	m.Panic = h.Workload.Tasks.Panic
	return m
}

// ReplayOptions are the options that replay schedule s: the node, plan
// name, workload and limits it was recorded with. The caller adds a spill
// store, an events writer and observers.
func ReplayOptions(s *Schedule) Options {
	h := s.Header
	return Options{Seed: h.Seed, Node: h.Node, Plan: &Plan{Name: h.Plan}, Workload: h.Workload,
		Bounds: h.Bounds, MaxPicks: h.MaxPicks, Invariants: h.Invariants, Replay: s}
}

// Sent is the workload the schedule's sends add up to, as its header's
// Workload counts them: what a replay sends, which after shrinking is
// less than the header's seed drew. Step-downs are those sent before the
// node's shutdown stops its ingress (the shutdown's own come after).
func (s *Schedule) Sent() Workload {
	w := s.Header.Workload
	w.Invocations, w.StepDowns, w.Kills, w.Pauses, w.RetryNows, w.Hungry = 0, 0, 0, 0, 0, 0
	shuttingDown := false
	for _, e := range s.Entries {
		if e.Op != OpSend {
			continue
		}
		switch e.Msg.Kind {
		case invoker.MsgSubmit:
			w.Invocations++
			if e.Msg.Hungry {
				w.Hungry++
			}
		case invoker.MsgKill:
			w.Kills++
		case invoker.MsgUserPause:
			w.Pauses++
		case invoker.MsgUserRetryNow:
			w.RetryNows++
		case invoker.MsgStopIngress:
			shuttingDown = true
		case invoker.MsgStepDown:
			if !shuttingDown {
				w.StepDowns++
			}
		}
	}
	return w
}
