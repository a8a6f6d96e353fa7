package live

import (
	"errors"
	"fmt"

	"lab/faults"
	"lab/invoker"
)

// A person at the run takes the picks that have a choice: ChooseNext runs
// the run on, paused or not, to the next pick with more than one thing
// ready, which then waits (View.Choices) until Take says which. The pick
// is recorded as any other, so the schedule replays what the person chose;
// a control sent meanwhile applies after it, as it would at any step.

// Option is one thing a waiting pick may take.
type Option struct {
	faults.Choice
	// What says what it does (faults.Sim.Describe): the message a
	// delivery hands over, or the arm an invoker takes and what that arm
	// would take.
	What string
}

// ErrNoChoice refuses a Take when no pick waits for one.
var ErrNoChoice = errors.New("no pick waits for a choice")

// ChooseNext has the next pick with a choice wait for Take.
func (r *Runner) ChooseNext() {
	r.send(func(l *loop) {
		if !l.finishing {
			l.choosing = true
		}
	})
}

// CancelChoose leaves the next pick, or the one waiting, to the run's
// strategy.
func (r *Runner) CancelChoose() { r.send(func(l *loop) { l.choosing = false }) }

// Take makes the waiting pick take option i of View.Choices.
func (r *Runner) Take(i int) error {
	return r.call(func(l *loop) error {
		if l.waiting == nil {
			return ErrNoChoice
		}
		if i < 0 || i >= len(l.waiting) {
			return fmt.Errorf("no option %d: the pick has %d", i+1, len(l.waiting))
		}
		l.taken = i
		return nil
	})
}

// person is the run's strategy, but for a pick with a choice that a
// watcher asked to take (ChooseNext).
type person struct {
	faults.Strategy
	l *loop
}

// UseSelectOrder passes the node's branches on to the run's strategy.
func (p *person) UseSelectOrder(order []invoker.Arm) { faults.PassSelectOrder(p.Strategy, order) }

func (p *person) Choose(cs []faults.Choice) int {
	l := p.l
	if !l.choosing || len(cs) < 2 || l.finishing {
		return p.Strategy.Choose(cs)
	}
	if i, ok := l.await(cs); ok {
		return i
	}
	return p.Strategy.Choose(cs)
}

// await publishes the choices and applies commands until one of them is
// taken (true), or the choosing is called off, the run finishes, stops or
// its context ends (false). Called from within a step, before anything of
// it is recorded: the commands it applies queue controls, set the loop's
// state, or take a checkpoint, whose cut a replay ends here too, where
// its picks run out.
func (l *loop) await(cs []faults.Choice) (int, bool) {
	l.waiting, l.taken = make([]Option, len(cs)), -1
	for i, c := range cs {
		l.waiting[i] = Option{Choice: c, What: l.r.sim.Describe(c)}
	}
	defer func() { l.waiting = nil }()
	l.publish()
	for l.taken < 0 && l.choosing && !l.finishing && !l.stopped {
		select {
		case f := <-l.r.cmds:
			f(l)
		case <-l.ctx.Done():
			return 0, false
		}
	}
	l.rebase() // the wait took no virtual time: pacing goes on from here
	if l.taken < 0 {
		return 0, false
	}
	l.choosing = false
	return l.taken, true
}
