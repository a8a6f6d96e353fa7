// Package live runs one simulation on a goroutine of its own, paced against
// the wall clock, for the consumers that watch or steer a run while it
// happens: the terminal UI, the metrics endpoint and `lab run --pace`.
//
// The simulation itself stays deterministic: pacing only decides when the
// next step is taken, never which; every control reaches the run through
// faults.Sim.Control, and a pick a watcher takes (ChooseNext, Take) goes
// through the run's strategy, so both are logged and recorded like any
// step. The runner publishes a View (a snapshot plus the latest events)
// that any goroutine may read at any time; nothing outside the runner's
// goroutine ever touches the simulator.
package live

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"lab/faults"
	"lab/invoker"
)

// Options pace and publish a run.
type Options struct {
	// Speed is virtual time per wall time: 1 is real time, 10 ten times
	// faster; 0 runs as fast as it can.
	Speed float64
	// PublishEvery is how often a View is published (default 33ms, 30 Hz).
	PublishEvery time.Duration
	// RecentEvents is how many of the latest events a View carries
	// (default 256).
	RecentEvents int
	// Paused starts the run paused.
	Paused bool
	// PauseOnViolation pauses the run when an invariant is violated.
	PauseOnViolation bool
	// Follow keeps the first view until First takes it, for a watcher
	// that follows every view with View.Next and so sees every event.
	Follow bool
	// StartAt takes the run's first StartAt steps at once, unpaced and
	// without pausing on a violation among them, after the first view (of
	// step 0): a deterministic run (a replay) is thus shown from any
	// point of it. A followed run's next view has every event skipped.
	StartAt int
	// Choose has the run's first pick with a choice after StartAt wait
	// for Take, as ChooseNext does.
	Choose bool
}

// View is what a watcher sees of the run: published by the runner, never
// changed after, safe to read from any goroutine. Its snapshot is a summary
// (faults.Sim.Summary): invocations are counted by status, not listed.
type View struct {
	faults.Snapshot
	// Recent are the latest events, oldest first.
	Recent []invoker.Event
	// Last is the latest step.
	Last   faults.StepInfo
	Paused bool
	Speed  float64
	// Err is why the run stopped early, if it did.
	Err error
	// Published is the wall-clock time the view was taken.
	Published time.Time
	// Fresh are the events since the previous view, oldest first, when
	// the runner is followed (Options.Follow): a watcher that follows Next
	// from view to view sees every event of the run exactly once, however
	// rarely it looks.
	Fresh []invoker.Event
	// Finishing: the run goes on to its end unpaced and takes no controls.
	Finishing bool
	// Choices are the options of a pick that waits for Runner.Take
	// (Runner.ChooseNext); nil when none waits.
	Choices []Option

	next atomic.Pointer[View]
}

// Next is the view published after v, or nil if v is still the latest.
// Views no watcher holds are garbage, so following Next keeps only the
// views not yet read.
func (v *View) Next() *View { return v.next.Load() }

// Runner owns one simulator and runs it on its own goroutine.
type Runner struct {
	sim   *faults.Sim
	o     Options
	view  atomic.Pointer[View]
	first atomic.Pointer[View]
	cmds  chan func(*loop)
	done  chan struct{}

	mu     sync.Mutex
	result *faults.Result
	err    error

	recent *ring
}

// ErrStopped is the run's error when Stop ended it before its end.
var ErrStopped = errors.New("stopped before the end of the run")

// ErrFinishing refuses a control sent after Finish.
var ErrFinishing = errors.New("the run is finishing: no more controls")

