package faults_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"lab/faults"
	"lab/invoker"
)

// drawOptions draws a run: seed, plan, variant, layout and workload.
func drawOptions(t *rapid.T) faults.Options {
	cfg := invoker.DefaultConfig()
	cfg.Variant = rapid.SampledFrom(invoker.Variants()).Draw(t, "variant")
	cfg.Partitions = rapid.IntRange(1, 4).Draw(t, "partitions")
	// A per-term invoker has no shared invoker (drawn all the same).
	cfg.SharedInvoker = rapid.Bool().Draw(t, "shared") && !cfg.Variant.PerTerm()
	cfg.Quota = rapid.IntRange(1, 8).Draw(t, "quota")
	cfg.QueueLimit = rapid.IntRange(1, 8).Draw(t, "queue-limit")
	cfg.EffectCapacity = rapid.IntRange(1, 4).Draw(t, "effect-capacity")
	cfg.SharedTmpDir = rapid.Bool().Draw(t, "shared-tmp-dir")
	cfg.RetryTimers = rapid.SampledFrom([]invoker.RetryTimers{invoker.RetryTimersKeyed, invoker.RetryTimersUnkeyed}).Draw(t, "retry-timers")
	cfg.SpillDirs = rapid.SampledFrom([]invoker.SpillDirs{invoker.SpillDirsKept, invoker.SpillDirsRemoved}).Draw(t, "spill-dirs")
	cfg.InTmpDir = rapid.SampledFrom([]invoker.InTmpDir{invoker.InTmpDirShared, invoker.InTmpDirSubdir}).Draw(t, "in-tmp-dir")
	if rapid.Bool().Draw(t, "throttled") {
		cfg.Throttle = invoker.Throttle{Rate: rapid.IntRange(1, 200).Draw(t, "throttle"), Per: time.Second,
			Burst: rapid.IntRange(0, 4).Draw(t, "throttle-burst")}
	}
	if rapid.Bool().Draw(t, "memory-pooled") {
		cfg.MemoryLimit = rapid.IntRange(1, 10).Draw(t, "memory-limit")
	}
	w := faults.DefaultWorkload()
	w.Invocations = rapid.IntRange(0, 40).Draw(t, "invocations")
	w.StepDowns = rapid.IntRange(0, 3).Draw(t, "step-downs")
	w.Kills = rapid.IntRange(0, min(w.Invocations, 4)).Draw(t, "kills")
	w.Pauses = rapid.IntRange(0, min(w.Invocations, 4)).Draw(t, "pauses")
	w.RetryNows = rapid.IntRange(0, min(w.Invocations, 4)).Draw(t, "retry-nows")
	w.Shutdown = rapid.Bool().Draw(t, "shutdown")
	if cfg.MemoryOn() {
		w.Hungry = rapid.IntRange(0, min(w.Invocations, 6)).Draw(t, "memory-hungry")
	}
	plan, err := faults.LoadPlan(rapid.SampledFrom(faults.BuiltinPlans()).Draw(t, "plan"))
	if err != nil {
		t.Fatal(err)
	}
	seed := rapid.Uint64().Draw(t, "seed")
	strategy, err := faults.NewStrategy(rapid.SampledFrom(faults.Strategies).Draw(t, "strategy"), seed)
	if err != nil {
		t.Fatal(err)
	}
	return faults.Options{Seed: seed, Node: cfg, Plan: plan, Workload: w, Strategy: strategy}
}

// fataler is what both *testing.T and *rapid.T offer.
type fataler interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// runLogged runs o and returns its result and event log.
func runLogged(t fataler, o faults.Options) (*faults.Result, string) {
	t.Helper()
	var log bytes.Buffer
	o.Events = &log
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return r, log.String()
}

// record runs o recording its schedule, and reads the schedule back.
func record(t fataler, o faults.Options) (*faults.Result, string, *faults.Schedule) {
	t.Helper()
	var sch bytes.Buffer
	o.Record = &sch
	r, log := runLogged(t, o)
	s, err := faults.ParseSchedule("recorded", sch.Bytes())
	if err != nil {
		t.Fatalf("the recorded schedule does not parse: %v", err)
	}
	return r, log, s
}

