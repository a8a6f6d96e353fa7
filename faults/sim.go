package faults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"lab/invoker"
)

// DefaultMaxPicks stops a run that would never settle.
const DefaultMaxPicks = 5_000_000

// ErrBudget is returned when a run exceeds its pick budget.
var ErrBudget = errors.New("pick budget exhausted: the run did not settle")

// ErrDone is returned by Step once the run is over.
var ErrDone = errors.New("the run is over")

// Sim is the discrete-event simulator around one node: a virtual clock, the
// messages in flight, the fault injector, the scheduler and the invariant
// checker. It owns every source of nondeterminism of a run, and moves it on
// one step per Step. A Sim belongs to one goroutine; what it hands out
// (snapshots, results, steps) may cross to others.
type Sim struct {
	o     Options
	info  RunInfo
	node  *invoker.Node
	now   time.Duration
	hooks hooks
	// timeline holds what the outside world does at a time: messages it
	// sends, and outputs invocation tasks produce.
	timeline transport
	// net holds the messages in flight, each delivered by a scheduler choice.
	net      transport
	senders  senders
	inj      *injector
	strategy Strategy
	check    *checker
	log      *eventLog
	wrng     *rand.Rand
	tasksRng *rand.Rand
	planTask func(invoker.TaskInfo) []TaskStep
	rec      *recorder
	replay   *replayer
	// instant: messages arrive as soon as they are sent and time moves only
	// when told (scripts).
	instant  bool
	stage    Stage
	settling bool
	done     bool
	// stopping: a run that stops at a violation found one it watches for.
	stopping bool
	steps    int
	controls []Control
	choices  []Choice
	touched  touched
	// drained is what the node handed over last; its storage goes back
	// to the node at the next Drain.
	drained invoker.Ready
	// timed is the storage the drawn timelines are drawn into.
	timed []timed
	// last is what the latest step did.
	last StepInfo
	res  Result
}

// New builds a simulator and its node, ready for its first Step.
func New(o Options) (*Sim, error) {
	if err := o.Workload.Validate(); err != nil {
		return nil, err
	}
	return newSim(o, nil)
}

// newSim builds a simulator on sc's storage, or on its own if sc is nil.
func newSim(o Options, sc *scratch) (*Sim, error) {
	if o.Bounds == (Bounds{}) {
		o.Bounds = DefaultBounds()
	}
	if err := CheckLimits(o); err != nil {
		return nil, err
	}
	if err := CheckHungry(o.Node, o.Workload); err != nil {
		return nil, err
	}
	if o.MaxPicks == 0 {
		o.MaxPicks = pickBudget(o)
	}
	if o.Plan == nil {
		o.Plan = &Plan{Name: "none"}
	}
	h, err := newHooks(o.Observers)
	if err != nil {
		return nil, err
	}
	s := &Sim{o: o, hooks: h, wrng: newStream(o.Seed, streamWorkload), tasksRng: newStream(o.Seed, streamTasks)}
	if sc == nil {
		sc = new(scratch)
	}
	sc.lend(s, o)
	s.strategy = o.Strategy
	if s.strategy == nil {
		s.strategy = newRandomStrategy(o.Seed)
	}
	if o.Replay != nil {
		if s.replay, err = newReplayer(o.Replay, o); err != nil {
			return nil, err
		}
		s.replay.step = func() int { return s.steps }
		s.strategy = s.replay
	}
	if s.node, err = sc.nodeFor(o.Node); err != nil {
		return nil, err
	}
	PassSelectOrder(s.strategy, s.node.SelectOrder())
	s.inj = newInjector(o.Plan, o.Seed, func(i int, p invoker.PartitionID) bool {
		return s.node.InvokerFor(p) == i
	})
	// An attempt's steps are scheduled at once and not kept: one buffer
	// serves every attempt. Task panics are a fault the liveness phase
	// heals, as it does the plan's: an attempt drawn there that would have
	// panicked closes instead (the same draws, so the rest is unchanged).
	var steps []TaskStep
	healed := o.Workload.Tasks
	healed.Panic = 0
	s.planTask = func(invoker.TaskInfo) []TaskStep {
		m := &o.Workload.Tasks
		if s.stage >= StageHeal {
			m = &healed
		}
		steps = m.attempt(s.tasksRng, steps[:0])
		return steps
	}
	s.info = RunInfo{Seed: o.Seed, Variant: o.Node.Variant, Plan: o.Plan.Name, Rules: o.Plan.Rules, Strategy: s.strategy.Name(),
		Node: o.Node, Workload: o.Workload}
	s.res = Result{Seed: o.Seed, Variant: o.Node.Variant, OnPanic: o.Node.OnPanic, RetryTimers: o.Node.RetryTimers, PausedSlots: o.Node.PausedSlots, Yield: o.Node.Yield, VQueues: o.Node.VQueues, YieldThreshold: o.Node.YieldThreshold, SpillDirs: o.Node.SpillDirs,
		SharedTmpDir: o.Node.SharedTmpDir, InTmpDir: o.Node.TmpDirUse(), Throttle: o.Node.Throttle, MemoryLimit: o.Node.MemoryLimit, Plan: o.Plan.Name, Strategy: s.info.Strategy,
		Workload: o.Workload, Sent: o.Workload, Replay: o.Command}
	if o.Replay != nil {
		// A replay sends what its schedule does: after shrinking, less
		// than its header's seed drew.
		s.res.Sent = o.Replay.Sent()
		s.info.Workload = s.res.Sent
	}
	if o.Record != nil {
		s.rec = newRecorder(o.Record)
		s.rec.header(s.o, s.info.Strategy)
	}
	return s, nil
}

