package explore

import (
	"context"
	"errors"
	"strings"

	"lab/faults"
	"lab/invoker"
)

// compareContext is how many events a Comparison keeps before the runs
// part, and of each run after.
const compareContext = 8

// A Comparison is two runs of one seed, told apart: the events they log
// alike, and where they part. Runs that differ in their variant only log
// the same events until the variants first act differently; the first
// event that differs is where a fix changes what happens (#2543: the buggy
// invoker panics where the fixed one drops the stale invoke).
type Comparison struct {
	// Shared is how many events both logged alike before they parted, and
	// Before the last of them.
	Shared uint64
	Before []invoker.Event
	// A and B are each run's first events from where they part (none: the
	// run had ended). Both are empty when the logs are the same.
	A, B []invoker.Event
	// ResultA and ResultB are the runs' results.
	ResultA, ResultB *faults.Result
	// Traces are the runs' traces, when the caller traced them.
	Traces *ComparedTraces
	// Note is the caller's word on how the runs were made, if any.
	Note string
}

// ComparedTraces names the two runs' traces, and where Jaeger shows them
// side by side.
type ComparedTraces struct {
	A          string `json:"a"`
	B          string `json:"b"`
	CompareURL string `json:"compare_url"`
}

// Parted reports whether the runs logged different events.
func (c *Comparison) Parted() bool { return len(c.A) > 0 || len(c.B) > 0 }

// Compare runs a and b side by side, one event at a time, and finds the
// first event where their logs differ. The run event, which names each
// run, counts as alike when the two differ only in what it names.
// Neither log is kept: only the events around the first difference.
func Compare(ctx context.Context, a, b faults.Options) (*Comparison, error) {
	ra, err := newLockstep(a)
	if err != nil {
		return nil, err
	}
	defer ra.sim.Close()
	rb, err := newLockstep(b)
	if err != nil {
		return nil, err
	}
	defer rb.sim.Close()
	c := &Comparison{}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ea, oka, err := ra.next()
		if err != nil {
			return nil, err
		}
		eb, okb, err := rb.next()
		if err != nil {
			return nil, err
		}
		if !oka && !okb {
			break
		}
		if oka && okb && alike(ea, eb) {
			ra.pop()
			rb.pop()
			c.Shared++
			c.Before = appendLast(c.Before, ea)
			continue
		}
		if c.A, err = ra.take(compareContext); err != nil {
			return nil, err
		}
		if c.B, err = rb.take(compareContext); err != nil {
			return nil, err
		}
		break
	}
	if c.ResultA, err = ra.finish(ctx); err != nil {
		return nil, err
	}
	if c.ResultB, err = rb.finish(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// FixOf is the variant a failing run of v is compared with: buggy's fix
// is fixed (restatedev/restate#2547), fixed's is graceful, and so is
// term's (with a shared tmp-dir, graceful's directory of its own);
// graceful has none.
func FixOf(v invoker.Variant) (invoker.Variant, bool) {
	switch v {
	case invoker.Buggy:
		return invoker.Fixed, true
	case invoker.Fixed, invoker.Term:
		return invoker.Graceful, true
	}
	return v, false
}

// CompareCommand is the lab compare command line for a run whose rerun
// command is replay (lab run's), that failed invariant first by check on
// node: against FixFor's fix. It is "" when there is none, and for a
// command that is not lab run's.
func CompareCommand(replay string, node invoker.Config, invariant, check string) string {
	rest, ok := strings.CutPrefix(replay, "lab run ")
	fix, has := FixFor(node, invariant, check)
	switch {
	case !ok || !has:
		return ""
	case fix == AgainstVariant(invoker.Fixed):
		return "lab compare " + rest // --against's default
	}
	return "lab compare " + rest + " --against " + fix.String()
}

// alike compares two events; the run event is alike whatever it names.
func alike(a, b invoker.Event) bool {
	if a.Kind == invoker.KindRun && b.Kind == invoker.KindRun {
		a.Reason, b.Reason = "", ""
	}
	return a == b
}

func appendLast(events []invoker.Event, e invoker.Event) []invoker.Event {
	if len(events) == compareContext {
		events = append(events[:0], events[1:]...)
	}
	return append(events, e)
}

// lockstep steps one simulator until it has logged an event to compare.
type lockstep struct {
	sim     *faults.Sim
	pending []invoker.Event
	// keep: events are still wanted; once the comparison is made, the
	// rest of the run is only stepped to its end.
	keep bool
}

func newLockstep(o faults.Options) (*lockstep, error) {
	l := &lockstep{keep: true}
	o.Observers = append(o.Observers[:len(o.Observers):len(o.Observers)], faults.EventFunc(func(e invoker.Event) {
		if l.keep {
			l.pending = append(l.pending, e)
		}
	}))
	sim, err := faults.New(o)
	if err != nil {
		return nil, err
	}
	l.sim = sim
	return l, nil
}

// next is the run's next event, stepping until it logs one; false once the
// run is over.
func (l *lockstep) next() (invoker.Event, bool, error) {
	for len(l.pending) == 0 {
		if l.sim.Done() {
			return invoker.Event{}, false, nil
		}
		if _, err := l.sim.Step(); err != nil && !errors.Is(err, faults.ErrDone) {
			return invoker.Event{}, false, err
		}
	}
	return l.pending[0], true, nil
}

func (l *lockstep) pop() { l.pending = l.pending[1:] }

// take is the run's next n events (fewer if it ends first).
func (l *lockstep) take(n int) ([]invoker.Event, error) {
	var out []invoker.Event
	for len(out) < n {
		e, ok, err := l.next()
		if err != nil || !ok {
			return out, err
		}
		out = append(out, e)
		l.pop()
	}
	return out, nil
}

// finish steps the run to its end and returns its result.
func (l *lockstep) finish(ctx context.Context) (*faults.Result, error) {
	l.keep, l.pending = false, nil
	for i := 0; !l.sim.Done(); i++ {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if _, err := l.sim.Step(); err != nil && !errors.Is(err, faults.ErrDone) {
			return nil, err
		}
	}
	return l.sim.Result(), nil
}
