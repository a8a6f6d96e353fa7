package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// exploreReport is the part of explore's JSON report the tests read.
type exploreReport struct {
	Schedules          uint64  `json:"schedules"`
	Failed             uint64  `json:"failed"`
	SchedulesPerSecond float64 `json:"schedules_per_second"`
	Picks              uint64  `json:"picks"`
	Choices            uint64  `json:"choices"`
	ModelRevision      int     `json:"model_revision"`
	Shape              string  `json:"shape"`
	Shards             []string
	ListPerWay         int `json:"failures_listed_per_way"`
	Failures           []struct {
		Seed      uint64   `json:"seed"`
		Invariant string   `json:"invariant"`
		Check     string   `json:"check"`
		Shape     string   `json:"shape"`
		Replay    string   `json:"replay"`
		Compare   string   `json:"compare"`
		Files     []string `json:"files"`
		Shrunk    *struct {
			Original   struct{ Decisions, Picks, Choices int }
			Shrunk     struct{ Decisions, Picks, Choices int }
			OneMinimal bool `json:"one_minimal"`
		} `json:"shrunk"`
	} `json:"failures"`
	Invariants  []string `json:"invariants"`
	ByInvariant map[string]struct {
		Failures  uint64 `json:"failures"`
		FirstSeed uint64 `json:"first_seed"`
		Checks    map[string]struct {
			Failures  uint64 `json:"failures"`
			FirstSeed uint64 `json:"first_seed"`
		} `json:"checks"`
	} `json:"by_invariant"`
	Coverage struct {
		ISMPairs       map[string]uint64 `json:"ism_pairs"`
		ShutdownOrders map[string]uint64 `json:"shutdown_orders"`
		Sometimes      map[string]struct {
			Schedules uint64 `json:"schedules"`
			FirstSeed uint64 `json:"first_seed"`
		} `json:"sometimes"`
	} `json:"coverage"`
}

func parseExplore(t *testing.T, r result) exploreReport {
	t.Helper()
	var rep exploreReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("explore report is not JSON: %v\n%v", err, r)
	}
	return rep
}

