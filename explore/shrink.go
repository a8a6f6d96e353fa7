package explore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"lab/faults"
	"lab/invoker"
)

// ShrinkResult is a failing schedule made small.
type ShrinkResult struct {
	// Invariant is the one the original violated first, and the shrunk
	// schedule still does, by the same Check (faults.Violation.Check).
	Invariant string `json:"invariant"`
	Check     string `json:"check"`
	// Original is the failing schedule up to its first violation (where
	// exploration stops a run); OriginalFull is the whole recorded run.
	Original     ScheduleSize `json:"original"`
	OriginalFull ScheduleSize `json:"original_full"`
	// Shrunk is the result, which also ends at the violation.
	Shrunk ScheduleSize `json:"shrunk"`
	// Replays is how many candidate schedules were run.
	Replays int     `json:"replays"`
	Seconds float64 `json:"seconds"`
	// OneMinimal: removing any one send, fault, task outcome, task output
	// (but an attempt's last) or control, letting the default take any one
	// pick, lowering the quota, dropping any one partition (with
	// everything that concerns it), the throttle or the memory pool,
	// shrinking the pool, or sating any one hungry invocation changes the
	// run so that it no longer fails the same way (under the progress
	// bound it ends with, and the one it was found under). False when the
	// budget ran out first.
	OneMinimal bool `json:"one_minimal"`
	// Interrupted: the context was cancelled while shrinking, which then
	// stopped as if out of budget; the result is the smallest schedule
	// found by then, and fails the same way.
	Interrupted bool `json:"interrupted,omitempty"`
	// Schedule is the shrunk schedule, which lab replay runs strictly.
	Schedule []byte `json:"-"`
}

func (r *ShrinkResult) String() string {
	return fmt.Sprintf("%s: %+v -> %+v, 1-minimal %t, %d replays", r.Failure(), r.Original, r.Shrunk, r.OneMinimal, r.Replays)
}

// Unproven says why the result is not proven 1-minimal: "" when it is.
func (r *ShrinkResult) Unproven() string {
	switch {
	case r.OneMinimal:
		return ""
	case r.Interrupted:
		return "interrupted"
	}
	return "the budget ran out"
}

// Failure names the failure kept: the invariant, and its check if it has
// more than one.
func (r *ShrinkResult) Failure() string {
	return faults.Violation{Invariant: r.Invariant, Check: r.Check}.Failure()
}

// ScheduleSize is a schedule's decisions, and the workload and node they
// take: what shrinking makes smaller.
type ScheduleSize struct {
	Decisions int `json:"decisions"`
	faults.DecisionCount
	// Choices are the picks that had more than one thing ready
	// (faults.Result.Choices), counted by a replay.
	Choices     int `json:"choices"`
	Invocations int `json:"invocations"`
	Partitions  int `json:"partitions"`
	Quota       int `json:"quota"`
	// Throttle is the node's, if it has one (as --throttle takes it);
	// MemoryLimit its memory pool, if any, and Hungry the invocations
	// hungry for it.
	Throttle    string `json:"throttle,omitempty"`
	MemoryLimit int    `json:"memory_limit,omitempty"`
	Hungry      int    `json:"hungry,omitempty"`
	// Yield is "on" when attempts out of memory yield.
	Yield string `json:"yield,omitempty"`
	// ProgressBound is the progress monitor's, if it is on: shrinking a
	// progress violation shortens it, so that the loop is shown going
	// round a few times, and ProgressConfirmed is then the bound it was
	// found under, which confirms it (faults.Bounds).
	ProgressBound     string `json:"progress_bound,omitempty"`
	ProgressConfirmed string `json:"progress_confirmed,omitempty"`
}

func (z ScheduleSize) String() string {
	return fmt.Sprintf("%s; %s, %s, quota %d%s", z.DecisionCount.WithChoices(z.Choices),
		faults.Plural(z.Invocations, "invocation"), faults.Plural(z.Partitions, "partition"), z.Quota, z.settings())
}

