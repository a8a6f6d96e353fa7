package explore_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
)

func config(t testing.TB, variant invoker.Variant, plan string, seeds uint64) explore.Config {
	t.Helper()
	p, err := faults.LoadPlan(plan)
	if err != nil {
		t.Fatal(err)
	}
	return explore.Config{Variant: variant, Plan: p, Node: invoker.DefaultConfig(), Workload: faults.DefaultWorkload(),
		Strategy: "random", FirstSeed: 1, Seeds: seeds, Workers: 2}
}

func TestExploreSaveShrink(t *testing.T) {
	cfg := config(t, invoker.Buggy, "shutdown-race", 20)
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Schedules != 20 || r.Failed == 0 {
		t.Fatalf("report: %+v", r)
	}
	dir := t.TempDir()
	if err := explore.Save(context.Background(), cfg, r, explore.SaveOptions{Dir: dir, Shrink: true, ShrinkBudget: time.Minute}); err != nil {
		t.Fatal(err)
	}
	f := r.Failures[0]
	if len(f.Files) != 3 || !strings.Contains(f.Files[2], "shrunk") {
		t.Fatalf("files: %v", f.Files)
	}
	res := replayFile(t, f.Files[2])
	if res.OK() || res.Violations[0].Invariant != f.Invariant {
		t.Fatalf("the shrunk schedule replays to %v", res.Violations)
	}
}

// replayFile replays a saved schedule strictly.
func replayFile(t *testing.T, path string) *faults.Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := faults.ParseSchedule(path, data)
	if err != nil {
		t.Fatal(err)
	}
	res, err := faults.Run(context.Background(), faults.ReplayOptions(s))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The report depends on the seeds alone, not on how many workers ran them.
