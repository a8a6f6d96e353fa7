package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lab/faults"
)

// The README's run: the buggy invoker under shutdown-race with the default
// seed panics on has_partition, and the report says how to replay and compare.
func TestRunDefaultFindsThePanic(t *testing.T) {
	t.Parallel()
	spill := spillDir(t)
	r := lab(t, "run", "--spill-dir", spill)
	wantCode(t, r, 1)
	if r.stderr != "" {
		t.Errorf("stderr is not empty:\n%v", r)
	}
	for _, want := range []string{
		fmt.Sprintf("lab run   seed %d, variant buggy, plan shutdown-race", faults.DefaultSeed),
		"result    VIOLATED: no-panic",
		"no-panic            VIOLATED",
		"has_partition",
		"events leading to no-panic",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("report does not contain %q:\n%v", want, r)
		}
	}
	replay := reportLine(t, r, "replay")
	compare := reportLine(t, r, "compare")
	if replay != fmt.Sprintf("lab run --seed %d --variant buggy --plan shutdown-race", faults.DefaultSeed) {
		t.Errorf("replay line is %q", replay)
	}
	if compare != fmt.Sprintf("lab compare --seed %d --variant buggy --plan shutdown-race", faults.DefaultSeed) {
		t.Errorf("compare line is %q", compare)
	}
	hash := reportHash(t, r)

	// The replay line reproduces the run exactly; the compare line holds.
	again := lab(t, append(strings.Fields(strings.TrimPrefix(replay, "lab ")), "--spill-dir", spill)...)
	wantCode(t, again, 1)
	if got := reportHash(t, again); got != hash {
		t.Errorf("replay hash %s, want %s", got, hash)
	}
	// The compare line runs the seed against the fix: the buggy side is
	// this very run, and the fixed one holds.
	cmp := lab(t, strings.Fields(strings.TrimPrefix(compare, "lab "))...)
	wantCode(t, cmp, 1)
	if !strings.Contains(cmp.stdout, "fixed        every invariant held") || !strings.Contains(cmp.stdout, "sha256:"+hash) {
		t.Errorf("the comparison does not have the fixed run hold and this run on the buggy side:\n%v", cmp)
	}
}

func TestRunFixedAndGracefulHold(t *testing.T) {
	t.Parallel()
	for _, variant := range []string{"fixed", "graceful"} {
		t.Run(variant, func(t *testing.T) {
			t.Parallel()
			r := lab(t, "run", "--variant", variant, "--spill-dir", spillDir(t))
			wantCode(t, r, 0)
			if !strings.Contains(r.stdout, "result    ok: every invariant held") {
				t.Errorf("report does not say every invariant held:\n%v", r)
			}
			if strings.Contains(r.stdout, "VIOLATED") || strings.Contains(r.stdout, "compare ") {
				t.Errorf("report of a run that held mentions a violation or a compare line:\n%v", r)
			}
			if r.stderr != "" {
				t.Errorf("stderr is not empty:\n%v", r)
			}
		})
	}
}

// jsonReport is the part of the JSON report the tests read.
type jsonReport struct {
	SchemaVersion *int    `json:"schema_version"`
	ModelRevision *int    `json:"model_revision"`
	OK            *bool   `json:"ok"`
	Variant       string  `json:"variant"`
	Settings      *string `json:"settings"`
	Violations    []struct {
		Invariant string `json:"invariant"`
		Detail    string `json:"detail"`
	} `json:"violations"`
	Hash      string `json:"sha256"`
	Events    uint64 `json:"events"`
	Decisions int    `json:"decisions"`
	Counts    struct {
		Picks, Sends, Faults, Tasks, Controls int
	} `json:"decision_counts"`
	InvokerSteps int `json:"invoker_steps"`
	Deliveries   int `json:"deliveries"`
	Choices      int `json:"choices"`
}

