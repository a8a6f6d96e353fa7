package explore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// recorded is the schedule of one seeded run, on a node whose invokers
// share one tmp-dir.
func recorded(t *testing.T, seed uint64, v invoker.Variant, plan string) *faults.Schedule {
	t.Helper()
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.SharedTmpDir = v, true
	return scheduleOn(t, seed, cfg, plan)
}

// tells replays a schedule and says whether it tells story.
func tells(t *testing.T, text []byte, story explore.Story) bool {
	t.Helper()
	s, err := faults.ParseSchedule("shrunk", text)
	if err != nil {
		t.Fatal(err)
	}
	o := faults.ReplayOptions(s)
	w := story()
	o.Observers = append(o.Observers, w)
	if _, err := faults.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return w.Told()
}

// Seed 176 of term with one tmp-dir panics on a segment a term's start
// deleted. Shrunk for the panic alone, it takes the smaller road, where
// another invoker overwrites and reads the segment's file; shrunk keeping
// the story, the term's start still deletes it, and the run is still
// small. A run that panics the other way only does not tell the story,
// and ShrinkTelling says so.
func TestShrinkTellingKeepsTheRoad(t *testing.T) {
	story := explore.Story(explore.TermStartDeletedTheSegment)
	s := recorded(t, 176, invoker.Term, "shutdown-race")
	plain, err := explore.Shrink(context.Background(), s, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if tells(t, plain.Schedule, story) {
		t.Fatal("the plain shrink kept the deletion: the test shows nothing")
	}
	kept, err := explore.ShrinkTelling(context.Background(), s, time.Minute, story)
	if err != nil {
		t.Fatal(err)
	}
	if !tells(t, kept.Schedule, story) || kept.Check != invoker.SpillReadPanic || !kept.OneMinimal ||
		kept.Shrunk.Decisions >= kept.Original.Decisions/10 {
		t.Errorf("kept the story: %v, %s", kept, kept.Check)
	}
	// fixed's shared tmp-dir panics by the overwriting alone: no term starts.
	other := recorded(t, 15, invoker.Fixed, "shutdown-race")
	if _, err := explore.ShrinkTelling(context.Background(), other, time.Minute, story); !errors.Is(err, explore.ErrStoryNotTold) {
		t.Errorf("a run that does not tell the story: %v", err)
	}
}
