package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// Seed 19 of none, fixed, with pauses: under unkeyed retry timers
// (restatedev/restate#4064) a user pauses i019 while it waits to retry and
// resumes it before its timer is due, and the old timer reaches the new
// attempt in flight. With keyed timers the same seed holds.
func TestRunStaleRetryTimer(t *testing.T) {
	t.Parallel()
	args := []string{"run", "--seed", "19", "--variant", "fixed", "--plan", "none", "--pauses", "8"}
	r := lab(t, append(args, "--retry-timers", "unkeyed")...)
	wantCode(t, r, 1)
	for _, want := range []string{"lab run   seed 19, variant fixed, retry-timers unkeyed, plan none",
		"workload  64 invocations over 200ms, 1 step-down, 0 kills, 8 pauses and resumes",
		"timer-fencing       VIOLATED at 125.371952ms", "reached i019's attempt in flight",
		"invoker3: retry timer of p3/e1 i019 fired: stale timer reached an attempt in flight",
		"replay       lab run --seed 19 --variant fixed --plan none --pauses 8 --retry-timers unkeyed"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report does not say %q:\n%v", want, r)
		}
	}
	// Its recorded schedule, no hunt's, compares with keyed timers too: the
	// fix of what it broke first, not of its variant.
	sch := filepath.Join(t.TempDir(), "seed19.schedule")
	wantCode(t, lab(t, append(args, "--retry-timers", "unkeyed", "--schedule-out", sch)...), 1)
	if c := lab(t, "compare", sch); c.code != 1 || !strings.Contains(c.stdout, "compared     retry-timers unkeyed against keyed: seed 19, fixed") {
		t.Errorf("lab compare of the recorded run:\n%v", c)
	}
	keyed := lab(t, append(args, "--retry-timers", "keyed")...)
	wantCode(t, keyed, 0)
	if first, _, _ := strings.Cut(keyed.stdout, "\n"); first != "lab run   seed 19, variant fixed, plan none, scheduler random" {
		t.Errorf("a keyed run's report begins %q: keyed timers are the default, which it need not name", first)
	}
	if !strings.Contains(keyed.stdout, "invocations  64 completed, 0 rejected, 10 requests refused") {
		t.Errorf("pauses and resumes of invocations that had ended are not counted as refused requests:\n%v", keyed)
	}
}

// A hunt for timer-fencing saves each failure's schedule and its shrunk
// schedule, which replays to the same violation and compares with keyed
// timers, the fix, by itself.
func TestExploreHuntsStaleRetryTimers(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	r := lab(t, "explore", "--variant", "fixed", "--plan", "none", "--pauses", "8", "--retry-timers", "unkeyed",
		"--invariant", "timer-fencing", "--seeds", "40", "--out", out, "--format", "json")
	wantCode(t, r, 1)
	rep := parseExplore(t, r)
	if rep.Failed == 0 || rep.ByInvariant["timer-fencing"].Failures != rep.Failed {
		t.Fatalf("hunting timer-fencing: %d failed, by invariant %+v", rep.Failed, rep.ByInvariant)
	}
	f := rep.Failures[0]
	if !strings.HasSuffix(f.Compare, "--retry-timers unkeyed --against keyed") || len(f.Files) != 3 {
		t.Fatalf("compare %q, files %v", f.Compare, f.Files)
	}
	if f.Shrunk == nil || f.Shrunk.Shrunk.Decisions > f.Shrunk.Original.Decisions/10 {
		t.Errorf("shrunk %+v", f.Shrunk)
	}
	shrunk := f.Files[2]
	if !strings.Contains(shrunk, "shrunk") {
		t.Fatalf("the third file is not the shrunk schedule: %v", f.Files)
	}
	if rep := lab(t, "replay", shrunk); rep.code != 1 || !strings.Contains(rep.stdout, "timer-fencing       VIOLATED") {
		t.Errorf("replay of the shrunk schedule:\n%v", rep)
	}
	if c := lab(t, "compare", shrunk); c.code != 1 || !strings.Contains(c.stdout, "compared     retry-timers unkeyed against keyed") ||
		!strings.Contains(c.stdout, "keyed        every invariant held") {
		t.Errorf("lab compare of the shrunk schedule:\n%v", c)
	}
}

