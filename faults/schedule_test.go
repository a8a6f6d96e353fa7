package faults_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// recordedReference is the schedule of the README's run: buggy, seed 1,
// shutdown-race.
func recordedReference(t *testing.T) string {
	t.Helper()
	plan, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant = invoker.Buggy
	var sch bytes.Buffer
	o := faults.Options{Seed: 1, Node: cfg, Plan: plan, Workload: faults.DefaultWorkload(), Record: &sch}
	if _, err := faults.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return sch.String()
}

// replayText parses and replays a schedule, returning the first error.
func replayText(text string) error {
	s, err := faults.ParseSchedule("test.schedule", []byte(text))
	if err != nil {
		return err
	}
	_, err = faults.Run(context.Background(), faults.ReplayOptions(s))
	return err
}

// replaceNth replaces the n-th line (from 1) that starts with prefix.
func replaceNth(text, prefix string, n int, with string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			if n--; n == 0 {
				lines[i] = with
				break
			}
		}
	}
	return strings.Join(lines, "\n")
}

func TestBadSchedulesAreRefusedWithOneLine(t *testing.T) {
	good := recordedReference(t)
	if err := replayText(good); err != nil {
		t.Fatalf("the recorded schedule does not replay: %v", err)
	}
	lines := strings.Split(strings.TrimSuffix(good, "\n"), "\n")
	// The end line with the events it recorded kept and another hash: only
	// the hash tells the runs apart.
	var events uint64
	var hash string
	if _, err := fmt.Sscanf(lines[len(lines)-1], "end events=%d sha256=%s", &events, &hash); err != nil || len(hash) != 64 {
		t.Fatalf("the last line %q is no end line: %v", lines[len(lines)-1], err)
	}
	otherHash := strings.Repeat("0", 64)
	anotherHash := fmt.Sprintf("end events=%d sha256=%s", events, otherHash)
	hashDiffers := fmt.Sprintf("logged %d events hashing to %s, the schedule recorded %d hashing to %s", events, hash, events, otherHash)
	for _, tc := range []struct {
		name, text string
		// want is in the message; step says whether the simulator's step
		// must be named (a misfit found by replaying).
		want string
		step bool
	}{
		{"empty", "", "schedule test.schedule: empty", false},
		{"only comments", "# nothing\n", "empty", false},
		{"not a schedule", "leader p=0 epoch=1\n", "not a schedule", false},
		{"another version", strings.Replace(good, "version=1", "version=2", 1), "version 2", false},
		{"no options", lines[0] + "\n" + lines[1] + "\n", "options", false},
		{"truncated", strings.Join(lines[:len(lines)/2], "\n"), "truncated", false},
		{"cut in a pick", good[:strings.Index(good, "\npick ")+len("\npick ")], "truncated", false},
		{"corrupt line", replaceNth(good, "pick", 3, "pick invoker=zero arm=input"), "want a whole number", false},
		{"unknown entry", replaceNth(good, "pick", 3, "jump to=1s"), "unknown entry", false},
		{"entry after the end", good + "pick deliver\n", "after the end", false},
		{"bad option", strings.Replace(good, "quota=8", "quota=-1", 1), "quota", false},
		{"no progress bound", strings.Replace(good, "bound-progress=5m0s", "bound-progress=0s", 1), "bound-progress=0s", false},
		{"unknown vqueues", strings.Replace(good, "quota=8", "quota=8 vqueues=maybe", 1), `unknown vqueues "maybe"`, false},
		{"vqueues with a memory pool", strings.Replace(good, "quota=8", "quota=8 vqueues=on memory-limit=2", 1), "vqueues on", false},
		{"a yield threshold without vqueues", strings.Replace(good, "quota=8", "quota=8 yield-threshold=2s", 1), "give vqueues too", false},
		{"a confirmed bound no longer", strings.Replace(good, "bound-progress=5m0s", "bound-progress=5m0s bound-progress-confirmed=1m", 1), "bound-progress-confirmed=1m0s: want one longer than bound-progress=5m0s, up to 24h0m0s", false},
		{"a confirmed bound past the limit", strings.Replace(good, "bound-progress=5m0s", "bound-progress=5m0s bound-progress-confirmed=25h", 1), "bound-progress-confirmed=25h: at most 24h0m0s", false},
		{"a confirmed bound of no bound", strings.Replace(good, "bound-progress=5m0s", "bound-progress-confirmed=1h", 1), "bound-progress-confirmed=1h0m0s: only with bound-progress", false},
		{"a confirmed bound not a duration", strings.Replace(good, "bound-progress=5m0s", "bound-progress=5m0s bound-progress-confirmed=soon", 1), "bound-progress-confirmed", false},
		{"an unknown invariant", strings.Replace(good, "max-picks=", "invariants=no-panic,liveness max-picks=", 1), `"liveness" is not an invariant`, false},
		{"unknown retry timers", strings.Replace(good, "max-picks=", "retry-timers=fenced max-picks=", 1), `unknown retry-timers "fenced"`, false},
		{"unknown in-tmp-dir", strings.Replace(good, "max-picks=", "shared-tmp-dir=true in-tmp-dir=own max-picks=", 1), `unknown in-tmp-dir "own"`, false},
		{"a subdirectory of no tmp-dir", strings.Replace(good, "max-picks=", "in-tmp-dir=subdir max-picks=", 1), "in-tmp-dir=subdir: only with shared-tmp-dir=true", false},
		{"an unknown throttle unit", strings.Replace(good, "max-picks=", "throttle=10/day max-picks=", 1), `throttle "10/day": unknown unit "day"`, false},
		{"a burst without a rate", strings.Replace(good, "max-picks=", "throttle-burst=3 max-picks=", 1), "a throttle burst needs a throttle rate", false},
		{"a negative memory pool", strings.Replace(good, "max-picks=", "memory-limit=-2 max-picks=", 1), "memory-limit=-2: want a whole number", false},
		{"a memory pool too big", strings.Replace(good, "max-picks=", "memory-limit=2000000 max-picks=", 1), "memory-limit must be between 0 (unlimited) and 1000000 leases, got 2000000", false},
		{"a memory pool not a number", strings.Replace(good, "max-picks=", "memory-limit=lots max-picks=", 1), "memory-limit=lots: want a whole number", false},
		{"too many pauses", strings.Replace(good, "max-picks=", "pauses=65 max-picks=", 1), "pauses must be between 0 and the number of invocations, got 65", false},
		{"too many retry-nows", strings.Replace(good, "max-picks=", "retry-nows=65 max-picks=", 1), "retry-nows must be between 0 and the number of invocations, got 65", false},
		{"pauses not a number", strings.Replace(good, "max-picks=", "pauses=some max-picks=", 1), "pauses=some: want a whole number", false},
		{"a pause of nobody", replaceNth(good, "pick", 2, "control pause p=0"), "control needs inv=", false},
		{"a plan name that breaks the line", strings.Replace(good, "plan=shutdown-race", "plan=shutdown%0Arace", 1), `plan="shutdown\nrace": want printable text`, false},
		{"a scheduler name with a tab", strings.Replace(good, "scheduler=random", "scheduler=ran%09dom", 1), `scheduler="ran\tdom": want printable text`, false},
		{"a choice that is not ready", replaceNth(good, "pick", 1, "pick invoker=0 arm=shutdown"), "not ready", true},
		{"a missing decision", replaceNth(good, "pick", 5, ""), "is not ready", true},
		{"a missing task", replaceNth(good, "task", 1, ""), "the run wants the outputs of task", true},
		{"another time", replaceNth(good, "advance", 2, "advance to=1h"), "advances to 1h0m0s", true},
		{"another hash", replaceNth(good, "end", 1, anotherHash), hashDiffers, true},
		{"a control that does not fit", replaceNth(good, "pick", 2, "control step-down p=9"), "no partition 9", true},
		// An internal error, exit 3, before.
		{"a budget shorter than its picks", regexp.MustCompile(`max-picks=\d+`).ReplaceAllString(good, "max-picks=10"), "the run wants pick 11, past the schedule's max-picks=10", true},
		// The first of two values was taken, the second never read.
		{"an option given twice", strings.Replace(good, "max-picks=", "variant=fixed max-picks=", 1), "variant= given twice", false},
		{"a key given twice", replaceNth(good, "task", 1, lines[slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "task ") })]+" id=7"), "id= given twice", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := replayText(tc.text)
			var se *faults.ScheduleError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a schedule error", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q: want one line that mentions %q", msg, tc.want)
			}
			if tc.step && (se.Step == 0 || !strings.Contains(msg, "(step ")) {
				t.Fatalf("error %q names no step", msg)
			}
		})
	}
}