func TestReportIndependentOfWorkers(t *testing.T) {
	var reps []*explore.Report
	for _, w := range []int{1, 3} {
		cfg := config(t, invoker.Buggy, "none", 60)
		cfg.Workers = w
		r, err := explore.Explore(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		reps = append(reps, r)
	}
	a, b := reps[0], reps[1]
	if a.Schedules != b.Schedules || a.Picks != b.Picks || a.Choices != b.Choices || !reflect.DeepEqual(a.Failures, b.Failures) ||
		!reflect.DeepEqual(a.Coverage, b.Coverage) {
		t.Fatalf("1 worker: %+v\n3 workers: %+v", a, b)
	}
}

func TestMergeRefusesOtherExplorations(t *testing.T) {
	a := &explore.Report{SchemaVersion: explore.ReportVersion, ModelRevision: faults.ModelRevision, Variant: "buggy", Plan: "none", Strategy: "random", Seeds: 10, Shards: []string{"0/2"}}
	b := *a
	b.Shards, b.Plan = []string{"1/2"}, "chaos"
	if _, err := explore.Merge([]*explore.Report{a, &b}); err == nil || !strings.Contains(err.Error(), "not shards of one") {
		t.Fatalf("merge of two explorations: %v", err)
	}
	// Two duration-bound shards (no seed count to bound them) wrapped
	// their schedules around 2^64.
	d0 := &explore.Report{SchemaVersion: explore.ReportVersion, ModelRevision: faults.ModelRevision, Variant: "buggy", Plan: "none",
		Strategy: "random", FirstSeed: 1, Shards: []string{"0/2"}, Schedules: 1 << 63, Workers: 1}
	d1 := *d0
	d1.Shards = []string{"1/2"}
	if _, err := explore.Merge([]*explore.Report{d0, &d1}); err == nil || !strings.Contains(err.Error(), "more schedules, picks or coverage than any count holds") {
		t.Errorf("merge of 2^63 + 2^63 schedules: %v", err)
	}
	// Nor the counts of coverage, which are of events.
	c0 := *d0
	c0.Schedules, c0.Coverage.ISMPairs = 1, map[string]uint64{"in-flight task.output": 1 << 63}
	c1 := c0
	c1.Shards = []string{"1/2"}
	if _, err := explore.Merge([]*explore.Report{&c0, &c1}); err == nil || !strings.Contains(err.Error(), "more schedules, picks or coverage than any count holds") {
		t.Errorf("merge of 2^63 + 2^63 events of one pair: %v", err)
	}
	// Nor shards run by labs of two model revisions, whose runs of a seed differ.
	older := *a
	older.Shards, older.ModelRevision = []string{"1/2"}, a.ModelRevision-1
	if _, err := explore.Merge([]*explore.Report{a, &older}); err == nil || !strings.Contains(err.Error(), "model revision") {
		t.Errorf("merge of two model revisions: %v", err)
	}
	// Nor shards of one plan run on different shapes (another --kills, say)
	// or bounds: the lab names them in the report, and the merge compares.
	kills := config(t, invoker.Buggy, "none", 10)
	a.Shape = kills.ShapeName()
	kills.Workload.Kills = 3
	c := *a
	c.Shards, c.Shape = []string{"1/2"}, kills.ShapeName()
	// The refusal names what differs, not the whole shapes.
	if _, err := explore.Merge([]*explore.Report{a, &c}); err == nil || err.Error() != "report 2 ran kills=3, report 1 kills=0: not shards of one exploration" {
		t.Errorf("merge of two shapes: %v", err)
	}
	removed := config(t, invoker.Buggy, "none", 10)
	removed.Node.SpillDirs = invoker.SpillDirsRemoved
	c.Shape = removed.ShapeName()
	if _, err := explore.Merge([]*explore.Report{a, &c}); err == nil || err.Error() != "report 2 ran spill-dirs=removed, report 1 without it: not shards of one exploration" {
		t.Errorf("merge of spill directories removed and kept: %v", err)
	}
	if _, err := explore.Merge([]*explore.Report{&c, a}); err == nil || err.Error() != "report 2 ran without spill-dirs=removed, report 1 with it: not shards of one exploration" {
		t.Errorf("merge of spill directories kept and removed: %v", err)
	}
	kills.Workload.Kills = 0
	kills.Bounds = faults.DefaultBounds()
	if kills.ShapeName() != a.Shape {
		t.Errorf("the default bounds, said or not, name two shapes: %q, %q", kills.ShapeName(), a.Shape)
	}
	kills.Bounds.Progress = time.Minute
	c.Shape = kills.ShapeName()
	if _, err := explore.Merge([]*explore.Report{a, &c}); err == nil || !strings.Contains(err.Error(), "bound-progress=1m0s") {
		t.Errorf("merge of two progress bounds: %v", err)
	}
	kills.Bounds, kills.Invariants = faults.DefaultBounds(), []string{faults.CrashVisibility}
	c.Shape = kills.ShapeName()
	if _, err := explore.Merge([]*explore.Report{a, &c}); err == nil || !strings.Contains(err.Error(), "invariants=crash-visibility") {
		t.Errorf("merge of a hunt with a whole exploration: %v", err)
	}
	// Shards of two splits share seeds (0/2 and 1/3 both run the fifth seed), which
	// the merge counted twice; a shard that is not i/n was taken as is.
	for _, shards := range [][]string{{"1/3"}, {"x"}, {"2/2"}} {
		c := *a
		c.Shards = shards
		if _, err := explore.Merge([]*explore.Report{a, &c}); err == nil || !strings.Contains(err.Error(), "report 2") {
			t.Errorf("merge of shard 0/2 with %v: %v, want an error naming report 2", shards, err)
		}
	}
}

// A report edited or damaged so that its counts disagree with its list of
// failures (`"failures": null` with 5 failed merged to "OK", exit 0), that
// names no shard, or that holds text no report has (a control character)
// is refused.
func TestReadReportRefusesInconsistentReports(t *testing.T) {
	good := `{"schema_version":` + strconv.Itoa(explore.ReportVersion) + `,"model_revision":2,"variant":"buggy","plan":"none","strategy":"random","first_seed":1,"seeds":4,"shards":["1/2"],` +
		`"schedules":2,"failed":1,"picks":900,"choices":200,"workers":1,"seconds":0.5,"failures":[{"seed":2,"invariant":"no-panic","detail":"d","replay":"r"}],` +
		`"by_invariant":{"no-panic":{"failures":1,"first_seed":2}},"coverage":{"ism_pairs":{"none invoker.enqueue":3},"shutdown_orders":{},` +
		`"sometimes":{"a queue segment spilled to disk":{"schedules":1,"first_seed":2}},"ism_pair_first_seeds":{"none invoker.enqueue":2},"shutdown_order_first_seeds":{}}}`
	if _, err := explore.ReadReport("r.json", strings.NewReader(good)); err != nil {
		t.Fatalf("a consistent report: %v", err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`"failures":[{"seed":2,"invariant":"no-panic","detail":"d","replay":"r"}]`, `"failures":null`, "r.json: lists 0 failures of no-panic, of the 1 it counts"},
		{`"failed":1`, `"failed":7`, "r.json: says 7 of 2 schedules failed"},
		{`"failed":1`, `"failed":0`, "r.json: says 0 failed but lists 1 failures"},
		{`"shards":["1/2"]`, `"shards":[]`, "r.json: names no shard"},
		// Merged, these printed "21 of 20 schedules failed" or wrapped
		// around 2^64.
		{`"schedules":2`, `"schedules":18446744073709551615`, "r.json: says 18446744073709551615 schedules ran of the 2 seeds of shards [1/2]"},
		{`"schedules":2`, `"schedules":0`, "r.json: says 1 of 0 schedules failed"},
		{`"choices":200`, `"choices":901`, "r.json: says 901 of 900 picks had a choice"},
		{`"seed":2,`, `"seed":9,`, "r.json: lists a failure of seed 9, which it did not explore"},
		{`"seed":2,`, `"seed":3,`, "r.json: lists a failure of seed 3, which is in none of shards [1/2]"},
		{`"failed":1,`, `"failed":2,`, "r.json: says 2 failed but counts 1 by invariant"},
		// Merges sum the counts as they are: they must add up, and agree
		// with the failures listed.
		{`{"failures":1,`, `{"failures":2,`, "r.json: lists 1 failures of no-panic, of the 2 it counts"},
		{`"first_seed":2}},`, `"first_seed":4}},`, "r.json: says no-panic first failed at seed 4, but lists seed 2 first"},
		{`"first_seed":2}},`, `"first_seed":3}},`, "r.json: counts a failure of seed 3, which is in none of shards [1/2]"},
		// A coverage's first seeds are of what it reached, and seeds it ran.
		{`{"none invoker.enqueue":2}`, `{"none invoker.enqueue":3}`, `r.json: says pair "none invoker.enqueue" was first reached at seed 3, which is in none of shards [1/2]`},
		{`{"none invoker.enqueue":2}`, `{}`, "r.json: names the first seeds of 0 of the 1 pairs it reached"},
		{`{"none invoker.enqueue":2}`, `{"none task.end":2}`, `r.json: reached pair "none invoker.enqueue" 3 times, first at no seed`},
		{`"schedules":1,"first_seed":2}`, `"schedules":1,"first_seed":9}`, `r.json: says "a queue segment spilled to disk" was first reached at seed 9, which it did not explore`},
		{`"by_invariant":{"no-panic"`, `"by_invariant":{"bogus"`, `r.json: counts failures of "bogus", which is no invariant`},
		{`"first_seed":2}},`, `"first_seed":2,"checks":{"x":{"failures":1,"first_seed":2}}}},`, "r.json: lists 0 failures of no-panic (x), of the 1 it counts"},
		{`"first_seed":2}},`, `"first_seed":2,"checks":{"x":{"failures":2,"first_seed":2}}}},`, `r.json: counts 2 failures of no-panic by "x" from seed 2, of 1 from seed 2`},
		{`"invariant":"no-panic"`, `"invariant":"bogus"`, `r.json: lists a failure of "bogus", which is no invariant`},
		{`"seconds":0.5`, `"seconds":-1`, "r.json: seconds -1 is not a time an exploration took"},
		{`"seconds":0.5`, `"seconds":1e308`, "r.json: seconds 1e+308 is not a time an exploration took"},
		{`"workers":1`, `"workers":0`, "r.json: ran on 0 workers"},
		{`"first_seed":1,"seeds":4`, `"first_seed":2,"seeds":18446744073709551615`, "r.json: seeds 2+18446744073709551615 go past the last seed"},
		{`"model_revision":2,`, ``, "r.json: names no model revision"},
		// What merge prints goes to a terminal: no escape sequences.
		{`"detail":"d"`, `"detail":"d\u001b[2J"`, `r.json: holds "d\x1b[2J", which is not printable text`},
		{`"plan":"none"`, `"plan":"none\n"`, `r.json: holds "none\n", which is not printable text`},
		{`"shards":["1/2"]`, `"shards":["01/2"]`, `r.json: shard "01/2" is written "1/2"`},
		{`"variant":"buggy"`, `"variant":"frob"`, `r.json: unknown variant "frob"`},
		{`"strategy":"random"`, `"strategy":"pct-d0"`, `r.json: strategy "pct-d0": no exploration runs one`},
		{`"invariant":"no-panic"`, `"invariant":"determinism"`, "r.json: lists a determinism failure of seed 2 without checking determinism"},
		{`"workers":1`, `"workers":1025`, "r.json: ran on 1025 workers"},
		{`{}}}`, `{}}} {}`, "r.json: more after the report"},
		{`{}}}`, `{}}}}`, "r.json: more after the report"},
	} {
		src := strings.Replace(good, tc.from, tc.to, 1)
		if src == good {
			t.Fatalf("%s is not in the report", tc.from)
		}
		if _, err := explore.ReadReport("r.json", strings.NewReader(src)); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %s", tc.to, err, tc.want)
		}
	}
	failure := `{"seed":2,"invariant":"no-panic","detail":"d","replay":"r"}`
	twice := strings.Replace(strings.Replace(good, failure, failure+","+failure, 1), `"failed":1`, `"failed":2`, 1)
	if _, err := explore.ReadReport("r.json", strings.NewReader(twice)); err == nil || !strings.HasPrefix(err.Error(), "r.json: lists seed 2 twice") {
		t.Errorf("a failure listed twice: %v", err)
	}
}