// Start builds the simulator from opts and starts running it. The runner
// adds an observer of its own; opts.Observers see the run as usual, on the
// runner's goroutine.
func Start(ctx context.Context, opts faults.Options, o Options) (*Runner, error) {
	if o.PublishEvery <= 0 {
		o.PublishEvery = 33 * time.Millisecond
	}
	if o.RecentEvents <= 0 {
		o.RecentEvents = 256
	}
	r := &Runner{o: o, cmds: make(chan func(*loop), 64), done: make(chan struct{}), recent: newRing(o.RecentEvents, o.Follow)}
	opts.Observers = append(opts.Observers, faults.EventFunc(r.recent.add))
	l := &loop{r: r, paused: o.Paused, speed: o.Speed}
	if opts.Replay == nil || opts.Lenient && opts.Strategy != nil {
		// A watcher may take the picks with a choice: a run's, or a
		// lenient replay's past its schedule's picks. A strict replay's
		// are its schedule's.
		inner := opts.Strategy
		if inner == nil {
			inner, _ = faults.NewStrategy("random", opts.Seed) // what faults.New takes for nil
		}
		opts.Strategy = &person{Strategy: inner, l: l}
	}
	sim, err := faults.New(opts)
	if err != nil {
		return nil, err
	}
	r.sim = sim
	l.publish()
	if o.Follow {
		r.first.Store(r.view.Load())
	}
	go l.run(ctx)
	return r, nil
}

// Info is what the run is; fixed when the runner starts, so safe from any
// goroutine.
func (r *Runner) Info() faults.RunInfo { return r.sim.Info() }

// View is the latest published view of the run.
func (r *Runner) View() *View { return r.view.Load() }

// First hands over the run's first view, once, if Options.Follow was set
// (nil otherwise): following View.Next from it sees every event.
func (r *Runner) First() *View { return r.first.Swap(nil) }

// Done is closed once the run has ended (or stopped) and its spill stores
// are removed.
func (r *Runner) Done() <-chan struct{} { return r.done }

// Wait waits for the run to end and returns its result.
func (r *Runner) Wait() (*faults.Result, error) {
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.result, r.err
}

// Control sends c into the run; it takes effect at the next step.
// A control the run refuses comes back as the error.
func (r *Runner) Control(c faults.Control) error {
	return r.call(func(l *loop) error {
		if l.finishing {
			return ErrFinishing
		}
		err := l.r.sim.Control(c)
		if err == nil && l.paused {
			l.step++ // a paused run applies the control at once
		}
		return err
	})
}

// Pause stops taking steps until Resume; a paused run can be stepped.
func (r *Runner) Pause() { r.send(func(l *loop) { l.paused = true }) }

// Resume takes steps again at the set speed.
func (r *Runner) Resume() { r.send(func(l *loop) { l.paused = false; l.rebase() }) }

// StepOne takes one step while paused.
func (r *Runner) StepOne() { r.send(func(l *loop) { l.step++ }) }

// SetSpeed changes the pace (0: as fast as possible).
func (r *Runner) SetSpeed(speed float64) {
	r.send(func(l *loop) { l.speed = max(speed, 0); l.rebase() })
}

// Finish runs the rest of the run unpaced, refusing further controls and
// no longer pausing on violations: what a watcher that quits does, so that
// the recorded schedule is complete and replays what it saw.
func (r *Runner) Finish() {
	r.send(func(l *loop) { l.finishing, l.paused, l.speed = true, false, 0 })
}

// Checkpoint calls save on the runner's goroutine, between two steps,
// with the position of the event log after the schedule being recorded is
// flushed (see faults.Sim.Checkpoint): save may then copy what the schedule's
// writer wrote so far.
func (r *Runner) Checkpoint(save func(events uint64, hash string) error) error {
	return r.call(func(l *loop) error {
		events, hash, err := l.r.sim.Checkpoint()
		if err != nil {
			return err
		}
		return save(events, hash)
	})
}

// Stop ends the run where it is; Wait then returns ErrStopped.
func (r *Runner) Stop() { r.send(func(l *loop) { l.stopped = true }) }

// call runs f on the runner's goroutine and returns its error, or
// ErrStopped once the run is over.
func (r *Runner) call(f func(*loop) error) error {
	errc := make(chan error, 1)
	if !r.send(func(l *loop) { errc <- f(l) }) {
		return ErrStopped
	}
	select {
	case err := <-errc:
		return err
	case <-r.done:
		return ErrStopped
	}
}

// send hands a command to the runner's goroutine, unless the run is over.
func (r *Runner) send(f func(*loop)) bool {
	select {
	case r.cmds <- f:
		return true
	case <-r.done:
		return false
	}
}

func (r *Runner) finish(res *faults.Result, err error) {
	r.mu.Lock()
	r.result, r.err = res, err
	r.mu.Unlock()
}