// Run simulates one run: the safety phase under the fault plan, then the
// liveness phase with faults healed, checking every invariant throughout.
func Run(ctx context.Context, o Options) (*Result, error) {
	// No one else sees this Sim, so its storage can serve the next run.
	sc := scratches.Get().(*scratch)
	defer scratches.Put(sc)
	return sc.run(ctx, o)
}

// Info is what the run is.
func (s *Sim) Info() RunInfo { return s.info }

// Done reports whether the run is over.
func (s *Sim) Done() bool { return s.done }

// Now is the run's virtual time.
func (s *Sim) Now() time.Duration { return s.now }

// Close removes the node's spill stores. The simulator is unusable after.
func (s *Sim) Close() error { return s.node.Close() }

// Step takes the run one step on: a pending control, the next stage of the
// run, a delivery, an invoker's arm, or a time advance. After StepEnd the
// run is over and Step returns ErrDone. An error other than ErrDone ends
// the run too: the schedule did not fit, the budget ran out, or writing
// the log or schedule failed.
func (s *Sim) Step() (StepInfo, error) {
	if err := s.step(); err != nil {
		return StepInfo{}, err
	}
	return s.last, nil
}

// step is Step leaving what it did in s.last: a StepInfo is a few hundred
// bytes, which Run does not need copied at every step.
func (s *Sim) step() error {
	if s.done {
		return ErrDone
	}
	d := &s.last
	*d = StepInfo{}
	err := s.decide(d)
	if err == nil {
		err = s.replay.failed()
	}
	if err == nil {
		err = s.ioErr()
	}
	if err != nil {
		s.done = true
		return err
	}
	s.steps++
	d.Index, d.At, d.Phase, d.Stage = s.steps, s.now, s.stage.phase(), s.stage
	for _, o := range s.hooks.step {
		o.OnStep(*d)
	}
	if d.Kind == StepEnd {
		s.done = true
		s.rec.end(s.log.seq, s.log.sum())
		if err := firstErr(s.replay.end(s.log.seq, s.log.sum()), s.ioErr()); err != nil {
			return err
		}
		if len(s.hooks.end) > 0 { // a result copies the node's state: only when wanted
			r := s.Result()
			for _, o := range s.hooks.end {
				o.OnEnd(r)
			}
		}
	}
	return nil
}

func (s *Sim) decide(d *StepInfo) error {
	if s.stopping || s.replay.stopped() {
		s.stage = StageEnd
		d.Kind = StepEnd
		return nil
	}
	if s.replay != nil || len(s.controls) > 0 {
		if c, ok, err := s.nextControl(); err != nil || ok {
			if ok {
				s.applyControl(c)
			}
			d.Kind, d.Control = StepControl, c
			return err
		}
	}
	for {
		if !s.settling {
			return s.enterNextStage(d)
		}
		settled, err := s.settleStep(d)
		if err != nil || !settled {
			return err
		}
		s.settling = false
	}
}

