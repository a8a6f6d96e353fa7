package explore_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// countdown is a context cancelled once its Err has been asked left
// times: an interrupt at the same point of a deterministic shrink every
// time (the shrinker asks before each candidate, a run every 1,024 picks).
type countdown struct {
	context.Context
	left atomic.Int64
}

func (c *countdown) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// Interrupted, shrinking stops as the budget running out stops it, and
// keeps the smallest schedule found by then: it fails the same way,
// replays strictly, and the later the interrupt, the smaller it is. An
// interrupt before the original's replay has finished leaves nothing.
func TestShrinkInterruptedKeepsTheSmallestSoFar(t *testing.T) {
	s := scheduleOf(t, faults.DefaultSeed, invoker.Buggy, "shutdown-race")
	whole, err := explore.Shrink(context.Background(), s, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Interrupted || !whole.OneMinimal {
		t.Fatalf("uninterrupted: interrupted %v, 1-minimal %v", whole.Interrupted, whole.OneMinimal)
	}
	last := whole.Original.Decisions
	for _, after := range []int64{3, 20, 80} {
		ctx := &countdown{Context: context.Background()}
		ctx.left.Store(after)
		res, err := explore.Shrink(ctx, s, time.Minute)
		if err != nil {
			t.Fatalf("interrupted after %d asks: %v", after, err)
		}
		if !res.Interrupted || res.OneMinimal || res.Unproven() != "interrupted" {
			t.Fatalf("interrupted after %d asks: interrupted %v, 1-minimal %v (%q)", after, res.Interrupted, res.OneMinimal, res.Unproven())
		}
		if n := res.Shrunk.Decisions; n > last || n < whole.Shrunk.Decisions {
			t.Fatalf("interrupted after %d asks: %d decisions, want %d (the last interrupt's) at most and %d (the whole shrink's) at least",
				after, n, last, whole.Shrunk.Decisions)
		}
		last = res.Shrunk.Decisions
		t.Logf("interrupted after %d asks: %d decisions of %d (the whole shrink: %d)", after, last, whole.Original.Decisions, whole.Shrunk.Decisions)
		shrunk, err := faults.ParseSchedule("shrunk", res.Schedule)
		if err != nil {
			t.Fatal(err)
		}
		r, err := faults.Run(context.Background(), faults.ReplayOptions(shrunk))
		if err != nil {
			t.Fatalf("interrupted after %d asks, the schedule kept does not replay: %v", after, err)
		}
		if v, ok := r.FirstViolationOf(nil); !ok || v.Invariant != whole.Invariant || v.Check != whole.Check {
			t.Fatalf("interrupted after %d asks, the schedule kept fails %v, want %s", after, r.Violations, whole.Failure())
		}
	}
	if last >= whole.Original.Decisions {
		t.Fatalf("80 asks in, nothing was shrunk: %d decisions of %d", last, whole.Original.Decisions)
	}
	ctx := &countdown{Context: context.Background()}
	if _, err := explore.Shrink(ctx, s, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted at once: %v, want context.Canceled", err)
	}
}

// lab explore --out, interrupted while it shrinks a failure, saves that
// failure with the schedule shrunk as far as it got, and no later one.
func TestSaveInterruptedWhileShrinking(t *testing.T) {
	cfg := config(t, invoker.Buggy, "shutdown-race", 20)
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := &countdown{Context: context.Background()}
	ctx.left.Store(20) // the first failure's full run, then into its shrink
	err = explore.Save(ctx, cfg, r, explore.SaveOptions{Dir: t.TempDir(), Shrink: true, ShrinkBudget: time.Minute})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Save: %v, want context.Canceled", err)
	}
	f := r.Failures[0]
	if f.Shrunk == nil || !f.Shrunk.Interrupted || len(f.Files) != 3 || !strings.HasSuffix(f.Files[2], "-shrunk.schedule") {
		t.Fatalf("the first failure: shrunk %+v, files %v", f.Shrunk, f.Files)
	}
	if res := replayFile(t, f.Files[2]); res.OK() || res.Violations[0].Invariant != f.Invariant {
		t.Fatalf("the schedule shrunk as far as it got replays to %v", res.Violations)
	}
	for _, later := range r.Failures[1:] {
		if len(later.Files) > 0 {
			t.Fatalf("seed %d, after the interrupt, was saved: %v", later.Seed, later.Files)
		}
	}
}