// Counters fed by Observe agree with the report (failures and coverage),
// and count every invariant from 0: one that first appears at 1 loses that 1 to
// Prometheus' increase().
func TestCountersMatchTheReport(t *testing.T) {
	var c explore.Counters
	for inv, n := range c.ByInvariant() {
		if n != 0 {
			t.Errorf("%s: %d failures before any run", inv, n)
		}
	}
	for _, inv := range append(slices.Clone(faults.Invariants), explore.Determinism) {
		if _, ok := c.ByInvariant()[inv]; !ok {
			t.Errorf("%s is not counted from 0", inv)
		}
	}
	cfg := config(t, invoker.Buggy, "none", 80)
	cfg.Observe = c.Observe
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Schedules() != r.Schedules || c.Failed() != r.Failed || c.Picks() != r.Picks ||
		c.ByInvariant()[faults.NoPanic] != r.ByInvariant[faults.NoPanic].Failures {
		t.Fatalf("counters %d/%d/%d %v, report %d/%d/%d %v", c.Schedules(), c.Failed(), c.Picks(), c.ByInvariant(),
			r.Schedules, r.Failed, r.Picks, r.ByInvariant)
	}
	for inv, n := range c.ByInvariant() {
		if n != r.ByInvariant[inv].Failures {
			t.Errorf("%s: counted %d, reported %d", inv, n, r.ByInvariant[inv].Failures)
		}
	}
	// So does the coverage, which they count as it grows.
	reached := c.Reached()
	for _, s := range explore.SometimesNames() {
		if n, ok := reached[s]; !ok || n != r.Coverage.Sometimes[s].Schedules {
			t.Errorf("%s: counted %d schedules (%v), reported %d", s, n, ok, r.Coverage.Sometimes[s].Schedules)
		}
	}
	if pairs, orders := c.Distinct(); pairs != len(r.Coverage.ISMPairs) || orders != len(r.Coverage.ShutdownOrders) || pairs < 20 {
		t.Errorf("counted %d pairs and %d orders, reported %d and %d", pairs, orders, len(r.Coverage.ISMPairs), len(r.Coverage.ShutdownOrders))
	}
}

