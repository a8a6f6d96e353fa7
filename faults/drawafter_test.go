package faults_test

import (
	"bytes"
	"context"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// recordSchedule runs a seed and returns its schedule as recorded.
func recordSchedule(t *testing.T, seed uint64, v invoker.Variant, plan string, stopAtViolation bool) *faults.Schedule {
	t.Helper()
	var buf bytes.Buffer
	run(t, seed, v, plan, func(o *faults.Options) { o.Record, o.StopAtViolation = &buf, stopAtViolation })
	s, err := faults.ParseSchedule("recorded", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// drawingReplay replays s leniently and draws past its picks with seed,
// recording what it did.
func drawingReplay(t *testing.T, s *faults.Schedule, seed uint64, edit func(*faults.Options)) (*faults.Result, *faults.Schedule) {
	t.Helper()
	plan, err := faults.LoadPlan(s.Header.Plan)
	if err != nil {
		t.Fatal(err)
	}
	strategy, err := faults.NewStrategy("random", seed)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	o := faults.ReplayOptions(s)
	o.Lenient, o.DrawAfterPicks, o.Seed, o.Strategy, o.Plan, o.Record = true, true, seed, strategy, plan, &buf
	o.Workload.Tasks = faults.DefaultWorkload().Tasks
	if edit != nil {
		edit(&o)
	}
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := faults.ParseSchedule("redrawn", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return r, rec
}

// tasksAfterPicks are the task entries a schedule recorded after its k-th
// pick, in order.
func tasksAfterPicks(s *faults.Schedule, k int) []string {
	var tasks []string
	for _, e := range s.Entries {
		if e.Op == faults.OpPick {
			k--
		} else if e.Op == faults.OpTask && k <= 0 {
			tasks = append(tasks, e.String())
		}
	}
	return tasks
}

// A drawing replay keeps what its last kept pick drew (the task a dequeue
// started runs as recorded) and draws what comes after: the next task's
// outcome depends on the seed.
func TestDrawAfterPicksKeepsWhatThePicksDrew(t *testing.T) {
	orig := recordSchedule(t, 28, invoker.Buggy, "none", false)
	k := 0
	for i, picks := 0, 0; i < len(orig.Entries) && k == 0; i++ {
		e := orig.Entries[i]
		if e.Op == faults.OpPick {
			picks++
		}
		if e.Op == faults.OpTask && picks > 100 {
			k = picks // the pick that started this task
		}
	}
	recorded := tasksAfterPicks(orig, k-1)
	nexts := map[string]bool{}
	for seed := uint64(1); seed <= 8; seed++ {
		_, rec := drawingReplay(t, orig.KeepPicks(nil, k), seed, nil)
		got := tasksAfterPicks(rec, k-1)
		if len(got) < 2 || got[0] != recorded[0] {
			t.Fatalf("seed %d: the task pick %d started ran %v, recorded %s", seed, k, got[:min(len(got), 1)], recorded[0])
		}
		nexts[got[1]] = true
	}
	if len(nexts) < 2 {
		t.Errorf("8 seeds drew the same next task: %v", nexts)
	}
}

// A replay that goes past the run it replays (here: the run stopped at its
// panic, and the fixed variant does not panic there) draws the stages the
// recording never reached, the shutdown included; without drawing they
// are never sent and the node is left running.
func TestDrawAfterPicksGoesPastTheRecordedRun(t *testing.T) {
	cut := recordSchedule(t, 28, invoker.Buggy, "none", true)
	cut.Header.Node.Variant = invoker.Fixed
	r, _ := drawingReplay(t, cut, 1, nil)
	if !r.OK() {
		t.Errorf("drawing past the recording: %v", r.Violations)
	}
	r, _ = drawingReplay(t, cut, 1, func(o *faults.Options) { o.DrawAfterPicks = false })
	if !r.Violated(faults.CleanShutdown) {
		t.Errorf("without drawing, the shutdown is missing, yet: %v", r.Violations)
	}
}

// A replay can reach a stage the recording never did while it still has
// picks left: seed 132 of fixed, node left running, loops on #3217 until
// the progress monitor stops it; graceful gives up on the killed
// invocation, settles its workload early, and must still be shut down and
// restarted (the sends of those stages drawn), not left running.
func TestDrawAfterPicksDrawsUnreachedStagesEarly(t *testing.T) {
	var buf bytes.Buffer
	run(t, 132, invoker.Fixed, "none", func(o *faults.Options) {
		o.Workload.Kills, o.Workload.Shutdown = 6, false
		o.Record, o.StopAtViolation, o.Invariants = &buf, true, []string{faults.Progress}
	})
	cut, err := faults.ParseSchedule("recorded", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	cut.Header.Node.Variant = invoker.Graceful
	r, rec := drawingReplay(t, cut, 1, nil)
	if !r.OK() {
		t.Errorf("graceful, past the recording: %v", r.Violations)
	}
	if picks, left := rec.Decisions().Picks, cut.Decisions().Picks; picks >= left {
		t.Errorf("graceful took %d picks, the recording %d: the test no longer reaches the stage early", picks, left)
	}
}

// With every pick kept, a drawing replay is the recorded run.
func TestDrawAfterPicksWithEveryPickIsTheRun(t *testing.T) {
	orig := recordSchedule(t, 28, invoker.Buggy, "none", true)
	r, _ := drawingReplay(t, orig, 99, func(o *faults.Options) { o.StopAtViolation, o.SkipHash = true, false })
	want := run(t, 28, invoker.Buggy, "none", func(o *faults.Options) { o.StopAtViolation = true })
	if r.Events != want.Events || len(r.Violations) == 0 || r.Violations[0].Detail != want.Violations[0].Detail {
		t.Errorf("%d events, %v; the run had %d, %v", r.Events, r.Violations, want.Events, want.Violations)
	}
}
