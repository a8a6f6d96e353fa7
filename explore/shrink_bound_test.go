package explore

import (
	"bytes"
	"context"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// throttledYieldLoop records the livelock a throttle makes of the yield:
// seed 1, two partitions' hungry invocations in a pool of two leases, each
// queue holding the lease the other's attempt needs while it waits for its
// token. Under a progress bound of found, so that the run stays short.
func throttledYieldLoop(t *testing.T, found time.Duration) *faults.Schedule {
	t.Helper()
	node := invoker.DefaultConfig()
	node.Variant, node.MemoryLimit, node.Yield = invoker.Fixed, 2, invoker.YieldOn
	node.Throttle = invoker.Throttle{Rate: 300, Per: time.Second, Burst: 1}
	w := faults.DefaultWorkload()
	w.Hungry, w.Shutdown = 2, false
	bounds := faults.DefaultBounds()
	bounds.Progress = found
	var buf bytes.Buffer
	r, err := faults.Run(context.Background(), faults.Options{Seed: 1, Node: node, Workload: w, Bounds: bounds, Record: &buf})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := r.FirstViolationOf(nil); !ok || v.Check != faults.CheckYieldLoop {
		t.Fatalf("the throttled run does not loop: %v", r.Violations)
	}
	s, err := faults.ParseSchedule("loop", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A yield loop shrinks to a few rounds under a short progress bound, which
// the bound it was found under confirms: replayed under that, the shrunk
// schedule loops as long. (Before, the simplest loop, whose rounds come
// fastest, took more decisions to the verdict than the original.)
func TestShrinkShortensTheProgressBound(t *testing.T) {
	const found = 30 * time.Second
	s := throttledYieldLoop(t, found)
	res, err := Shrink(context.Background(), s, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if res.Check != faults.CheckYieldLoop || !res.OneMinimal {
		t.Fatalf("shrunk to %v", res)
	}
	if res.Shrunk.Decisions*100 > res.Original.Decisions {
		t.Errorf("shrunk to %d decisions of %d, want at most 1%%", res.Shrunk.Decisions, res.Original.Decisions)
	}
	shrunk, err := faults.ParseSchedule("shrunk", res.Schedule)
	if err != nil {
		t.Fatal(err)
	}
	b := shrunk.Header.Bounds
	if b.Progress >= found || b.ProgressConfirmed != found {
		t.Fatalf("shrunk bounds %+v, want a progress bound below %v confirmed under it", b, found)
	}
	if res.Shrunk.ProgressBound != b.Progress.String() || res.Shrunk.ProgressConfirmed != found.String() ||
		res.Original.ProgressConfirmed != "" {
		t.Errorf("sizes say %q confirmed under %q, from %q confirmed under %q", res.Shrunk.ProgressBound,
			res.Shrunk.ProgressConfirmed, res.Original.ProgressBound, res.Original.ProgressConfirmed)
	}
	// Under the bound it was found under, the shrunk schedule (the
	// defaults going on past its end) loops as long.
	o := faults.ReplayOptions(shrunk)
	o.Lenient = true
	o.JudgeByConfirmedBound()
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := r.FirstViolationOf(nil); !ok || v.Check != faults.CheckYieldLoop || r.End < found {
		t.Errorf("under %v the shrunk schedule ends at %v with %v, want a yield loop named after the bound", found, r.End, r.Violations)
	}
}

// A shorter bound alone proves too little: without its throttle the loop
// is two hungry invocations yielding to each other for a while, then
// sorting themselves out. Under half a second that is a yield loop; under
// the bound the failure was found under it is not, so no candidate that
// only the shorter bound fails is kept.
func TestAShorterBoundMustBeConfirmed(t *testing.T) {
	const found = 30 * time.Second
	s := throttledYieldLoop(t, found)
	sh := newShrinker(context.Background(), context.Background(), time.Time{})
	base, _, err := sh.failingBase(s)
	if err != nil {
		t.Fatal(err)
	}
	sh.found = found
	unthrottled := sh.withBound(withoutThrottle(base), 500*time.Millisecond)
	if !sh.failsAsIs(unthrottled) {
		t.Fatal("unthrottled, the run is no yield loop under half a second: the premise is gone")
	}
	if sh.fails(unthrottled) {
		t.Error("a candidate that fails only under the shorter bound was kept")
	}
	if !sh.fails(sh.withBound(base, 500*time.Millisecond)) {
		t.Error("the throttled loop under half a second, confirmed under the bound found, was not kept")
	}
}

// The suffixes lab inevitable and Branches run go their own way from the
// schedule: a shortened bound held for its road only, so they are judged
// by the one that confirmed it, with the pick budget of a run under it.
func TestSuffixesAreJudgedByTheConfirmedBound(t *testing.T) {
	prefix := &faults.Schedule{Header: faults.ScheduleHeader{Node: invoker.DefaultConfig(), Workload: faults.DefaultWorkload(),
		Bounds: faults.Bounds{Shutdown: time.Second, Crash: time.Second, Progress: 5 * time.Millisecond, ProgressConfirmed: 10 * time.Second}}}
	for _, draw := range []bool{false, true} {
		o, err := suffixOptions(prefix, 100, 1, nil, draw)
		if err != nil {
			t.Fatal(err)
		}
		if o.Bounds.Progress != 10*time.Second || o.Bounds.ProgressConfirmed != 0 || o.MaxPicks != 0 {
			t.Errorf("draw %t: suffixes run under %+v with at most %d picks, want the confirmed 10s and a run's own budget", draw, o.Bounds, o.MaxPicks)
		}
	}
}