// decodeOneJSON decodes stdout as exactly one JSON document.
func decodeOneJSON(t *testing.T, r result) jsonReport {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	var rep jsonReport
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("stdout is not a JSON document: %v\n%v", err, r)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		t.Fatalf("stdout holds more than one JSON document (next: %v, %s)\n%v", err, extra, r)
	}
	if !json.Valid([]byte(r.stdout)) {
		t.Fatalf("stdout is not valid JSON:\n%v", r)
	}
	if rep.SchemaVersion == nil || *rep.SchemaVersion != 2 {
		t.Errorf("schema_version is %v, want 2", rep.SchemaVersion)
	}
	if rep.ModelRevision == nil || *rep.ModelRevision != faults.ModelRevision {
		t.Errorf("model_revision is %v, want %d", rep.ModelRevision, faults.ModelRevision)
	}
	c := rep.Counts
	if rep.Decisions == 0 || rep.Decisions != c.Picks+c.Sends+c.Faults+c.Tasks+c.Controls || c.Picks != rep.InvokerSteps+rep.Deliveries {
		t.Errorf("%d decisions, counted %+v, of the picks %d invoker steps and %d deliveries: the counts do not add up",
			rep.Decisions, c, rep.InvokerSteps, rep.Deliveries)
	}
	if rep.Choices <= 0 || rep.Choices >= c.Picks {
		t.Errorf("%d of %d picks had a choice", rep.Choices, c.Picks)
	}
	if rep.OK == nil {
		t.Errorf("no ok field")
	}
	if len(rep.Hash) != 64 || strings.Trim(rep.Hash, "0123456789abcdef") != "" {
		t.Errorf("sha256 is %q, want 64 hex digits", rep.Hash)
	}
	return rep
}

func TestRunJSON(t *testing.T) {
	t.Parallel()
	spill := spillDir(t)
	r := lab(t, "run", "--format", "json", "--spill-dir", spill)
	wantCode(t, r, 1)
	if r.stderr != "" {
		t.Errorf("stderr is not empty:\n%v", r)
	}
	rep := decodeOneJSON(t, r)
	if rep.OK == nil || *rep.OK {
		t.Errorf("ok is %v, want false", rep.OK)
	}
	if len(rep.Violations) == 0 || rep.Violations[0].Invariant != "no-panic" {
		t.Fatalf("violations[0].invariant is not no-panic: %+v", rep.Violations)
	}
	if !strings.Contains(rep.Violations[0].Detail, "has_partition") {
		t.Errorf("violations[0].detail %q does not name has_partition", rep.Violations[0].Detail)
	}
	// The same run as text reports the same hash.
	text := lab(t, "run", "--spill-dir", spill)
	if h := reportHash(t, text); h != rep.Hash {
		t.Errorf("JSON sha256 %s, text report hash %s", rep.Hash, h)
	}

	fixed := lab(t, "run", "--format", "json", "--variant", "fixed", "--spill-dir", spill)
	wantCode(t, fixed, 0)
	frep := decodeOneJSON(t, fixed)
	if frep.OK == nil || !*frep.OK || len(frep.Violations) != 0 || frep.Variant != "fixed" {
		t.Errorf("fixed run: ok %v, variant %q, violations %+v; want true, fixed, none", frep.OK, frep.Variant, frep.Violations)
	}
	// The settings a run changes from the defaults, in lab_run_info's
	// words: none for the defaults, each one set for another run.
	if rep.Settings == nil || *rep.Settings != "" {
		t.Errorf("a default run's settings: %v, want \"\"", rep.Settings)
	}
	set := decodeOneJSON(t, lab(t, "run", "--format", "json", "--variant", "fixed", "--on-panic", "watch", "--shared-tmp-dir",
		"--in-tmp-dir", "subdir", "--spill-dirs", "removed", "--pauses", "2", "--spill-dir", spill))
	if want := "shared-tmp-dir=true on-panic=watch spill-dirs=removed in-tmp-dir=subdir pauses=2"; set.Settings == nil || *set.Settings != want {
		t.Errorf("settings %v, want %q", set.Settings, want)
	}
}