// A schedule of another model revision still replays, and where it does
// not fit, the error says the model changed since; a schedule of this
// revision that does not fit says nothing of the kind.
func TestMisfitNamesAnotherModelRevision(t *testing.T) {
	good := recordedReference(t)
	header := fmt.Sprintf("lab-schedule version=1 model=%d\n", faults.ModelRevision)
	if !strings.Contains(good, header) {
		t.Fatalf("the schedule does not start with %q", header)
	}
	older := strings.Replace(good, header, "lab-schedule version=1\n", 1)
	if err := replayText(older); err != nil {
		t.Fatalf("a schedule of revision 1 that fits does not replay: %v", err)
	}
	misfit := replaceNth(good, "pick", 1, "pick invoker=0 arm=shutdown")
	if err := replayText(misfit); err == nil || strings.Contains(err.Error(), "model revision") {
		t.Fatalf("a misfit of this revision: %v", err)
	}
	err := replayText(strings.Replace(misfit, header, "lab-schedule version=1\n", 1))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("recorded by model revision 1; this lab's is %d", faults.ModelRevision)) {
		t.Fatalf("a misfit of revision 1: %v", err)
	}
	if err := replayText(strings.Replace(good, header, "lab-schedule version=1 model=0\n", 1)); err == nil || !strings.Contains(err.Error(), "model=0") {
		t.Fatalf("model=0: %v", err)
	}
}