// settings names the throttle and the memory pool, each after a comma,
// where there is one.
func (z ScheduleSize) settings() string {
	s := ""
	if z.Throttle != "" {
		s += ", throttle " + z.Throttle
	}
	if z.MemoryLimit > 0 {
		s += fmt.Sprintf(", memory-limit %d", z.MemoryLimit)
	}
	if z.Hungry > 0 {
		s += fmt.Sprintf(", %d hungry", z.Hungry)
	}
	if z.Yield != "" {
		s += ", yield " + z.Yield
	}
	if z.ProgressBound != "" && z.ProgressBound != faults.DefaultBounds().Progress.String() {
		s += ", progress bound " + z.ProgressBound
	}
	if z.ProgressConfirmed != "" {
		s += " (confirmed under " + z.ProgressConfirmed + ")"
	}
	return s
}

// settingsTo names how the throttle, the memory pool and the hungry
// invocations of z went to those of to, each after a comma, where z had
// them.
func (z ScheduleSize) settingsTo(to ScheduleSize) string {
	s := ""
	if z.Throttle != "" {
		s += fmt.Sprintf(", throttle %s -> %s", z.Throttle, cmp.Or(to.Throttle, "none"))
	}
	if z.MemoryLimit > 0 {
		pool := "none"
		if to.MemoryLimit > 0 {
			pool = strconv.Itoa(to.MemoryLimit)
		}
		s += fmt.Sprintf(", memory-limit %d -> %s", z.MemoryLimit, pool)
	}
	if z.Hungry > 0 {
		s += fmt.Sprintf(", hungry %d -> %d", z.Hungry, to.Hungry)
	}
	if z.Yield != "" {
		s += fmt.Sprintf(", yield %s -> %s", z.Yield, cmp.Or(to.Yield, invoker.YieldOff.String()))
	}
	if z.ProgressBound != to.ProgressBound {
		s += fmt.Sprintf(", progress bound %s -> %s", z.ProgressBound, to.ProgressBound)
	}
	return s
}

func sizeOf(s *faults.Schedule) ScheduleSize {
	c := s.Decisions()
	n := s.Header.Node
	z := ScheduleSize{Decisions: c.Total(), DecisionCount: c, Partitions: n.Partitions, Quota: n.Quota, MemoryLimit: n.MemoryLimit,
		Hungry: len(hungryOf(s))}
	if n.Throttle.On() {
		z.Throttle = faults.ThrottleText(n.Throttle)
	}
	if n.Yield != invoker.YieldOff {
		z.Yield = n.Yield.String()
	}
	if b := s.Header.Bounds; b.Progress > 0 {
		z.ProgressBound = b.Progress.String()
		if b.ProgressConfirmed > 0 {
			z.ProgressConfirmed = b.ProgressConfirmed.String()
		}
	}
	for _, e := range s.Entries {
		if e.Op == faults.OpSend && e.Msg.Kind == invoker.MsgSubmit {
			z.Invocations++
		}
	}
	return z
}

// ErrNothingToShrink: the schedule violates no invariant.
var ErrNothingToShrink = errors.New("the schedule violates no invariant: nothing to shrink")

// defaultPick stands for a pick removed by shrinking: it is never ready,
// so a lenient replay takes its default there and the picks after it keep
// their place.
var defaultPick = faults.Choice{Invoker: -2}

// shrinkPasses are the kinds of decision shrinking removes, in the order it
// tries them: the workload first (fewer invocations make every other list
// shorter), picks last.
var shrinkPasses = []faults.Op{faults.OpSend, faults.OpTask, faults.OpFault, faults.OpControl, faults.OpPick}

