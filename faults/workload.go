package faults

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"lab/invoker"
)

// Workload is what happens to the node in the safety phase: invocations
// arriving over time across partitions, leadership changes, kills and one
// node shutdown, plus how the service deployment behaves.
type Workload struct {
	Invocations int
	// ArrivalSpan spreads arrivals uniformly over [0, ArrivalSpan).
	ArrivalSpan time.Duration
	// StepDowns partitions step down between 20% and 60% of the span and
	// are re-elected at the next epoch after ReelectMin..ReelectMax.
	StepDowns              int
	ReelectMin, ReelectMax time.Duration
	// Kills invocations are killed by the user shortly after arriving.
	Kills int
	// Pauses invocations are paused by the user shortly after arriving,
	// and resumed soon after: a pause that finds the invocation waiting to
	// retry, and a resume before its backoff ends, is the race of
	// restatedev/restate#4064 (see invoker.RetryTimersUnkeyed).
	Pauses int
	// RetryNows invocations get the user's retry-now 1–200ms after they
	// arrive: one that finds it waiting to retry leaves its timer queued,
	// the other road to #4064.
	RetryNows int
	// Hungry invocations need more memory than their initial lease of
	// the node's memory pool (invoker.Config.MemoryLimit): each of their
	// attempts holds a second lease while it runs, or, the pool having
	// none, fails before it reaches the service, and is retried.
	Hungry int
	// Shutdown starts somewhere in ShutdownMin..ShutdownMax: ingress stops,
	// then within a millisecond every partition processor steps down and
	// every invoker is cancelled, in no fixed order.
	Shutdown                 bool
	ShutdownMin, ShutdownMax time.Duration
	Tasks                    TaskModel
}

// TaskModel draws what each attempt of an invocation does: some journal
// entries, then an ending, each output after a step latency.
type TaskModel struct {
	MaxEntries       int
	StepMin, StepMax time.Duration
	// Probabilities of each ending; the rest close successfully. Every
	// failure the invoker sees is transient (it retries forever); a
	// terminal failure is the SDK's output entry, then Closed. Panic is the
	// probability that an attempt's task panics after its entries instead
	// of ending (--task-panics; 0 in the reference workload).
	Transient, Suspend, Terminal, Panic float64
}

// DefaultSeed is the seed the commands run when none is given, the
// README's: under shutdown-race the buggy invoker panics at the node's
// shutdown (#2543 as filed), and the fixed and graceful ones hold every
// invariant. About one seed in seven panics at shutdown; 9 is the first.
const DefaultSeed = 9

// DefaultWorkload is the reference workload (README, Measurements: 64
// invocations, one step-down, one shutdown) on 4 partitions.
func DefaultWorkload() Workload {
	return Workload{
		Invocations: 64,
		ArrivalSpan: 200 * time.Millisecond,
		StepDowns:   1,
		ReelectMin:  5 * time.Millisecond, ReelectMax: 50 * time.Millisecond,
		Shutdown:    true,
		ShutdownMin: 150 * time.Millisecond, ShutdownMax: 250 * time.Millisecond,
		Tasks: TaskModel{
			MaxEntries: 3,
			StepMin:    2 * time.Millisecond, StepMax: 30 * time.Millisecond,
			Transient: 0.08, Suspend: 0.04, Terminal: 0.03,
		},
	}
}

// Validate reports the first setting that cannot run.
func (w Workload) Validate() error {
	switch {
	case w.Invocations < 0:
		return fmt.Errorf("invocations must be 0 or more, got %d", w.Invocations)
	case w.Kills < 0 || w.Kills > w.Invocations:
		return fmt.Errorf("kills must be between 0 and the number of invocations, got %d", w.Kills)
	case w.Pauses < 0 || w.Pauses > w.Invocations:
		return fmt.Errorf("pauses must be between 0 and the number of invocations, got %d", w.Pauses)
	case w.RetryNows < 0 || w.RetryNows > w.Invocations:
		return fmt.Errorf("retry-nows must be between 0 and the number of invocations, got %d", w.RetryNows)
	case w.Hungry < 0 || w.Hungry > w.Invocations:
		return fmt.Errorf("memory-hungry must be between 0 and the number of invocations, got %d", w.Hungry)
	case w.StepDowns < 0:
		return fmt.Errorf("step-downs must be 0 or more, got %d", w.StepDowns)
	case w.ArrivalSpan <= 0:
		return fmt.Errorf("arrival span must be positive, got %v", w.ArrivalSpan)
	case w.ReelectMax < w.ReelectMin || w.ShutdownMax < w.ShutdownMin || w.Tasks.StepMax < w.Tasks.StepMin:
		return fmt.Errorf("a range ends before it starts")
	case w.Tasks.MaxEntries < 0:
		return fmt.Errorf("max entries must be 0 or more")
	case !(w.Tasks.Panic >= 0 && w.Tasks.Panic <= 1): // NaN too
		return fmt.Errorf("task panics must be a probability from 0 to 1, got %v", w.Tasks.Panic)
	case w.Tasks.Transient+w.Tasks.Suspend+w.Tasks.Terminal > 1:
		return fmt.Errorf("ending probabilities add up to more than 1")
	}
	return nil
}

// timed is a message the outside world sends at a virtual time.
type timed struct {
	at  time.Duration
	msg invoker.Envelope
}

// InvocationID names the k-th arrival, zero-padded so ids sort as arrivals.
func InvocationID(k, total int) invoker.InvocationID {
	width := max(len(strconv.Itoa(max(total-1, 0))), 3)
	digits := strconv.Itoa(k)
	return invoker.InvocationID("i" + strings.Repeat("0", max(width-len(digits), 0)) + digits)
}

// schedule draws the safety phase's timeline.
func (w Workload) schedule(buf []timed, rng *rand.Rand, partitions, invokers int) []timed {
	out := slices.Grow(buf[:0], partitions+w.Invocations+w.Kills+2*w.Pauses+w.RetryNows+2*w.StepDowns+1+partitions+invokers)
	add := func(at time.Duration, m invoker.Envelope) { out = append(out, timed{at, m}) }
	epochs := make([]invoker.Epoch, partitions)
	for p := range partitions {
		epochs[p] = 1
		add(0, leaderMsg(invoker.PartitionID(p), 1))
	}
	// The arrivals' times are drawn first and sorted; then the k-th
	// earliest becomes invocation k, at a drawn partition.
	submits := out[len(out) : len(out)+w.Invocations]
	for k := range submits {
		submits[k] = timed{at: between(rng, 0, w.ArrivalSpan-1)}
	}
	slices.SortFunc(submits, func(a, b timed) int { return cmp.Compare(a.at, b.at) })
	for k := range submits {
		p := invoker.PartitionID(rng.IntN(partitions))
		submits[k].msg = invoker.Envelope{Kind: invoker.MsgSubmit, PLE: invoker.PLE{Partition: p}, Inv: InvocationID(k, w.Invocations)}
	}
	out = out[:len(out)+w.Invocations]
	for _, k := range rng.Perm(w.Invocations)[:w.Kills] {
		add(submits[k].at+between(rng, time.Millisecond, 100*time.Millisecond),
			invoker.Envelope{Kind: invoker.MsgKill, PLE: submits[k].msg.PLE, Inv: submits[k].msg.Inv})
	}
	if w.Pauses > 0 { // drawn only then, so that other runs draw as before
		for _, k := range rng.Perm(w.Invocations)[:w.Pauses] {
			at := submits[k].at + between(rng, time.Millisecond, 100*time.Millisecond)
			add(at, invoker.Envelope{Kind: invoker.MsgUserPause, PLE: submits[k].msg.PLE, Inv: submits[k].msg.Inv})
			add(at+between(rng, time.Millisecond, 50*time.Millisecond),
				invoker.Envelope{Kind: invoker.MsgResume, PLE: submits[k].msg.PLE, Inv: submits[k].msg.Inv})
		}
	}
	if w.RetryNows > 0 { // the same
		for _, k := range rng.Perm(w.Invocations)[:w.RetryNows] {
			add(submits[k].at+between(rng, time.Millisecond, 200*time.Millisecond),
				invoker.Envelope{Kind: invoker.MsgUserRetryNow, PLE: submits[k].msg.PLE, Inv: submits[k].msg.Inv})
		}
	}
	if w.Hungry > 0 { // the same
		for _, k := range rng.Perm(w.Invocations)[:w.Hungry] {
			submits[k].msg.Hungry = true
		}
	}
	for range w.StepDowns {
		at := between(rng, w.ArrivalSpan/5, 3*w.ArrivalSpan/5)
		p := invoker.PartitionID(rng.IntN(partitions))
		epochs[p]++
		add(at, stepDownMsg(p))
		add(at+between(rng, w.ReelectMin, w.ReelectMax), leaderMsg(p, epochs[p]))
	}
	if w.Shutdown {
		out = appendShutdown(out, rng, between(rng, w.ShutdownMin, w.ShutdownMax), partitions, invokers)
	}
	slices.SortStableFunc(out, func(a, b timed) int { return int(a.at - b.at) })
	return out
}

