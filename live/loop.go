package live

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"time"

	"lab/faults"
	"lab/invoker"
)

// checkEvery is how many steps a running loop takes between looks at its
// commands and the clock: tens of microseconds, unpaced.
const checkEvery = 64

// loop is the runner's goroutine: it alone touches the simulator.
type loop struct {
	r       *Runner
	paused  bool
	stopped bool
	// step counts steps to take while paused.
	step  int
	speed float64
	// Pacing: virtual time virtBase was reached at wall time wallBase.
	wallBase    time.Time
	virtBase    time.Duration
	lastPublish time.Time
	violations  int
	// last is the latest step.
	last      faults.StepInfo
	finishing bool
	// choosing: a watcher takes the next pick with a choice (ChooseNext);
	// waiting are its options while it waits, taken the one taken.
	choosing bool
	waiting  []Option
	taken    int
	ctx      context.Context
}

func (l *loop) run(ctx context.Context) {
	r := l.r
	defer close(r.done)
	l.ctx = ctx
	l.rebase()
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = &PanicError{Value: p, Stack: debug.Stack()}
			}
		}()
		if err := l.skip(ctx, r.o.StartAt); err != nil {
			return err
		}
		l.choosing = l.choosing || r.o.Choose
		for n := 0; !r.sim.Done(); n++ {
			// Running on, the loop looks at its commands and the clock every
			// checkEvery steps: a select and a clock read at every step were
			// a tenth of an unpaced run's time.
			check := n%checkEvery == 0
			if check || l.paused || l.step > 0 || l.choosing {
				if err := l.waitReady(ctx); err != nil {
					return err
				}
			}
			d, err := r.sim.Step()
			if err != nil {
				return err
			}
			l.last = d
			if l.step > 0 {
				l.step--
			}
			if n := r.sim.ViolationCount(); n > l.violations {
				l.violations = n
				if r.o.PauseOnViolation && !l.finishing {
					l.paused = true
				}
			}
			if d.Kind == faults.StepAdvance {
				if err := l.pace(ctx, d.At); err != nil {
					return err
				}
			}
			if check && time.Since(l.lastPublish) >= r.o.PublishEvery {
				l.publish()
			}
		}
		return nil
	}()
	res := r.sim.Result()
	if cerr := r.sim.Close(); err == nil && cerr != nil {
		err = cerr
	}
	r.finish(res, err)
	l.publishErr(err)
}

// skip takes the first n steps at once (Options.StartAt); the
// violations among them do not pause the run. It looks at its commands
// now and then, so that a watcher moving on (a stop) is not held up by a
// long run it no longer wants.
func (l *loop) skip(ctx context.Context, n int) error {
	for i := 0; i < n && !l.r.sim.Done(); i++ {
		if i%4096 == 4095 {
			if err := l.drain(ctx, false); err != nil {
				return err
			}
		}
		d, err := l.r.sim.Step()
		if err != nil {
			return err
		}
		l.last = d
	}
	l.violations = l.r.sim.ViolationCount()
	l.rebase()
	return nil
}

// waitReady returns once a step may be taken: the run is not paused
// (or a single step was asked for), and every command is applied.
func (l *loop) waitReady(ctx context.Context) error {
	for {
		if err := l.drain(ctx, false); err != nil {
			return err
		}
		if !l.paused || l.step > 0 || l.choosing {
			return nil
		}
		l.publish()
		if err := l.drain(ctx, true); err != nil {
			return err
		}
	}
}

// drain applies pending commands; with block it waits for at least one.
func (l *loop) drain(ctx context.Context, block bool) error {
	for {
		if block {
			select {
			case f := <-l.r.cmds:
				f(l)
			case <-ctx.Done():
				return ctx.Err()
			}
			block = false
		} else {
			select {
			case f := <-l.r.cmds:
				f(l)
			case <-ctx.Done():
				return ctx.Err()
			default:
				if l.stopped {
					return ErrStopped
				}
				return nil
			}
		}
	}
}

// pace waits until the wall clock has caught up with virtual time at,
// applying commands meanwhile.
func (l *loop) pace(ctx context.Context, at time.Duration) error {
	for l.speed > 0 && !l.paused {
		wait := time.Until(l.wallBase.Add(wallTime(at-l.virtBase, l.speed)))
		if wait < time.Millisecond {
			return nil
		}
		timer := time.NewTimer(min(wait, l.r.o.PublishEvery))
		select {
		case f := <-l.r.cmds:
			f(l)
		case <-timer.C:
			l.publish()
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		}
		timer.Stop()
		if l.stopped {
			return ErrStopped
		}
	}
	return nil
}

// wallTime is how long virtual time d takes at speed: at a very slow speed
// the float overflowed time.Duration and turned negative, and the run went
// as fast as possible instead.
func wallTime(d time.Duration, speed float64) time.Duration {
	if w := float64(d) / speed; w < math.MaxInt64 {
		return time.Duration(w)
	}
	return math.MaxInt64
}

// rebase restarts pacing from now: after a pause or a change of speed the
// run does not race to catch up.
func (l *loop) rebase() {
	l.wallBase, l.virtBase = time.Now(), l.r.sim.Now()
}

func (l *loop) publish() { l.publishErr(nil) }

func (l *loop) publishErr(err error) {
	if err != nil && errors.Is(err, context.Canceled) {
		err = context.Canceled
	}
	// What the watcher sees is in the event log too: a run paused on a
	// violation, or over, had its last events in a buffer until the quit.
	// A write's error comes back from the next step.
	_ = l.r.sim.FlushEvents()
	l.lastPublish = time.Now()
	v := &View{Snapshot: l.r.sim.Summary(), Recent: l.r.recent.list(), Last: l.last,
		Paused: l.paused, Speed: l.speed, Err: err, Published: l.lastPublish,
		Fresh: l.r.recent.takeFresh(), Finishing: l.finishing, Choices: l.waiting}
	if prev := l.r.view.Load(); prev != nil {
		prev.next.Store(v)
	}
	l.r.view.Store(v)
}

// ring keeps the latest events and, for a runner that is followed, the
// ones not yet published.
type ring struct {
	buf    []invoker.Event
	next   uint64
	follow bool
	fresh  []invoker.Event
}

func newRing(n int, follow bool) *ring { return &ring{buf: make([]invoker.Event, n), follow: follow} }

func (r *ring) add(e invoker.Event) {
	r.buf[r.next%uint64(len(r.buf))] = e
	r.next++
	if r.follow {
		r.fresh = append(r.fresh, e)
	}
}

// takeFresh hands over the events added since the last call; the ring
// starts a new slice, so the one handed over is never written again.
func (r *ring) takeFresh() []invoker.Event {
	if !r.follow {
		return nil
	}
	f := r.fresh
	r.fresh = make([]invoker.Event, 0, max(64, len(f)))
	return f
}

func (r *ring) list() []invoker.Event {
	n := min(r.next, uint64(len(r.buf)))
	out := make([]invoker.Event, 0, n)
	for i := r.next - n; i < r.next; i++ {
		out = append(out, r.buf[i%uint64(len(r.buf))])
	}
	return out
}

// PanicError is a Go panic on the runner's goroutine: a bug in the lab,
// handed to whoever waits for the run instead of killing the process there.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }
