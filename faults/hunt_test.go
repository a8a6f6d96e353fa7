package faults_test

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// A run that stops at a violation of the invariants it watches goes on
// past the others: seed 28 of none, buggy, its invoker unwound alone and
// the node left running, panics (no-panic) and stops only once its
// partition has led on past the crash bound (crash-visibility). Its
// schedule says which invariants, and replays to the same stop.
func TestStopAtAWatchedViolationOnly(t *testing.T) {
	plan, err := faults.LoadPlan("none")
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.OnPanic, cfg.Store = invoker.Buggy, invoker.PanicUnwinds, invoker.MemStores()
	w := faults.DefaultWorkload()
	w.Shutdown = false
	run := func(invariants []string, record io.Writer) *faults.Result {
		t.Helper()
		o := faults.Options{Seed: 28, Node: cfg, Plan: plan, Workload: w, StopAtViolation: true,
			Invariants: invariants, Record: record}
		r, err := faults.Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	invariantsOf := func(r *faults.Result) (names []string) {
		for _, v := range r.Violations {
			names = append(names, v.Invariant)
		}
		return names
	}

	first := run(nil, nil)
	if got := invariantsOf(first); !slices.Equal(got, []string{faults.NoPanic}) {
		t.Fatalf("stopping at any violation: %v", got)
	}
	var sch bytes.Buffer
	hunted := run([]string{faults.CrashVisibility}, &sch)
	// The node is left running: once nothing is left to happen, the crash
	// is found, and time passes, in that same step, to the progress
	// monitor's verdict on what the dead invoker held; the run stops there.
	if got := invariantsOf(hunted); !slices.Equal(got, []string{faults.NoPanic, faults.CrashVisibility, faults.Progress}) {
		t.Fatalf("hunting crash-visibility: %v", got)
	}
	if crash, stuck := hunted.Violations[1], hunted.Violations[2]; stuck.At < 5*time.Minute || crash.At > time.Second || stuck.Check != faults.CheckInvokerDead {
		t.Errorf("the progress verdict came at %v (%s), the crash's at %v", stuck.At, stuck.Check, crash.At)
	}
	if v, ok := hunted.FirstViolationOf([]string{faults.CrashVisibility}); !ok || v.Check != faults.CheckUnnoticedCrash {
		t.Errorf("first crash-visibility violation: %+v, %t", v, ok)
	}
	if _, ok := first.FirstViolationOf([]string{faults.CrashVisibility}); ok {
		t.Errorf("the run that stopped at the panic found a crash-visibility violation")
	}
	if hunted.Events <= first.Events {
		t.Errorf("hunting went no further: %d events against %d", hunted.Events, first.Events)
	}

	if !strings.Contains(sch.String(), " invariants=crash-visibility") {
		t.Fatalf("the schedule does not say what it hunted:\n%s", strings.SplitN(sch.String(), "\n", 4)[2])
	}
	s, err := faults.ParseSchedule("hunted.schedule", sch.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Header.Invariants, []string{faults.CrashVisibility}) {
		t.Errorf("header invariants: %v", s.Header.Invariants)
	}
	replayed, err := faults.Run(context.Background(), faults.ReplayOptions(s))
	if err != nil {
		t.Fatal(err)
	}
	if replayed.Events != hunted.Events || !slices.Equal(invariantsOf(replayed), invariantsOf(hunted)) {
		t.Errorf("replay: %d events %v, the run %d %v", replayed.Events, invariantsOf(replayed), hunted.Events, invariantsOf(hunted))
	}
}
