package faults

import (
	"fmt"
	"strings"
	"time"

	"lab/invoker"
)

// replayer makes a run's decisions as a schedule recorded them, in order,
// and stops the run at the first entry that does not fit: a choice that is
// not ready, a task or a stage other than the run's next, a different
// hash at the end. It stands in for the strategy, the fault injector, the
// task outcomes and the workload, so a replay draws no random number.
type replayer struct {
	s        *Schedule
	next     int
	strategy string
	step     func() int
	// fail is the first misfit; the simulator stops at it.
	fail error
	// lax, when set, replays leniently instead (Options.Lenient).
	lax *lenient
}

func newReplayer(s *Schedule, o Options) (*replayer, error) {
	if len(s.Entries) == 0 {
		return nil, &ScheduleError{Msg: "no entries"}
	}
	r := &replayer{s: s, strategy: s.Header.Strategy}
	if o.Lenient {
		r.lax = newLenient(s, o)
	}
	return r, nil
}

// Name is the strategy the schedule was recorded with, so that the replayed
// log names it as the original did.
func (r *replayer) Name() string { return r.strategy }

func (r *replayer) peek() *Entry {
	if r.next < len(r.s.Entries) {
		return &r.s.Entries[r.next]
	}
	return nil
}

// misfit records the first entry that does not fit the run.
func (r *replayer) misfit(format string, v ...any) {
	if r.fail != nil {
		return
	}
	e := &ScheduleError{File: r.s.File, Msg: fmt.Sprintf(format, v...), Step: r.step() + 1}
	if m := r.s.Header.Model; m != ModelRevision {
		e.Msg += fmt.Sprintf(" (recorded by model revision %d; this lab's is %d, whose runs differ: record it again)", m, ModelRevision)
	}
	if p := r.peek(); p != nil {
		e.Line = p.Line
	}
	r.fail = e
}

// take consumes the next entry, which must be of kind op.
func (r *replayer) take(op Op, want string) *Entry {
	e := r.peek()
	if e == nil {
		r.misfit("the run wants %s, the schedule has ended", want)
		return nil
	}
	if e.Op != op {
		r.misfit("the run wants %s, the schedule has `%s`", want, e)
		return nil
	}
	r.next++
	return e
}

func (r *replayer) failed() error {
	if r == nil || r.fail == nil {
		return nil
	}
	return r.fail
}

// UseSelectOrder passes the node's branches on to the strategy a lenient
// replay draws with once its picks run out.
func (r *replayer) UseSelectOrder(order []invoker.Arm) {
	if r.lax != nil {
		PassSelectOrder(r.lax.fallback, order)
	}
}

// Choose finds the recorded choice among those ready.
func (r *replayer) Choose(choices []Choice) int {
	if r.lax != nil {
		return r.lax.choose(choices)
	}
	e := r.take(OpPick, "a choice among "+choiceList(choices))
	if e == nil {
		return 0
	}
	for i, c := range choices {
		if c == e.Choice {
			return i
		}
	}
	r.next--
	r.misfit("%s is not ready (ready: %s)", e.Choice, choiceList(choices))
	return 0
}

func choiceList(cs []Choice) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.String()
	}
	return strings.Join(names, ", ")
}

func (r *replayer) phase(s Stage) error {
	if r == nil {
		return nil
	}
	if r.lax != nil {
		r.lax.anchor = sendAnchor{stage: s}
		r.lax.stepped()
		return nil
	}
	if e := r.take(OpPhase, "stage "+s.String()); e != nil && e.Stage != s {
		r.next--
		r.misfit("the run enters stage %s, the schedule has stage %s", s, e.Stage)
	}
	return r.fail
}

func (r *replayer) advance(to time.Duration) error {
	if r == nil {
		return nil
	}
	if r.lax != nil {
		r.lax.stepped()
		return nil
	}
	if e := r.take(OpAdvance, "a time advance to "+to.String()); e != nil && e.At != to {
		r.next--
		r.misfit("the run's next event is at %v, the schedule advances to %v", to, e.At)
	}
	return r.fail
}

// control is the control recorded at this point, if any.
func (r *replayer) control() (Control, bool, error) {
	if r.lax != nil {
		c, ok := r.lax.control()
		return c, ok, nil
	}
	if r.fail != nil {
		return Control{}, false, r.fail
	}
	e := r.peek()
	if e == nil || e.Op != OpControl {
		return Control{}, false, nil
	}
	r.next++
	return *e.Control, true, nil
}

// sends are the messages the outside world sends, as recorded, and
// whether the recorded run came this far (a lenient replay can go further
// than the run it replays).
func (r *replayer) sends() ([]timed, bool) {
	if r.lax != nil {
		return r.lax.takeSends()
	}
	var ts []timed
	for e := r.peek(); e != nil && e.Op == OpSend; e = r.peek() {
		ts = append(ts, timed{at: e.At, msg: e.Msg})
		r.next++
	}
	return ts, true
}

// task is what the recorded attempt produced.
func (r *replayer) task(t invoker.TaskInfo) []TaskStep {
	if r.lax != nil {
		return r.lax.taskSteps(t)
	}
	e := r.take(OpTask, fmt.Sprintf("the outputs of task %d (%s attempt %d)", t.ID, t.Inv, t.Attempt))
	if e == nil {
		return nil
	}
	if e.Task != t.ID || e.Inv != t.Inv || e.Attempt != t.Attempt {
		r.next--
		r.misfit("the run starts task %d (%s attempt %d), the schedule has task %d (%s attempt %d)",
			t.ID, t.Inv, t.Attempt, e.Task, e.Inv, e.Attempt)
		return nil
	}
	return e.Steps
}

// fault is the verdict recorded for message m, if it met one.
func (r *replayer) fault(m invoker.Envelope) (Verdict, bool) {
	if r.lax != nil {
		return r.lax.fault(m)
	}
	e := r.peek()
	if r.fail != nil || e == nil || e.Op != OpFault || e.Msg.ID != m.ID {
		return Verdict{}, false
	}
	r.next++
	return e.Fault, true
}

// drawing reports whether a lenient replay with DrawAfterPicks has used up
// its picks: the run then draws as a seeded run does.
func (r *replayer) drawing() bool { return r.lax != nil && r.lax.drawing() }

// drawsUnreached reports whether a lenient replay with DrawAfterPicks draws
// the sends of a stage the recorded run never reached. It does whenever it
// gets there, picks left or not: a run that took a shorter road (the fix,
// where the recording looped until its violation) reaches the stage before
// it has used the picks up, and would otherwise never shut down.
func (r *replayer) drawsUnreached() bool { return r.lax != nil && r.lax.drawAfter }

// stopped reports whether a strict replay reached the `end` of a schedule
// recorded by a run that stopped early (Options.StopAtViolation): the
// replay stops there too, and end checks the hash.
func (r *replayer) stopped() bool {
	if r == nil || r.lax != nil || r.fail != nil {
		return false
	}
	e := r.peek()
	return e != nil && e.Op == OpEnd
}

// end checks the run's log against the one recorded.
func (r *replayer) end(events uint64, hash string) error {
	if r == nil || r.lax != nil {
		return nil
	}
	e := r.take(OpEnd, "the end")
	if e != nil && (e.Events != events || e.Hash != hash) {
		r.next--
		r.misfit("the replay logged %d events hashing to %s, the schedule recorded %d hashing to %s",
			events, hash, e.Events, e.Hash)
	}
	return r.fail
}