// Shrink minimises a failing schedule: for a progress violation the
// shortest progress bound that still finds it (shrink_bound.go), the
// smallest quota that still fails, only the partitions its decisions
// mention, then delta debugging over its decisions, kind by kind, over
// its tasks' outputs and over its partitions, keeping "violates the same
// invariant first, by the same check", and repeats until no pass changes
// the run (the result is then 1-minimal) or budget is spent; then it
// takes detours that no removal makes (slower tasks, a shorter queue),
// shrinks each the same way, and keeps the smallest. Candidates are replayed leniently; every accepted one
// is re-recorded, so the result replays strictly.
//
// Cancelling ctx stops shrinking as the budget running out does: once the
// original has been replayed, the result is the smallest schedule found
// so far (Interrupted), not an error. The candidate replays themselves are
// not cut short (each is one run), so that a schedule accepted is whole.
func Shrink(ctx context.Context, s *faults.Schedule, budget time.Duration) (*ShrinkResult, error) {
	return ShrinkTelling(ctx, s, budget, nil)
}

// ErrStoryNotTold: the schedule fails, but does not tell the story asked
// for (ShrinkTelling).
var ErrStoryNotTold = errors.New("the schedule fails, but does not tell the story")

// ShrinkTelling is Shrink keeping story as well (nil: none): every
// candidate must fail the same way and tell it, so that the shrunk run
// takes the road the original did.
func ShrinkTelling(ctx context.Context, s *faults.Schedule, budget time.Duration, story Story) (*ShrinkResult, error) {
	start := time.Now()
	sh := newShrinker(context.WithoutCancel(ctx), ctx, start.Add(budget))
	sh.story = story
	base, text, err := sh.failingBase(s)
	if errors.Is(err, errNoViolation) {
		return nil, ErrNothingToShrink
	}
	if err == nil {
		err = ctx.Err() // nothing shrunk yet: nothing worth keeping
	}
	if err != nil {
		return nil, err
	}
	res := &ShrinkResult{Invariant: sh.first.Invariant, Check: sh.first.Check, Original: sizeOf(base), OriginalFull: sizeOf(s)}
	res.Original.Choices, res.OriginalFull.Choices = sh.choices(base), sh.fullChoices
	base, text, res.OneMinimal, err = sh.passes(base, text)
	if err != nil {
		return nil, err
	}
	// Then the detours: each is shrunk the same way from there, and the
	// smallest result, if smaller, is where the others are tried next.
	// Tried first, they sent delta debugging down longer roads.
	used := make([]bool, len(detours))
	for {
		from, took := base, -1
		for i, detour := range detours {
			if used[i] {
				continue
			}
			c, cText, err := detour(sh, from)
			if err != nil {
				return nil, err
			}
			if c == nil {
				continue
			}
			b, t, minimal, err := sh.passes(c, cText)
			if err != nil {
				return nil, err
			}
			if sizeOf(b).Decisions < sizeOf(base).Decisions {
				base, text, res.OneMinimal, took = b, t, minimal, i
			}
		}
		if took < 0 {
			break
		}
		used[took] = true
	}
	final, err := faults.ParseSchedule("shrunk", text)
	if err != nil {
		return nil, fmt.Errorf("the shrunk schedule does not read back: %w", err)
	}
	// The saved schedule must replay strictly and still fail the same way.
	fo := faults.ReplayOptions(final)
	told := sh.watch(&fo)
	fr, err := faults.Run(sh.ctx, fo)
	if err != nil {
		return nil, fmt.Errorf("the shrunk schedule does not replay: %w", err)
	}
	if !sh.sameFailure(fr) {
		return nil, fmt.Errorf("the shrunk schedule no longer violates %s first", sh.first.Failure())
	}
	if !told() {
		return nil, fmt.Errorf("the shrunk schedule no longer tells its story")
	}
	res.Shrunk, res.Schedule, res.Replays = sizeOf(final), text, sh.replays
	res.Shrunk.Choices = fr.Choices
	res.Seconds = time.Since(start).Seconds()
	res.Interrupted = sh.outOfTime && ctx.Err() != nil // a pass cut short by it, not one after the end
	return res, nil
}