// A retry-now is the other road: seed 57 of none asks 8 invocations to
// retry now, and one that was waiting leaves its timer to reach the retried
// attempt. Keyed timers hold.
func TestRunRetryNowLeavesAStaleTimer(t *testing.T) {
	t.Parallel()
	args := []string{"run", "--seed", "57", "--variant", "fixed", "--plan", "none", "--retry-nows", "8"}
	r := lab(t, append(args, "--retry-timers", "unkeyed")...)
	wantCode(t, r, 1)
	for _, want := range []string{"workload  64 invocations over 200ms, 1 step-down, 0 kills, 8 retry-nows",
		"timer-fencing       VIOLATED", "reached i002's attempt in flight",
		"requests refused (a kill, pause, resume or retry-now of an invocation not in that state)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report does not say %q:\n%v", want, r)
		}
	}
	wantCode(t, lab(t, append(args, "--retry-timers", "keyed")...), 0)
}

// Bad --retry-timers, --spill-dirs, --in-tmp-dir, --throttle,
// --memory-limit, --yield, --pauses and --against values are usage errors,
// and so is comparing a run with itself.
func TestRetryTimersBadInput(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"run", "--retry-timers", "fenced"}, []string{"--retry-timers", `unknown retry-timers "fenced" (want keyed or unkeyed)`}},
		{[]string{"explore", "--retry-timers", "KEYED"}, []string{"--retry-timers", `unknown retry-timers "KEYED"`}},
		{[]string{"run", "--pauses", "-1"}, []string{"pauses must be between 0 and the number of invocations, got -1"}},
		{[]string{"run", "--pauses", "65"}, []string{"pauses must be between 0 and the number of invocations, got 65"}},
		{[]string{"explore", "--retry-nows", "-3"}, []string{"retry-nows must be between 0 and the number of invocations, got -3"}},
		{[]string{"run", "--spill-dirs", "gone"}, []string{"--spill-dirs", `unknown spill-dirs "gone" (want kept or removed)`}},
		{[]string{"explore", "--spill-dirs", ""}, []string{"--spill-dirs", `unknown spill-dirs ""`}},
		{[]string{"compare", "--variant", "graceful", "--against", "removed"}, []string{"--against removed: both runs would be one run"}},
		{[]string{"compare", "--spill-dirs", "removed", "--against", "removed"}, []string{"--against removed: both runs would be one run"}},
		{[]string{"compare", "--against", "fenced"}, []string{"--against", "a paused-slots (released or leaked), a spill-dirs (kept or removed), an in-tmp-dir (shared or subdir) nor a vqueues (off, on or unguarded)"}},
		{[]string{"run", "--vqueues", "maybe"}, []string{`--vqueues: unknown vqueues "maybe" (want off, on or unguarded)`}},
		{[]string{"run", "--vqueues", "on", "--memory-limit", "2"}, []string{"vqueues on: their memory and throttling are the vqueue scheduler's"}},
		{[]string{"tui", "--vqueues", "unguarded", "--throttle", "10/s"}, []string{"vqueues unguarded: their memory and throttling are the vqueue scheduler's"}},
		{[]string{"explore", "--swarm", "--vqueues", "on", "--memory-limit", "2"}, []string{"vqueues on go to the shapes without a memory pool or a throttle, and this swarm gives every shape one"}},
		{[]string{"explore", "--swarm", "--vqueues", "sometimes"}, []string{`--vqueues: unknown vqueues "sometimes" (want off, on or unguarded)`}},
		{[]string{"run", "--yield-threshold", "2s"}, []string{"yield-threshold 2s yields to the vqueue scheduler: give vqueues too"}},
		{[]string{"run", "--vqueues", "on", "--yield-threshold", "-1s"}, []string{"yield-threshold must not be negative, got -1s"}},
		{[]string{"explore", "--swarm", "--yield-threshold", "2s"}, []string{"--yield-threshold 2s yields to the vqueue scheduler: give --vqueues too"}},
		{[]string{"run", "--vqueues", "on", "--yield-threshold", "soon"}, []string{`invalid argument "soon" for "--yield-threshold"`}},
		{[]string{"compare", "--vqueues", "on", "--against", "on"}, []string{"--against on: both runs would be one run"}},
		{[]string{"run", "--paused-slots", "kept"}, []string{"--paused-slots", `unknown paused-slots "kept" (want released or leaked)`}},
		{[]string{"explore", "--swarm", "--paused-slots", ""}, []string{"--paused-slots", `unknown paused-slots ""`}},
		{[]string{"compare", "--against", "released"}, []string{"--against released: both runs would be one run"}},
		{[]string{"run", "--in-tmp-dir", "own", "--shared-tmp-dir"}, []string{"--in-tmp-dir", `unknown in-tmp-dir "own" (want shared or subdir)`}},
		{[]string{"tui", "--in-tmp-dir", "subdir"}, []string{"--in-tmp-dir subdir: it says where invokers spill in one tmp-dir: give --shared-tmp-dir too"}},
		{[]string{"explore", "--swarm", "--in-tmp-dir", "sub"}, []string{"--in-tmp-dir", `unknown in-tmp-dir "sub"`}},
		{[]string{"compare", "--against", "subdir"}, []string{"--against subdir: both runs would be one run"}},
		{[]string{"run", "--throttle", "fast"}, []string{"--throttle", `throttle "fast": want <rate>/<unit>`}},
		{[]string{"run", "--throttle", "5/day"}, []string{"--throttle", `unknown unit "day" (want s, m or h)`}},
		{[]string{"compare", "--throttle-burst", "3"}, []string{"a throttle burst needs a throttle rate"}},
		{[]string{"tui", "--throttle", "10/s", "--throttle-burst", "-1"}, []string{"throttle burst must be between 0 (the rate) and 1000000, got -1"}},
		{[]string{"explore", "--swarm", "--throttle-burst", "2"}, []string{"a throttle burst needs a throttle rate"}},
		{[]string{"explore", "--throttle", "2000000/s"}, []string{"--throttle", "a rate from 1 to 1000000"}},
		{[]string{"run", "--memory-limit", "-1"}, []string{"memory-limit must be between 0 (unlimited) and 1000000 leases, got -1"}},
		{[]string{"explore", "--swarm", "--memory-limit", "2000000"}, []string{"memory-limit must be between 0 (unlimited) and 1000000 leases"}},
		{[]string{"compare", "--memory-limit", "x"}, []string{`invalid argument "x" for "--memory-limit"`}},
		{[]string{"run", "--memory-hungry", "2"}, []string{"--memory-hungry: memory-hungry needs a memory pool (memory-limit)"}},
		{[]string{"explore", "--swarm", "--memory-hungry", "2"}, []string{"memory-hungry needs a memory pool (memory-limit)"}},
		{[]string{"run", "--yield", "on"}, []string{"--yield: yield on needs a memory pool (memory-limit)"}},
		{[]string{"tui", "--yield", "maybe", "--memory-limit", "2"}, []string{`--yield: unknown yield "maybe" (want off or on)`}},
		{[]string{"explore", "--swarm", "--yield", "yes"}, []string{`--yield: unknown yield "yes" (want off or on)`}},
		{[]string{"tui", "--memory-limit", "2", "--memory-hungry", "99"}, []string{"memory-hungry must be between 0 and the number of invocations, got 99"}},
		{[]string{"compare", "--variant", "graceful", "--shared-tmp-dir", "--against", "subdir"}, []string{"--against subdir: both runs would be one run"}},
	} {
		wantUsageError(t, lab(t, c.args...), true, c.want...)
	}
}

