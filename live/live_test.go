package live_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"lab/faults"
	"lab/invoker"
	"lab/live"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func options(t *testing.T, variant invoker.Variant) faults.Options {
	t.Helper()
	plan, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant = variant
	// The README's seed: the buggy invoker panics at the node's shutdown,
	// the fixed one holds every invariant.
	return faults.Options{Seed: faults.DefaultSeed, Node: cfg, Plan: plan, Workload: faults.DefaultWorkload()}
}

// startRecorded starts the README's run of variant, its schedule
// recorded into the buffer returned.
func startRecorded(t *testing.T, variant invoker.Variant, lo live.Options) (*live.Runner, *bytes.Buffer) {
	t.Helper()
	var sch bytes.Buffer
	o := options(t, variant)
	o.Record = &sch
	r, err := live.Start(context.Background(), o, lo)
	if err != nil {
		t.Fatal(err)
	}
	return r, &sch
}

// resumeToTheEnd resumes a paused run and waits for its end.
func resumeToTheEnd(t *testing.T, r *live.Runner) *faults.Result {
	t.Helper()
	r.Resume()
	res, err := r.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// replay replays a recorded schedule, with its event log to events if
// that is not nil.
func replay(t *testing.T, sch []byte, events io.Writer) *faults.Result {
	t.Helper()
	parsed, err := faults.ParseSchedule("session", sch)
	if err != nil {
		t.Fatal(err)
	}
	o := faults.ReplayOptions(parsed)
	o.Events = events
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// until polls the runner's view until ok holds.
func until(t *testing.T, r *live.Runner, what string, ok func(*live.View) bool) *live.View {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if v := r.View(); ok(v) {
			return v
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; view at step %d", what, r.View().Steps)
	return nil
}

// Pacing decides when, never what: a paced run logs what an unpaced run
// logs, and takes about as long in wall time as its virtual time divided
// by the speed.
func TestPacingChangesNothingInTheLog(t *testing.T) {
	want, err := faults.Run(context.Background(), options(t, invoker.Buggy))
	if err != nil {
		t.Fatal(err)
	}
	const speed = 5
	start := time.Now()
	r, err := live.Start(context.Background(), options(t, invoker.Buggy), live.Options{Speed: speed})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash != want.Hash {
		t.Fatalf("paced hash %s, unpaced %s", got.Hash, want.Hash)
	}
	if took, least := time.Since(start), time.Duration(float64(want.End)/speed*0.9); took < least {
		t.Fatalf("a run of %v virtual time at %dx took %v of wall time, less than %v", want.End, speed, took, least)
	}
	if v := r.View(); !v.Done || v.Events != got.Events {
		t.Fatalf("final view: done %v, %d events; the run logged %d", v.Done, v.Events, got.Events)
	}
}

func TestPauseStepAndResume(t *testing.T) {
	r, err := live.Start(context.Background(), options(t, invoker.Fixed), live.Options{Paused: true})
	if err != nil {
		t.Fatal(err)
	}
	v := until(t, r, "the paused view", func(v *live.View) bool { return v.Paused })
	if v.Steps != 0 {
		t.Fatalf("a run started paused took %d steps", v.Steps)
	}
	for want := 1; want <= 3; want++ {
		r.StepOne()
		v = until(t, r, "one step", func(v *live.View) bool { return v.Steps >= want })
		if v.Steps != want || v.Last.Index != want {
			t.Fatalf("after %d single steps the view is at step %d (last %d)", want, v.Steps, v.Last.Index)
		}
	}
	res := resumeToTheEnd(t, r)
	if !res.OK() {
		t.Fatalf("fixed violated: %v", res.Violations)
	}
}

func TestPauseOnViolationShowsTheBreakingEvent(t *testing.T) {
	r, err := live.Start(context.Background(), options(t, invoker.Buggy), live.Options{PauseOnViolation: true})
	if err != nil {
		t.Fatal(err)
	}
	v := until(t, r, "a pause on the violation", func(v *live.View) bool { return v.Paused && len(v.Violations) > 0 })
	if v.Violations[0].Invariant != faults.NoPanic || len(v.Recent) == 0 {
		t.Fatalf("paused on %v with %d recent events", v.Violations[0], len(v.Recent))
	}
	found := false
	for _, e := range v.Recent {
		found = found || e.Kind == invoker.KindViolation
	}
	if !found || v.Last.Index != v.Steps {
		t.Fatalf("paused at step %d (last %d) with no violation among the recent events", v.Steps, v.Last.Index)
	}
	r.Stop()
	if _, err := r.Wait(); err != live.ErrStopped {
		t.Fatalf("Wait after Stop: %v", err)
	}
}

// A control sent through the runner is recorded, so the session replays.
func TestControlsFromAnotherGoroutineReplay(t *testing.T) {
	var sch, log bytes.Buffer
	o := options(t, invoker.Fixed)
	o.Record, o.Events = &sch, &log
	r, err := live.Start(context.Background(), o, live.Options{Paused: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		r.StepOne()
	}
	until(t, r, "50 steps", func(v *live.View) bool { return v.Steps >= 50 })
	if err := r.Control(faults.Control{Kind: faults.ControlStepDown, Partition: 2}); err != nil {
		t.Fatal(err)
	}
	if err := r.Control(faults.Control{Kind: faults.ControlStepDown, Partition: 9}); err == nil {
		t.Fatal("a step-down of partition 9 of 4 was accepted")
	}
	res := resumeToTheEnd(t, r)
	if res.Kinds[invoker.KindControl] != 1 {
		t.Fatalf("%d controls logged, want 1", res.Kinds[invoker.KindControl])
	}
	var replayLog bytes.Buffer
	if replayed := replay(t, sch.Bytes(), &replayLog); replayed.Hash != res.Hash || replayLog.String() != log.String() {
		t.Fatalf("replay hash %s, session %s", replayed.Hash, res.Hash)
	}
}

func TestCancelEndsTheRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := live.Start(ctx, options(t, invoker.Fixed), live.Options{Speed: 0.001})
	if err != nil {
		t.Fatal(err)
	}
	until(t, r, "the first steps", func(v *live.View) bool { return v.Steps > 0 })
	cancel()
	if _, err := r.Wait(); err != context.Canceled {
		t.Fatalf("Wait after cancel: %v", err)
	}
	if err := r.Control(faults.Control{Kind: faults.ControlShutdown}); err != live.ErrStopped {
		t.Fatalf("a control after the end: %v", err)
	}
}

// A panic on the runner's goroutine is a bug in the lab; it reaches whoever
// waits, with its stack, instead of killing the process there.
func TestAPanicReachesTheWaiter(t *testing.T) {
	o := options(t, invoker.Fixed)
	o.Observers = append(o.Observers, faults.EventFunc(func(e invoker.Event) {
		if e.Seq == 100 {
			panic("observer bug")
		}
	}))
	r, err := live.Start(context.Background(), o, live.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Wait()
	var crash *live.PanicError
	if !errors.As(err, &crash) || crash.Value != "observer bug" || !bytes.Contains(crash.Stack, []byte("live_test.go")) {
		t.Fatalf("Wait: %v", err)
	}
}

// A session saved when an invariant breaks, while the run goes on, replays
// to that point and no further: the UI's save on a violation.
func TestCheckpointReplaysUpToTheViolation(t *testing.T) {
	r, sch := startRecorded(t, invoker.Buggy, live.Options{PauseOnViolation: true})
	until(t, r, "the violation", func(v *live.View) bool { return v.Paused && len(v.Violations) > 0 })
	var cut []byte
	var atEvents uint64
	var atHash string
	err := r.Checkpoint(func(events uint64, hash string) error {
		cut = append(bytes.Clone(sch.Bytes()), faults.Entry{Op: faults.OpEnd, Events: events, Hash: hash}.String()+"\n"...)
		atEvents, atHash = events, hash
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	full := resumeToTheEnd(t, r)
	if replayed := replay(t, cut, nil); replayed.Hash != atHash || replayed.Events != atEvents || !replayed.Violated(faults.NoPanic) {
		t.Fatalf("the cut replays to %d events %s (violations %v), the checkpoint was %d events %s",
			replayed.Events, replayed.Hash, replayed.Violations, atEvents, atHash)
	}
	if full.Events <= atEvents {
		t.Fatalf("the run went on to %d events, the checkpoint was at %d", full.Events, atEvents)
	}
}

// A run started at step n shows what a run stepped there one step
// at a time shows, past a violation it does not pause at, and goes on to
// the same end.
func TestStartAtIsSteppingThere(t *testing.T) {
	want, err := faults.Run(context.Background(), options(t, invoker.Buggy))
	if err != nil || want.OK() {
		t.Fatalf("the reference run: %v, %v", err, want.Violations)
	}
	stepped, err := faults.New(options(t, invoker.Buggy))
	if err != nil {
		t.Fatal(err)
	}
	defer stepped.Close()
	for n := 0; n <= 900; n += 300 {
		for stepped.Summary().Steps < n {
			if _, err := stepped.Step(); err != nil {
				t.Fatal(err)
			}
		}
		r, err := live.Start(context.Background(), options(t, invoker.Buggy), live.Options{StartAt: n, Paused: true, PauseOnViolation: true})
		if err != nil {
			t.Fatal(err)
		}
		v := until(t, r, "the view at the start", func(v *live.View) bool { return v.Paused && v.Steps >= n })
		w := stepped.Summary()
		if v.Steps != n || v.Events != w.Events || v.At != w.At || len(v.Violations) != len(w.Violations) {
			t.Errorf("started at %d: step %d, %d events at %v, %d violations; stepped: %d events at %v, %d violations",
				n, v.Steps, v.Events, v.At, len(v.Violations), w.Events, w.At, len(w.Violations))
		}
		r.Finish() // on to the end, not pausing at the violations still to come
		got, err := r.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if got.Hash != want.Hash {
			t.Errorf("started at %d: hash %s, want %s", n, got.Hash, want.Hash)
		}
	}
}

// A stop reaches a run still taking its StartAt steps: a watcher that
// moves on is not held up by a long run it no longer wants.
func TestStopDuringStartAt(t *testing.T) {
	o := options(t, invoker.Fixed)
	o.Workload.Invocations, o.Workload.ArrivalSpan = 4000, 10*time.Second
	r, err := live.Start(context.Background(), o, live.Options{StartAt: 1 << 30, Paused: true})
	if err != nil {
		t.Fatal(err)
	}
	r.Stop()
	if _, err := r.Wait(); !errors.Is(err, live.ErrStopped) {
		t.Fatalf("stopped while starting at the end: %v", err)
	}
	if v := r.View(); v.Done {
		t.Errorf("the run went to its end (%d steps) before the stop", v.Steps)
	}
}

// A run paused on a violation, or over, has its events in the log file up
// to the last one: the buffer a watcher's log goes through was flushed only
// at the end, so the file stopped short of the violation while the run
// waited on it.
func TestEventsFlushedWhileTheRunWaits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o := options(t, invoker.Buggy)
	o.Events = bufio.NewWriter(f)
	r, err := live.Start(context.Background(), o, live.Options{PauseOnViolation: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { r.Stop(); r.Wait() }()
	v := until(t, r, "a pause on the violation", func(v *live.View) bool { return v.Paused && len(v.Violations) > 0 })
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(b, []byte("\n")); uint64(lines) != v.Events || !bytes.HasSuffix(b, []byte("\n")) {
		t.Errorf("paused after %d events, the log file holds %d lines (%d bytes)", v.Events, lines, len(b))
	}
}
