package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// loggedEvent is the part of an event, as the JSON report and the event
// log write it, that these tests read.
type loggedEvent struct {
	Seq       uint64        `json:"seq"`
	At        time.Duration `json:"at_ns"`
	Kind      string        `json:"kind"`
	Msg       string        `json:"msg"`
	MsgID     uint64        `json:"msg_id"`
	Invoker   int           `json:"invoker"`
	Partition int           `json:"partition"`
	Epoch     int           `json:"epoch"`
	Inv       string        `json:"inv"`
}

// invokerPanic is the event at which a buggy run broke no-panic with
// #2543's assertion: its invoker dequeued an invoke of a partition it had
// aborted, the invoke the fix drops as stale at the same event.
type invokerPanic struct{ loggedEvent }

// panicOf reads the panic from the JSON report of lab run or lab replay
// (r), so that the tests follow the model's runs instead of pinning the
// event, invoker and invocation of one revision's.
func panicOf(t *testing.T, r result) invokerPanic {
	t.Helper()
	var rep struct {
		Violations []struct {
			Invariant, Check string
			Event            invokerPanic
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("not a JSON report: %v\n%v", err, r)
	}
	for _, v := range rep.Violations {
		if v.Invariant == faults.NoPanic && v.Check == invoker.HasPartitionAssertion {
			if p := v.Event; p.Kind != invoker.KindPanic.String() || p.Seq < 2 || p.Inv == "" {
				t.Fatalf("no-panic is not broken by a panic on an invoke: %+v\n%v", p, r)
			}
			return v.Event
		}
	}
	t.Fatalf("the run does not break no-panic with %s:\n%v", invoker.HasPartitionAssertion, r)
	return invokerPanic{}
}

// at is the start of the panic's event line, and of the line the fix logs
// in its place: "[156.512765ms] #1109  invoker0: ".
func (p invokerPanic) at() string {
	return fmt.Sprintf("%s #%-5d invoker%d: ", faults.FormatTime(p.At), p.Seq, p.Invoker)
}

// stale is the invoke dequeued at the panic, as the fix logs dropping it.
func (p invokerPanic) stale() string {
	return fmt.Sprintf("stale invoke p%d/e%d %s", p.Partition, p.Epoch, p.Inv)
}

// lab compare on the defaults: buggy and fixed part where the fix acts, at
// the buggy run's panic (lab run's), where the fixed one drops the stale
// invoke; the buggy run's violation makes it exit 1. Nothing is written to
// disk.
func TestCompareTheDefaults(t *testing.T) {
	t.Parallel()
	p := panicOf(t, lab(t, "run", "--format", "json", "--spill-dir", spillDir(t)))
	tmp := t.TempDir()
	r := labWithEnv(t, []string{"TMPDIR=" + tmp}, "compare")
	wantCode(t, r, 1)
	seed := faults.DefaultSeed
	for _, want := range []string{fmt.Sprintf("compared     buggy against fixed: seed %d, plan shutdown-race", seed),
		fmt.Sprintf("alike        the first %d events", p.Seq-1), fmt.Sprintf("parted       at event #%d\n", p.Seq),
		"buggy      " + p.at() + "PANIC", "fixed      " + p.at() + p.stale() + ": no registered partition: dropped",
		"buggy        VIOLATED no-panic", "fixed        every invariant held",
		fmt.Sprintf("rerun        lab run --seed %d --variant buggy --plan shutdown-race\n             lab run --seed %d --variant fixed --plan shutdown-race\n", seed, seed)} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the comparison does not say %q:\n%v", want, r)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("lab compare left %d entries in TMPDIR", len(left))
	}
}

// Without --against, a variant is compared with its fix: fixed's and
// term's is graceful; graceful, which has none, is compared with fixed.
func TestCompareDefaultsToTheVariantsFix(t *testing.T) {
	t.Parallel()
	for v, against := range map[string]string{"fixed": "graceful", "term": "graceful", "graceful": "fixed"} {
		r := lab(t, "compare", "--variant", v)
		if want := fmt.Sprintf("compared     %s against %s: seed", v, against); !strings.HasPrefix(r.stdout, want) || r.code == 2 {
			t.Errorf("lab compare --variant %s: want %q:\n%v", v, want, r)
		}
	}
}

