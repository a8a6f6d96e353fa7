package faults

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"

	"lab/invoker"
)

// recorder writes a run's schedule as it is taken. A nil recorder records
// nothing: every method checks first, before it builds its entry, so a run
// that is not recorded pays one nil check per decision.
type recorder struct {
	w    *bufio.Writer
	werr error
}

func newRecorder(w io.Writer) *recorder { return &recorder{w: bufio.NewWriter(w)} }

func (r *recorder) header(o Options, strategy string) {
	h := ScheduleHeader{Seed: o.Seed, Node: o.Node, Plan: o.Plan.Name, Strategy: strategy,
		Workload: o.Workload, Bounds: o.Bounds, MaxPicks: o.MaxPicks, Invariants: o.Invariants}
	r.write(h.lines())
}

func (r *recorder) add(e Entry) { r.write(e.String() + "\n") }

func (r *recorder) write(s string) {
	if r.werr == nil {
		_, r.werr = r.w.WriteString(s)
	}
}

func (r *recorder) phase(s Stage) {
	if r == nil {
		return
	}
	r.add(Entry{Op: OpPhase, Stage: s})
}

func (r *recorder) send(t timed) {
	if r == nil {
		return
	}
	r.add(Entry{Op: OpSend, At: t.at, Msg: t.msg})
}

func (r *recorder) pick(c Choice) {
	if r == nil {
		return
	}
	r.add(Entry{Op: OpPick, Choice: c})
}

func (r *recorder) advance(to time.Duration) {
	if r == nil {
		return
	}
	r.add(Entry{Op: OpAdvance, At: to})
}

func (r *recorder) control(c Control) {
	if r == nil {
		return
	}
	r.add(Entry{Op: OpControl, Control: &c})
}

func (r *recorder) fault(m invoker.Envelope, v Verdict) {
	if r == nil {
		return
	}
	r.add(Entry{Op: OpFault, Msg: invoker.Envelope{ID: m.ID}, Fault: v})
}

func (r *recorder) task(t invoker.TaskInfo, steps []TaskStep) {
	if r == nil {
		return
	}
	r.add(Entry{Op: OpTask, Task: t.ID, Inv: t.Inv, Attempt: t.Attempt, Steps: steps})
}

// end writes the last entry and flushes the schedule.
func (r *recorder) end(events uint64, hash string) {
	if r == nil {
		return
	}
	r.add(Entry{Op: OpEnd, Events: events, Hash: hash})
	if r.werr == nil {
		r.werr = r.w.Flush()
	}
}

// flush writes out what is buffered, for a checkpoint.
func (r *recorder) flush() {
	if r != nil && r.werr == nil {
		r.werr = r.w.Flush()
	}
}

// err is the first error writing the schedule.
func (r *recorder) err() error {
	if r == nil || r.werr == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrScheduleWrite, r.werr)
}

// ErrScheduleWrite marks a failure to write the recorded schedule: the
// disk's, not the lab's.
var ErrScheduleWrite = errors.New("writing the schedule")