// nextControl is the control to apply now: in a replay, the one the
// schedule has next, if any; otherwise the oldest one queued.
func (s *Sim) nextControl() (Control, bool, error) {
	if s.replay != nil {
		c, ok, err := s.replay.control()
		if ok && err == nil {
			if err := s.checkControl(&c); err != nil {
				if s.replay.lax != nil {
					return s.nextControl() // a control that no longer fits is skipped
				}
				s.replay.next--
				s.replay.misfit("%v", err)
				return c, false, s.replay.fail
			}
		}
		return c, ok, err
	}
	if len(s.controls) == 0 {
		return Control{}, false, nil
	}
	c := s.controls[0]
	s.controls = s.controls[1:]
	return c, true, nil
}

// enterNextStage starts the run's next stage; each then runs until nothing
// is left to happen.
func (s *Sim) enterNextStage(d *StepInfo) error {
	s.stage++
	if err := s.replay.phase(s.stage); err != nil {
		return err
	}
	s.rec.phase(s.stage)
	switch s.stage {
	case StageWorkload:
		for _, o := range s.hooks.start {
			o.OnStart(s.info)
		}
		s.emit(invoker.Event{Kind: invoker.KindRun, Invoker: invoker.NoInvoker, Partition: invoker.NoPartition,
			Reason: s.o.describe(s.info.Strategy)})
		s.emitPhase(PhaseSafety)
		parts, invokers := s.node.Partitions(), s.node.Invokers()
		s.drawTimeline(func(buf []timed) []timed { return s.o.Workload.schedule(buf, s.wrng, parts, invokers) })
	case StageHeal:
		s.endPhase()
		s.emitPhase(PhaseLiveness)
		s.inj.enabled = false
		if !s.o.Workload.Shutdown {
			s.drawShutdown()
		}
	case StageRestart:
		if err := s.node.Restart(); err != nil {
			return err
		}
		s.touched.reset(s.node.Invokers())
		s.pump()
		for p := range s.node.Partitions() {
			_, e := s.node.Leader(invoker.PartitionID(p))
			s.sendAt(s.now, leaderMsg(invoker.PartitionID(p), e+1))
		}
	case StageShutdown:
		s.drawShutdown()
	case StageEnd:
		s.endPhase()
		s.check.finish(s.node)
		s.pump()
		d.Kind = StepEnd
		return nil
	}
	s.settling = true
	d.Kind = StepPhase
	return nil
}

// settleStep takes one step towards the end of the current stage:
// a delivery or an arm, chosen by the strategy, or else a time advance.
// settled is true when nothing is left to happen.
func (s *Sim) settleStep(d *StepInfo) (settled bool, err error) {
	for {
		s.runTimeline()
		if s.instant {
			s.deliverDue()
		}
		s.fillChoices()
		if len(s.choices) > 0 {
			break
		}
		if s.net.releaseHeld(s.now) {
			continue
		}
		next, ok := s.nextTime()
		if !ok && s.leftRunning() {
			// Nothing more happens before then: the time bounds that
			// wait on a stage's end conclude now, as they would there.
			s.endPhase()
			next, ok = s.check.lastDue(s.node), true
		}
		if !ok || s.instant || ((s.stuckRetrying() || s.stuckYielding()) && !s.check.watching()) {
			return true, nil
		}
		if err := checkHorizon(next); err != nil {
			return false, err
		}
		if err := s.replay.advance(next); err != nil {
			return false, err
		}
		s.rec.advance(next)
		s.advance(next)
		d.Kind = StepAdvance
		return false, nil
	}
	if s.res.Decisions.Picks >= s.o.MaxPicks {
		if s.replay != nil && s.replay.lax == nil {
			// The schedule's own budget is shorter than its picks: edited.
			s.replay.misfit("the run wants pick %d, past the schedule's max-picks=%d", s.res.Decisions.Picks+1, s.o.MaxPicks)
			return false, s.replay.failed()
		}
		return false, ErrBudget
	}
	i := s.strategy.Choose(s.choices)
	if err := s.replay.failed(); err != nil {
		return false, err
	}
	for _, o := range s.hooks.pick {
		o.OnPick(s.choices, i, s.Describe)
	}
	c := s.choices[i]
	s.rec.pick(c)
	s.res.Decisions.Picks++
	if len(s.choices) > 1 {
		s.res.Choices++
	}
	return false, s.do(c, d)
}

