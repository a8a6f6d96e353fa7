package explore_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// exploreAgainst explores cfg with its failing seeds rerun against w.
func exploreAgainst(t *testing.T, cfg explore.Config, w string) *explore.Report {
	t.Helper()
	against, err := explore.ParseAgainst(w)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Against = &against
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Rerun against fixed, every seed on which buggy meets #2543 holds
// no-panic: the fix holds on the very seeds that fail; and every seed on
// which buggy leaves spill files leaves them under fixed as well, the same
// way, as the 2025 code does. graceful, which removes its spill directory,
// holds clean-shutdown on those.
func TestAgainstTheFixOnTheFailingSeeds(t *testing.T) {
	cfg := config(t, invoker.Buggy, "shutdown-race", 150)
	r := exploreAgainst(t, cfg, "fixed")
	panics, spills := r.ByInvariant["no-panic"], r.ByInvariant["clean-shutdown"]
	if r.Against != "fixed" || panics.Failures == 0 || spills.Failures == 0 {
		t.Fatalf("against %q: %d panics, %d spill leaks", r.Against, panics.Failures, spills.Failures)
	}
	if a := panics.Against; a == nil || a.Ran != panics.Failures || a.Held != panics.Failures || a.Same.Failures+a.Other.Failures != 0 {
		t.Errorf("fixed on buggy's %d panicking seeds: %+v", panics.Failures, a)
	}
	if a := spills.Against; a == nil || a.Ran != spills.Failures || a.Same.Failures != spills.Failures || a.Same.FirstSeed != spills.FirstSeed {
		t.Errorf("fixed on buggy's %d leaking seeds (first %d): %+v", spills.Failures, spills.FirstSeed, a)
	}
	for _, f := range r.Failures {
		if f.Against == nil || f.Against.Skipped != "" {
			t.Errorf("seed %d: against %+v", f.Seed, f.Against)
		}
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"    against fixed: held no-panic on ", "      broke it the same way on "} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("no %q in:\n%s", want, text.String())
		}
	}

	g := exploreAgainst(t, cfg, "graceful").ByInvariant["clean-shutdown"]
	if a := g.Against; a == nil || a.Held != g.Failures {
		t.Errorf("graceful on buggy's %d leaking seeds: %+v", g.Failures, a)
	}
	// The failures themselves are the exploration's, whatever they are
	// rerun against.
	plain, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain.Failures) != len(r.Failures) || plain.Schedules != r.Schedules || !reflect.DeepEqual(plain.Coverage, r.Coverage) {
		t.Errorf("against fixed changed the exploration: %d failures of %d schedules, %d of %d without",
			len(r.Failures), r.Schedules, len(plain.Failures), plain.Schedules)
	}
}

// A swarm draws shapes the other side may not take (term has no shared
// invoker), or that it would not change: those reruns are skipped, said
// so, and counted apart.
func TestAgainstSkipsShapesTheOtherSideDoesNotTake(t *testing.T) {
	cfg := config(t, invoker.Buggy, "none", 120)
	cfg.Swarm, cfg.Plan = true, nil
	r := exploreAgainst(t, cfg, "term")
	skipped, ran := 0, 0
	for _, f := range r.Failures {
		switch {
		case f.Against.Skipped != "":
			skipped++
			if !strings.Contains(f.Against.Skipped, "shared invoker") {
				t.Errorf("seed %d skipped: %s", f.Seed, f.Against.Skipped)
			}
		default:
			ran++
		}
	}
	var sum uint64
	for _, s := range r.ByInvariant {
		sum += s.Against.Skipped
	}
	if skipped == 0 || ran == 0 || sum != uint64(skipped) {
		t.Errorf("%d reruns skipped (%d counted), %d ran", skipped, sum, ran)
	}
	// Nor is a seed rerun that the swarm already gave what the other side
	// changes (half its seeds find their retry timers unkeyed): that rerun
	// would be the run itself.
	r = exploreAgainst(t, cfg, "unkeyed")
	already := 0
	for _, f := range r.Failures {
		cfgOf, _, _ := faults.SwarmShape(f.Seed, invoker.Buggy)
		unkeyed := cfgOf.RetryTimers == invoker.RetryTimersUnkeyed
		if skipped := strings.Contains(f.Against.Skipped, "already has unkeyed"); skipped != unkeyed {
			t.Errorf("seed %d, unkeyed %v: against %+v", f.Seed, unkeyed, f.Against)
		}
		if unkeyed {
			already++
		}
	}
	if already == 0 {
		t.Error("no failing seed of the swarm had unkeyed timers: the test checks nothing")
	}
	// Against what the swarm draws for some seeds only, it is rerun where
	// it changes the shape: keyed timers where it drew unkeyed ones, a
	// subdirectory each where it drew one tmp-dir.
	for _, tc := range []struct {
		against, skipped string
		changes          func(invoker.Config) bool
	}{
		{"keyed", "already has keyed", func(n invoker.Config) bool { return n.RetryTimers == invoker.RetryTimersUnkeyed }},
		{"subdir", "no tmp-dir to share", func(n invoker.Config) bool { return n.SharedTmpDir }},
	} {
		r = exploreAgainst(t, cfg, tc.against)
		rerun := 0
		for _, f := range r.Failures {
			node, _, _ := faults.SwarmShape(f.Seed, invoker.Buggy)
			if skipped := strings.Contains(f.Against.Skipped, tc.skipped); skipped == tc.changes(node) {
				t.Errorf("against %s, seed %d: against %+v", tc.against, f.Seed, f.Against)
			}
			if tc.changes(node) {
				rerun++
			}
		}
		if rerun == 0 || rerun == len(r.Failures) {
			t.Errorf("against %s: %d of %d failing seeds rerun: the test checks nothing", tc.against, rerun, len(r.Failures))
		}
	}
}