// lab explore --against fixed reruns every seed on which buggy fails under
// the fix: it holds no-panic on each one that met #2543, and the JSON
// says so per invariant and per failure.
func TestExploreAgainstTheFix(t *testing.T) {
	t.Parallel()
	r := lab(t, "explore", "--seeds", "100", "--against", "fixed", "--format", "json")
	wantCode(t, r, 1)
	var rep struct {
		Against  string `json:"against"`
		Failures []struct {
			Invariant string `json:"invariant"`
			Against   *struct {
				Held bool `json:"held"`
			} `json:"against"`
		} `json:"failures"`
		ByInvariant map[string]struct {
			Failures uint64 `json:"failures"`
			Against  struct {
				Ran, Held uint64
			} `json:"against"`
		} `json:"by_invariant"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%v", err, r)
	}
	panics := rep.ByInvariant[faults.NoPanic]
	if rep.Against != "fixed" || panics.Failures == 0 || panics.Against.Ran != panics.Failures || panics.Against.Held != panics.Failures {
		t.Errorf("against %q: %d panics, %+v", rep.Against, panics.Failures, panics.Against)
	}
	for _, f := range rep.Failures {
		if f.Against == nil || (f.Invariant == faults.NoPanic && !f.Against.Held) {
			t.Errorf("a %s failure rerun against fixed: %+v", f.Invariant, f.Against)
		}
	}
	text := lab(t, "explore", "--seeds", "100", "--against", "fixed")
	if want := "    against fixed: held no-panic on "; !strings.Contains(text.stdout, want) {
		t.Errorf("no %q in:\n%v", want, text)
	}
}

// The buggy invoker fails with no faults at all (seed 28, at its mid-run
// step-down); the first failure is saved, recorded and shrunk to at most
// 10% of its decisions, and both schedules replay to the same violation.
func TestExploreFindsSavesAndShrinks(t *testing.T) {
	out := t.TempDir()
	r := lab(t, "explore", "--plan", "none", "--seeds", "30", "--format", "json", "--out", out)
	wantCode(t, r, 1)
	rep := parseExplore(t, r)
	if rep.Schedules != 30 || rep.Failed == 0 || rep.Failed != uint64(len(rep.Failures)) || rep.SchedulesPerSecond <= 0 ||
		rep.ModelRevision != faults.ModelRevision {
		t.Fatalf("report: %+v", rep)
	}
	first := rep.Failures[0]
	if first.Invariant != "no-panic" || rep.ByInvariant["no-panic"].FirstSeed != first.Seed {
		t.Fatalf("first failure %+v, by invariant %+v", first, rep.ByInvariant)
	}
	if len(first.Files) != 3 || !strings.Contains(first.Files[2], "shrunk") || first.Shrunk == nil {
		t.Fatalf("saved files %v, shrunk %+v", first.Files, first.Shrunk)
	}
	if s := first.Shrunk; !s.OneMinimal || s.Shrunk.Decisions <= 0 || s.Shrunk.Decisions > s.Original.Decisions/10 {
		t.Errorf("shrunk %+v: want 1-minimal and at most 10%% of the original", s)
	}
	if s := first.Shrunk; s.Original.Choices <= 0 || s.Original.Choices >= s.Original.Picks || s.Shrunk.Choices > s.Shrunk.Picks {
		t.Errorf("shrunk %+v: choices are not some of the picks", s)
	}
	if rep.Choices <= 0 || rep.Choices >= rep.Picks {
		t.Errorf("%d of %d picks had a choice", rep.Choices, rep.Picks)
	}
	for _, f := range first.Files[1:] {
		rr := lab(t, "replay", f)
		wantCode(t, rr, 1)
		if !strings.Contains(rr.stdout, "no-panic            VIOLATED") {
			t.Errorf("lab replay %s:\n%v", f, rr)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "report.json")); err != nil {
		t.Errorf("no report.json in --out: %v", err)
	}
	if len(rep.Coverage.ISMPairs) == 0 || len(rep.Coverage.ShutdownOrders) == 0 {
		t.Errorf("no coverage: %+v", rep.Coverage)
	}
	// The rerun command reproduces the seed; the compare command is it
	// against the fix.
	args := strings.Fields(strings.TrimPrefix(first.Replay, "lab "))
	wantCode(t, lab(t, args...), 1)
	if want := strings.Replace(first.Replay, "lab run ", "lab compare ", 1); first.Compare != want {
		t.Errorf("compare command %q, want %q", first.Compare, want)
	}
}

// Shards run as separate processes (one through the Indexed Job's
// environment) merge into exactly the unsharded exploration.
func TestExploreShardsMergeToTheWhole(t *testing.T) {
	dir := t.TempDir()
	common := []string{"explore", "--variant", "buggy", "--plan", "none", "--seeds", "120", "--format", "json", "--workers", "2"}
	whole := lab(t, common...)
	wantCode(t, whole, 1)
	var files []string
	for i, shard := range []string{"--shard=0/3", "--shard=1/3", ""} {
		args := append(append([]string{}, common...), "--out", filepath.Join(dir, "s"+string(rune('0'+i))))
		var r result
		if shard != "" {
			r = lab(t, append(args, shard)...)
		} else {
			r = labWithEnv(t, []string{"JOB_COMPLETION_INDEX=2", "JOB_COMPLETIONS=3"}, args...)
		}
		if r.code != 0 && r.code != 1 {
			t.Fatalf("shard %d:\n%v", i, r)
		}
		files = append(files, filepath.Join(dir, "s"+string(rune('0'+i)), "report.json"))
	}
	merged := lab(t, append([]string{"explore", "merge", "--format", "json"}, files...)...)
	wantCode(t, merged, whole.code)
	w, m := parseExplore(t, whole), parseExplore(t, merged)
	if w.Schedules != m.Schedules || w.Failed != m.Failed || w.Picks != m.Picks || w.Choices != m.Choices || !reflect.DeepEqual(w.ByInvariant, m.ByInvariant) ||
		!reflect.DeepEqual(w.Coverage, m.Coverage) || !reflect.DeepEqual(m.Shards, []string{"0/3", "1/3", "2/3"}) {
		t.Fatalf("merged shards differ from the whole:\nwhole  %+v\nmerged %+v", w, m)
	}
	if len(w.ByInvariant["no-panic"].Checks) == 0 || len(w.Coverage.Sometimes) == 0 {
		t.Errorf("no failures by check, or no situations reached: %+v %+v", w.ByInvariant, w.Coverage.Sometimes)
	}
	for i := range w.Failures {
		if w.Failures[i].Seed != m.Failures[i].Seed || w.Failures[i].Invariant != m.Failures[i].Invariant ||
			w.Failures[i].Check != m.Failures[i].Check {
			t.Fatalf("failure %d: whole %+v, merged %+v", i, w.Failures[i], m.Failures[i])
		}
	}
	// A shard given twice is refused.
	wantUsageError(t, lab(t, "explore", "merge", files[0], files[0]), true, "shard 0/3 appears twice")
	// Two of three shards merged read as the whole exploration.
	if part := lab(t, "explore", "merge", files[0], files[2]); !strings.Contains(part.stdout, "shards 0/3 2/3 (2 of 3 shards)") {
		t.Errorf("a merge short of a shard:\n%v", part)
	}
}

// The text report names, for each saved failure, the command that charts
// when it became inevitable, and that command runs; and the command that
// plays it in the terminal UI: the shrunk schedule when there is one.
func TestExploreReportNamesTheChart(t *testing.T) {
	out := t.TempDir()
	r := lab(t, "explore", "--plan", "late-cancel", "--seeds", "2", "--out", out, "--shrink-budget", "0")
	wantCode(t, r, 1)
	sched := filepath.Join(out, "seed-1-no-panic.schedule")
	if !strings.Contains(r.stdout, "\n  chart      lab inevitable "+sched+"\n") ||
		!strings.Contains(r.stdout, "\n  play       lab tui --replay "+sched+"\n") {
		t.Fatalf("no chart or play command for %s:\n%v", sched, r)
	}
	wantCode(t, lab(t, "inevitable", sched, "--stride", "200", "--suffixes", "2"), 1)
	// And the command that runs the seed against the fix, which holds.
	const compare = "lab compare --seed 1 --variant buggy --plan late-cancel"
	if !strings.Contains(r.stdout, "\n  compare    "+compare+"\n") {
		t.Fatalf("no compare command:\n%v", r)
	}
	if c := lab(t, strings.Fields(strings.TrimPrefix(compare, "lab "))...); !strings.Contains(c.stdout, "fixed        every invariant held") {
		t.Errorf("the compare command does not have the fix hold:\n%v", c)
	}
	out = t.TempDir()
	r = lab(t, "explore", "--plan", "late-cancel", "--seeds", "1", "--out", out)
	shrunk := filepath.Join(out, "seed-1-no-panic-shrunk.schedule")
	if wantCode(t, r, 1); !strings.Contains(r.stdout, "\n  play       lab tui --replay "+shrunk+"\n") {
		t.Fatalf("no play command for %s:\n%v", shrunk, r)
	}
}

// --list-failures N lists the first N failing seeds of each way of
// failing, counts every one, and saves only those it lists.
func TestExploreListsTheFirstFailures(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	r := lab(t, "explore", "--plan", "none", "--seeds", "100", "--format", "json", "--out", out,
		"--list-failures", "2", "--save-per-invariant", "0", "--shrink-budget", "0")
	wantCode(t, r, 1)
	rep := parseExplore(t, r)
	listed, first := map[string]uint64{}, map[string]uint64{}
	for _, f := range rep.Failures {
		if listed[f.Invariant]++; listed[f.Invariant] == 1 {
			first[f.Invariant] = f.Seed
		}
	}
	if no := rep.ByInvariant["no-panic"]; rep.ListPerWay != 2 || no.Failures < 3 || listed["no-panic"] != 2 || first["no-panic"] != no.FirstSeed {
		t.Fatalf("listed %d of each way: %+v of %d failures, %+v", rep.ListPerWay, rep.Failures, rep.Failed, rep.ByInvariant)
	}
	saved, err := filepath.Glob(filepath.Join(out, "seed-*[a-z].schedule"))
	if err != nil || len(saved) != len(rep.Failures) {
		t.Errorf("saved %v (%v), want the %d listed", saved, err, len(rep.Failures))
	}
	wantUsageError(t, lab(t, "explore", "--seeds", "1", "--list-failures", "-1"), true, "--list-failures must not be negative")
	// Saving more of each than the report lists would save fewer than asked.
	wantUsageError(t, lab(t, "explore", "--seeds", "1", "--list-failures", "2", "--save-per-invariant", "3", "--out", t.TempDir()), true,
		"--save-per-invariant 3: it saves among the failures listed, 2 of each way of failing: give --list-failures 3 or more")
}

// --save-per-invariant 0 saves every failure, not the first of each.
func TestExploreSavesEveryFailure(t *testing.T) {
	out := t.TempDir()
	r := lab(t, "explore", "--plan", "none", "--seeds", "100", "--format", "json", "--out", out,
		"--save-per-invariant", "0", "--shrink-budget", "0")
	wantCode(t, r, 1)
	rep := parseExplore(t, r)
	if len(rep.Failures) < 3 {
		t.Fatalf("want several failures: %+v", rep.Failures)
	}
	for _, f := range rep.Failures {
		if len(f.Files) != 2 || f.Check == "" {
			t.Errorf("seed %d: files %v, check %q", f.Seed, f.Files, f.Check)
		}
	}
	wantUsageError(t, lab(t, "explore", "--seeds", "1", "--save-per-invariant", "-1"), true, "--save-per-invariant")
	// Zero, said, is a mistake: it does not mean the default.
	wantUsageError(t, lab(t, "explore", "--seeds", "0"), true, "--seeds must be at least 1")
	wantUsageError(t, lab(t, "explore", "--duration", "0s"), true, "--duration must be more than 0")
}

func TestExploreFixedHoldsAndChecksDeterminism(t *testing.T) {
	args := []string{"--variant", "graceful", "--plan", "chaos", "--seeds", "40", "--check-determinism"}
	r := lab(t, append([]string{"explore"}, args...)...)
	wantCode(t, r, 0)
	if r.stderr != "" {
		t.Errorf("stderr is not a terminal, yet something was written there:\n%v", r)
	}
	if !strings.Contains(r.stdout, "OK: no invariant violated") {
		t.Errorf("%v:\n%v", args, r)
	}
	if !strings.Contains(r.stdout, "every seed ran twice: 0 mismatches") {
		t.Errorf("no determinism line:\n%v", r)
	}
	// The swarm draws Restate's later bugs too: graceful fails only where
	// a task's panic is re-raised or a timer is unkeyed, where the plan's
	// faults leave an invocation standing still, or where invocations
	// hungry for memory starve or yield for ever (and so never end).
	r = lab(t, "explore", "--variant", "graceful", "--swarm", "--seeds", "40", "--strategy", "pct", "--depth", "2", "--format", "json")
	if r.code != 0 && r.code != 1 || r.stderr != "" {
		t.Fatalf("the swarm under PCT:\n%v", r)
	}
	for inv, by := range parseExplore(t, r).ByInvariant {
		for check := range by.Checks {
			if !(inv == "no-panic" && check == "an invocation task panicked (re-raised by join_next)" || inv == "timer-fencing" ||
				inv == "progress" && (check == "faulted" || check == "no-leader" || check == faults.CheckOutOfMemory || check == faults.CheckYieldLoop) ||
				inv == "no-lost-invocation") {
				t.Errorf("graceful's swarm failed %s by %s", inv, check)
			}
		}
	}
}

// A failure's files that cannot all be written leave none of them: a
// report without its schedule replays nothing. What was in their way is
// left as it was, and the exploration's report is still printed and
// saved. The error is the disk's (exit 3), not the lab's own "internal
// error".
func TestExploreOutWriteFails(t *testing.T) {
	for _, inTheWay := range []string{"seed-1-no-panic.schedule", "seed-1-no-panic-shrunk.schedule"} {
		out := t.TempDir()
		if err := os.Mkdir(filepath.Join(out, inTheWay), 0o755); err != nil {
			t.Fatal(err)
		}
		r := lab(t, "explore", "--plan", "late-cancel", "--seeds", "3", "--out", out)
		wantCode(t, r, 3)
		if r.stderr != "lab: --out: seed 1: open "+filepath.Join(out, inTheWay)+": is a directory\n" {
			t.Errorf("%s in the way: stderr:\n%v", inTheWay, r)
		}
		names := dirNames(t, out)
		if want := []string{"report.json", inTheWay}; !slices.Equal(names, want) {
			t.Errorf("%s in the way: --out holds %v, want %v", inTheWay, names, want)
		}
		if !strings.Contains(r.stdout, "3 schedules failed") && !strings.Contains(r.stdout, "failures by invariant") {
			t.Errorf("%s in the way: no report on stdout:\n%v", inTheWay, r)
		}
	}
	// report.json itself in the way is known before the first seed runs.
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, "report.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := lab(t, "explore", "--plan", "late-cancel", "--seeds", "3", "--out", out)
	wantUsageError(t, r, false, "report.json is a directory, not a file")
}

func TestExploreStopOnFirstAndDuration(t *testing.T) {
	r := lab(t, "explore", "--seeds", "100000", "--stop-on-first", "--format", "json")
	wantCode(t, r, 1)
	if rep := parseExplore(t, r); rep.Failed == 0 || rep.Schedules >= 100000 {
		t.Fatalf("did not stop at the first failure: %+v", rep)
	}
	r = lab(t, "explore", "--variant", "graceful", "--duration", "300ms")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "stopped      duration") {
		t.Errorf("no duration stop:\n%v", r)
	}
	// A duration over before the first schedule said OK of nothing.
	r = lab(t, "explore", "--variant", "graceful", "--duration", "1ns")
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "result       nothing explored") {
		t.Errorf("0 schedules reported as:\n%v", r)
	}
}

func TestExploreBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  []string
		want string
	}{
		{args: []string{"--strategy", "dfs"}, want: "--strategy dfs"},
		{args: []string{"--depth", "0", "--strategy", "pct"}, want: "--depth"},
		{args: []string{"--depth", "5"}, want: "--depth is PCT's: it needs --strategy pct"},
		{args: []string{"--shard", "3/3"}, want: "--shard"},
		{args: []string{"--workers", "10000000"}, want: "--workers 10000000: the lab runs at most 1024"},
		{args: []string{"--swarm", "--plan", "chaos"}, want: "--plan"},
		{args: []string{"--swarm", "--partitions", "8"}, want: "--partitions: a swarm draws"},
		{args: []string{"--swarm", "--shared-tmp-dir"}, want: "--shared-tmp-dir: a swarm draws"},
		{args: []string{"--format", "xml"}, want: "--format xml"},
		{args: []string{"--invariant", ""}, want: `--invariant: "" is not an invariant`},
		{args: []string{"--invariant", "no-panic", "--invariant", ""}, want: `--invariant: "" is not an invariant`},
		{args: []string{"--invariant", "no-panic,,progress"}, want: `--invariant: "" is not an invariant`},
		{args: []string{"--plan", "nope"}, want: "nope"},
		{args: []string{"--against", "buggy"}, want: "against buggy: the other side would be the same run"},
		{args: []string{"--against", "nope"}, want: `--against: "nope" is neither a variant`},
		{env: []string{"JOB_COMPLETION_INDEX=5", "JOB_COMPLETIONS=2"}, want: "JOB_COMPLETION_INDEX"},
	} {
		r := labWithEnv(t, c.env, append([]string{"explore", "--seeds", "1"}, c.args...)...)
		wantUsageError(t, r, true, c.want)
	}
	dir := t.TempDir()
	wantUsageError(t, lab(t, "explore", "merge", writeFile(t, dir, "x.json", "{}")), true, "version")
	wantUsageError(t, lab(t, "explore", "merge", "/dev/zero"), true, "/dev/zero: is a device, not a regular file")
	wantUsageError(t, lab(t, "explore", "merge", dir), true, dir+": is a directory, not a file")
	// A negative budget was taken for 0 (do not shrink) without a word.
	wantUsageError(t, lab(t, "explore", "--seeds", "1", "--shrink-budget", "-1s"), true, "--shrink-budget")
	// A refused exploration created its --out directory all the same.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	out := filepath.Join(dir, "out", "failures")
	wantUsageError(t, lab(t, "explore", "--seeds", "1", "--out", out, "--metrics-addr", busy.Addr().String()), true, "--metrics-addr")
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Errorf("a refused exploration left its --out directory (%v)", err)
	}
}

// lab shrink minimises a schedule saved by lab run, and the result replays.
func TestShrinkCommand(t *testing.T) {
	dir := t.TempDir()
	sched := filepath.Join(dir, "readme.schedule")
	wantCode(t, lab(t, "run", "--schedule-out", sched), 1)
	r := lab(t, "shrink", sched)
	wantCode(t, r, 1)
	shrunk := filepath.Join(dir, "readme-shrunk.schedule")
	if reportLine(t, r, "saved") != shrunk || reportLine(t, r, "invariant") != "no-panic" ||
		reportLine(t, r, "check") != "assertion failed: self.invocation_state_machine_manager.has_partition(partition)" ||
		!strings.HasPrefix(reportLine(t, r, "1-minimal"), "yes") {
		t.Fatalf("shrink report:\n%v", r)
	}
	wantCode(t, lab(t, "replay", shrunk), 1)
	// A schedule that violates nothing has nothing to shrink.
	ok := filepath.Join(dir, "graceful.schedule")
	wantCode(t, lab(t, "run", "--variant", "graceful", "--schedule-out", ok), 0)
	r = lab(t, "shrink", ok)
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "nothing to shrink") {
		t.Errorf("shrink of a passing schedule:\n%v", r)
	}
	// An unusable --out was found only after shrinking, up to the budget.
	missing := filepath.Join(dir, "no", "such", "dir", "x.schedule")
	wantUsageError(t, lab(t, "shrink", ok, "--out", missing), true, "--out "+missing+": "+filepath.Dir(missing)+" is not a directory")
	wantUsageError(t, lab(t, "shrink", ok, "--out", dir), true, "--out "+dir+": is a directory")
	wantUsageError(t, lab(t, "shrink", writeFile(t, dir, "bad.schedule", "hello\n")), true, "not a schedule")
	// --out naming the schedule shrunk overwrote it with the shrunk one.
	before, err := os.ReadFile(sched)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.schedule")
	if err := os.Symlink(sched, link); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{sched, link} {
		wantUsageError(t, lab(t, "shrink", sched, "--out", out), true, "--out "+out+": the same file as the schedule shrunk")
	}
	if after, err := os.ReadFile(sched); err != nil || string(after) != string(before) {
		t.Errorf("lab shrink changed the schedule it shrank (%v)", err)
	}
}

// --shared-tmp-dir reaches the node, the schedule header, the replay and
// explore's rerun command: the fixed invoker then panics on a segment
// another partition's invoker consumed. With --in-tmp-dir subdir it does
// not.
func TestSharedTmpDirFlag(t *testing.T) {
	dir := t.TempDir()
	sched := filepath.Join(dir, "shared.schedule")
	r := lab(t, "run", "--variant", "fixed", "--plan", "none", "--shared-tmp-dir", "--queue-limit", "2", "--seed", "2",
		"--schedule-out", sched, "--spill-dir", spillDir(t))
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "panicked: Unable to load a segment") {
		t.Fatalf("no load panic:\n%v", r)
	}
	rr := lab(t, "replay", sched, "--spill-dir", spillDir(t))
	wantCode(t, rr, 1)
	if reportLine(t, rr, "hash") != reportLine(t, r, "hash") {
		t.Errorf("replay hash %s, run %s", reportLine(t, rr, "hash"), reportLine(t, r, "hash"))
	}
	without := lab(t, "run", "--variant", "fixed", "--plan", "none", "--queue-limit", "2", "--seed", "2", "--spill-dir", spillDir(t))
	if strings.Contains(without.stdout, "Unable to load a segment") {
		t.Errorf("the same seed with a directory per invoker panics too:\n%v", without)
	}
	// Exploration keeps segments in memory, lab replay in files: the
	// failures read the same, so what explore saved replays strictly.
	out := filepath.Join(dir, "out")
	e := lab(t, "explore", "--variant", "fixed", "--plan", "none", "--shared-tmp-dir", "--queue-limit", "2", "--seeds", "5",
		"--format", "json", "--out", out)
	wantCode(t, e, 1)
	rep := parseExplore(t, e)
	if len(rep.Failures) == 0 || !strings.Contains(rep.Failures[0].Replay, "--shared-tmp-dir=true") || len(rep.Failures[0].Files) != 3 {
		t.Fatalf("explore's rerun command and files: %+v", rep.Failures)
	}
	for _, f := range rep.Failures[0].Files[1:] {
		if r := lab(t, "replay", f, "--spill-dir", spillDir(t)); r.code != 1 || !strings.Contains(r.stdout, "Unable to load a segment") {
			t.Errorf("lab replay %s:\n%v", f, r)
		}
	}
	// With a subdirectory each (--in-tmp-dir subdir), on files, the seed
	// holds no-panic, and its schedule says where the invokers spilled.
	sched = filepath.Join(dir, "subdir.schedule")
	spill := spillDir(t)
	sub := lab(t, "run", "--variant", "fixed", "--plan", "none", "--shared-tmp-dir", "--in-tmp-dir", "subdir", "--queue-limit", "2",
		"--seed", "2", "--schedule-out", sched, "--spill-dir", spill)
	if wantCode(t, sub, 0); !strings.Contains(sub.stdout, "variant fixed, in-tmp-dir subdir, plan none") {
		t.Errorf("with a subdirectory each:\n%v", sub)
	}
	if data, err := os.ReadFile(sched); err != nil || !strings.Contains(string(data), " shared-tmp-dir=true ") || !strings.Contains(string(data), " in-tmp-dir=subdir") {
		t.Errorf("the schedule does not say where the invokers spilled: %v\n%.600s", err, data)
	}
	if rr := lab(t, "replay", sched, "--spill-dir", spillDir(t)); reportLine(t, rr, "hash") != reportLine(t, sub, "hash") {
		t.Errorf("replay hash %s, run %s", reportLine(t, rr, "hash"), reportLine(t, sub, "hash"))
	}
}

func TestInevitableCommand(t *testing.T) {
	dir := t.TempDir()
	sched := filepath.Join(dir, "seed28.schedule")
	wantCode(t, lab(t, "run", "--seed", "28", "--plan", "none", "--schedule-out", sched), 1)
	r := lab(t, "inevitable", sched, "--stride", "50", "--suffixes", "10")
	wantCode(t, r, 1)
	if !strings.HasPrefix(reportLine(t, r, "failure"), "no-panic: assertion failed") ||
		!strings.HasPrefix(reportLine(t, r, "jump"), "pick ") || !strings.Contains(r.stdout, "█") ||
		!strings.HasSuffix(reportLine(t, r, "schedule"), "faults from plan none") {
		t.Fatalf("curve:\n%v", r)
	}
	// --plan: the faults the suffixes draw come from another plan.
	r = lab(t, "inevitable", sched, "--stride", "100", "--suffixes", "5", "--plan", "chaos")
	if wantCode(t, r, 1); !strings.HasSuffix(reportLine(t, r, "schedule"), "faults from plan chaos") {
		t.Errorf("--plan chaos:\n%v", r)
	}
	// A file name that is not UTF-8 is a name all the same: it was an
	// "internal error" as the metrics' label value.
	odd := filepath.Join(dir, "seed\xff.schedule")
	if err := os.Link(sched, odd); err != nil {
		t.Fatal(err)
	}
	wantCode(t, lab(t, "inevitable", odd, "--stride", "200", "--suffixes", "2"), 1)
	wantUsageError(t, lab(t, "inevitable", sched, "--plan", "nope"), true, "nope")
	r = lab(t, "inevitable", sched, "--stride", "50", "--suffixes", "10", "--format", "json")
	wantCode(t, r, 1)
	var c struct {
		Picks  int `json:"picks"`
		Points []struct {
			Picks int     `json:"picks"`
			P     float64 `json:"p"`
		} `json:"points"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil || c.Picks == 0 || len(c.Points) < 2 || c.Points[len(c.Points)-1].P != 1 {
		t.Fatalf("json (%v):\n%v", err, r)
	}
	// A schedule that violates nothing has nothing to chart.
	ok := filepath.Join(dir, "graceful.schedule")
	wantCode(t, lab(t, "run", "--variant", "graceful", "--schedule-out", ok), 0)
	r = lab(t, "inevitable", ok)
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, "nothing to chart") {
		t.Errorf("inevitable of a passing schedule:\n%v", r)
	}
	wantUsageError(t, lab(t, "inevitable", sched, "--stride", "0"), true, "--stride 0")
	wantUsageError(t, lab(t, "inevitable", sched, "--suffixes", "1000000"), true, "--suffixes 1000000")
	wantUsageError(t, lab(t, "inevitable", sched, "--workers", "0"), true, "--workers 0")
	wantUsageError(t, lab(t, "inevitable", sched, "--format", "yaml"), true, "--format yaml")
	wantUsageError(t, lab(t, "inevitable", writeFile(t, dir, "bad.schedule", "hello\n")), true, "not a schedule")
	wantUsageError(t, lab(t, "inevitable", sched, "--linger", "1s"), true, "--linger needs --metrics-addr")
	wantUsageError(t, lab(t, "inevitable", sched, "--metrics-addr", "nowhere"), true, "--metrics-addr nowhere: want host:port")
	wantUsageError(t, lab(t, "inevitable", sched, "--metrics-addr", "127.0.0.1:"), true, "--metrics-addr 127.0.0.1:: want host:port")
	wantUsageError(t, lab(t, "inevitable", sched, "--metrics-addr", "127.0.0.1:99999"), true, "--metrics-addr")
}

