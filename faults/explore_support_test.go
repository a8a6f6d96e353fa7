package faults_test

import (
	"bytes"
	"context"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// Skipping the hash changes nothing but the hash.
func TestSkipHashSameRun(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		a := run(t, seed, invoker.Buggy, "chaos")
		b := run(t, seed, invoker.Buggy, "chaos", func(o *faults.Options) { o.SkipHash = true })
		if b.Hash != "" || a.Hash == "" || a.Events != b.Events || a.Decisions != b.Decisions || len(a.Violations) != len(b.Violations) {
			t.Fatalf("seed %d: hashed %d events %q, unhashed %d events %q", seed, a.Events, a.Hash, b.Events, b.Hash)
		}
	}
}

// A run stopped at its first violation is the full run's prefix, and its
// recorded schedule replays strictly to the same stop.
func TestStopAtViolation(t *testing.T) {
	full := run(t, faults.DefaultSeed, invoker.Buggy, "shutdown-race")
	var sched bytes.Buffer
	stopped := run(t, faults.DefaultSeed, invoker.Buggy, "shutdown-race", func(o *faults.Options) {
		o.StopAtViolation, o.Record = true, &sched
	})
	if len(stopped.Violations) != 1 || stopped.Violations[0].Invariant != full.Violations[0].Invariant ||
		stopped.Events >= full.Events || stopped.Violations[0].Event.Seq != full.Violations[0].Event.Seq {
		t.Fatalf("stopped %d events %v; full %d events %v", stopped.Events, stopped.Violations, full.Events, full.Violations)
	}
	s, err := faults.ParseSchedule("stopped", sched.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	again, err := faults.Run(context.Background(), faults.ReplayOptions(s))
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash != stopped.Hash || again.Events != stopped.Events {
		t.Fatalf("strict replay of a stopped schedule: %d events %s, want %d %s", again.Events, again.Hash, stopped.Events, stopped.Hash)
	}
}

func recordRun(t *testing.T, seed uint64, plan string) (*faults.Result, *faults.Schedule) {
	t.Helper()
	var sched bytes.Buffer
	r := run(t, seed, invoker.Buggy, plan, func(o *faults.Options) { o.Record = &sched })
	s, err := faults.ParseSchedule("rec", sched.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return r, s
}

// A lenient replay of an untouched schedule is the recorded run.
func TestLenientReplayOfUntouchedSchedule(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		want, s := recordRun(t, seed, "chaos")
		o := faults.ReplayOptions(s)
		o.Lenient = true
		got, err := faults.Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if got.Hash != want.Hash {
			t.Fatalf("seed %d: lenient replay hashes to %s, the run to %s", seed, got.Hash, want.Hash)
		}
	}
}

// With entries removed, a lenient replay still runs to its end, and
// recording it gives a schedule that replays strictly to the same log.
func TestLenientReplayOfEditedSchedule(t *testing.T) {
	_, s := recordRun(t, 3, "chaos")
	var kept []faults.Entry
	for i, e := range s.Entries {
		// Drop every third send, fault, task and pick, and every advance.
		if e.Op == faults.OpAdvance || (i%3 == 0 && e.Op != faults.OpPhase && e.Op != faults.OpEnd) {
			continue
		}
		kept = append(kept, e)
	}
	edited := &faults.Schedule{Header: s.Header, Entries: kept}
	o := faults.ReplayOptions(edited)
	if _, err := faults.Run(context.Background(), o); err == nil {
		t.Fatal("a strict replay of an edited schedule did not stop")
	}
	var rec bytes.Buffer
	o.Lenient, o.Record = true, &rec
	lenient, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("lenient replay: %v", err)
	}
	again, err := faults.ParseSchedule("again", rec.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	strict, err := faults.Run(context.Background(), faults.ReplayOptions(again))
	if err != nil {
		t.Fatalf("strict replay of the re-recorded schedule: %v", err)
	}
	if strict.Hash != lenient.Hash {
		t.Fatalf("re-recorded schedule hashes to %s, the lenient run to %s", strict.Hash, lenient.Hash)
	}
}

// PCT is deterministic given its seed, differs between seeds, with depth
// 1 never changes a priority, and draws its change points among choices.
func TestPCT(t *testing.T) {
	pct := func(seed uint64, depth int) *faults.Result {
		p, err := faults.NewPCT(seed, depth, 1300)
		if err != nil {
			t.Fatal(err)
		}
		return run(t, seed, invoker.Fixed, "chaos", func(o *faults.Options) { o.Strategy = p })
	}
	a, b, c := pct(7, 3), pct(7, 3), pct(8, 3)
	if a.Hash != b.Hash || a.Hash == c.Hash || a.Strategy != "pct-d3" {
		t.Fatalf("pct runs: %s %s %s (%s)", a.Hash, b.Hash, c.Hash, a.Strategy)
	}
	if _, err := faults.NewPCT(1, 0, 10); err == nil {
		t.Fatal("depth 0 accepted")
	}
	// Depth 1: the highest-priority enabled choice always runs.
	p, _ := faults.NewPCT(1, 1, 10)
	cs := []faults.Choice{{Invoker: faults.Transport}, {Invoker: 0, Arm: invoker.ArmInput}, {Invoker: 1, Arm: invoker.ArmTask}}
	first := p.Choose(cs)
	for range 50 {
		if p.Choose(cs) != first {
			t.Fatal("depth 1 changed its choice among the same choices")
		}
	}
	// Depth 2 over one step: the change point is the first pick, after
	// which the unit that ran is below every other.
	p2, _ := faults.NewPCT(1, 2, 1)
	a1 := p2.Choose(cs)
	if a2 := p2.Choose(cs); a2 == a1 {
		t.Fatalf("depth 2 did not demote choice %d at its change point", a1)
	}
	// Change points count choices: forced picks before the first choice
	// leave the change point to it.
	p3, _ := faults.NewPCT(1, 2, 1)
	forced := []faults.Choice{{Invoker: 2, Arm: invoker.ArmDequeue}}
	for range 3 {
		if p3.Choose(forced) != 0 {
			t.Fatal("a forced pick took another choice than its only one")
		}
	}
	if b1, b2 := p3.Choose(cs), p3.Choose(cs); b1 == b2 {
		t.Fatalf("forced picks spent the change point: choice %d ran twice", b1)
	}
}

// A lenient replay of an untouched schedule of a steered run is the
// recorded run too: each control is re-applied at the step it was applied
// at, after its time advance or stage entry, not only after as many picks.
func TestLenientReplayOfSteeredSchedule(t *testing.T) {
	plan, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 6; seed++ {
		cfg := invoker.DefaultConfig()
		cfg.Store = invoker.MemStores()
		var rec bytes.Buffer
		sim, err := faults.New(faults.Options{Seed: seed, Node: cfg, Plan: plan, Workload: faults.DefaultWorkload(), Record: &rec})
		if err != nil {
			t.Fatal(err)
		}
		sent := 0
		for i := 0; !sim.Done(); i++ {
			if i%137 == 100 && sim.Control(faults.Control{Kind: faults.ControlStepDown, Partition: invoker.PartitionID(i % 4)}) == nil {
				sent++
			}
			if _, err := sim.Step(); err != nil {
				t.Fatal(err)
			}
		}
		want := sim.Result()
		sim.Close()
		s, err := faults.ParseSchedule("steered", rec.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if s.Decisions().Controls != sent || sent < 3 {
			t.Fatalf("seed %d: %d controls sent, %d recorded", seed, sent, s.Decisions().Controls)
		}
		o := faults.ReplayOptions(s)
		o.Lenient = true
		o.Node.Store = invoker.MemStores()
		got, err := faults.Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if got.Hash != want.Hash {
			t.Errorf("seed %d: lenient replay of %d controls hashes to %s, the run to %s", seed, sent, got.Hash, want.Hash)
		}
	}
}