// Shards rerun against one setting merge into the unsharded report; shards
// rerun against two do not.
func TestAgainstMerges(t *testing.T) {
	cfg := config(t, invoker.Buggy, "shutdown-race", 60)
	whole := exploreAgainst(t, cfg, "fixed")
	var shards []*explore.Report
	for i := range 2 {
		c := cfg
		c.Shard = explore.Shard{Index: i, Count: 2}
		shards = append(shards, exploreAgainst(t, c, "fixed"))
	}
	m, err := explore.Merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	if m.Against != "fixed" || !reflect.DeepEqual(m.Failures, whole.Failures) || !reflect.DeepEqual(m.ByInvariant, whole.ByInvariant) {
		t.Errorf("merged against %q: %+v\nunsharded: %+v", m.Against, m.ByInvariant, whole.ByInvariant)
	}
	c := cfg
	c.Shard = explore.Shard{Index: 1, Count: 2}
	other := exploreAgainst(t, c, "graceful")
	if _, err := explore.Merge([]*explore.Report{shards[0], other}); err == nil || !strings.Contains(err.Error(), `against "graceful"`) {
		t.Errorf("merge of shards rerun against fixed and graceful: %v", err)
	}
	// A report whose failures say they were rerun, but not against what,
	// is no report lab explore wrote.
	var js bytes.Buffer
	if err := shards[0].WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(js.String(), `"against": "fixed"`, `"against": ""`, 1)
	if _, err := explore.ReadReport("edited.json", strings.NewReader(edited)); err == nil || !strings.Contains(err.Error(), "rerun") {
		t.Errorf("a report with reruns against nothing: %v", err)
	}
}

// Counters fed by Observe count the reruns as the report does, by
// invariant and outcome, every one from 0.
func TestCountersCountTheReruns(t *testing.T) {
	var c explore.Counters
	for inv, by := range c.Against() {
		for _, o := range explore.AgainstOutcomes {
			if n, ok := by[o]; !ok || n != 0 {
				t.Errorf("%s %s: %d (counted: %v) before any run", inv, o, n, ok)
			}
		}
	}
	cfg := config(t, invoker.Buggy, "none", 120)
	cfg.Swarm, cfg.Plan = true, nil
	cfg.Observe = c.Observe
	r := exploreAgainst(t, cfg, "term")
	seen := map[string]uint64{}
	for inv, by := range c.Against() {
		a := r.ByInvariant[inv].Against
		if a == nil {
			a = &explore.AgainstStats{}
		}
		report := map[string]uint64{explore.AgainstHeld: a.Held, explore.AgainstSame: a.Same.Failures,
			explore.AgainstOther: a.Other.Failures, explore.AgainstSkipped: a.Skipped}
		if !reflect.DeepEqual(by, report) {
			t.Errorf("%s: counted %v, reported %v", inv, by, report)
		}
		for o, n := range by {
			seen[o] += n
		}
	}
	for _, o := range explore.AgainstOutcomes {
		if seen[o] == 0 {
			t.Errorf("no rerun came out %s (%v): the test checks too little", o, seen)
		}
	}
	if c.Held() != seen[explore.AgainstHeld] {
		t.Errorf("Held() = %d, counted %d", c.Held(), seen[explore.AgainstHeld])
	}
}
