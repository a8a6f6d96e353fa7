package faults

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"lab/invoker"
)

// Options describe one run. The same options give the same event log, byte
// for byte.
type Options struct {
	Seed     uint64
	Node     invoker.Config
	Plan     *Plan
	Workload Workload
	// Strategy picks among the ready choices; nil is the seeded random
	// strategy (see NewStrategy). A strict Replay does not consult it; a
	// Lenient one does where the schedule's picks run out or do not fit.
	Strategy Strategy
	Bounds   Bounds
	// Events receives the run's log as JSON Lines, one event per line.
	Events io.Writer
	// Observers watch the run (see Observer).
	Observers []Observer
	// MaxPicks bounds a run's scheduler picks (0: a budget that grows
	// with the workload, see pickBudget).
	MaxPicks int
	// Record receives the run's schedule: every decision, in the format
	// ReadSchedule reads.
	Record io.Writer
	// Replay, when set, makes every decision of the run as the schedule
	// recorded it, with no random draw at all. Seed, Strategy and the
	// plan's rules are then not consulted.
	Replay *Schedule
	// Lenient makes a Replay best-effort, for shrinking: an entry that no
	// longer fits is skipped or replaced by a default (see Lenient replay
	// in replay_lenient.go) instead of stopping the run, and the end hash
	// is not checked.
	Lenient bool
	// DrawAfterPicks makes a Lenient replay, from the first pick after
	// its schedule's picks, go on as a seeded run would: task outcomes drawn
	// from Seed, fault verdicts from Plan's rules and Seed, picks from
	// Strategy. What the outside world sends stays as recorded. Cutting a
	// schedule's picks at K and replaying it so asks what else could have
	// happened after its K-th pick.
	DrawAfterPicks bool
	// SkipHash leaves the event log unhashed (Result.Hash is empty) unless
	// Events, Record or a strict Replay need it: hunting for violations
	// does not read the hash, and encoding every event is a third of a run.
	SkipHash bool
	// Digest fingerprints the events (Result.Digest) without encoding
	// them: a cheap way to compare two runs, with or without the hash.
	Digest bool
	// StopAtViolation ends the run at the first step after an
	// invariant is violated, without the end-of-run checks: for hunting
	// and shrinking, where the first violation is all that is wanted. The
	// schedule it records ends there too, and a strict replay of it stops
	// at its `end` entry (and checks the hash there).
	StopAtViolation bool
	// Invariants are those whose violation StopAtViolation stops at, and
	// those the recorded schedule says its run is about, for shrinking
	// (nil: every invariant): to hunt one invariant past violations of
	// the others (crash-visibility past the panic that comes first).
	Invariants []string
	// Command is the command line that reproduces the run, for reports.
	Command string
}

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
	s.res = Result{Seed: o.Seed, Variant: o.Node.Variant, OnPanic: o.Node.OnPanic, RetryTimers: o.Node.RetryTimers, Plan: o.Plan.Name, Strategy: s.info.Strategy,
		Workload: o.Workload, Replay: o.Command}
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
		if !ok || s.instant || (s.stuckRetrying() && !s.check.watching()) {
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

// describe names everything that determines a run, for its first event.
func (o Options) describe(strategy string) string {
	return fmt.Sprintf("run seed=%d variant=%s plan=%s scheduler=%s %s",
		o.Seed, o.Node.Variant, o.Plan.Name, strategy, DescribeShape(o.Node, o.Workload))
}

// DescribeShape names a node's and workload's settings as a run's first
// event does: partitions, layout, quota, queue limit, effect capacity,
// on-panic, invocations, step-downs, kills, and a shared tmp-dir, task
// panics, unkeyed retry timers, pauses and retry-nows if there are any.
func DescribeShape(n invoker.Config, w Workload) string {
	layout := "per-partition"
	if n.SharedInvoker {
		layout = "shared"
	}
	return fmt.Sprintf("partitions=%d invokers=%s quota=%d queue-limit=%d effect-capacity=%d on-panic=%s "+
		"invocations=%d step-downs=%d kills=%d%s",
		n.Partitions, layout, n.Quota, n.QueueLimit, n.EffectCapacity, n.OnPanic,
		w.Invocations, w.StepDowns, w.Kills, sharedTmpDirArg(n)) + taskPanicsArg(w) + retryTimersArg(n) + pausesArg(w) + retryNowsArg(w)
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

// endPhase: nothing is left to happen, so time-bound checks conclude.
func (s *Sim) endPhase() {
	s.check.tick(s.now, true)
	s.pump()
}

func (s *Sim) nextTime() (time.Duration, bool) {
	a, okA := s.timeline.next()
	b, okB := s.net.next()
	switch {
	case okA && okB:
		return min(a, b), true
	case okA:
		return a, true
	}
	return b, okB
}

func (s *Sim) advance(t time.Duration) {
	if err := s.node.SetTime(t); err != nil {
		panic(err) // the simulator only moves forward; anything else is a lab bug
	}
	s.now = t
	s.check.tick(t, false)
	s.check.checkProgress(t, s.node)
	s.pump()
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

// deliverDue hands over every message that is due, with no choice: the
// instant transport of scripts.
func (s *Sim) deliverDue() {
	for {
		s.runTimeline()
		if !s.net.due(s.now) {
			return
		}
		var d StepInfo
		_ = s.do(Choice{Invoker: Transport}, &d)
	}
}

// runTimeline sends the outside world's messages and produces task outputs
// that are due now.
func (s *Sim) runTimeline() {
	for s.timeline.due(s.now) {
		var m invoker.Envelope
		s.timeline.pop(&m)
		if m.Kind == invoker.MsgTaskOutput {
			if out, ok := s.node.TaskOutput(m.Task, m.Output); ok {
				s.touched.mark(out.Invoker) // a final output ends the task
			}
		} else {
			s.node.Send(m)
		}
		s.pump()
	}
}

func (s *Sim) sendAt(at time.Duration, m invoker.Envelope) { s.timeline.schedule(s.now, at, m) }

// pump drains the node: every event is logged, checked and reacted to;
// every message sent is routed through the injector onto the network.
func (s *Sim) pump() {
	for {
		r := s.node.Drain(s.drained)
		s.drained = r
		if len(r.Events) == 0 && len(r.Sent) == 0 {
			return
		}
		for i := range r.Events {
			s.record(&r.Events[i])
			s.react(&r.Events[i])
		}
		for i := range r.Sent {
			s.route(&r.Sent[i])
		}
	}
}

// emit logs one of the simulator's own events (the run, phases, faults,
// controls, violations) at the current virtual time.
func (s *Sim) emit(e invoker.Event) {
	e.At = s.now
	s.record(&e)
}

// record numbers, logs, counts and checks an event, and shows it to the
// observers.
func (s *Sim) record(e *invoker.Event) {
	s.log.add(e)
	s.res.Kinds[e.Kind]++
	switch {
	case e.Kind == invoker.KindPurge:
		s.res.Purged += e.N
	case e.Kind == invoker.KindRejected && e.Outcome.RefusesRequest():
		s.res.Refused++
	}
	for _, o := range s.hooks.event {
		o.OnEvent(*e)
	}
	// Last: a violation the event causes is logged after it.
	s.check.observe(e)
}

// react schedules what follows from an event: a started task's outputs, and
// the shutdown phases that follow an invoker's loop ending.
func (s *Sim) react(e *invoker.Event) {
	if e.Incarnation != s.node.Incarnation() {
		return
	}
	switch e.Kind {
	case invoker.KindTaskStart:
		if e.Outcome == invoker.TaskNotInvoked {
			break // the attempt failed by itself: nothing to play
		}
		info := invoker.TaskInfo{ID: e.Task, Invoker: e.Invoker, PLE: e.PLE(), Inv: e.Inv, Attempt: e.Attempt}
		var steps []TaskStep
		if s.replay != nil && !s.replay.drawing() {
			steps = s.replay.task(info)
		} else {
			steps = s.planTask(info)
		}
		s.rec.task(info, steps)
		s.res.Decisions.Tasks++
		for _, st := range steps {
			s.timeline.schedule(s.now, s.now+st.After, invoker.Envelope{Kind: invoker.MsgTaskOutput, Task: e.Task, Output: st.Out})
		}
	case invoker.KindNodeAbort:
		s.touched.markAll()
	case invoker.KindShutdown:
		s.sendAt(s.now, invokerMsg(invoker.MsgJoin, e.Invoker))
	case invoker.KindJoined:
		if e.Outcome == invoker.OutcomeNone && s.node.Config().Variant.RemovesSpill() {
			s.sendAt(s.now, invokerMsg(invoker.MsgCleanup, e.Invoker))
		}
	case invoker.KindCancel, invoker.KindPanic:
		// A dead invoker has no loop to exit and no tasks to join, but the
		// graceful node's shutdown still removes its spill directory: once
		// it is both cancelled and dead, whichever came first. (Restate's
		// does not remove it at all: Variant.RemovesSpill.)
		if s.node.InvokerState(e.Invoker) == invoker.InvokerDead && s.node.Cancelled(e.Invoker) &&
			s.node.Config().Variant.RemovesSpill() {
			s.sendAt(s.now, invokerMsg(invoker.MsgCleanup, e.Invoker))
		}
	}
}

// route puts a message that was just sent on the network, as the fault plan
// decides (or, in a replay, as the schedule recorded): on time, late,
// never, twice, or overtaken.
func (s *Sim) route(mp *invoker.Envelope) {
	m := *mp
	at := s.now
	if m.Kind == invoker.MsgTimer {
		at = max(at, m.Due)
	}
	var v Verdict
	var hit bool
	if s.replay != nil && !s.replay.drawing() {
		v, hit = s.replay.fault(m)
	} else {
		v, hit = s.inj.judge(m, s.now)
	}
	if hit {
		s.rec.fault(m, v)
		s.res.Decisions.Faults++
		e := invoker.MsgEvent(faultKinds[v.Action], m)
		e.Reason = v.describe()
		s.emit(e)
		s.res.Faults[v.Action]++
		switch v.Action {
		case Drop:
			s.node.Lose(m)
			s.touched.mark(m.Invoker)
			return
		case Reorder:
			s.net.hold(m, v.Overtakes)
			return
		case Delay:
			at = addTime(at, v.Delay)
		}
	}
	at = s.senders.arrival(&m, s.now, at)
	s.net.schedule(s.now, at, m)
	if hit && v.Action == Duplicate {
		// The copy is a late retransmission: it does not hold back what
		// its sender sends next.
		s.net.schedule(s.now, addTime(at, v.Delay), m)
	}
}

// addTime adds a delay to a virtual time, saturating instead of wrapping.
func addTime(t, d time.Duration) time.Duration {
	if d > 0 && t > maxTime-d {
		return maxTime
	}
	return t + d
}

const maxTime = time.Duration(1<<63 - 1)

func (s *Sim) servedBy(i int) []invoker.PartitionID {
	var ps []invoker.PartitionID
	for p := range s.node.Partitions() {
		if s.node.InvokerFor(invoker.PartitionID(p)) == i {
			ps = append(ps, invoker.PartitionID(p))
		}
	}
	return ps
}

func (s *Sim) reportViolation(v Violation) {
	v.At = s.now
	v.Recent = s.log.tail(recentEvents)
	s.res.Violations = append(s.res.Violations, v)
	if s.o.StopAtViolation && Watched(s.o.Invariants, v.Invariant) {
		s.stopping = true
	}
	// The violation event keeps the breaking (or last) event's subject
	// (partition, invocation, message) and points at it with N = its
	// sequence number.
	e := v.Event
	if v.Inv != "" && v.Inv != e.Inv {
		// About another invocation than the last event's: only its id
		// is known here.
		e = invoker.Event{Seq: e.Seq, Incarnation: e.Incarnation, Invoker: invoker.NoInvoker,
			Partition: invoker.NoPartition, Inv: v.Inv}
	}
	e.Kind, e.Reason, e.Arm, e.N = invoker.KindViolation, v.String(), invoker.ArmNone, int(v.Event.Seq)
	// From, To, M and Outcome meant something for the breaking kind only.
	e.From, e.To, e.M, e.Outcome = 0, 0, 0, invoker.OutcomeNone
	s.emit(e)
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