// readEvents checks an event log: complete JSON Lines with "seq" strictly
// increasing from 1. It returns the number of events.
func readEvents(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the event log: %v", err)
	}
	if len(data) == 0 {
		t.Fatalf("event log %s is empty", path)
	}
	if data[len(data)-1] != '\n' {
		t.Errorf("event log does not end with a newline: last line %q", lastLine(data))
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	n, prev := 0, uint64(0)
	for sc.Scan() {
		n++
		var e struct {
			Seq  *uint64 `json:"seq"`
			Kind string  `json:"kind"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("event log line %d is not JSON: %v: %q", n, err, sc.Text())
		}
		if e.Seq == nil || *e.Seq <= prev || (n == 1 && *e.Seq != 1) {
			t.Fatalf("event log line %d: seq %v after %d", n, e.Seq, prev)
		}
		if e.Kind == "" {
			t.Errorf("event log line %d has no kind: %q", n, sc.Text())
		}
		prev = *e.Seq
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read the event log: %v", err)
	}
	return n
}

func lastLine(data []byte) string {
	data = bytes.TrimRight(data, "\n")
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[i+1:]
	}
	return string(data)
}

func fileHash(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func TestRunEventsFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	events := filepath.Join(dir, "run.jsonl")
	r := lab(t, "run", "--events", events, "--spill-dir", spillDir(t))
	wantCode(t, r, 1)
	n := readEvents(t, events)
	if got, want := fileHash(t, events), reportHash(t, r); got != want {
		t.Errorf("sha256 of the event log is %s, the report says %s", got, want)
	}
	if !strings.Contains(r.stdout, "\nevents       ") {
		t.Errorf("report has no event count:\n%v", r)
	}
	if !strings.Contains(r.stdout, "\nevents       "+itoa(n)+" in ") {
		t.Errorf("report does not count the %d events of the log:\n%v", n, r)
	}
	if strings.Contains(r.stdout, `"seq"`) {
		t.Errorf("events leaked to stdout:\n%v", r)
	}

	// JSON report and events together: the hash matches too.
	events2 := filepath.Join(dir, "json.jsonl")
	j := lab(t, "run", "--format", "json", "--plan", "chaos", "--variant", "graceful", "--seed", "7",
		"--events", events2, "--spill-dir", spillDir(t))
	wantCode(t, j, 0)
	rep := decodeOneJSON(t, j)
	readEvents(t, events2)
	if got := fileHash(t, events2); got != rep.Hash {
		t.Errorf("sha256 of the event log is %s, the JSON report says %s", got, rep.Hash)
	}
}

// `--events -` writes the event log to stdout, which then carries JSON
// Lines only: the report goes to stderr. The other outputs cannot go to
// stdout, and none of them leaves a file named "-" behind.
func TestRunEventsToStdout(t *testing.T) {
	t.Parallel()
	r := lab(t, "run", "--variant", "fixed", "--events", "-", "--format", "json", "--spill-dir", spillDir(t))
	wantCode(t, r, 0)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	for i, line := range lines {
		var e struct {
			Seq int `json:"seq"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil || e.Seq != i+1 {
			t.Fatalf("stdout line %d is not event %d: %q", i+1, i+1, line)
		}
	}
	rep := decodeOneJSON(t, result{stdout: r.stderr})
	sum := sha256.Sum256([]byte(r.stdout))
	if got := hex.EncodeToString(sum[:]); got != rep.Hash || uint64(len(lines)) != rep.Events {
		t.Errorf("stdout: %d events, sha256 %s; the report on stderr says %d, %s", len(lines), got, rep.Events, rep.Hash)
	}
	for _, flag := range []string{"--schedule-out", "--trace-out"} {
		wantUsageError(t, lab(t, "run", flag, "-"), true, flag+" -: only the event log can go to stdout")
	}
	sched := filepath.Join(t.TempDir(), "s.schedule")
	wantCode(t, lab(t, "run", "--seed", "28", "--plan", "none", "--schedule-out", sched), 1)
	wantUsageError(t, lab(t, "shrink", sched, "--out", "-"), true, "--out -: only the event log can go to stdout")
	wantUsageError(t, lab(t, "explore", "--seeds", "5", "--out", "-"), true, "--out -: only the event log can go to stdout")
	// The terminal UI refuses them too (e2e_tui_test.go, in a terminal).
	if _, err := os.Stat("-"); !os.IsNotExist(err) {
		os.Remove("-")
		t.Error(`a file named "-" was left in the working directory`)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// The same command twice gives the same bytes: report and event log.
func TestRunIsDeterministic(t *testing.T) {
	t.Parallel()
	cases := [][]string{
		{"run"},
		{"run", "--plan", "chaos", "--seed", "42", "--variant", "fixed", "--queue-limit", "2", "--invokers", "shared"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args[1:], "_"), func(t *testing.T) {
			t.Parallel()
			dir, spill := t.TempDir(), spillDir(t)
			a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
			ra := lab(t, append(args, "--events", a, "--spill-dir", spill)...)
			rb := lab(t, append(args, "--events", b, "--spill-dir", spill)...)
			da, errA := os.ReadFile(a)
			db, errB := os.ReadFile(b)
			if errA != nil || errB != nil {
				t.Fatal(errA, errB)
			}
			if !bytes.Equal(da, db) {
				t.Errorf("event logs of the same command differ (%d and %d bytes)", len(da), len(db))
			}
			if ra.stdout != rb.stdout || ra.stderr != rb.stderr || ra.code != rb.code {
				t.Errorf("the same command ran differently:\n%v\n%v", ra, rb)
			}
			if reportHash(t, rb) != fileHash(t, b) {
				t.Errorf("report hash does not match the event log")
			}
		})
	}
}

// -v prints the events to stderr; stdout is the same report as without it.
func TestRunVerbose(t *testing.T) {
	t.Parallel()
	spill := spillDir(t)
	events := filepath.Join(t.TempDir(), "ev.jsonl")
	quiet := lab(t, "run", "--spill-dir", spill)
	loud := lab(t, "run", "-v", "--events", events, "--spill-dir", spill)
	wantCode(t, loud, 1)
	if loud.stdout != quiet.stdout {
		t.Errorf("-v changed stdout:\n--- without -v ---\n%s\n--- with -v ---\n%s", clip(quiet.stdout), clip(loud.stdout))
	}
	n := readEvents(t, events)
	lines := strings.Split(strings.TrimSuffix(loud.stderr, "\n"), "\n")
	if len(lines) != n {
		t.Errorf("-v printed %d lines to stderr, the event log has %d events", len(lines), n)
	}
	if !strings.Contains(loud.stderr, "PANIC") || !strings.Contains(loud.stderr, "has_partition") {
		t.Errorf("-v stderr does not show the panic event:\n%s", clip(loud.stderr))
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "lab: ") {
			t.Errorf("-v stderr has an error line: %q", l)
		}
	}
}

// The template that `lab plans chaos` prints is a plan file `lab run` takes.
func TestPlansTemplateRuns(t *testing.T) {
	t.Parallel()
	tmpl := lab(t, "plans", "chaos")
	wantCode(t, tmpl, 0)
	if tmpl.stderr != "" {
		t.Errorf("stderr is not empty:\n%v", tmpl)
	}
	if !strings.Contains(tmpl.stdout, "name: chaos") || !strings.Contains(tmpl.stdout, "rules:") {
		t.Errorf("lab plans chaos does not print a YAML plan:\n%v", tmpl)
	}
	path := writeFile(t, t.TempDir(), "my-plan.yaml", tmpl.stdout)
	r := lab(t, "run", "--plan", path, "--variant", "fixed", "--spill-dir", spillDir(t))
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "plan chaos") || !strings.Contains(r.stdout, "every invariant held") {
		t.Errorf("run of the template:\n%v", r)
	}
	// It is the same plan as the built-in one.
	builtin := lab(t, "run", "--plan", "chaos", "--variant", "fixed", "--spill-dir", spillDir(t))
	if reportHash(t, builtin) != reportHash(t, r) {
		t.Errorf("the template and the built-in chaos plan give different runs")
	}
}

