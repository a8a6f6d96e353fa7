// Package live runs one simulation on a goroutine of its own, paced against
// the wall clock, for the consumers that watch or steer a run while it
// happens: the terminal UI, the metrics endpoint and `lab run --pace`.
//
// The simulation itself stays deterministic: pacing only decides when the
// next decision is taken, never which, and every control reaches the run
// through faults.Sim.Control, so it is logged and recorded like any
// decision. The runner publishes a View (a snapshot plus the latest events)
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
}

// View is what a watcher sees of the run: published by the runner, never
// changed after, safe to read from any goroutine. Its snapshot is a summary
// (faults.Sim.Summary): invocations are counted by status, not listed.
type View struct {
	faults.Snapshot
	// Recent are the latest events, oldest first.
	Recent []invoker.Event
	// Last is the latest decision.
	Last   faults.Decision
	Paused bool
	Speed  float64
	// Err is why the run stopped early, if it did.
	Err error
	// Published is the wall-clock time the view was taken.
	Published time.Time
}

// Runner owns one simulator and runs it on its own goroutine.
type Runner struct {
	sim  *faults.Sim
	o    Options
	view atomic.Pointer[View]
	cmds chan func(*loop)
	done chan struct{}

	mu     sync.Mutex
	result *faults.Result
	err    error

	recent *ring
}

// ErrStopped is the run's error when Stop ended it before its end.
var ErrStopped = errors.New("stopped before the end of the run")

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
	r := &Runner{o: o, cmds: make(chan func(*loop), 64), done: make(chan struct{}), recent: newRing(o.RecentEvents)}
	opts.Observers = append(opts.Observers, faults.EventFunc(r.recent.add))
	sim, err := faults.New(opts)
	if err != nil {
		return nil, err
	}
	r.sim = sim
	l := &loop{r: r, paused: o.Paused, speed: o.Speed}
	l.publish()
	go l.run(ctx)
	return r, nil
}

// View is the latest published view of the run.
func (r *Runner) View() *View { return r.view.Load() }

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

// Control sends c into the run; it takes effect at the next decision.
// A control the run refuses comes back as the error.
func (r *Runner) Control(c faults.Control) error {
	errc := make(chan error, 1)
	if !r.send(func(l *loop) {
		err := l.r.sim.Control(c)
		if err == nil && l.paused {
			l.step++ // a paused run applies the control at once
		}
		errc <- err
	}) {
		return ErrStopped
	}
	select {
	case err := <-errc:
		return err
	case <-r.done:
		return ErrStopped
	}
}

// Pause stops taking decisions until Resume; a paused run can be stepped.
func (r *Runner) Pause() { r.send(func(l *loop) { l.paused = true }) }

// Resume takes decisions again at the set speed.
func (r *Runner) Resume() { r.send(func(l *loop) { l.paused = false; l.rebase() }) }

// StepOne takes one decision while paused.
func (r *Runner) StepOne() { r.send(func(l *loop) { l.step++ }) }

// SetSpeed changes the pace (0: as fast as possible).
func (r *Runner) SetSpeed(speed float64) {
	r.send(func(l *loop) { l.speed = max(speed, 0); l.rebase() })
}

// Stop ends the run where it is; Wait then returns ErrStopped.
func (r *Runner) Stop() { r.send(func(l *loop) { l.stopped = true }) }

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
