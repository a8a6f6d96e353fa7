package faults

import (
	"time"

	"lab/invoker"
)

// lenient is a best-effort replay, for shrinking: a schedule with entries
// removed still runs to its end. Each kind of entry is looked up by what
// it is about rather than by its position, and what is missing or no
// longer fits gets a fixed default:
//
//   - picks are taken in order, one per scheduler choice; a pick that is
//     not ready, or none left, falls back to Options.Strategy, or to the
//     priority strategy when there is none;
//   - sends belong to the stage (or shutdown control) they followed; a
//     removed send is never sent;
//   - task outputs belong to (invocation, attempt); a removed one closes
//     after the workload's shortest step;
//   - a fault lands on the message it was recorded for: the same content
//     (kind, partition, epoch, invocation, attempt, ...) when the entry
//     carries it, the Nth message of that content when the entry says
//     which, else the same message id; a fault whose message no longer
//     exists is ignored;
//   - a control is applied once as many picks were taken as preceded it,
//     and as many of the steps that are not picks (time advances, stages
//     entered) as came between the last of those picks and the control;
//     where the run has already taken a further pick, at once;
//   - stages and time advances are the run's own, and the end hash is not
//     checked;
//   - with Options.DrawAfterPicks, once the picks are used up, task
//     outcomes and faults are drawn as in a seeded run, not looked up;
//     and the sends of a stage the recorded run did not reach (it stopped
//     at its violation) are drawn whenever the run gets there.
//
// A lenient replay is deterministic, so whatever it does can be recorded
// (Options.Record) as a schedule that replays strictly.
type lenient struct {
	picks  []Choice
	picked int
	// between counts the advances and stages since the latest pick.
	between  int
	controls []anchoredControl
	sends    map[sendAnchor][]timed
	anchor   sendAnchor
	// reached are the anchors the recorded run got to: where it sent
	// nothing, it had nothing to send, not a point it never came to.
	reached   map[sendAnchor]bool
	shutdowns int
	tasks     map[taskKey][][]TaskStep
	byContent map[invoker.Envelope][]nthVerdict
	// sent counts the messages of each content in byContent so far.
	sent     map[invoker.Envelope]int
	byID     map[uint64]Verdict
	fallback Strategy
	// drawAfter: Options.DrawAfterPicks.
	drawAfter bool
	task      []TaskStep
}

type anchoredControl struct {
	// afterPicks picks preceded the control, and afterSteps advances and
	// stages came between the last of them and the control.
	afterPicks, afterSteps int
	c                      Control
}

// sendAnchor is where a group of sends was drawn: entering a stage, or
// the n-th shutdown control.
type sendAnchor struct {
	stage    Stage
	shutdown int
}

type taskKey struct {
	inv     invoker.InvocationID
	attempt int
}

func newLenient(s *Schedule, o Options) *lenient {
	l := &lenient{sends: map[sendAnchor][]timed{}, reached: map[sendAnchor]bool{}, tasks: map[taskKey][][]TaskStep{},
		byContent: map[invoker.Envelope][]nthVerdict{}, sent: map[invoker.Envelope]int{}, byID: map[uint64]Verdict{},
		task:     []TaskStep{{After: max(o.Workload.Tasks.StepMin, time.Millisecond), Out: invoker.OutClosed}},
		fallback: o.Strategy, drawAfter: o.DrawAfterPicks}
	if l.fallback == nil {
		l.fallback = priorityStrategy{}
	}
	var anchor sendAnchor
	shutdowns, between := 0, 0
	for _, e := range s.Entries {
		switch e.Op {
		case OpPick:
			l.picks = append(l.picks, e.Choice)
			between = 0
		case OpAdvance:
			between++
		case OpPhase:
			anchor = sendAnchor{stage: e.Stage}
			l.reached[anchor] = true
			between++
		case OpControl:
			l.controls = append(l.controls, anchoredControl{afterPicks: len(l.picks), afterSteps: between, c: *e.Control})
			if e.Control.Kind == ControlShutdown {
				shutdowns++
				anchor = sendAnchor{shutdown: shutdowns}
				l.reached[anchor] = true
			}
		case OpSend:
			l.sends[anchor] = append(l.sends[anchor], timed{at: e.At, msg: e.Msg})
		case OpTask:
			k := taskKey{e.Inv, e.Attempt}
			l.tasks[k] = append(l.tasks[k], e.Steps)
		case OpFault:
			if e.Msg.Kind != invoker.MsgNone {
				k := contentKey(e.Msg)
				l.byContent[k] = append(l.byContent[k], nthVerdict{e.Nth, e.Fault})
			} else {
				l.byID[e.Msg.ID] = e.Fault
			}
		}
	}
	return l
}

// contentKey is what a message is about, without what changes from run to
// run (its id, task id, timer key and due time) or what its events do not
// show (whether an invoke carries its journal): the shrinker takes the
// content of faulted messages from the events.
func contentKey(m invoker.Envelope) invoker.Envelope {
	m.ID, m.Task, m.Key, m.Due, m.Journal = 0, 0, 0, 0, false
	return m
}

func (l *lenient) choose(choices []Choice) int {
	l.picked++
	l.between = 0
	if l.picked <= len(l.picks) {
		want := l.picks[l.picked-1]
		for i, c := range choices {
			if c == want {
				return i
			}
		}
	}
	return l.fallback.Choose(choices)
}

// drawing: the run has gone past its recorded picks. What the last one
// caused (a task it started, a message it sent) is still looked up.
func (l *lenient) drawing() bool { return l.drawAfter && l.picked > len(l.picks) }

// stepped counts a step that is not a pick: a time advance or a stage
// entered.
func (l *lenient) stepped() { l.between++ }

func (l *lenient) control() (Control, bool) {
	if len(l.controls) == 0 {
		return Control{}, false
	}
	if next := l.controls[0]; next.afterPicks > l.picked || next.afterPicks == l.picked && next.afterSteps > l.between {
		return Control{}, false
	}
	c := l.controls[0].c
	l.controls = l.controls[1:]
	if c.Kind == ControlShutdown {
		l.shutdowns++
		l.anchor = sendAnchor{shutdown: l.shutdowns}
	}
	return c, true
}

// takeSends are the sends recorded where the run is now, and whether the
// recorded run got there at all.
func (l *lenient) takeSends() ([]timed, bool) {
	ts := l.sends[l.anchor]
	delete(l.sends, l.anchor)
	return ts, l.reached[l.anchor]
}

func (l *lenient) taskSteps(t invoker.TaskInfo) []TaskStep {
	k := taskKey{t.Inv, t.Attempt}
	if q := l.tasks[k]; len(q) > 0 {
		l.tasks[k] = q[1:]
		return q[0]
	}
	return l.task
}

// nthVerdict is a fault for the nth message of a content (0: the first
// one not yet faulted).
type nthVerdict struct {
	nth int
	v   Verdict
}

func (l *lenient) fault(m invoker.Envelope) (Verdict, bool) {
	k := contentKey(m)
	if q, ok := l.byContent[k]; ok {
		n := l.sent[k] + 1
		l.sent[k] = n
		for len(q) > 0 && q[0].nth != 0 && q[0].nth < n {
			q = q[1:] // its message went by: an edit sent fewer of these before it
		}
		l.byContent[k] = q
		if len(q) > 0 && (q[0].nth == 0 || q[0].nth == n) {
			l.byContent[k] = q[1:]
			return q[0].v, true
		}
	}
	if v, ok := l.byID[m.ID]; ok {
		delete(l.byID, m.ID)
		return v, true
	}
	return Verdict{}, false
}