func TestPlansList(t *testing.T) {
	t.Parallel()
	r := lab(t, "plans")
	wantCode(t, r, 0)
	if r.stderr != "" {
		t.Errorf("stderr is not empty:\n%v", r)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(line, " ") {
			names[f[0]] = true
		}
	}
	for _, want := range []string{"none", "shutdown-race", "chaos"} {
		if !names[want] {
			t.Errorf("lab plans does not list %s:\n%v", want, r)
		}
	}
	for _, name := range []string{"none", "shutdown-race"} {
		p := lab(t, "plans", name)
		wantCode(t, p, 0)
		if !strings.Contains(p.stdout, "name: "+name) {
			t.Errorf("lab plans %s:\n%v", name, p)
		}
	}
}

// Runs that spill queue segments to disk remove their spill directories,
// whether the invoker panicked or shut down cleanly.
func TestRunRemovesSpillDirectories(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--queue-limit", "1"},
		{"--queue-limit", "1", "--variant", "fixed"},
		{"--queue-limit", "1", "--invokers", "shared", "--variant", "graceful"},
		{"--queue-limit", "1", "--plan", "chaos", "--variant", "buggy", "--seed", "3"},
	} {
		spill := t.TempDir()
		r := lab(t, append([]string{"run", "--spill-dir", spill}, args...)...)
		if r.code != 0 && r.code != 1 {
			t.Errorf("lab run %v:\n%v", args, r)
		}
		if !strings.Contains(r.stdout, "segments spilled") || strings.Contains(r.stdout, "queue        0 segments spilled") {
			t.Errorf("lab run %v spilled nothing, so the test shows nothing:\n%v", args, r)
		}
		noSpillLeft(t, spill)
	}
	// The simulated node leaks its spill files (Restate never removed its
	// directory): the report says so, and the lab removes them anyway.
	spill := t.TempDir()
	r := lab(t, "run", "--spill-dir", spill, "--queue-limit", "1")
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "clean-shutdown      VIOLATED") || !strings.Contains(r.stdout, "spill segment files left by") {
		t.Errorf("the leaked spill files are not reported:\n%v", r)
	}
	noSpillLeft(t, spill)
}