// passes runs the shrinking passes over base until none changes it (the
// result is then 1-minimal) or the budget is spent.
func (sh *shrinker) passes(base *faults.Schedule, text []byte) (*faults.Schedule, []byte, bool, error) {
	for {
		changed := false
		// accept takes a pass's result, if it has one that is another
		// schedule.
		accept := func(next *faults.Schedule, nextText []byte, err error) error {
			if next != nil && !bytes.Equal(nextText, text) {
				base, text, changed = next, nextText, true
			}
			return err
		}
		// A progress violation under a shorter bound, first: it makes every
		// replay after it shorter.
		err := accept(sh.shortenBound(base))
		// Settings the failure may not need at all, each tried on the
		// schedule as it stands: the throttle, the memory pool (and with
		// it every invocation's hunger for memory), the yield.
		for _, without := range []func(*faults.Schedule) *faults.Schedule{withoutThrottle, withoutPool, withoutYield} {
			if c := without(base); err == nil && c != nil && sh.fails(c) {
				err = accept(sh.rerecord(c))
			}
		}
		// A smaller quota needs fewer invocations to fill it; a smaller
		// pool, fewer to hold it.
		if err == nil {
			err = accept(sh.lowest(base, base.Header.Node.Quota, withQuota))
		}
		if err == nil {
			err = accept(sh.lowest(base, base.Header.Node.MemoryLimit, withPool))
		}
		// Only the partitions still mentioned, renumbered.
		if c := fewerPartitions(base); c != nil && err == nil && sh.fails(c) {
			err = accept(sh.rerecord(c))
		}
		for _, op := range shrinkPasses {
			if err == nil {
				units := unitsOf(base, op)
				err = accept(sh.reduce(units, func(keep []int) *faults.Schedule { return edit(base, op, units, keep) }))
			}
		}
		// Fewer invocations hungry for memory.
		if units := hungryOf(base); err == nil {
			err = accept(sh.reduce(units, func(keep []int) *faults.Schedule { return withHungry(base, units, keep) }))
		}
		// Fewer outputs of the tasks kept: each journal entry costs a
		// round of effect and ack, and the end of the task stays where it
		// was, holding its slot as long.
		if steps := taskStepsOf(base); err == nil {
			err = accept(sh.reduce(indices(len(steps)), func(keep []int) *faults.Schedule { return withSteps(base, steps, keep) }))
		}
		// As few partitions as still fail, with everything that concerns
		// the others removed: last, as what the passes above leave (the
		// shutdown of every invoker, say) is what keeps partitions.
		if all := partitionsOf(base); len(all) > 1 && err == nil {
			err = accept(sh.reduce(all, func(keep []int) *faults.Schedule {
				if len(keep) == 0 {
					return nil // no partition: nothing left to fail
				}
				return onPartitions(base, keep)
			}))
		}
		if err != nil {
			return nil, nil, false, err
		}
		if sh.outOfTime {
			break
		}
		if !changed {
			return base, text, true, nil
		}
	}
	return base, text, false, nil
}

// reduce is the fewest of units with which the candidate that with makes
// of them still fails (ddmin), re-recorded; nil when it needs them all.
func (sh *shrinker) reduce(units []int, with func(keep []int) *faults.Schedule) (*faults.Schedule, []byte, error) {
	if len(units) == 0 {
		return nil, nil, nil
	}
	keep := ddmin(units, func(keep []int) bool { return sh.fails(with(keep)) }, sh.spent)
	if len(keep) == len(units) {
		return nil, nil, nil
	}
	return sh.rerecord(with(keep))
}

// indices are 0 .. n-1.
func indices(n int) []int {
	units := make([]int, n)
	for i := range units {
		units[i] = i
	}
	return units
}

// detours are edits of a shrunk schedule that no removal makes, each the
// start of another road to a smaller one:
//   - slower tasks: every output of every task comes as much later as the
//     run is long, so that a task holds its slot through the failure by
//     itself, and what kept it busy (invocations queued ahead of it,
//     faults delaying its start) can go;
//   - the shortest in-memory queue that still fails, which spills sooner,
//     so that fewer invocations fill it.
var detours = []func(*shrinker, *faults.Schedule) (*faults.Schedule, []byte, error){
	(*shrinker).slowerTasks, (*shrinker).shorterQueue,
}