// --paused-slots leaked pauses as Restate did from October 2025 to March
// 2026 (#4468): seed 19's pause of an invocation waiting to retry keeps
// its slot, quota-conservation fails at once, and the run is compared
// with released slots, where it holds; the schedule records the setting
// and replays; a swarm takes it for every shape.
func TestPausedSlotsFlag(t *testing.T) {
	t.Parallel()
	args := []string{"run", "--seed", "19", "--variant", "fixed", "--plan", "none", "--pauses", "8"}
	sched := filepath.Join(t.TempDir(), "leaked.schedule")
	r := lab(t, append(args, "--paused-slots", "leaked", "--schedule-out", sched)...)
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "variant fixed, paused-slots leaked, plan none") || !strings.Contains(r.stdout, "VIOLATED: quota-conservation\n") ||
		!strings.Contains(r.stdout, "paused at once: its slot is never released") || !strings.HasSuffix(reportLine(t, r, "compare"), "--against released") {
		t.Fatalf("the run:\n%v", r)
	}
	wantRecordedAndReplayed(t, r, sched, " paused-slots=leaked")
	wantCode(t, lab(t, append(args, "--paused-slots", "released")...), 0)
	swarm := lab(t, "explore", "--swarm", "--variant", "fixed", "--seeds", "1", "--paused-slots", "leaked")
	if !strings.Contains(swarm.stdout, "shape        paused-slots=leaked\n") {
		t.Errorf("the swarm does not say it takes the setting:\n%v", swarm)
	}
}