// --shutdown=false leaves the node running, long enough for the progress
// invariant to see #3217's retry loop. The command the report prints to
// replay it runs as printed (a boolean flag takes its value after "="),
// and so does the schedule.
func TestProgressOnARunningNode(t *testing.T) {
	dir := t.TempDir()
	sched := filepath.Join(dir, "stall.schedule")
	args := []string{"--kills", "6", "--shutdown=false", "--plan", "none", "--seed", "132"}
	r := lab(t, append([]string{"run", "--variant", "fixed", "--schedule-out", sched}, args...)...)
	wantCode(t, r, 1)
	if reportLine(t, r, "result") != "VIOLATED: progress" || !strings.Contains(r.stdout, "i030") {
		t.Fatalf("no progress violation:\n%v", r)
	}
	replay := reportLine(t, r, "replay")
	if !strings.Contains(replay, "--shutdown=false") {
		t.Fatalf("replay command %q", replay)
	}
	again := lab(t, strings.Fields(strings.TrimPrefix(replay, "lab "))...)
	wantCode(t, again, 1)
	rr := lab(t, "replay", sched)
	wantCode(t, rr, 1)
	for _, other := range []result{again, rr} {
		if reportLine(t, other, "hash") != reportLine(t, r, "hash") {
			t.Errorf("hash %s, run %s", reportLine(t, other, "hash"), reportLine(t, r, "hash"))
		}
	}
	// No event broke it: the report says when it was found, after which event.
	if !strings.Contains(r.stdout, "progress            VIOLATED at 5m2.895085816s, after event #2230: 1 invocation") {
		t.Errorf("the report does not say when the violation was found:\n%s", r.stdout)
	}
	j := lab(t, append([]string{"run", "--variant", "fixed", "--format", "json"}, args...)...)
	wantCode(t, j, 1)
	var doc struct {
		Violations []struct {
			Between bool   `json:"between"`
			AtNanos int64  `json:"at_ns"`
			Inv     string `json:"inv"`
			Event   struct {
				Seq int `json:"seq"`
			} `json:"event"`
		} `json:"violations"`
	}
	if err := json.Unmarshal([]byte(j.stdout), &doc); err != nil || len(doc.Violations) != 1 {
		t.Fatalf("json report: %v\n%s", err, j.stdout)
	}
	if v := doc.Violations[0]; !v.Between || v.AtNanos != 302895085816 || v.Inv != "i030" || v.Event.Seq != 2230 {
		t.Errorf("json violation: %+v", v)
	}
	wantCode(t, lab(t, append([]string{"run", "--variant", "graceful"}, args...)...), 0)

	e := lab(t, "explore", "--variant", "fixed", "--plan", "shutdown-race", "--kills", "6", "--shutdown=false",
		"--seeds", "20", "--format", "json", "--shrink-budget", "0")
	wantCode(t, e, 1)
	rep := parseExplore(t, e)
	if len(rep.Failures) == 0 || rep.Failures[0].Invariant != "progress" || !strings.Contains(rep.Failures[0].Replay, "--shutdown=false") {
		t.Fatalf("explore's failures: %+v", rep.Failures)
	}
	wantUsageError(t, lab(t, "explore", "--swarm", "--shutdown=false"), true, "--shutdown: a swarm draws")
}