// Shrinking works whatever the layout and invariant: the first failure of
// each exploration shrinks to a 1-minimal schedule on fewer partitions, at
// most a fifth of its decisions, that replays strictly to the same
// violation (Shrink checks the replay).
func TestShrinkAcrossShapes(t *testing.T) {
	dup, err := faults.ParsePlan("dup", []byte("name: dup\nrules:\n  - kinds: [task-output]\n    action: duplicate\n    delay: 40ms..200ms\n    probability: 0.3\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		edit    func(*explore.Config)
		variant invoker.Variant
		want    string
	}{
		{"shared invoker", func(c *explore.Config) { c.Node.SharedInvoker = true }, invoker.Buggy, faults.NoPanic},
		// 64 invocations on 16 partitions are 4 an invoker, which its 8
		// slots hold without queueing (and nothing queued, nothing to
		// panic on): 2 slots make them queue.
		{"16 partitions", func(c *explore.Config) { c.Node.Partitions, c.Node.Quota = 16, 2 }, invoker.Buggy, faults.NoPanic},
		{"duplicated outputs", func(c *explore.Config) { c.Plan = dup }, invoker.Fixed, faults.SingleAttempt},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := config(t, c.variant, "shutdown-race", 300)
			cfg.StopOnFirst, cfg.Workers = true, 1
			c.edit(&cfg)
			r, err := explore.Explore(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if r.Failed == 0 || r.Failures[0].Invariant != c.want {
				t.Fatalf("want a %s failure: %+v", c.want, r.Failures)
			}
			err = explore.Save(context.Background(), cfg, r, explore.SaveOptions{Dir: t.TempDir(), Shrink: true, ShrinkBudget: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			s := r.Failures[0].Shrunk
			if s == nil || !s.OneMinimal || s.Shrunk.Partitions >= s.Original.Partitions || s.Shrunk.Decisions > s.Original.Decisions/5 {
				t.Fatalf("shrunk: %+v", s)
			}
		})
	}
}

// Shrinking keeps the failure, not only the invariant. Seed 66 of buggy
// under none leaves spill files behind (clean-shutdown); without its
// shutdown sends, a run also "violates clean-shutdown", in a dozen
// decisions, by never shutting down, which is another failure. The shrunk
// schedule must fail by the same check, with every invoker's shutdown
// finished.
func TestShrinkKeepsTheCheck(t *testing.T) {
	cfg := config(t, invoker.Buggy, "none", 1)
	cfg.FirstSeed, cfg.Workers = 66, 1
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed != 1 || r.Failures[0].Check != faults.CheckSpillLeft {
		t.Fatalf("seed 66 no longer leaves spill files: pick another seed for this test: %+v", r.Failures)
	}
	if err := explore.Save(context.Background(), cfg, r, explore.SaveOptions{Dir: t.TempDir(), Shrink: true, ShrinkBudget: time.Minute}); err != nil {
		t.Fatal(err)
	}
	f := r.Failures[0]
	// One partition is enough to leave a file behind; the shutdown sends of
	// the others are not needed either.
	if f.Shrunk == nil || f.Shrunk.Check != faults.CheckSpillLeft || f.Shrunk.Shrunk.Invocations == 0 ||
		f.Shrunk.Shrunk.Partitions != 1 {
		t.Fatalf("shrunk: %+v", f.Shrunk)
	}
	res := replayFile(t, f.Files[2])
	if res.OK() || res.Violations[0].Check != faults.CheckSpillLeft {
		t.Fatalf("the shrunk schedule replays to %v", res.Violations)
	}
	// Nor by cutting the shutdown short: files left by an invoker that never
	// finished are not the files a finished shutdown leaves.
	for _, v := range res.Violations {
		if v.Check == faults.CheckNotFinished {
			t.Fatalf("the shrunk run leaves its files by never finishing: %v", res.Violations)
		}
	}
}

// Save keeps the first PerInvariant failures of every invariant and check
// (all with 0), and the report counts failures by check. The first 20
// seeds of buggy under shutdown-race fail both ways, 5 times each: the
// #2543 panic, and spill files left behind by a clean shutdown.
func TestSavePerInvariant(t *testing.T) {
	cfg := config(t, invoker.Buggy, "shutdown-race", 20)
	base, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	perCheck := map[[2]string]int{}
	for _, f := range base.Failures {
		perCheck[[2]string{f.Invariant, f.Check}]++
	}
	if len(perCheck) < 2 || slices.Min(slices.Collect(maps.Values(perCheck))) < 3 {
		t.Fatalf("want two checks failing, each at least 3 times: %v", perCheck)
	}
	for inv, st := range base.ByInvariant {
		var sum uint64
		for check, c := range st.Checks {
			sum += c.Failures
			if want := uint64(perCheck[[2]string{inv, check}]); c.Failures != want {
				t.Errorf("%s by %s: %d failures, want %d", inv, check, c.Failures, want)
			}
		}
		if sum != st.Failures {
			t.Errorf("%s: checks sum to %d of %d failures", inv, sum, st.Failures)
		}
	}
	for _, per := range []int{2, 0} {
		r := *base
		r.Failures = append([]explore.Failure(nil), base.Failures...)
		dir := t.TempDir()
		if err := explore.Save(context.Background(), cfg, &r, explore.SaveOptions{Dir: dir, PerInvariant: per}); err != nil {
			t.Fatal(err)
		}
		saved := map[[2]string]int{}
		for _, f := range r.Failures {
			if len(f.Files) == 2 {
				saved[[2]string{f.Invariant, f.Check}]++
			}
		}
		for k, n := range perCheck {
			want := n
			if per > 0 {
				want = min(n, per)
			}
			if saved[k] != want {
				t.Errorf("PerInvariant %d: %d failures of %v saved, want %d", per, saved[k], k, want)
			}
		}
		if files, _ := os.ReadDir(dir); len(files) != 2*sumOf(saved) {
			t.Errorf("PerInvariant %d: %d files in the directory, want %d", per, len(files), 2*sumOf(saved))
		}
	}
}

func sumOf(m map[[2]string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// The seeds may run up to the last one, 2^64-1, and not past it: with a
// count, the range is refused; with a duration, the exploration stops
// there.
func TestSeedsUpToTheLast(t *testing.T) {
	cfg := config(t, invoker.Fixed, "none", 2)
	cfg.FirstSeed = math.MaxUint64 - 1
	r, err := explore.Explore(t.Context(), cfg)
	if err != nil || r.Schedules != 2 {
		t.Fatalf("the last two seeds: %v, %+v", err, r)
	}
	cfg.Seeds = 3
	if _, err := explore.Explore(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "go past the last seed") {
		t.Errorf("3 seeds from 2^64-2: %v", err)
	}
	cfg.Seeds, cfg.Duration = 0, time.Second
	if r, err := explore.Explore(t.Context(), cfg); err != nil || r.Schedules != 2 {
		t.Errorf("a second from 2^64-2: %v, %d schedules, want the last 2", err, r.Schedules)
	}
}

// Hunting one invariant: #4102's unnoticed death (crash-visibility), which
// the #2543 panic always precedes in buggy. Without the hunt every
// failure is that panic; with it, every failure is an unnoticed death, the
// panic is no failure, and the saved failure shrinks to a schedule that
// still leaves a partition leading on past the bound, and says so.
func TestHuntOneInvariant(t *testing.T) {
	cfg := config(t, invoker.Buggy, "shutdown-race", 60)
	cfg.Node.OnPanic, cfg.Workload.Shutdown = invoker.PanicUnwinds, false
	all, err := explore.Explore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Invariants = []string{faults.CrashVisibility}
	hunted, err := explore.Explore(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if all.ByInvariant[faults.NoPanic].Failures == 0 || len(all.ByInvariant) != 1 {
		t.Fatalf("without the hunt: %+v", all.ByInvariant)
	}
	if hunted.ByInvariant[faults.CrashVisibility].Failures == 0 || len(hunted.ByInvariant) != 1 ||
		!reflect.DeepEqual(hunted.Invariants, cfg.Invariants) || !strings.Contains(hunted.Shape, "invariants=crash-visibility") {
		t.Fatalf("hunting crash-visibility: %+v, invariants %v, shape %q", hunted.ByInvariant, hunted.Invariants, hunted.Shape)
	}
	if err := explore.Save(t.Context(), cfg, hunted, explore.SaveOptions{Dir: t.TempDir(), Shrink: true, ShrinkBudget: time.Minute}); err != nil {
		t.Fatal(err)
	}
	f := hunted.Failures[0]
	if f.Shrunk == nil || f.Shrunk.Check != faults.CheckUnnoticedCrash || f.Shrunk.Shrunk.Partitions != 1 {
		t.Fatalf("shrunk: %+v", f.Shrunk)
	}
	res := replayFile(t, f.Files[2])
	if v, ok := res.FirstViolationOf(cfg.Invariants); !ok || v.Check != faults.CheckUnnoticedCrash {
		t.Fatalf("the shrunk schedule replays to %v", res.Violations)
	}
	cfg.Invariants = []string{"liveness"}
	if _, err := explore.Explore(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), `"liveness" is not an invariant`) {
		t.Errorf("an unknown invariant: %v", err)
	}
}

// A failure whose schedule would be larger than a save may take is saved
// without it: its report alone, what was saved before under its name
// gone, and the exploration's report saying why. (A yield loop of the
// swarm, seed 244 with --yield on, recorded 36 million events, and
// shrinking them took more than the machine's 24 GB.)
func TestSaveLeavesOutASchedulePastItsLimit(t *testing.T) {
	cfg := config(t, invoker.Buggy, "shutdown-race", 3)
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed == 0 {
		t.Fatal("no failure to save")
	}
	dir := t.TempDir()
	f := r.Failures[0]
	stale := filepath.Join(dir, fmt.Sprintf("seed-%d-%s.schedule", f.Seed, f.Invariant))
	if err := os.WriteFile(stale, []byte("an earlier exploration's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	opt := explore.SaveOptions{Dir: dir, Shrink: true, ShrinkBudget: time.Minute, PerInvariant: 1, ScheduleLimit: 1000}
	if err := explore.Save(context.Background(), cfg, r, opt); err != nil {
		t.Fatal(err)
	}
	f = r.Failures[0]
	if len(f.Files) != 1 || !strings.HasSuffix(f.Files[0], ".report.txt") || f.Shrunk != nil ||
		!strings.Contains(f.Unsaved, "more than 1000 bytes, was not saved, nor shrunk") {
		t.Fatalf("saved %v, shrunk %v, unsaved %q", f.Files, f.Shrunk, f.Unsaved)
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("the directory holds %v (%v), want the report alone", entries, err)
	}
	report, err := os.ReadFile(f.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(report), "lab replay") {
		t.Errorf("the failure's report names a schedule not saved:\n%s", report)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "  unsaved    its schedule") || strings.Contains(text.String(), "lab inevitable") {
		t.Errorf("the exploration's report does not say the schedule was left out:\n%s", text.String())
	}
}
