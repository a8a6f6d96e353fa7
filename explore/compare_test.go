package explore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

// runLogged runs o and returns its result and its events.
func runLogged(t *testing.T, o faults.Options) (*faults.Result, []invoker.Event) {
	t.Helper()
	var events []invoker.Event
	o.Observers = []faults.Observer{faults.EventFunc(func(e invoker.Event) { events = append(events, e) })}
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return r, events
}

func variantOptions(t *testing.T, plan string, seed uint64, v invoker.Variant) faults.Options {
	t.Helper()
	p, err := faults.LoadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.Store = v, invoker.MemStores()
	return faults.Options{Seed: seed, Node: cfg, Plan: p, Workload: faults.DefaultWorkload()}
}

// The README's seed of shutdown-race: the runs are one run up to the
// dequeue of a stale invoke at the node's shutdown; there the buggy invoker
// panics and the fixed one drops the stale invoke. Each side is the run lab
// run gives.
func TestCompareFindsWhereTheFixActs(t *testing.T) {
	a, b := variantOptions(t, "shutdown-race", faults.DefaultSeed, invoker.Buggy), variantOptions(t, "shutdown-race", faults.DefaultSeed, invoker.Fixed)
	c, err := explore.Compare(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Parted() || len(c.A) == 0 || len(c.B) == 0 || len(c.Before) != 8 {
		t.Fatalf("alike %d events (last %d kept), parted %t", c.Shared, len(c.Before), c.Parted())
	}
	panicked, last := c.A[0], c.Before[7]
	if panicked.Kind != invoker.KindPanic || c.Shared != panicked.Seq-1 || last.Seq != c.Shared ||
		last.Kind != invoker.KindDequeue || last.Inv != panicked.Inv {
		t.Fatalf("alike %d events, the last %v; buggy then %v: want the dequeue of the invocation it panics on", c.Shared, last, panicked)
	}
	if c.B[0].Kind != invoker.KindStaleInvoke || c.B[0].Inv != panicked.Inv || c.B[0].Seq != panicked.Seq {
		t.Errorf("parted at %v against %v", panicked, c.B[0])
	}
	for _, side := range []struct {
		o   faults.Options
		got *faults.Result
	}{{a, c.ResultA}, {b, c.ResultB}} {
		want, _ := runLogged(t, side.o)
		if side.got.Hash != want.Hash || side.got.Events != want.Events || side.got.OK() != want.OK() {
			t.Errorf("%s: compared run %s (%d events), lab run %s (%d)", side.o.Node.Variant,
				side.got.Hash, side.got.Events, want.Hash, want.Events)
		}
	}
}

// Where the two logs first differ is where Compare says they part, over
// seeds, plans and pairs of variants; a run compared with itself never
// parts.
func TestCompareAgreesWithTheWholeLogs(t *testing.T) {
	pairs := [][2]invoker.Variant{{invoker.Buggy, invoker.Fixed}, {invoker.Fixed, invoker.Graceful}, {invoker.Buggy, invoker.Graceful}, {invoker.Fixed, invoker.Fixed}}
	for _, plan := range []string{"none", "shutdown-race", "chaos"} {
		for seed := uint64(1); seed <= 8; seed++ {
			for _, pair := range pairs {
				t.Run(fmt.Sprintf("%s/%d/%s-%s", plan, seed, pair[0], pair[1]), func(t *testing.T) {
					a, b := variantOptions(t, plan, seed, pair[0]), variantOptions(t, plan, seed, pair[1])
					_, la := runLogged(t, a)
					_, lb := runLogged(t, b)
					first := 0
					for first < min(len(la), len(lb)) && (first == 0 || la[first] == lb[first]) {
						first++
					}
					c, err := explore.Compare(context.Background(), a, b)
					if err != nil {
						t.Fatal(err)
					}
					switch {
					case first == len(la) && first == len(lb):
						if c.Parted() || c.Shared != uint64(len(la)) {
							t.Errorf("the logs are the same (%d events), the comparison parts after %d", len(la), c.Shared)
						}
					case c.Shared != uint64(first) || !c.Parted():
						t.Errorf("the logs first differ at event #%d, the comparison parts after %d", first+1, c.Shared)
					case len(c.A) > 0 && c.A[0] != la[first], len(c.B) > 0 && c.B[0] != lb[first]:
						t.Errorf("parted at %v / %v, the logs at %v / %v", c.A[0], c.B[0], la[first], lb[first])
					}
				})
			}
		}
	}
}

// The compare line of a failure: buggy against fixed, fixed against
// graceful, nothing for graceful or for a command that is not lab run's;
// a death no partition noticed under on-panic unwind (#4102), in any
// variant, against the watch (#4103); a stale retry timer (#4064), in
// any variant, against keyed timers (f681676dc); and a segment lost in a
// tmp-dir every invoker spills into, against a subdirectory each.
func TestCompareCommand(t *testing.T) {
	run := "lab run --seed 3 --variant buggy --plan chaos --kills 2"
	fixed := strings.Replace(run, "buggy", "fixed", 1)
	unwound := run + " --on-panic unwind --shutdown=false"
	shared := fixed + " --shared-tmp-dir"
	compare := func(line string) string { return strings.Replace(line, "lab run", "lab compare", 1) }
	sharedTerm := strings.Replace(shared, "fixed", "term", 1)
	sharedBuggy := strings.Replace(shared, "fixed", "buggy", 1)
	for _, tc := range []struct {
		replay    string
		v         invoker.Variant
		onPanic   invoker.OnPanic
		invariant string
		want      string
	}{
		{run, invoker.Buggy, invoker.PanicAbortsNode, faults.NoPanic, "lab compare --seed 3 --variant buggy --plan chaos --kills 2"},
		{fixed, invoker.Fixed, invoker.PanicAbortsNode, faults.CleanShutdown,
			"lab compare --seed 3 --variant fixed --plan chaos --kills 2 --against removed"},
		{fixed, invoker.Fixed, invoker.PanicAbortsNode, faults.BoundedShutdown,
			"lab compare --seed 3 --variant fixed --plan chaos --kills 2 --against graceful"},
		{strings.Replace(run, "buggy", "graceful", 1), invoker.Graceful, invoker.PanicAbortsNode, faults.CleanShutdown, ""},
		{strings.Replace(run, "buggy", "graceful", 1), invoker.Graceful, invoker.PanicAbortsNode, faults.NoPanic, ""},
		{"lab replay seed3.schedule", invoker.Buggy, invoker.PanicAbortsNode, faults.NoPanic, ""},
		{unwound, invoker.Buggy, invoker.PanicUnwinds, faults.NoPanic,
			"lab compare --seed 3 --variant buggy --plan chaos --kills 2 --on-panic unwind --shutdown=false"},
		{unwound, invoker.Graceful, invoker.PanicUnwinds, faults.CrashVisibility,
			"lab compare --seed 3 --variant buggy --plan chaos --kills 2 --on-panic unwind --shutdown=false --against watch"},
		{run, invoker.Buggy, invoker.PanicWatched, faults.CrashVisibility, "lab compare --seed 3 --variant buggy --plan chaos --kills 2"},
		{run + " --pauses 4 --retry-timers unkeyed", invoker.Graceful, invoker.PanicAbortsNode, faults.TimerFencing,
			"lab compare --seed 3 --variant buggy --plan chaos --kills 2 --pauses 4 --retry-timers unkeyed --against keyed"},
	} {
		node := invoker.Config{Variant: tc.v, OnPanic: tc.onPanic}
		if got := explore.CompareCommand(tc.replay, node, tc.invariant, ""); got != tc.want {
			t.Errorf("%q, %s, on-panic %s, %s: %q, want %q", tc.replay, tc.v, tc.onPanic, tc.invariant, got, tc.want)
		}
	}
	for _, tc := range []struct {
		replay string
		v      invoker.Variant
		in     invoker.InTmpDir
		check  string
		want   string
	}{
		{shared, invoker.Fixed, invoker.InTmpDirShared, invoker.SpillReadPanic + " (segment 0)", compare(shared) + " --against subdir"},
		{sharedTerm, invoker.Term, invoker.InTmpDirShared, invoker.SpillWritePanic, compare(sharedTerm) + " --against subdir"},
		// a shared tmp-dir's run that trips #2543 is compared with its fix
		{sharedBuggy, invoker.Buggy, invoker.InTmpDirShared, "assertion failed: has_partition(partition)", compare(sharedBuggy)},
		// with a subdirectory each, or in graceful, the spill is not shared
		{shared + " --in-tmp-dir subdir", invoker.Fixed, invoker.InTmpDirSubdir, invoker.SpillReadPanic,
			compare(shared) + " --in-tmp-dir subdir --against graceful"},
		{strings.Replace(shared, "fixed", "graceful", 1), invoker.Graceful, invoker.InTmpDirShared, invoker.SpillReadPanic, ""},
	} {
		node := invoker.Config{Variant: tc.v, SharedTmpDir: true, InTmpDir: tc.in}
		if got := explore.CompareCommand(tc.replay, node, faults.NoPanic, tc.check); got != tc.want {
			t.Errorf("%q, in-tmp-dir %s, panic %q: %q, want %q", tc.replay, tc.in, tc.check, got, tc.want)
		}
	}
}

// --against reads a variant, an on-panic, a retry-timers, a spill-dirs or
// an in-tmp-dir, and the other side changes that alone.
func TestParseAgainst(t *testing.T) {
	for _, tc := range []struct {
		name, flag string
		apply      func(*faults.Options) bool
	}{
		{"graceful", "variant", func(o *faults.Options) bool { return o.Node.Variant == invoker.Graceful }},
		{"watch", "on-panic", func(o *faults.Options) bool { return o.Node.OnPanic == invoker.PanicWatched }},
		{"keyed", "retry-timers", func(o *faults.Options) bool { return o.Node.RetryTimers == invoker.RetryTimersKeyed }},
		{"unkeyed", "retry-timers", func(o *faults.Options) bool { return o.Node.RetryTimers == invoker.RetryTimersUnkeyed }},
		{"removed", "spill-dirs", func(o *faults.Options) bool { return o.Node.SpillDirs == invoker.SpillDirsRemoved }},
		{"subdir", "in-tmp-dir", func(o *faults.Options) bool { return o.Node.InTmpDir == invoker.InTmpDirSubdir }},
	} {
		w, err := explore.ParseAgainst(tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		o := faults.Options{Node: invoker.DefaultConfig()}
		o.Node.Variant, o.Node.OnPanic, o.Node.RetryTimers = invoker.Buggy, invoker.PanicUnwinds, invoker.RetryTimersUnkeyed
		before := o.Node
		w.Apply(&o)
		if w.String() != tc.name || w.Flag() != tc.flag || !tc.apply(&o) {
			t.Errorf("%s: %s --%s, applied %+v", tc.name, w, w.Flag(), o.Node)
		}
		// Nothing else changes: the other four settings are as they were.
		unchanged := 0
		for _, same := range []bool{o.Node.Variant == before.Variant, o.Node.OnPanic == before.OnPanic,
			o.Node.RetryTimers == before.RetryTimers, o.Node.SpillDirs == before.SpillDirs, o.Node.InTmpDir == before.InTmpDir} {
			if same {
				unchanged++
			}
		}
		if unchanged < 4 {
			t.Errorf("%s changed more than its setting: %+v", tc.name, o.Node)
		}
	}
	if _, err := explore.ParseAgainst("fenced"); err == nil || !strings.Contains(err.Error(), "in-tmp-dir (shared or subdir)") {
		t.Errorf("an unknown name: %v", err)
	}
}

// Spill directories removed are the same run as kept ones only in
// graceful, which removes its own whatever the setting says.
func TestAgainstSpillDirsSame(t *testing.T) {
	removed := explore.AgainstSpillDirs(invoker.SpillDirsRemoved)
	node := invoker.DefaultConfig()
	for _, tc := range []struct {
		v    invoker.Variant
		dirs invoker.SpillDirs
		same bool
	}{
		{invoker.Fixed, invoker.SpillDirsKept, false},
		{invoker.Term, invoker.SpillDirsKept, false},
		{invoker.Fixed, invoker.SpillDirsRemoved, true},
		{invoker.Graceful, invoker.SpillDirsKept, true},
	} {
		node.Variant, node.SpillDirs = tc.v, tc.dirs
		if got := removed.Same(tc.v, node); got != tc.same {
			t.Errorf("removed against %s with spill-dirs %s: same %t, want %t", tc.v, tc.dirs, got, tc.same)
		}
	}
}

// A subdirectory each is the same run as the one tmp-dir itself only
// where there is no tmp-dir, or in graceful, which makes its own.
func TestAgainstInTmpDirSame(t *testing.T) {
	subdir := explore.AgainstInTmpDir(invoker.InTmpDirSubdir)
	for _, tc := range []struct {
		v      invoker.Variant
		shared bool
		in     invoker.InTmpDir
		same   bool
	}{
		{invoker.Fixed, true, invoker.InTmpDirShared, false},
		{invoker.Term, true, invoker.InTmpDirShared, false},
		{invoker.Fixed, false, invoker.InTmpDirShared, true},
		{invoker.Fixed, true, invoker.InTmpDirSubdir, true},
		{invoker.Graceful, true, invoker.InTmpDirShared, true},
	} {
		node := invoker.DefaultConfig()
		node.SharedTmpDir, node.InTmpDir = tc.shared, tc.in
		if got := subdir.Same(tc.v, node); got != tc.same {
			t.Errorf("subdir against %s, shared tmp-dir %t, in-tmp-dir %s: same %t, want %t", tc.v, tc.shared, tc.in, got, tc.same)
		}
	}
}

// A comparison names the settings both runs hold, in text and JSON, and
// not the one that tells them apart.
func TestCompareNamesTheSettingsBothRunsHold(t *testing.T) {
	a := variantOptions(t, "none", 1, invoker.Fixed)
	a.Node.MemoryLimit, a.Node.SharedTmpDir = 8, true
	b := a
	b.Node.InTmpDir = invoker.InTmpDirSubdir
	c, err := explore.Compare(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	var text, js strings.Builder
	if err := c.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "\nsettings     shared-tmp-dir=true memory-limit=8 (both runs)\n") {
		t.Errorf("the text:\n%s", text.String())
	}
	if err := c.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"settings": "shared-tmp-dir=true memory-limit=8"`, `"settings": "shared-tmp-dir=true in-tmp-dir=subdir memory-limit=8"`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("the JSON has no %s:\n%.1500s", want, js.String())
		}
	}
}
