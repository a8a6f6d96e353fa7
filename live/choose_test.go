package live_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"lab/faults"
	"lab/invoker"
	"lab/live"
)

// waitingChoice asks for the next choice and waits until it is offered.
func waitingChoice(t *testing.T, r *live.Runner) *live.View {
	t.Helper()
	r.ChooseNext()
	return until(t, r, "a pick waiting for a choice", func(v *live.View) bool { return len(v.Choices) > 0 })
}

// take takes option i of the waiting pick, and waits until it is taken.
func take(t *testing.T, r *live.Runner, i int) *live.View {
	t.Helper()
	if err := r.Take(i); err != nil {
		t.Fatal(err)
	}
	return until(t, r, "the pick taken", func(v *live.View) bool { return v.Choices == nil })
}

// replays checks that a session's schedule replays to its hash.
func replays(t *testing.T, sch []byte, res *faults.Result) {
	t.Helper()
	if again := replay(t, sch, nil); again.Hash != res.Hash {
		t.Fatalf("the session's schedule replays to %s, the session was %s", again.Hash, res.Hash)
	}
}

// A person takes picks: from a paused run, ChooseNext runs on to the next
// pick with more than one thing ready and offers them, described; each
// option taken gives a run of its own, which its schedule replays.
func TestAPersonTakesTheNextChoice(t *testing.T) {
	hashes := map[string]int{}
	for taken := 0; ; taken++ {
		r, sch := startRecorded(t, invoker.Buggy, live.Options{Paused: true})
		until(t, r, "the paused view", func(v *live.View) bool { return v.Paused })
		var v *live.View
		for range 3 { // the third choice of the run
			v = waitingChoice(t, r)
			take(t, r, len(v.Choices)-1)
		}
		v = waitingChoice(t, r)
		options := len(v.Choices)
		for _, c := range v.Choices {
			if c.What == "" || (c.Invoker == faults.Transport) != strings.HasPrefix(c.What, "deliver ") {
				t.Errorf("option %+v", c)
			}
		}
		if err := r.Take(options); err == nil {
			t.Errorf("option %d of %d taken", options+1, options)
		}
		if after := take(t, r, taken); !after.Paused {
			t.Errorf("the run did not stay paused after the pick")
		}
		if err := r.Take(0); !errors.Is(err, live.ErrNoChoice) {
			t.Errorf("a take with no pick waiting: %v", err)
		}
		r.Resume()
		res, err := r.Wait()
		if err != nil {
			t.Fatal(err)
		}
		replays(t, sch.Bytes(), res)
		hashes[res.Hash]++
		if taken == options-1 {
			if len(hashes) < 2 {
				t.Fatalf("the %d options of a pick gave %d runs", options, len(hashes))
			}
			return
		}
	}
}

// A choice called off, or a run finished while it waits, is the
// strategy's: the run is the seed's own.
func TestAChoiceLeftToTheStrategyIsTheSeedsRun(t *testing.T) {
	want, err := faults.Run(context.Background(), options(t, invoker.Buggy))
	if err != nil {
		t.Fatal(err)
	}
	for _, leave := range []func(*live.Runner){(*live.Runner).CancelChoose, (*live.Runner).Finish} {
		r, err := live.Start(context.Background(), options(t, invoker.Buggy), live.Options{Paused: true})
		if err != nil {
			t.Fatal(err)
		}
		waitingChoice(t, r)
		leave(r)
		until(t, r, "the pick taken", func(v *live.View) bool { return v.Choices == nil })
		r.Resume()
		got, err := r.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if got.Hash != want.Hash {
			t.Errorf("a choice left to the strategy: %s, the seed's run %s", got.Hash, want.Hash)
		}
	}
}

// A control sent while a pick waits applies after it, and the session
// replays; a stop while it waits ends the run.
func TestControlWhileAChoiceWaits(t *testing.T) {
	r, sch := startRecorded(t, invoker.Fixed, live.Options{Paused: true})
	waitingChoice(t, r)
	if err := r.Control(faults.Control{Kind: faults.ControlStepDown, Partition: 1}); err != nil {
		t.Fatal(err)
	}
	take(t, r, 0)
	res := resumeToTheEnd(t, r)
	if res.Kinds[invoker.KindControl] != 1 {
		t.Fatalf("%d controls logged, want 1", res.Kinds[invoker.KindControl])
	}
	replays(t, sch.Bytes(), res)

	r, _ = startRecorded(t, invoker.Fixed, live.Options{Paused: true})
	waitingChoice(t, r)
	r.Stop()
	if _, err := r.Wait(); !errors.Is(err, live.ErrStopped) {
		t.Fatalf("a stop while a pick waits: %v", err)
	}
}