// --progress-bound sets how long the monitor waits: a minute gives the
// verdict a minute in; the replay command carries it and gives the same
// run; 0 turns the monitor off, and the stalled stage ends at once. Explore
// takes it too, with or without the swarm, and so do its rerun commands.
func TestProgressBoundFlag(t *testing.T) {
	args := []string{"--kills", "6", "--shutdown=false", "--plan", "none", "--seed", "132", "--variant", "fixed"}
	r := lab(t, append([]string{"run", "--progress-bound", "1m"}, args...)...)
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "progress            VIOLATED at 1m2.895085816s, after event #") ||
		!strings.Contains(r.stdout, "made no progress for 1m0s: i030") {
		t.Fatalf("no verdict a minute in:\n%s", r.stdout)
	}
	replay := reportLine(t, r, "replay")
	if !strings.Contains(replay, "--progress-bound 1m0s") {
		t.Fatalf("replay command %q", replay)
	}
	again := lab(t, strings.Fields(strings.TrimPrefix(replay, "lab "))...)
	if reportLine(t, again, "hash") != reportLine(t, r, "hash") {
		t.Errorf("the replay command gives another run:\n%s", again.stdout)
	}
	wantCode(t, lab(t, append([]string{"run", "--progress-bound", "0"}, args...)...), 0)
	for _, bad := range []string{"-1s", "25h"} {
		wantUsageError(t, lab(t, "run", "--progress-bound", bad), true, "--progress-bound", "want 0 (off) to 24h0m0s")
	}
	for _, extra := range [][]string{
		{"--variant", "fixed", "--plan", "shutdown-race", "--kills", "6", "--shutdown=false", "--seeds", "20"},
		{"--variant", "fixed", "--swarm", "--seeds", "40"},
	} {
		e := lab(t, append([]string{"explore", "--progress-bound", "1m", "--format", "json", "--shrink-budget", "0"}, extra...)...)
		found := false
		for _, f := range parseExplore(t, e).Failures {
			found = found || (f.Invariant == "progress" && strings.Contains(f.Replay, "--progress-bound 1m0s"))
		}
		if !found {
			t.Errorf("explore %v: no progress failure with the bound in its rerun:\n%s", extra, e.stdout)
		}
	}
}