// slowerTasks is base with every task output later by the time of base's
// last time advance, re-recorded; nil if that no longer fails.
func (sh *shrinker) slowerTasks(base *faults.Schedule) (*faults.Schedule, []byte, error) {
	var by time.Duration
	for _, e := range base.Entries {
		if e.Op == faults.OpAdvance {
			by = max(by, e.At)
		}
	}
	if by == 0 {
		return nil, nil, nil
	}
	c := withTaskSteps(base, func(_ int, steps []faults.TaskStep) []faults.TaskStep {
		later := make([]faults.TaskStep, len(steps))
		for j, st := range steps {
			st.After += by
			later[j] = st
		}
		return later
	})
	if !sh.fails(c) {
		return nil, nil, nil
	}
	return sh.rerecord(c)
}

// shorterQueue is base with the shortest in-memory queue limit that still
// fails, re-recorded; nil when no shorter one does.
func (sh *shrinker) shorterQueue(base *faults.Schedule) (*faults.Schedule, []byte, error) {
	return sh.lowest(base, base.Header.Node.QueueLimit, withQueueLimit)
}

// lowest is base with the lowest setting from 1 to below now that still
// fails, set by set, re-recorded; nil when none does.
func (sh *shrinker) lowest(base *faults.Schedule, now int, set func(*faults.Schedule, int)) (*faults.Schedule, []byte, error) {
	for v := 1; v < now; v++ {
		c := &faults.Schedule{Header: base.Header, Entries: base.Entries}
		set(c, v)
		if sh.fails(c) {
			return sh.rerecord(c)
		}
	}
	return nil, nil, nil
}

// errNoViolation: a schedule replayed as recorded violates nothing.
var errNoViolation = errors.New("the schedule violates no invariant")

// failingBase replays s as recorded and, when it fails, records it again
// leniently up to its first violation, with every fault entry carrying its
// message's content: the schedule that edits of it start from. It sets
// the failure the shrinker keeps, the progress bound that confirms it, and
// its pick budget.
func (sh *shrinker) failingBase(s *faults.Schedule) (*faults.Schedule, []byte, error) {
	o := faults.ReplayOptions(s)
	faultsSeen := faults.CollectFaulted(&o)
	told := sh.watch(&o)
	r, err := faults.Run(sh.stop, o) // the one replay an interrupt cuts short: a whole run, maybe long
	if err != nil {
		return nil, nil, err
	}
	first, ok := r.FirstViolationOf(o.Invariants)
	if !ok {
		return nil, nil, errNoViolation
	}
	if !told() {
		return nil, nil, ErrStoryNotTold
	}
	sh.first, sh.invariants, sh.budget = first, o.Invariants, max(4*r.Decisions.Picks, 20_000)
	sh.found = cmp.Or(s.Header.Bounds.ProgressConfirmed, s.Header.Bounds.Progress)
	sh.fullChoices = r.Choices
	base, text, err := sh.rerecord(enrich(s, *faultsSeen))
	if err == nil && base == nil {
		err = fmt.Errorf("the schedule does not replay leniently as recorded")
	}
	return base, text, err
}

type shrinker struct {
	// ctx runs the candidates, which an interrupt does not cut short;
	// stop is the caller's context, whose end stops shrinking.
	ctx, stop context.Context
	deadline  time.Time
	// first is the original's first violation: a candidate must fail the
	// same way, the same check of the same invariant. (The invariant alone
	// is not enough: with its shutdown sends removed, a run that left
	// spill files behind "violates clean-shutdown" by never shutting down.)
	first faults.Violation
	// invariants are those the schedule's run watched (nil: all): a
	// violation of another is no failure.
	invariants []string
	// story, if not nil, is what every candidate must tell as well.
	story     Story
	budget    int
	replays   int
	outOfTime bool
	// fullChoices are the original's choices over its whole run.
	fullChoices int
	// found is the progress bound the failure was found under, which
	// confirms a candidate under a shorter one (shrink_bound.go).
	found time.Duration
}