// A schedule recorded before the pick budget had its name says
// max-decisions; it still replays.
func TestOldBudgetNameReplays(t *testing.T) {
	good := recordedReference(t)
	old := strings.Replace(good, " max-picks=", " max-decisions=", 1)
	if old == good {
		t.Fatal("the schedule names no max-picks")
	}
	if err := replayText(old); err != nil {
		t.Fatalf("a schedule with max-decisions does not replay: %v", err)
	}
	if err := replayText(strings.Replace(good, " max-picks=", " max-steps=", 1)); err == nil || !strings.Contains(err.Error(), "max-picks") {
		t.Fatalf("a schedule with no budget: got %v, want an error naming max-picks", err)
	}
}

func FuzzParseSchedule(f *testing.F) {
	plan, _ := faults.LoadPlan("chaos")
	w := faults.DefaultWorkload()
	w.Invocations = 6
	o := faults.Options{Seed: 3, Node: invoker.DefaultConfig(), Plan: plan, Workload: w, MaxPicks: 20_000}
	// seed records o's run into the corpus, its header saying each of says.
	seed := func(says ...string) {
		var sch bytes.Buffer
		o.Record = &sch
		if _, err := faults.Run(context.Background(), o); err != nil {
			f.Fatal(err)
		}
		for _, s := range says {
			if !strings.Contains(sch.String(), s) {
				f.Fatalf("the schedule does not record %q:\n%.600s", s, sch.String())
			}
		}
		f.Add(sch.Bytes())
	}
	seed()
	// And one with what only some headers say: task panics, a hunt.
	o.Node.OnPanic, o.Workload.Tasks.Panic, o.Workload.Shutdown = invoker.PanicUnwinds, 0.3, false
	o.StopAtViolation, o.Invariants = true, []string{faults.CrashVisibility}
	seed(" task-panics=0.3", " invariants=crash-visibility")
	// And unkeyed retry timers with pauses (restatedev/restate#4064).
	o.Node.RetryTimers, o.Workload.Pauses, o.Workload.RetryNows, o.Invariants = invoker.RetryTimersUnkeyed, 3, 2, []string{faults.TimerFencing}
	seed(" retry-timers=unkeyed pauses=3 retry-nows=2")
	// And a term's, spilling into one shared tmp-dir that each term's end
	// removes, stepping down twice; the same, a subdirectory each; and
	// that, throttled.
	o.Node.Variant, o.Node.SharedTmpDir, o.Workload.StepDowns, o.Invariants = invoker.Term, true, 2, nil
	o.Node.SpillDirs = invoker.SpillDirsRemoved
	seed(" variant=term ", " shared-tmp-dir=true", " spill-dirs=removed")
	o.Node.InTmpDir = invoker.InTmpDirSubdir
	seed(" spill-dirs=removed in-tmp-dir=subdir")
	o.Node.Throttle = invoker.Throttle{Rate: 30, Per: time.Second, Burst: 2}
	seed(" throttle=30/s throttle-burst=2")
	o.Node.MemoryLimit = 5
	seed(" memory-limit=5")
	o.Workload.Hungry = 3
	seed(" memory-hungry=3")
	// And a node whose invocations come through vqueues, releasing slots
	// they never took (#4520): no pool, no throttle beside them.
	o.Node.MemoryLimit, o.Node.Throttle, o.Workload.Hungry = 0, invoker.Throttle{}, 0
	o.Node.VQueues, o.Node.YieldThreshold = invoker.VQueuesUnguarded, 50*time.Millisecond
	seed(" vqueues=unguarded yield-threshold=50ms")
	o.Node.YieldThreshold = 0
	o.Node.VQueues = invoker.VQueuesOff
	// And a shrunk progress violation's: a shortened bound, confirmed.
	o.Bounds = faults.Bounds{Shutdown: 5 * time.Second, Crash: time.Second, Progress: 20 * time.Millisecond, ProgressConfirmed: 5 * time.Minute}
	seed(" bound-progress=20ms bound-progress-confirmed=5m0s")
	f.Add([]byte("lab-schedule version=1\noptions seed=1\nend events=0 sha256=x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := faults.ParseSchedule("fuzz", data)
		if err != nil {
			var se *faults.ScheduleError
			if !errors.As(err, &se) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("not a one-line schedule error: %v", err)
			}
			return
		}
		if s.Header.Workload.Invocations > 200 || s.Header.Node.Partitions > 16 || s.Header.MaxPicks > 100_000 {
			return // too big to replay in a fuzz iteration
		}
		_, err = faults.Run(context.Background(), faults.ReplayOptions(s))
		var se *faults.ScheduleError
		if err != nil && !errors.As(err, &se) && !errors.Is(err, faults.ErrBudget) {
			t.Fatalf("replaying a parsed schedule failed with %v", err)
		}
	})
}