// --invariant hunts one invariant past the others: #4102's unnoticed
// deaths in buggy, where the #2543 panic comes first. Every failure is
// one, the report says what was hunted, and a rerun through lab explore
// (PCT's) hunts it too. What fixes such a failure is the watch of #4103,
// not another variant: the compare line says so, and lab compare of the
// saved schedule compares with it by itself. A name that is no invariant
// is a usage error.
func TestExploreHuntsOneInvariant(t *testing.T) {
	t.Parallel()
	args := []string{"explore", "--plan", "shutdown-race", "--on-panic", "unwind", "--shutdown=false", "--seeds", "40",
		"--invariant", "crash-visibility", "--format", "json"}
	r := lab(t, append(args, "--strategy", "pct")...)
	wantCode(t, r, 1)
	rep := parseExplore(t, r)
	if rep.Failed == 0 || len(rep.ByInvariant) != 1 || rep.ByInvariant["crash-visibility"].Failures != rep.Failed ||
		!reflect.DeepEqual(rep.Invariants, []string{"crash-visibility"}) {
		t.Fatalf("hunting crash-visibility: %d failed, by invariant %+v, invariants %v", rep.Failed, rep.ByInvariant, rep.Invariants)
	}
	rerun := rep.Failures[0].Replay
	if !strings.HasSuffix(rerun, "--invariant crash-visibility") {
		t.Fatalf("the rerun does not hunt: %q", rerun)
	}
	again := lab(t, append(strings.Fields(strings.TrimPrefix(rerun, "lab ")), "--format", "json")...)
	wantCode(t, again, 1)
	if one := parseExplore(t, again); one.Failed != 1 || one.Failures[0].Invariant != "crash-visibility" {
		t.Errorf("the rerun found %+v", one.Failures)
	}
	// The random scheduler's failures rerun with lab run, and compare.
	r = lab(t, append(args, "--out", t.TempDir(), "--shrink-budget", "0")...)
	wantCode(t, r, 1)
	if f := parseExplore(t, r).Failures[0]; !strings.HasSuffix(f.Compare, "--against watch") || len(f.Files) < 2 {
		t.Errorf("compare %q, files %v", f.Compare, f.Files)
	} else if c := lab(t, "compare", f.Files[1]); c.code != 1 || !strings.Contains(c.stdout, "compared     on-panic unwind against watch") {
		t.Errorf("lab compare of the saved schedule:\n%v", c)
	}
	bad := lab(t, "explore", "--seeds", "1", "--invariant", "no-panic,liveness")
	wantUsageError(t, bad, true, "--invariant", `"liveness" is not an invariant`)
}