// What follows the panic is the process aborting, unless --on-panic watch
// asks for the #4103 watch; the report says which, and the replay line
// carries the choice.
func TestRunOnPanic(t *testing.T) {
	t.Parallel()
	spill := spillDir(t)
	abort := lab(t, "run", "--spill-dir", spill)
	wantCode(t, abort, 1)
	if !strings.Contains(abort.stdout, "after panic  the process aborted") {
		t.Errorf("default run does not say the process aborted:\n%v", abort)
	}
	watch := lab(t, "run", "--spill-dir", spill, "--on-panic", "watch")
	wantCode(t, watch, 1)
	if !strings.Contains(watch.stdout, "after panic  only the invoker died") {
		t.Errorf("--on-panic watch does not say only the invoker died:\n%v", watch)
	}
	replay := reportLine(t, watch, "replay")
	if replay != fmt.Sprintf("lab run --seed %d --variant buggy --plan shutdown-race --on-panic watch", faults.DefaultSeed) {
		t.Errorf("replay line is %q", replay)
	}
	again := lab(t, append(strings.Fields(strings.TrimPrefix(replay, "lab ")), "--spill-dir", spill)...)
	if reportHash(t, again) != reportHash(t, watch) || reportHash(t, watch) == reportHash(t, abort) {
		t.Errorf("hashes: abort %s, watch %s, replayed watch %s", reportHash(t, abort), reportHash(t, watch), reportHash(t, again))
	}
	bad := lab(t, "run", "--spill-dir", spill, "--on-panic", "explode")
	wantUsageError(t, bad, true, "--on-panic", "explode")
}