// newShrinker runs candidates with run until stop ends or the deadline
// passes (the zero time: never).
func newShrinker(run, stop context.Context, deadline time.Time) *shrinker {
	if deadline.IsZero() {
		deadline = time.Unix(1<<62, 0)
	}
	return &shrinker{ctx: run, stop: stop, deadline: deadline}
}

// sameFailure reports whether a run's first violation (of an invariant
// watched) is the original's.
func (sh *shrinker) sameFailure(r *faults.Result) bool {
	v, ok := r.FirstViolationOf(sh.invariants)
	return ok && v.Invariant == sh.first.Invariant && v.Check == sh.first.Check
}

// failed reports whether a run violated an invariant watched.
func (sh *shrinker) failed(r *faults.Result) bool {
	_, ok := r.FirstViolationOf(sh.invariants)
	return ok
}

// spent reports whether the budget is spent or the shrink cancelled.
func (sh *shrinker) spent() bool {
	if sh.stop.Err() != nil || time.Now().After(sh.deadline) {
		sh.outOfTime = true
	}
	return sh.outOfTime
}

// fails replays a candidate leniently up to its first violation, and
// reports whether it fails the same way, under the progress bound the
// failure was found under as well if its own is shorter (shrink_bound.go);
// nil fails nothing.
func (sh *shrinker) fails(s *faults.Schedule) bool {
	if !sh.failsAsIs(s) {
		return false
	}
	return s.Header.Bounds.Progress == sh.found || sh.failsAsIs(sh.withBound(s, sh.found))
}

// failsAsIs is fails under s's own progress bound.
func (sh *shrinker) failsAsIs(s *faults.Schedule) bool {
	if s == nil || sh.spent() {
		return false
	}
	sh.replays++
	o := sh.toViolation(s)
	told := sh.watch(&o)
	r, err := faults.Run(sh.ctx, o)
	return err == nil && sh.sameFailure(r) && told()
}

// toViolation are the options that replay s leniently up to its first
// violation.
func (sh *shrinker) toViolation(s *faults.Schedule) faults.Options {
	o := faults.ReplayOptions(s)
	o.Lenient, o.StopAtViolation, o.SkipHash, o.MaxPicks = true, true, true, sh.budget
	return o
}

// watch has o's run watched for the story, if there is one, and returns
// what says at the run's end whether it was told (always, with none).
func (sh *shrinker) watch(o *faults.Options) (told func() bool) {
	if sh.story == nil {
		return func() bool { return true }
	}
	w := sh.story()
	o.Observers = append(o.Observers[:len(o.Observers):len(o.Observers)], w)
	return w.Told
}

// choices counts the picks of s that had a choice, up to its first
// violation; 0 if the replay was cancelled.
func (sh *shrinker) choices(s *faults.Schedule) int {
	r, err := faults.Run(sh.ctx, sh.toViolation(s))
	if err != nil {
		return 0
	}
	return r.Choices
}

// rerecord runs a candidate leniently up to its first violation while
// recording it, so that what the defaults chose is written down. It returns nil text if
// the recorded run does not fail the same way (it always should: a
// lenient replay is deterministic).
func (sh *shrinker) rerecord(s *faults.Schedule) (*faults.Schedule, []byte, error) {
	var buf bytes.Buffer
	o := faults.ReplayOptions(s)
	o.Lenient, o.StopAtViolation, o.Record, o.MaxPicks = true, true, &buf, sh.budget
	seen := faults.CollectFaulted(&o)
	told := sh.watch(&o)
	r, err := faults.Run(sh.ctx, o)
	if err != nil || !sh.sameFailure(r) || !told() {
		return nil, nil, nil //nolint:nilerr // a candidate that no longer fits is not kept
	}
	next, err := faults.ParseSchedule("shrunk", buf.Bytes())
	if err != nil {
		return nil, nil, fmt.Errorf("a recorded schedule does not read back: %w", err)
	}
	return enrich(next, *seen), buf.Bytes(), nil
}