// A checkpoint while a pick waits (the UI saving the session at a
// violation, say) cuts the schedule inside the step: the cut replays to
// the checkpoint's events and hash, stopping where its picks run out.
func TestCheckpointWhileAPickWaits(t *testing.T) {
	r, sch := startRecorded(t, invoker.Buggy, live.Options{Paused: true})
	for n := 0; n < 100 && !r.View().Done; n++ {
		waitingChoice(t, r)
		var cut []byte
		var atEvents uint64
		var atHash string
		if err := r.Checkpoint(func(events uint64, hash string) error {
			cut = append(bytes.Clone(sch.Bytes()), faults.Entry{Op: faults.OpEnd, Events: events, Hash: hash}.String()+"\n"...)
			atEvents, atHash = events, hash
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got := replay(t, cut, nil); got.Events != atEvents || got.Hash != atHash {
			t.Fatalf("choice %d: the cut replays to %d events %s, the checkpoint was %d events %s", n+1, got.Events, got.Hash, atEvents, atHash)
		}
		take(t, r, n%2)
	}
	r.Stop()
	_, _ = r.Wait() // stopped, or over
}

// A replay taken over: the schedule cut before one of its picks with a
// choice, replayed leniently from its seed past the cut (Options.Choose at
// the cut's step), waits at that pick with what the recording had ready.
// The option taken instead of the recorded one starts a run of its own,
// whose schedule keeps the recording's picks before it and replays.
func TestTakingOverAReplayAtAChoice(t *testing.T) {
	var rec bytes.Buffer
	o := options(t, invoker.Buggy)
	o.Record = &rec
	orig, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := faults.ParseSchedule("recorded", rec.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	// The step, pick number and ready choices of the recording's 40th
	// choice.
	var step, pick int
	var ready []faults.Choice
	var recorded faults.Choice
	picks, choices := 0, 0
	ro := faults.ReplayOptions(sch)
	ro.Observers = []faults.Observer{faults.PickFunc(func(cs []faults.Choice, taken int, _ func(faults.Choice) string) {
		if picks++; len(cs) > 1 {
			if choices++; choices == 40 {
				pick, ready, recorded = picks, slices.Clone(cs), cs[taken]
			}
		}
	})}
	sim, err := faults.New(ro)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; pick == 0; n++ {
		if _, err := sim.Step(); err != nil {
			t.Fatal(err)
		}
		step = n
	}
	sim.Close()

	random, err := faults.NewStrategy("random", o.Seed)
	if err != nil {
		t.Fatal(err)
	}
	var branch bytes.Buffer
	bo := faults.ReplayOptions(sch.KeepPicks(nil, pick-1))
	bo.Lenient, bo.DrawAfterPicks, bo.Strategy, bo.Plan, bo.Record = true, true, random, o.Plan, &branch
	r, err := live.Start(context.Background(), bo, live.Options{Paused: true, StartAt: step - 1, Choose: true})
	if err != nil {
		t.Fatal(err)
	}
	v := until(t, r, "the pick offered", func(v *live.View) bool { return v.Choices != nil })
	offered := make([]faults.Choice, len(v.Choices))
	other := -1
	for i, c := range v.Choices {
		offered[i] = c.Choice
		if c.Choice != recorded {
			other = i
		}
	}
	if v.Steps != step-1 || !slices.Equal(offered, ready) {
		t.Fatalf("offered %v at step %d; the recording had %v ready at step %d", offered, v.Steps, ready, step)
	}
	take(t, r, other)
	res := resumeToTheEnd(t, r)
	replays(t, branch.Bytes(), res)
	if res.Hash == orig.Hash {
		t.Errorf("another option than the recorded one ran the recorded run")
	}
	taken, err := faults.ParseSchedule("branch", branch.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := taken.Picks()[:pick], append(sch.Picks()[:pick-1], offered[other]); !slices.Equal(got, want) {
		t.Errorf("the branch's first %d picks are not the recording's, then the one taken", pick)
	}
}

// A live run draws its picks as the seed's own run does, a memory pool's
// branch included: the strategy the runner wraps is told the node's
// branches (a wrapper that kept them from it drew as if there were no
// pool, and the live run went another way).
func TestALiveRunWithAMemoryPoolIsTheSeedsRun(t *testing.T) {
	o := options(t, invoker.Fixed)
	o.Node.MemoryLimit = 16
	want, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	o = options(t, invoker.Fixed)
	o.Node.MemoryLimit = 16
	r, err := live.Start(context.Background(), o, live.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash != want.Hash || got.Kinds[invoker.KindMemoryReserved] == 0 {
		t.Errorf("the live run: %s (%d reservations), the seed's run %s", got.Hash, got.Kinds[invoker.KindMemoryReserved], want.Hash)
	}
}