// --against watch compares one variant under two answers to a panic: with
// #4102's unwind, nothing follows the buggy invoker's death; with #4103's
// watch, its partition is told at once. Only the unwound run leaves the
// partition leading past the crash bound, and each side reruns by itself.
// Where they part is read from the watched run's own event log.
func TestCompareOnPanicModes(t *testing.T) {
	t.Parallel()
	events := filepath.Join(t.TempDir(), "watch.jsonl")
	watched := lab(t, "run", "--seed", "28", "--variant", "buggy", "--plan", "none", "--on-panic", "watch", "--shutdown=false", "--events", events)
	wantCode(t, watched, 1)
	exit := firstInvokerExit(t, events)

	r := lab(t, "compare", "--seed", "28", "--plan", "none", "--shutdown=false", "--on-panic", "unwind", "--against", "watch")
	wantCode(t, r, 1)
	for _, want := range []string{"compared     on-panic unwind against watch: seed 28, buggy, plan none",
		fmt.Sprintf("invoker%d: PANIC", exit.Invoker), fmt.Sprintf("parted       at event #%d\n", exit.Seq),
		fmt.Sprintf("p%d: noticed invoker%d died", exit.Partition, exit.Invoker),
		"unwind       VIOLATED no-panic (assertion failed", "crash-visibility (crash-unnoticed)",
		"rerun        lab run --seed 28 --variant buggy --plan none --on-panic unwind --shutdown=false\n" +
			"             lab run --seed 28 --variant buggy --plan none --on-panic watch --shutdown=false\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the comparison does not say %q:\n%v", want, r)
		}
	}
	// The watched side's first event after the parting is the exit message.
	first := ""
	for line := range strings.Lines(r.stdout) {
		if rest, ok := strings.CutPrefix(line, "  watch      "); ok && first == "" {
			first = rest
		}
		if strings.HasPrefix(line, "watch        ") && strings.Contains(line, "crash-visibility") {
			t.Errorf("the watched run violates crash-visibility: %s", line)
		}
	}
	for _, want := range []string{exit.At.String(), fmt.Sprintf("#%d ", exit.Seq),
		fmt.Sprintf("msg: #%d invoker%d->p%d invoker-exit", exit.MsgID, exit.Invoker, exit.Partition)} {
		if !strings.Contains(first, want) {
			t.Errorf("the watched side begins %q, without %q", first, want)
		}
	}
	// The default --on-panic is abort: --against names the other side alone.
	r = lab(t, "compare", "--seed", "28", "--plan", "none", "--against", "unwind", "--format", "json")
	wantCode(t, r, 1)
	type side struct {
		Variant, Rerun string
		OnPanic        string `json:"on_panic"`
	}
	var doc struct{ A, B side }
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%v", err, r)
	}
	if doc.A.OnPanic != "abort" || doc.B.OnPanic != "unwind" || doc.A.Variant != "buggy" || doc.B.Variant != "buggy" ||
		!strings.HasSuffix(doc.B.Rerun, "--plan none --on-panic unwind") {
		t.Errorf("the JSON comparison: %+v", doc)
	}
	// And spill directories, the same way.
	r = lab(t, "compare", "--seed", "42", "--variant", "term", "--shutdown=false", "--against", "removed", "--format", "json")
	wantCode(t, r, 1)
	var dirs struct {
		A, B struct {
			SpillDirs string `json:"spill_dirs"`
			OK        bool
			Rerun     string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &dirs); err != nil {
		t.Fatalf("not JSON: %v\n%v", err, r)
	}
	if dirs.A.SpillDirs != "kept" || dirs.B.SpillDirs != "removed" || dirs.A.OK || !dirs.B.OK || !strings.HasSuffix(dirs.B.Rerun, "--spill-dirs removed") {
		t.Errorf("the JSON comparison of spill directories: %+v", dirs)
	}
	// And a subdirectory each of one tmp-dir: seed 176 of term panics where
	// a term's start empties the tmp-dir, and holds but for its spill
	// files left with a subdirectory each. A node given no tmp-dir says
	// nothing of one.
	r = lab(t, "compare", "--seed", "176", "--variant", "term", "--shared-tmp-dir", "--against", "subdir", "--format", "json")
	wantCode(t, r, 1)
	var tmp struct {
		A, B struct {
			InTmpDir   string `json:"in_tmp_dir"`
			Violations []string
			Rerun      string
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &tmp); err != nil {
		t.Fatalf("not JSON: %v\n%v", err, r)
	}
	if tmp.A.InTmpDir != "shared" || tmp.B.InTmpDir != "subdir" || !strings.Contains(tmp.B.Rerun, " --in-tmp-dir subdir") ||
		len(tmp.A.Violations) == 0 || !strings.HasPrefix(tmp.A.Violations[0], "no-panic") ||
		len(tmp.B.Violations) == 0 || !strings.HasPrefix(tmp.B.Violations[0], "clean-shutdown") {
		t.Errorf("the JSON comparison of tmp-dirs: %+v", tmp)
	}
	if strings.Contains(lab(t, "compare", "--format", "json").stdout, "in_tmp_dir") {
		t.Errorf("a comparison of nodes given no tmp-dir names where they spill in one")
	}
}

// Two variants that both hold exit 0; the JSON has the parting and each
// run's verdict; a bad variant or format is a usage error.
func TestCompareJSONAndBadInput(t *testing.T) {
	t.Parallel()
	r := lab(t, "compare", "--variant", "fixed", "--against", "graceful", "--format", "json")
	wantCode(t, r, 0)
	var doc struct {
		SchemaVersion int    `json:"schema_version"`
		ModelRevision int    `json:"model_revision"`
		Parted        bool   `json:"parted"`
		Alike         uint64 `json:"alike"`
		A, B          struct {
			Variant string
			OK      bool
			Events  uint64
			Rerun   string
			From    []json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%v", err, r)
	}
	if doc.SchemaVersion != 1 || doc.ModelRevision != faults.ModelRevision || doc.A.Variant != "fixed" || doc.B.Variant != "graceful" || !doc.A.OK || !doc.B.OK ||
		doc.Alike == 0 || doc.Parted != (len(doc.A.From)+len(doc.B.From) > 0) ||
		!strings.Contains(doc.B.Rerun, "--variant graceful") {
		t.Errorf("the JSON comparison: %+v\n%s", doc, r.stdout)
	}
	wantUsageError(t, lab(t, "compare", "--against", "buggy"), true, "--against buggy: both runs would be one run")
	wantUsageError(t, lab(t, "compare", "--on-panic", "unwind", "--against", "unwind"), true, "--against unwind: both runs would be one run")
	for _, args := range [][]string{{"--against", "nope"}, {"--against", ""}, {"--format", "yaml"}, {"--seed", "-1"}, {"--against"}} {
		r := lab(t, append([]string{"compare"}, args...)...)
		wantCode(t, r, 2)
		if strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 || r.stdout != "" {
			t.Errorf("%v: want a short error on stderr and nothing on stdout:\n%v", args, r)
		}
	}
}

// lab compare FILE compares a recorded run, from its seed, with the fix. A
// schedule its seed does not give (shrunk, steered by a control) is
// replayed instead, the fix's side leniently, and the report says so (a
// real steered run: TestCompareASteeredRun). One that does not replay, or a
// flag that would shape the run, is refused.
func TestCompareASchedule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sched := filepath.Join(dir, "readme.schedule")
	run := lab(t, "run", "--schedule-out", sched, "--format", "json", "--spill-dir", spillDir(t))
	wantCode(t, run, 1)
	p := panicOf(t, run)
	r := lab(t, "compare", sched)
	wantCode(t, r, 1)
	for _, want := range []string{fmt.Sprintf("compared     buggy against fixed: seed %d, plan shutdown-race", faults.DefaultSeed),
		fmt.Sprintf("parted       at event #%d\n", p.Seq), "buggy      " + p.at() + "PANIC", "fixed      " + p.at() + p.stale(),
		"fixed        every invariant held", "rerun        lab replay " + sched + "\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the comparison does not say %q:\n%v", want, r)
		}
	}
	shrunk := filepath.Join(dir, "shrunk.schedule")
	wantCode(t, lab(t, "shrink", sched, "-o", shrunk), 1)
	text, err := os.ReadFile(sched)
	if err != nil {
		t.Fatal(err)
	}
	steered := writeFile(t, dir, "steered.schedule",
		strings.Replace(string(text), "phase stage=workload\n", "phase stage=workload\ncontrol shutdown\n", 1))
	// The shrunk run: two invocations, and the panic (its replay's) where
	// the fix drops the stale invoke.
	replayed := lab(t, "replay", shrunk, "--format", "json", "--spill-dir", spillDir(t))
	wantCode(t, replayed, 1)
	sp := panicOf(t, replayed)
	r = lab(t, "compare", shrunk)
	wantCode(t, r, 1)
	for _, want := range []string{"note         " + shrunk + " is not its seed's run (its seed's run parts from it at event #",
		fmt.Sprintf("parted       at event #%d\n", sp.Seq), "buggy      " + sp.at() + "PANIC", "fixed      " + sp.at() + sp.stale(),
		"fixed        every invariant held"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the shrunk comparison does not say %q:\n%v", want, r)
		}
	}
	if strings.Contains(r.stdout, "another plan") {
		t.Errorf("without --plan, the note blames a plan:\n%v", r)
	}
	// --plan matches the schedule's plan by name only: one of that name
	// with other rules parts from the run too, and the note says it may.
	samename := writeFile(t, dir, "same-name.yaml", "name: shutdown-race\nrules: []\n")
	r = lab(t, "compare", sched, "--plan", samename)
	if !strings.Contains(r.stdout, "note         "+sched+" is not its seed's run (its seed's run parts from it at event #") ||
		!strings.Contains(r.stdout, "or run under another plan of that name)") {
		t.Errorf("a plan of the same name with other rules: the note does not say so:\n%v", r)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		// A control written into the file by hand: the recorded side no
		// longer replays, and the error says where.
		{[]string{steered}, "schedule line "},
		{[]string{sched, "--seed", "2"}, "--seed: not with a schedule"},
		{[]string{sched, "--plan", "nope"}, `--plan: nope: no built-in plan`},
		// The schedule holds its plan's name only; another plan would
		// compare another run under the schedule's name.
		{[]string{sched, "--plan", "chaos"}, `ran plan "shutdown-race", not "chaos"`},
	} {
		r := lab(t, append([]string{"compare"}, tc.args...)...)
		wantCode(t, r, 2)
		if !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: want one line saying %q:\n%v", tc.args, tc.want, r)
		}
	}
	// graceful has no fix: --against names what to compare with.
	graceful := filepath.Join(dir, "graceful.schedule")
	wantCode(t, lab(t, "run", "--variant", "graceful", "--schedule-out", graceful, "--spill-dir", spillDir(t)), 0)
	if r := lab(t, "compare", graceful); r.code != 2 || !strings.Contains(r.stderr, "graceful has no fix") {
		t.Errorf("graceful without --against:\n%v", r)
	}
	if r := lab(t, "compare", graceful, "--against", "buggy"); r.code != 1 || !strings.Contains(r.stdout, "compared     graceful against buggy") {
		t.Errorf("graceful against buggy:\n%v", r)
	}
}

// firstInvokerExit reads the first invoker-exit message sent in an event
// log (JSON Lines): the message that tells a partition its invoker died.
func firstInvokerExit(t *testing.T, events string) loggedEvent {
	t.Helper()
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		var e loggedEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("%s: %v", events, err)
		}
		if e.Kind == "msg.sent" && e.Msg == "invoker-exit" {
			return e
		}
	}
	t.Fatalf("%s: no invoker-exit message", events)
	return loggedEvent{}
}