// A failure's replay command names the strategy only when it is PCT's,
// with its depth, and runs that one seed again to the same failure.
func TestExploreReplayCommandsNameTheirStrategy(t *testing.T) {
	for _, tc := range []struct {
		args             []string
		want, wantAbsent string
	}{
		{[]string{"--strategy", "pct", "--depth", "2"}, "lab explore --variant buggy --plan shutdown-race --strategy pct --depth 2 --first-seed 1 --seeds 1", ""},
		{[]string{"--swarm"}, "lab explore --swarm --variant buggy --first-seed 1 --seeds 1", "--depth"},
		{nil, "lab run --seed 1 --variant buggy --plan shutdown-race", "--depth"},
	} {
		r := lab(t, append([]string{"explore", "--seeds", "1", "--shrink-budget", "0", "--format", "json"}, tc.args...)...)
		wantCode(t, r, 1)
		rep := parseExplore(t, r)
		if len(rep.Failures) != 1 {
			t.Fatalf("%v: want one failure:\n%v", tc.args, r)
		}
		f := rep.Failures[0]
		if f.Replay != tc.want || tc.wantAbsent != "" && strings.Contains(f.Replay, tc.wantAbsent) {
			t.Errorf("%v: replay %q, want %q", tc.args, f.Replay, tc.want)
			continue
		}
		again := lab(t, append(strings.Fields(strings.TrimPrefix(f.Replay, "lab ")), "--format", "json")...)
		wantCode(t, again, 1)
		if !strings.Contains(again.stdout, `"`+f.Invariant+`"`) {
			t.Errorf("%s does not fail %s again:\n%v", f.Replay, f.Invariant, again)
		}
	}
}