// SeededOptions, from a schedule's header alone (with its plan loaded and
// a strategy of its seed), runs the very run the schedule recorded: over
// swarm shapes of every variant (half of them with unkeyed timers and
// pauses, a third with spill directories removed, a fifth spilling into
// a subdirectory each of a tmp-dir, if they have one, a quarter
// throttled, a third with a memory pool, and some of the rest through
// vqueues), the same hash. lab
// compare FILE relies on it to rerun a recorded run from its seed.
func TestSeededOptionsRerunTheRecordedRun(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		for _, v := range invoker.Variants() {
			cfg, w, planName := faults.SwarmShape(seed, v)
			cfg.Store = invoker.MemStores()
			if seed%2 == 0 { // and what the swarm does not draw: #4064's timers and pauses
				cfg.RetryTimers, w.Pauses, w.RetryNows = invoker.RetryTimersUnkeyed, min(w.Invocations, 4), min(w.Invocations, 3)
			}
			if seed%3 == 0 { // and spill directories removed
				cfg.SpillDirs = invoker.SpillDirsRemoved
			}
			if seed%5 == 0 { // and a subdirectory each, where it draws one tmp-dir
				cfg.InTmpDir = invoker.InTmpDirSubdir
			}
			if seed%4 == 1 { // and a throttle
				cfg.Throttle = invoker.Throttle{Rate: 40, Per: time.Second, Burst: int(seed % 3)}
			}
			if seed%3 == 2 { // and a memory pool
				cfg.MemoryLimit = int(1 + seed%7)
			}
			if seed%7 < 2 && cfg.MemoryLimit == 0 && !cfg.Throttle.On() { // and vqueues, guarded or not
				cfg.VQueues = []invoker.VQueues{invoker.VQueuesOn, invoker.VQueuesUnguarded}[seed%7]
				cfg.YieldThreshold = time.Duration(seed%7) * 50 * time.Millisecond
			}
			plan, err := faults.LoadPlan(planName)
			if err != nil {
				t.Fatal(err)
			}
			var sch bytes.Buffer
			recorded, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: plan, Workload: w, Record: &sch})
			if err != nil {
				t.Fatal(err)
			}
			s, err := faults.ParseSchedule("swarm.schedule", sch.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			o := faults.SeededOptions(s.Header)
			o.Node.Store = invoker.MemStores()
			if o.Plan, err = faults.LoadPlan(s.Header.Plan); err != nil {
				t.Fatal(err)
			}
			if o.Strategy, err = faults.NewStrategy(s.Header.Strategy, s.Header.Seed); err != nil {
				t.Fatal(err)
			}
			again, err := faults.Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if again.Hash != recorded.Hash {
				t.Errorf("seed %d %s (%s): rerun from the header hashes %s, the recorded run %s", seed, v, planName, again.Hash, recorded.Hash)
			}
		}
	}
}