// --on-panic unwind is #4102: the invoker dies alone and no one is told.
// On a node left running, its partition leads on past the crash bound; with
// the watch, the same seed's partition notices.
func TestRunOnPanicUnwind(t *testing.T) {
	t.Parallel()
	spill := spillDir(t)
	type report struct {
		AfterPanic string `json:"after_panic"`
		Violations []struct {
			Invariant, Detail string
		} `json:"violations"`
	}
	run := func(onPanic string) (rep report, invariants []string) {
		r := lab(t, "run", "--spill-dir", spill, "--seed", "28", "--plan", "none", "--shutdown=false",
			"--format", "json", "--on-panic", onPanic)
		wantCode(t, r, 1)
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("--on-panic %s: %v\n%v", onPanic, err, r)
		}
		for _, v := range rep.Violations {
			invariants = append(invariants, v.Invariant)
		}
		return rep, invariants
	}
	// Either way, what the dead invoker held stands still until the
	// liveness phase restarts the node, and the progress monitor, given
	// the time, says so.
	unwind, unwound := run("unwind")
	if unwind.AfterPanic != "invoker-unnoticed" || !slices.Equal(unwound, []string{"no-panic", "crash-visibility", "progress"}) ||
		!strings.Contains(unwind.Violations[1].Detail, "still leader, had not noticed") ||
		!strings.Contains(unwind.Violations[2].Detail, "invoker2 is dead") {
		t.Errorf("--on-panic unwind: after_panic %q, violations %+v", unwind.AfterPanic, unwind.Violations)
	}
	watch, watched := run("watch")
	if watch.AfterPanic != "invoker-only" || !slices.Equal(watched, []string{"no-panic", "progress"}) {
		t.Errorf("--on-panic watch: after_panic %q, violations %+v", watch.AfterPanic, watch.Violations)
	}
}

// --task-panics makes attempts' tasks panic; the invoker's join arm
// re-raises it, in fixed too. On a node left running with the panic
// unwound alone, that is #4102 as filed: the partition leads on with a
// dead invoker. The rerun line carries the flag, and reruns to the same
// log; a probability out of range is a usage error.
func TestRunTaskPanics(t *testing.T) {
	t.Parallel()
	spill := spillDir(t)
	r := lab(t, "run", "--spill-dir", spill, "--variant", "fixed", "--plan", "none", "--shutdown=false",
		"--on-panic", "unwind", "--task-panics", "0.05")
	wantCode(t, r, 1)
	for _, want := range []string{"no-panic            VIOLATED", "an invocation task panicked (re-raised by join_next)",
		"crash-visibility    VIOLATED"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the report does not say %q:\n%v", want, r)
		}
	}
	if !regexp.MustCompile(`invoker\d: task \d+ \(i\d+ attempt \d+\) panicked\n.*invoker\d: PANIC an invocation task panicked`).MatchString(r.stdout) {
		t.Errorf("the events before the panic do not show the task's:\n%v", r)
	}
	replay := reportLine(t, r, "replay")
	if !strings.HasSuffix(replay, " --task-panics 0.05") {
		t.Fatalf("replay line is %q", replay)
	}
	again := lab(t, append(strings.Fields(strings.TrimPrefix(replay, "lab ")), "--spill-dir", spill)...)
	if reportHash(t, again) != reportHash(t, r) {
		t.Errorf("the rerun logged %s, the run %s", reportHash(t, again), reportHash(t, r))
	}
	for _, bad := range []string{"1.5", "-0.1", "NaN", "often"} {
		wantUsageError(t, lab(t, "run", "--spill-dir", spill, "--task-panics", bad), true, "task")
	}
	wantUsageError(t, lab(t, "explore", "--swarm", "--seeds", "1", "--task-panics", "0.1"), true, "--task-panics")
}