// A swarm does not draw --spill-dirs: it takes it for every shape, names it
// in the report's shape and in each failure's replay command, and the
// replay fails again. Seed 2 of term's swarm holds with spill kept, and
// panics with it removed: a term's end removes the tmp-dir its invokers
// share, under another's write. With --in-tmp-dir subdir too, which the
// swarm takes as well, each removes its own subdirectory, and it holds.
func TestExploreSwarmTakesSpillDirs(t *testing.T) {
	t.Parallel()
	args := []string{"explore", "--swarm", "--variant", "term", "--first-seed", "2", "--seeds", "1", "--shrink-budget", "0"}
	wantCode(t, lab(t, args...), 0)
	r := lab(t, append(args, "--spill-dirs", "removed", "--format", "json")...)
	wantCode(t, r, 1)
	rep := parseExplore(t, r)
	if !strings.HasPrefix(rep.Shape, "spill-dirs=removed ") || len(rep.Failures) != 1 {
		t.Fatalf("shape %q, failures %+v", rep.Shape, rep.Failures)
	}
	f := rep.Failures[0]
	if want := "lab explore --swarm --variant term --first-seed 2 --seeds 1 --spill-dirs removed"; f.Replay != want || f.Check != invoker.SpillWritePanic {
		t.Errorf("replay %q, check %q; want %q, %q", f.Replay, f.Check, want, invoker.SpillWritePanic)
	}
	again := lab(t, strings.Fields(strings.TrimPrefix(f.Replay, "lab "))...)
	if wantCode(t, again, 1); !strings.Contains(again.stdout, "shape        spill-dirs=removed\n") {
		t.Errorf("the replay does not say its shape:\n%v", again)
	}
	both := lab(t, append(args, "--spill-dirs", "removed", "--in-tmp-dir", "subdir")...)
	if wantCode(t, both, 0); !strings.Contains(both.stdout, "shape        spill-dirs=removed in-tmp-dir=subdir\n") {
		t.Errorf("the swarm with a subdirectory each does not say its shape:\n%v", both)
	}
}