// leftRunning: the workload left the node running and nothing is left to
// happen, yet the progress monitor waits on invocations that are hot. Time
// then passes until every one of them is due: nothing can move them before
// the liveness phase shuts the node down, so a stall (an invoke whose
// segment read never ends, a lost output, a partition left without a
// leader) is reported, in one verdict, and not hidden by the restart that
// follows.
func (s *Sim) leftRunning() bool {
	return s.stage == StageWorkload && !s.o.Workload.Shutdown && !s.node.Down() && s.check.watching()
}

// stuckRetrying: all that is left are retries of invocations that are no
// longer invoked, which Restate repeats until the partition steps down
// (#3217). The stage is over, once the progress monitor has seen them for
// its bound; the next stage (a shutdown, or a restart) ends them.
func (s *Sim) stuckRetrying() bool {
	_, pending := s.timeline.next()
	return !pending && s.net.onlyTimers() && s.node.StuckRetrying()
}

// stuckYielding: the outside world has nothing more to send, and some
// invocation the progress monitor named goes round, yielding for memory
// and invoked again (--yield on). Like stuckRetrying's, the stage is then
// over once the monitor has seen every invocation still hot stand still
// for its bound: a loop whose rounds take a log's round trip, task
// outputs the plan delays, a throttle's tokens and segment reads would
// otherwise turn until the pick budget runs out.
func (s *Sim) stuckYielding() bool {
	_, pending := s.timeline.next()
	return !pending && s.o.Node.Yield == invoker.YieldOn && s.check.yieldLooping(s.now, s.node)
}

// do carries out one choice, and says what it did in d.
func (s *Sim) do(c Choice, d *StepInfo) error {
	if c.Invoker == Transport {
		s.net.pop(&d.Msg)
		m := &d.Msg
		s.node.Deliver(*m)
		s.touched.mark(m.Invoker)
		if p := m.PLE.Partition; p >= 0 && int(p) < s.node.Partitions() {
			// A partition processor stepping down fails its invoker's
			// parked sends.
			s.touched.mark(s.node.InvokerFor(p))
		}
		s.net.passed(s.now)
		s.res.Deliveries++
		d.Kind = StepDeliver
	} else {
		s.touched.mark(c.Invoker)
		if err := s.node.Step(c.Invoker, c.Arm); err != nil {
			return fmt.Errorf("scheduler chose %v: %w", c, err)
		}
		s.res.Steps++
		d.Kind, d.Invoker, d.Arm, d.Took = StepInvoker, c.Invoker, c.Arm, s.node.Took(c.Invoker)
	}
	s.pump()
	s.check.afterAction(s.node, s.touched.slots(s.instant))
	return nil
}

func (s *Sim) drawShutdown() {
	s.drawTimeline(func(buf []timed) []timed {
		return appendShutdown(buf, s.wrng, s.now, s.node.Partitions(), s.node.Invokers())
	})
}

// drawTimeline schedules what the outside world will send: drawn by draw
// (appended to the buffer it is given), or in a replay, as the schedule
// recorded it (drawn where a drawing replay goes past the recorded run).
func (s *Sim) drawTimeline(draw func(buf []timed) []timed) {
	var ts []timed
	recorded := false
	if s.replay != nil {
		ts, recorded = s.replay.sends()
	}
	if s.replay == nil || (!recorded && s.replay.drawsUnreached()) {
		ts = draw(s.timed[:0])
		s.timed = ts
	}
	for _, t := range ts {
		s.rec.send(t)
		s.res.Decisions.Sends++
		s.timeline.schedule(s.now, t.at, t.msg)
	}
}

func (s *Sim) emitPhase(p Phase) {
	s.emit(invoker.Event{Kind: invoker.KindPhase, Invoker: invoker.NoInvoker,
		Partition: invoker.NoPartition, Incarnation: s.node.Incarnation(), Reason: p.String() + " phase"})
}

// fillChoices lists what could happen now: deliver the earliest due message,
// or let an invoker take one of its ready arms.
func (s *Sim) fillChoices() {
	s.choices = s.choices[:0]
	if s.net.due(s.now) {
		s.choices = append(s.choices, Choice{Invoker: Transport})
	}
	s.touched.readyArms(s.node, s.instant)
	s.choices = s.touched.appendChoices(s.choices)
}

// ioErr is the first error writing the event log or the schedule.
func (s *Sim) ioErr() error {
	if err := s.log.err(); err != nil {
		return err
	}
	if err := s.node.HostErr(); err != nil {
		return err
	}
	return s.rec.err()
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