// The replay and compare lines leave out where the run's telemetry went:
// it shapes nothing of the run, and --await-scrape alone, without the
// --metrics-addr it needs, made the replay line a usage error.
func TestReplayLineLeavesTelemetryOut(t *testing.T) {
	t.Parallel()
	telemetry := []string{"--metrics-addr", "127.0.0.1:0", "--await-scrape", "1ms", "--linger", "0s",
		"--otlp=false", "--trace-out", filepath.Join(t.TempDir(), "trace.json"),
		"--time-anchor", "2026-01-01T00:00:00Z", "--jaeger-url", "http://127.0.0.1:16686"}
	for name := range telemetryFlagNames {
		if !slices.ContainsFunc(telemetry, func(a string) bool { return strings.HasPrefix(a, "--"+name) }) {
			t.Errorf("--%s is a telemetry flag this test does not give", name)
		}
	}
	r := lab(t, append([]string{"run", "--spill-dir", spillDir(t)}, telemetry...)...)
	wantCode(t, r, 1)
	want := fmt.Sprintf("lab run --seed %d --variant buggy --plan shutdown-race", faults.DefaultSeed)
	if got := reportLine(t, r, "replay"); got != want {
		t.Errorf("replay line %q, want %q", got, want)
	}
	if got := reportLine(t, r, "compare"); got != "lab compare"+strings.TrimPrefix(want, "lab run") {
		t.Errorf("compare line %q", got)
	}
}

// A setting of the node that is off by default reaches the node, the
// report, the replay and compare lines, the schedule and its replay: seed
// 1 of plan none holds without it, and with it the buggy invoker panics
// (#2543), its queues holding invokes of a partition that steps down:
// throttled to 100/s with a burst of 8, or with a memory pool of 8 leases
// (a quarter of the node's slots).
func TestNodeSettingFlags(t *testing.T) {
	t.Parallel()
	wantCode(t, lab(t, "run", "--plan", "none", "--seed", "1"), 0)
	for _, c := range []struct {
		name, header, key string
		flags             []string
	}{
		{"throttle", "variant buggy, throttle 100/s, burst 8, plan none", " throttle=100/s throttle-burst=8",
			[]string{"--throttle", "100/s", "--throttle-burst", "8"}},
		{"memory-limit", "variant buggy, memory-limit 8, plan none", " memory-limit=8", []string{"--memory-limit", "8"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sched := filepath.Join(t.TempDir(), c.name+".schedule")
			r := lab(t, append([]string{"run", "--plan", "none", "--seed", "1", "--schedule-out", sched}, c.flags...)...)
			wantCode(t, r, 1)
			flags := "--plan none " + strings.Join(c.flags, " ")
			if !strings.Contains(r.stdout, c.header) || !strings.Contains(r.stdout, "VIOLATED: no-panic") ||
				!strings.HasSuffix(reportLine(t, r, "replay"), flags) || !strings.HasSuffix(reportLine(t, r, "compare"), flags) {
				t.Fatalf("the run:\n%v", r)
			}
			wantRecordedAndReplayed(t, r, sched, c.key)
		})
	}
}

// wantRecordedAndReplayed: run r's schedule, saved to sched, says key, and
// its replay logs the same events.
func wantRecordedAndReplayed(t *testing.T, r result, sched, key string) {
	t.Helper()
	if data, err := os.ReadFile(sched); err != nil || !strings.Contains(string(data), key) {
		t.Errorf("the schedule does not record%s: %v\n%.600s", key, err, data)
	}
	if rr := lab(t, "replay", sched); reportLine(t, rr, "hash") != reportLine(t, r, "hash") {
		t.Errorf("replay hash %s, run %s", reportLine(t, rr, "hash"), reportLine(t, r, "hash"))
	}
}