// enrich gives every fault entry its message's content, and which message
// of that content it was, so that a lenient replay finds the message again
// after earlier messages were removed and ids shifted.
func enrich(s *faults.Schedule, msgs []faults.FaultedMessage) *faults.Schedule {
	out := &faults.Schedule{Header: s.Header, Entries: make([]faults.Entry, len(s.Entries))}
	copy(out.Entries, s.Entries)
	k := 0
	for i := range out.Entries {
		if e := &out.Entries[i]; e.Op == faults.OpFault && k < len(msgs) && msgs[k].Msg.ID == e.Msg.ID {
			e.Msg, e.Nth = msgs[k].Msg, msgs[k].Nth
			k++
		}
	}
	return out
}

// partitionsOf numbers s's partitions.
func partitionsOf(s *faults.Schedule) []int {
	all := make([]int, s.Header.Node.Partitions)
	for i := range all {
		all[i] = i
	}
	return all
}

// unitsOf are the indices of s's entries of kind op.
func unitsOf(s *faults.Schedule, op faults.Op) []int {
	var units []int
	for i, e := range s.Entries {
		if e.Op == op {
			units = append(units, i)
		}
	}
	return units
}

// edit is s with only keep of its units (entries of kind op): the others
// are removed, or for picks, left to the default.
func edit(s *faults.Schedule, op faults.Op, units, keep []int) *faults.Schedule {
	kept := make(map[int]bool, len(keep))
	for _, i := range keep {
		kept[i] = true
	}
	out := &faults.Schedule{Header: s.Header, Entries: make([]faults.Entry, 0, len(s.Entries))}
	for i, e := range s.Entries {
		if e.Op == op && !kept[i] {
			if op != faults.OpPick {
				continue
			}
			e.Choice = defaultPick
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

// taskStep is one output of a task entry of a schedule: Entries[entry].Steps[step].
type taskStep struct{ entry, step int }

// taskStepsOf are the outputs of s's tasks that shrinking may remove: all
// but each attempt's last, which ends it.
func taskStepsOf(s *faults.Schedule) []taskStep {
	var out []taskStep
	for i, e := range s.Entries {
		if e.Op != faults.OpTask {
			continue
		}
		for j := range max(len(e.Steps)-1, 0) {
			out = append(out, taskStep{i, j})
		}
	}
	return out
}

// withSteps is s with only the keep of its removable task outputs (indices
// into steps).
func withSteps(s *faults.Schedule, steps []taskStep, keep []int) *faults.Schedule {
	drop := make(map[taskStep]bool, len(steps))
	for _, st := range steps {
		drop[st] = true
	}
	for _, i := range keep {
		delete(drop, steps[i])
	}
	return withTaskSteps(s, func(i int, steps []faults.TaskStep) []faults.TaskStep {
		kept := make([]faults.TaskStep, 0, len(steps))
		for j, st := range steps {
			if !drop[taskStep{i, j}] {
				kept = append(kept, st)
			}
		}
		return kept
	})
}

// withTaskSteps is s with the outputs of each task entry (at index i)
// replaced by edit's, a new slice: s is left as it was.
func withTaskSteps(s *faults.Schedule, edit func(i int, steps []faults.TaskStep) []faults.TaskStep) *faults.Schedule {
	out := &faults.Schedule{Header: s.Header, Entries: make([]faults.Entry, len(s.Entries))}
	copy(out.Entries, s.Entries)
	for i := range out.Entries {
		if e := &out.Entries[i]; e.Op == faults.OpTask {
			e.Steps = edit(i, e.Steps)
		}
	}
	return out
}