// A swarm draws memory pools, with invocations hungry for them, for some
// seeds: seed 83 of graceful's starves. --memory-limit 0 and --throttle
// unlimited take pools and throttles off every shape; the report's shape
// and the rerun command say so, and the seed holds.
func TestExploreSwarmDrawsPoolsUnlessTakenOff(t *testing.T) {
	t.Parallel()
	args := []string{"explore", "--swarm", "--variant", "graceful", "--first-seed", "83", "--seeds", "1", "--shrink-budget", "0", "--format", "json"}
	r := lab(t, args...)
	wantCode(t, r, 1)
	rep := parseExplore(t, r)
	if len(rep.Failures) != 1 || rep.Failures[0].Check != faults.CheckOutOfMemory {
		t.Fatalf("seed 83 of graceful's swarm: %+v, want it out of memory", rep.Failures)
	}
	if want := "lab explore --swarm --variant graceful --first-seed 83 --seeds 1"; rep.Failures[0].Replay != want {
		t.Errorf("replay %q, want %q", rep.Failures[0].Replay, want)
	}
	if shape := rep.Failures[0].Shape; !strings.Contains(shape, " memory-limit=3 memory-hungry=8 ") {
		t.Errorf("the failure's shape %q does not name the pool drawn", shape)
	}
	off := lab(t, append(args, "--memory-limit", "0", "--throttle", "unlimited")...)
	wantCode(t, off, 0)
	if rep := parseExplore(t, off); !strings.HasPrefix(rep.Shape, "throttle=unlimited memory-limit=0 bound-") {
		t.Errorf("shape %q does not say the swarm took pools and throttles off", rep.Shape)
	}
}

// The replay command a saved report names quotes its file for bash, as
// the printed report does.
func TestExploreOutQuotesSavedCommands(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o u$t")
	r := lab(t, "explore", "--plan", "late-cancel", "--seeds", "1", "--shrink-budget", "0", "--out", out)
	wantCode(t, r, 1)
	saved, err := os.ReadFile(filepath.Join(out, "seed-1-no-panic.report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "lab replay " + faults.ShellQuote(filepath.Join(out, "seed-1-no-panic.schedule")) + "\n"; !strings.Contains(string(saved), want) {
		t.Errorf("the saved report does not say %q:\n%s", want, saved)
	}
}

// Links the user left in --out that make two of a save's files one are
// refused, and what was saved before stays as it was: a report's schedule
// that is the report itself, a later seed's schedule that is an earlier
// one's, report.json that is a failure's schedule.
func TestExploreOutRefusesFilesThatAreOne(t *testing.T) {
	for _, tc := range []struct {
		link, to, other string
		args            []string
	}{
		{"seed-1-no-panic.schedule", "seed-1-no-panic.report.txt", "seed-1-no-panic.report.txt", nil},
		{"seed-2-no-panic.schedule", "seed-1-no-panic.schedule", "seed-1-no-panic.schedule", []string{"--save-per-invariant", "0"}},
		{"report.json", "seed-1-no-panic.schedule", "report.json", nil},
	} {
		out := t.TempDir()
		if err := os.Symlink(tc.to, filepath.Join(out, tc.link)); err != nil {
			t.Fatal(err)
		}
		args := append([]string{"explore", "--plan", "late-cancel", "--seeds", "3", "--shrink-budget", "0", "--out", out}, tc.args...)
		r := lab(t, args...)
		wantCode(t, r, 3)
		blocked := tc.link
		if tc.link == "report.json" {
			blocked = tc.to
		}
		if !strings.HasSuffix(r.stderr, filepath.Join(out, blocked)+": the same file as "+filepath.Join(out, tc.other)+"\n") {
			t.Errorf("%s -> %s: stderr:\n%v", tc.link, tc.to, r)
		}
		if tc.link == "seed-2-no-panic.schedule" {
			saved, err := os.ReadFile(filepath.Join(out, "seed-1-no-panic.schedule"))
			if err != nil || !strings.Contains(string(saved), "options seed=1 ") {
				t.Errorf("seed 1's schedule was written over (%v):\n%.300s", err, saved)
			}
		}
	}
}

// A shrunk schedule left in --out by an earlier exploration is not the
// new schedule's: when the new one is not shrunk, the old one goes with
// the old files. A link of that name is the user's, and stays.
func TestExploreOutDropsAnEarlierShrunkSchedule(t *testing.T) {
	out := t.TempDir()
	shrunk := filepath.Join(out, "seed-1-no-panic-shrunk.schedule")
	wantCode(t, lab(t, "explore", "--plan", "late-cancel", "--seeds", "1", "--out", out), 1)
	if _, err := os.Stat(shrunk); err != nil {
		t.Fatalf("the first exploration saved no shrunk schedule: %v", err)
	}
	r := lab(t, "explore", "--plan", "late-cancel", "--seeds", "1", "--out", out, "--shrink-budget", "0", "--format", "json")
	wantCode(t, r, 1)
	if files := parseExplore(t, r).Failures[0].Files; len(files) != 2 {
		t.Errorf("saved %v, want the report and the schedule", files)
	}
	if want := []string{"report.json", "seed-1-no-panic.report.txt", "seed-1-no-panic.schedule"}; !slices.Equal(dirNames(t, out), want) {
		t.Errorf("--out holds %v, want %v", dirNames(t, out), want)
	}
	mine := writeFile(t, t.TempDir(), "mine", "the user's own\n")
	if err := os.Symlink(mine, shrunk); err != nil {
		t.Fatal(err)
	}
	wantCode(t, lab(t, "explore", "--plan", "late-cancel", "--seeds", "1", "--out", out, "--shrink-budget", "0"), 1)
	if b, err := os.ReadFile(shrunk); err != nil || string(b) != "the user's own\n" {
		t.Errorf("the user's link, or what it leads to, was touched: %q %v", b, err)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