// --memory-hungry marks invocations whose attempts need a second lease:
// seed 1 of plan none with 16 of them on a pool of 8 leases stalls, every
// attempt of theirs failing for memory (a progress violation, out of
// memory, and no comparison: no variant fixes it). The submits carry the
// mark in the schedule, which replays; without a pool it is refused.
func TestMemoryHungryFlag(t *testing.T) {
	t.Parallel()
	sched := filepath.Join(t.TempDir(), "hungry.schedule")
	r := lab(t, "run", "--plan", "none", "--seed", "1", "--variant", "fixed", "--memory-limit", "8", "--memory-hungry", "16",
		"--schedule-out", sched)
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "16 hungry for memory") || !strings.Contains(r.stdout, "its attempts fail for memory the pool does not have") ||
		!strings.HasSuffix(reportLine(t, r, "replay"), "--memory-hungry 16 --memory-limit 8") || strings.Contains(r.stdout, "\ncompare ") {
		t.Fatalf("the run:\n%v", r)
	}
	data, err := os.ReadFile(sched)
	if err != nil || strings.Count(string(data), " hungry=true") != 16 || !strings.Contains(string(data), " memory-hungry=16") {
		t.Errorf("the schedule does not mark the hungry submits: %v\n%.600s", err, data)
	}
	if rr := lab(t, "replay", sched); reportLine(t, rr, "hash") != reportLine(t, r, "hash") {
		t.Errorf("replay hash %s, run %s", reportLine(t, rr, "hash"), reportLine(t, r, "hash"))
	}
	wantCode(t, lab(t, "run", "--memory-hungry", "3"), 2)
}

// --yield on is Restate's experimental invoker-yield: the same seed as
// TestMemoryHungryFlag, where every attempt of the hungry invocations
// failed for memory for good, now makes progress, its attempts out of
// memory yielding and coming back (graceful, which leaves no spill files at
// the shutdown, holds every invariant). The schedule records the setting
// and replays; without a pool it is refused. Behind a throttle two hungry
// invocations yield for ever (yield-loop).
func TestYieldFlag(t *testing.T) {
	t.Parallel()
	sched := filepath.Join(t.TempDir(), "yield.schedule")
	args := []string{"run", "--plan", "none", "--seed", "1", "--variant", "graceful", "--memory-limit", "8", "--memory-hungry", "16"}
	r := lab(t, append(args, "--yield", "on", "--schedule-out", sched)...)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "variant graceful, yield on, memory-limit 8, plan none") ||
		!strings.Contains(r.stdout, "  progress            held") || !strings.HasSuffix(reportLine(t, r, "replay"), "--memory-limit 8 --yield on") {
		t.Fatalf("the run:\n%v", r)
	}
	wantRecordedAndReplayed(t, r, sched, " yield=on")
	off := lab(t, args...)
	wantCode(t, off, 1)
	if !strings.Contains(off.stdout, "its attempts fail for memory the pool does not have") {
		t.Errorf("the same seed with the yield off:\n%v", off)
	}
	// Behind a throttle, each partition's queue holds, while it waits for
	// its token, the lease the other's hungry attempt needs: they yield
	// and come back for ever.
	loop := lab(t, "run", "--plan", "none", "--seed", "1", "--variant", "fixed", "--throttle", "300/s", "--throttle-burst", "1",
		"--memory-limit", "2", "--memory-hungry", "2", "--yield", "on", "--shutdown=false", "--progress-bound", "10s")
	wantCode(t, loop, 1)
	if !strings.Contains(loop.stdout, "its attempts fail for memory the pool does not have, and it yields and is invoked again") {
		t.Errorf("the yield loop behind a throttle:\n%v", loop)
	}
	swarm := lab(t, "explore", "--swarm", "--variant", "fixed", "--seeds", "1", "--yield", "on")
	if !strings.Contains(swarm.stdout, "shape        yield=on\n") {
		t.Errorf("the swarm does not say it takes the setting:\n%v", swarm)
	}
}