// appendShutdown appends the node's shutdown: ingress stops at t, then,
// each at its own moment within a millisecond (every partition processor
// runs on its own runtime), a partition processor steps down and its
// invoker is cancelled. They come from one cancellation: in Restate of
// January 2025 the invoker's token is a child of its processor's, so it is
// cancelled before the processor can send AbortAllPartition. Here the
// step-down is delivered first and its AbortAllPartition is sent behind the
// cancel: the invoker always has its shutdown arm ready by the time the
// message reaches it, and whether it reads the message before it shuts
// down is the scheduler's choice, as which task its runtime polls first
// was Restate's.
func appendShutdown(out []timed, rng *rand.Rand, t time.Duration, partitions, invokers int) []timed {
	out = append(out, timed{t, invoker.Envelope{Kind: invoker.MsgStopIngress, PLE: invoker.PLE{Partition: invoker.NoPartition}}})
	type stop struct {
		at time.Duration
		p  int
	}
	stops := make([]stop, partitions)
	for p := range stops {
		stops[p] = stop{t + between(rng, 0, time.Millisecond), p}
	}
	slices.SortStableFunc(stops, func(a, b stop) int { return int(a.at - b.at) })
	cancelled := make([]bool, invokers)
	for _, s := range stops {
		out = append(out, timed{s.at, stepDownMsg(invoker.PartitionID(s.p))})
		i := 0 // one invoker shared by every partition
		if invokers == partitions {
			i = s.p
		}
		if !cancelled[i] {
			cancelled[i] = true
			out = append(out, timed{s.at, invokerMsg(invoker.MsgCancel, i)})
		}
	}
	return out
}

func leaderMsg(p invoker.PartitionID, e invoker.Epoch) invoker.Envelope {
	return invoker.Envelope{Kind: invoker.MsgBecomeLeader, PLE: invoker.PLE{Partition: p, Epoch: e}}
}

func stepDownMsg(p invoker.PartitionID) invoker.Envelope {
	return invoker.Envelope{Kind: invoker.MsgStepDown, PLE: invoker.PLE{Partition: p}}
}

func invokerMsg(kind invoker.MsgKind, i int) invoker.Envelope {
	return invoker.Envelope{Kind: kind, Invoker: i, PLE: invoker.PLE{Partition: invoker.NoPartition}}
}

// between draws uniformly from [lo, hi].
func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
}

// TaskStep is one output an attempt produces, After its start.
type TaskStep struct {
	After time.Duration
	Out   invoker.OutputKind
}

// attempt draws one attempt's outputs, appended to steps.
func (m TaskModel) attempt(rng *rand.Rand, steps []TaskStep) []TaskStep {
	var t time.Duration
	next := func(out invoker.OutputKind) TaskStep {
		t += between(rng, m.StepMin, m.StepMax)
		return TaskStep{t, out}
	}
	for range rng.IntN(m.MaxEntries + 1) {
		steps = append(steps, next(invoker.OutEntry))
	}
	// Drawn only when tasks may panic, so that other runs draw as before.
	if m.Panic > 0 && rng.Float64() < m.Panic {
		return append(steps, next(invoker.OutPanicked))
	}
	x := rng.Float64()
	switch {
	case x < m.Transient:
		steps = append(steps, next(invoker.OutFailedTransient))
	case x < m.Transient+m.Suspend:
		steps = append(steps, next(invoker.OutSuspended))
	case x < m.Transient+m.Suspend+m.Terminal:
		steps = append(steps, next(invoker.OutEntry))
		steps = append(steps, next(invoker.OutClosed))
	default:
		steps = append(steps, next(invoker.OutClosed))
	}
	return steps
}