// What a seed's schedule sends adds up to the workload its header says
// the seed drew, over the swarm's shapes in every variant; a replay with
// fewer sends (as shrinking leaves them) reports what it sent, and what
// its seed draws.
func TestSentIsTheSeedsWorkload(t *testing.T) {
	for seed := uint64(1); seed <= 100; seed++ {
		for _, v := range invoker.Variants() {
			node, w, plan := faults.SwarmShape(seed, v)
			p, err := faults.LoadPlan(plan)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if _, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: node, Plan: p, Workload: w, Record: &buf}); err != nil {
				t.Fatal(err)
			}
			s, err := faults.ParseSchedule("recorded", buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Sent(); got != s.Header.Workload {
				t.Errorf("seed %d, %s: sends add up to %+v, the header says %+v", seed, v, got, s.Header.Workload)
			}
		}
	}
	s, err := faults.ParseSchedule("recorded", []byte(recordedReference(t)))
	if err != nil {
		t.Fatal(err)
	}
	// The first two submits and the mid-run step-down left out.
	fewer := &faults.Schedule{Header: s.Header}
	submits, stepDowns := 0, 0
	for _, e := range s.Entries {
		if e.Op == faults.OpSend && e.Msg.Kind == invoker.MsgSubmit {
			if submits++; submits <= 2 {
				continue
			}
		}
		if e.Op == faults.OpSend && e.Msg.Kind == invoker.MsgStepDown {
			if stepDowns++; stepDowns == 1 {
				continue
			}
		}
		fewer.Entries = append(fewer.Entries, e)
	}
	o := faults.ReplayOptions(fewer)
	o.Lenient = true
	var info faults.RunInfo
	o.Observers = []faults.Observer{startFunc(func(i faults.RunInfo) { info = i })}
	r, err := faults.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	want := s.Header.Workload
	want.Invocations, want.StepDowns = want.Invocations-2, want.StepDowns-1
	if r.Sent != want || r.Workload != s.Header.Workload || info.Workload != want {
		t.Errorf("replayed: sent %+v, workload %+v, observers told %+v; want %+v sent", r.Sent, r.Workload, info.Workload, want)
	}
	var text bytes.Buffer
	if err := faults.WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"workload  62 invocations over 200ms, 0 step-downs, 0 kills\n",
		"          as replayed; its seed draws 64 invocations over 200ms, 1 step-down, 0 kills\n",
	} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("the report does not say %q:\n%.400s", line, text.String())
		}
	}
}

// startFunc is an observer of a run's start.
type startFunc func(faults.RunInfo)

func (f startFunc) OnStart(i faults.RunInfo) { f(i) }