func TestRecordThenReplayGivesTheSameLog(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := drawOptions(t)
		want, wantLog, sch := record(t, o)
		got, gotLog := runLogged(t, faults.ReplayOptions(sch))
		if got.Hash != want.Hash || gotLog != wantLog {
			t.Fatalf("replay hash %s, recorded run %s; first difference: %s", got.Hash, want.Hash, firstDiff(wantLog, gotLog))
		}
		if got.Decisions != want.Decisions || len(got.Violations) != len(want.Violations) {
			t.Fatalf("replay took %v with %d violations, the run %v with %d",
				got.Decisions, len(got.Violations), want.Decisions, len(want.Violations))
		}
		if c := sch.Decisions(); c != want.Decisions {
			t.Fatalf("the schedule records %v, the run counted %v", c, want.Decisions)
		}
	})
}

func TestSteppingGivesTheSameLogAsRun(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := drawOptions(t)
		want, wantLog := runLogged(t, o)

		o = drawAgain(o)
		var log bytes.Buffer
		o.Events = &log
		s, err := faults.New(o)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		last := 0
		for !s.Done() {
			d, err := s.Step()
			if err != nil {
				t.Fatal(err)
			}
			if d.Index != last+1 {
				t.Fatalf("decision %d follows %d", d.Index, last)
			}
			last = d.Index
		}
		if _, err := s.Step(); !errors.Is(err, faults.ErrDone) {
			t.Fatalf("Step after the end: %v, want ErrDone", err)
		}
		if got := s.Result(); got.Hash != want.Hash || log.String() != wantLog {
			t.Fatalf("stepped hash %s, Run %s", got.Hash, want.Hash)
		}
	})
}

// drawAgain gives options a fresh strategy of the same kind and seed: a
// strategy is a value with state, so two runs must not share one.
func drawAgain(o faults.Options) faults.Options {
	s, err := faults.NewStrategy(o.Strategy.Name(), o.Seed)
	if err != nil {
		panic(err)
	}
	o.Strategy = s
	return o
}

func TestSnapshotsCrossGoroutinesConsistently(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := drawOptions(t)
		snaps := make(chan faults.Snapshot, 16)
		problems := make(chan string, 1)
		go func() {
			defer close(problems)
			for snap := range snaps {
				if msg := inconsistent(snap); msg != "" {
					problems <- msg
					for range snaps {
					}
					return
				}
			}
		}()
		// Closed on every way out, t.Fatal's too, so the checker ends.
		var closeOnce sync.Once
		closeSnaps := func() { closeOnce.Do(func() { close(snaps) }) }
		defer closeSnaps()
		s, err := faults.New(o)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for !s.Done() {
			if _, err := s.Step(); err != nil {
				t.Fatal(err)
			}
			snaps <- s.Snapshot()
		}
		closeSnaps()
		if msg := <-problems; msg != "" {
			t.Fatal(msg)
		}
	})
}

// inconsistent says how a snapshot's counts fail to add up, if they do.
func inconsistent(s faults.Snapshot) string {
	total := 0
	for _, n := range s.Kinds {
		total += n
	}
	if uint64(total) != s.Events {
		return fmt.Sprintf("decision %d: %d events counted by kind, %d logged", s.Steps, total, s.Events)
	}
	invocations := 0
	for _, p := range s.Node.Partitions {
		for _, n := range p.ByStatus {
			invocations += n
		}
	}
	if invocations != len(s.Node.Invocations) {
		return fmt.Sprintf("decision %d: partitions count %d invocations, the list has %d", s.Steps, invocations, len(s.Node.Invocations))
	}
	for _, iv := range s.Node.Invokers {
		if iv.QueueInMemory+iv.QueueOnDisk != iv.QueueLen || iv.SlotsUsed > iv.SlotLimit {
			return fmt.Sprintf("decision %d: invoker%d queue %d = %d in memory + %d on disk? slots %d/%d",
				s.Steps, iv.ID, iv.QueueLen, iv.QueueInMemory, iv.QueueOnDisk, iv.SlotsUsed, iv.SlotLimit)
		}
	}
	if s.Picks > s.Steps || s.At != s.Node.At {
		return fmt.Sprintf("decision %d: %d picks, time %v vs the node's %v", s.Steps, s.Picks, s.At, s.Node.At)
	}
	return ""
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  %s\n  %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(al), len(bl))
}
