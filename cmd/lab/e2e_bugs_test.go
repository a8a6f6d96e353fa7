package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lab/faults"
)

// lab bugs lists every bug of the catalogue with the invariant it breaks,
// in text and in JSON, where each names the lab run command that shows it.
func TestBugsList(t *testing.T) {
	t.Parallel()
	r := lab(t, "bugs")
	wantCode(t, r, 0)
	for _, b := range bugs {
		if !strings.Contains(r.stdout, b.id+" ") || !strings.Contains(r.stdout, b.invariant+" ") || !strings.Contains(r.stdout, b.title) {
			t.Errorf("the list does not show %s (%s, %q):\n%v", b.id, b.invariant, b.title, r)
		}
	}
	r = lab(t, "bugs", "--format", "json")
	wantCode(t, r, 0)
	var list []struct{ ID, Invariant, Run, Story string }
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatalf("the JSON list does not decode: %v\n%v", err, r)
	}
	if len(list) != len(bugs) || list[0].ID != "2543" || list[0].Run != fmt.Sprintf("lab run --seed %d --plan shutdown-race", faults.DefaultSeed) ||
		!strings.HasPrefix(list[0].Story, "An Invoke waits in the queue") {
		t.Errorf("the JSON list: %+v", list)
	}
}

// Every bug of the catalogue shows as it says: the run it names breaks its
// invariant the bug's way (#2543's assertion, not another panic), shrinks to fewer decisions that break it the same way, and
// the same run under its fix holds that invariant. Nothing is left on
// disk (labWithEnv checks TMPDIR).
func TestEveryBugShows(t *testing.T) {
	t.Parallel()
	for _, b := range bugs {
		t.Run(b.id, func(t *testing.T) {
			t.Parallel()
			run := lab(t, append([]string{"run"}, b.args...)...)
			wantCode(t, run, 1)
			if !strings.Contains(run.stdout, b.invariant) || !strings.Contains(reportLine(t, run, "  "+b.invariant), "VIOLATED") {
				t.Errorf("%s does not violate %s:\n%v", b.command(), b.invariant, run)
			}
			r := lab(t, "bugs", b.id, "--format", "json")
			wantCode(t, r, 0)
			var doc struct {
				Run, Invariant, Found string
				Shown                 bool
				Shrunk                struct {
					Invariant string
					Original  struct{ Decisions int }
					Shrunk    struct{ Decisions int }
				}
				Compared struct {
					Parted bool
					A, B   struct{ Violations []string }
				}
			}
			if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
				t.Fatalf("the JSON does not decode: %v\n%v", err, r)
			}
			if !doc.Shown || doc.Run != b.command() || doc.Shrunk.Invariant != b.invariant || !doc.Compared.Parted ||
				doc.Shrunk.Shrunk.Decisions >= doc.Shrunk.Original.Decisions || doc.Found != b.failure() {
				t.Errorf("lab bugs %s: %+v", b.id, doc)
			}
			if !breaks(doc.Compared.A.Violations, b.invariant) || breaks(doc.Compared.B.Violations, b.invariant) {
				t.Errorf("lab bugs %s: the shrunk run breaks %v, its fix %v", b.id, doc.Compared.A.Violations, doc.Compared.B.Violations)
			}
			// The fix breaks nothing else either, but for what it does not
			// fix: #4103's watch notices #2543's panic, it does not prevent
			// it, nor run what the dead invoker held on a node left running.
			for _, v := range doc.Compared.B.Violations {
				if b.id != "4102" || !(strings.HasPrefix(v, faults.NoPanic+" (assertion failed") ||
					v == faults.Progress+" ("+faults.CheckInvokerDead+")") {
					t.Errorf("lab bugs %s: its fix breaks %s", b.id, v)
				}
			}
		})
	}
}

func breaks(violations []string, invariant string) bool {
	for _, v := range violations {
		if v == invariant || strings.HasPrefix(v, invariant+" (") {
			return true
		}
	}
	return false
}

// lab bugs 4064 tells #4064's story: the run, its size before and after
// shrinking, and where the unkeyed timer's run parts from the keyed one's.
// The schedule it saves replays to the same violation.
func TestBugTellsItsStory(t *testing.T) {
	t.Parallel()
	saved := filepath.Join(t.TempDir(), "4064.schedule")
	r := lab(t, "bugs", "#4064", "--schedule-out", saved)
	wantCode(t, r, 0)
	// How far into its run the bug is found and how far that shrinks are
	// the model's to say: read them from the JSON and from the run itself.
	doc := lab(t, "bugs", "4064", "--format", "json")
	wantCode(t, doc, 0)
	var story struct {
		Run    string
		Shrunk struct {
			Original, Shrunk struct{ Decisions, Invocations, Partitions, Quota int }
		}
	}
	if err := json.Unmarshal([]byte(doc.stdout), &story); err != nil {
		t.Fatalf("lab bugs 4064 --format json: %v\n%v", err, doc)
	}
	run := lab(t, append(strings.Fields(strings.TrimPrefix(story.Run, "lab ")), "--format", "json")...)
	wantCode(t, run, 1)
	var found struct {
		Violations []struct {
			Invariant, Check string
			At               time.Duration `json:"at_ns"`
		}
	}
	if err := json.Unmarshal([]byte(run.stdout), &found); err != nil || len(found.Violations) == 0 {
		t.Fatalf("%s: %v\n%v", story.Run, err, run)
	}
	v, orig, shrunk := found.Violations[0], story.Shrunk.Original, story.Shrunk.Shrunk
	if v.Invariant != faults.TimerFencing || v.Check != "stale-timer-in-flight" {
		t.Fatalf("%s breaks %s (%s) first", story.Run, v.Invariant, v.Check)
	}
	// Shrunk to one invocation on one partition with one slot: the story.
	if shrunk.Invocations != 1 || shrunk.Partitions != 1 || shrunk.Quota != 1 || shrunk.Decisions >= orig.Decisions {
		t.Errorf("shrunk to %+v from %+v", shrunk, orig)
	}
	for _, want := range []string{
		"bug          4064: a retry timer left behind by a pause fires on the resumed invocation\n",
		"reported     restatedev/restate#4064",
		"story        An attempt fails and its state machine waits for a retry timer.\n             The user pauses",
		"run          lab run --seed 19 --variant fixed --plan none --pauses 8 --retry-timers unkeyed\n",
		fmt.Sprintf("found        timer-fencing (stale-timer-in-flight) at %v of virtual time, %d decisions into the run\n", v.At, orig.Decisions),
		fmt.Sprintf("shrunk       %d decisions:", shrunk.Decisions),
		fmt.Sprintf("1 invocation, 1 partition, quota 1 (%.1f%%), 1-minimal in ", 100*float64(shrunk.Decisions)/float64(orig.Decisions)),
		"saved        " + saved + "\n",
		"compared     retry-timers unkeyed against keyed: seed 19, fixed, plan none",
		"note         retry-timers keyed replays the shrunk run's decisions as far as they fit, then draws as a seeded run\n",
		"stale timer reached an attempt in flight", "stale timer: ignored",
		"unkeyed      VIOLATED timer-fencing (stale-timer-in-flight)", "keyed        every invariant held",
		"rerun        lab replay " + saved + "\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("lab bugs 4064 does not say %q:\n%v", want, r)
		}
	}
	replay := lab(t, "replay", saved)
	wantCode(t, replay, 1)
	if !strings.Contains(replay.stdout, "timer-fencing       VIOLATED") {
		t.Errorf("the saved schedule does not replay to the violation:\n%v", replay)
	}
}

// lab bugs --check shows every bug, a line each, in aligned columns: how
// far its run shrank (as lab bugs ID shrinks it: the sizes are read from
// there, not pinned, for a model revision changes them), its fix, and that
// it showed; the JSON says the same.
func TestBugsCheck(t *testing.T) {
	t.Parallel()
	r := lab(t, "bugs", "--check")
	wantCode(t, r, 0)
	rows := checkTable(t, r)
	if len(rows) != len(bugs) {
		t.Errorf("%d lines, the catalogue has %d bugs:\n%v", len(rows), len(bugs), r)
	}
	fixes := map[string]string{"2543": "fixed", "3217": "graceful", "4102": "on-panic watch", "4064": "retry-timers keyed",
		"4468": "paused-slots released", "4520": "vqueues on",
		"shared-tmp-dir": "in-tmp-dir subdir", "spill-files": "spill-dirs removed", "parked-send": "graceful",
		"term-spill-dirs": "spill-dirs removed", "term-tmp-dir": "in-tmp-dir subdir"}
	for _, b := range bugs {
		one := lab(t, "bugs", b.id, "--format", "json")
		wantCode(t, one, 0)
		var doc struct {
			Shrunk struct{ Original, Shrunk struct{ Decisions int } }
		}
		if err := json.Unmarshal([]byte(one.stdout), &doc); err != nil {
			t.Fatalf("lab bugs %s: %v\n%v", b.id, err, one)
		}
		want := []string{b.id, b.invariant, fmt.Sprintf("%d -> %d", doc.Shrunk.Original.Decisions, doc.Shrunk.Shrunk.Decisions),
			fixes[b.id], "shown, and its fix holds"}
		if got := rows[b.id]; !slices.Equal(got, want) {
			t.Errorf("lab bugs --check shows %q, want %q (lab bugs %s's shrink)", got, want, b.id)
		}
	}
	r = lab(t, "bugs", "--check", "--format", "json")
	wantCode(t, r, 0)
	var checked []struct {
		ID, Fix   string
		Shown     bool
		Decisions int
		Shrunk    int `json:"shrunk_decisions"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &checked); err != nil {
		t.Fatalf("%v\n%v", err, r)
	}
	if len(checked) != len(bugs) {
		t.Fatalf("%d bugs checked, the catalogue has %d", len(checked), len(bugs))
	}
	for _, c := range checked {
		if !c.Shown || c.Fix == "" || c.Shrunk == 0 || c.Shrunk >= c.Decisions {
			t.Errorf("checked: %+v", c)
		}
		if row := rows[c.ID]; len(row) != 5 || row[2] != fmt.Sprintf("%d -> %d", c.Decisions, c.Shrunk) || row[3] != c.Fix {
			t.Errorf("the JSON says %+v, the text %q", c, row)
		}
	}
}

// Bad input is refused before any run, on one line, with exit 2, and
// leaves no file behind.
func TestBugsBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"bugs", "9999"}, []string{`no such bug "9999"`, "2543, 3217, 4102, 4064, 4468, 4520, shared-tmp-dir, spill-files, parked-send, term-spill-dirs, term-tmp-dir"}},
		{[]string{"bugs", "2543", "4064"}, []string{"accepts at most 1 arg"}},
		{[]string{"bugs", "2543", "--format", "xml"}, []string{"--format xml"}},
		{[]string{"bugs", "2543", "--budget", "0s"}, []string{"--budget must be positive"}},
		{[]string{"bugs", "--schedule-out", filepath.Join(dir, "x")}, []string{"--schedule-out: only with an ID"}},
		{[]string{"bugs", "2543", "--schedule-out", "-"}, []string{"--schedule-out -"}},
		{[]string{"bugs", "2543", "--schedule-out", filepath.Join(dir, "no", "x")}, []string{"is not a directory"}},
		{[]string{"bugs", "2543", "--schedule-out", dir}, []string{"is a directory"}},
		{[]string{"bugs", "--check", "2543"}, []string{"--check shows every bug: give no ID"}},
		{[]string{"bugs", "--check", "--schedule-out", filepath.Join(dir, "x")}, []string{"--schedule-out: only with an ID"}},
		{[]string{"bugs", "--otlp"}, []string{"--otlp: only with an ID"}},
	} {
		r := lab(t, c.args...)
		wantUsageError(t, r, true, c.want...)
	}
	if left := dirEntries(t, dir); len(left) > 0 {
		t.Errorf("refused commands left %v", left)
	}
}

// checkTable reads lab bugs --check's table by its header's columns, a
// line's cells by its bug's ID. Each cell starts at its column, and ends
// two spaces or more before the next.
func checkTable(t *testing.T, r result) map[string][]string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	var cols []int
	for _, name := range []string{"ID", "BREAKS", "SHRUNK", "FIX", "VERDICT"} {
		i := strings.Index(lines[0], name)
		if i < 0 || len(cols) > 0 && i <= cols[len(cols)-1] {
			t.Fatalf("the header has no column %s after the others:\n%v", name, r)
		}
		cols = append(cols, i)
	}
	if cols[0] != 0 {
		t.Fatalf("the header does not start with ID:\n%v", r)
	}
	rows := map[string][]string{}
	for _, line := range lines[1:] {
		var cells []string
		for i, c := range cols {
			end := len(line)
			if i < len(cols)-1 {
				end = cols[i+1]
			}
			if len(line) < c || len(line) < end || i > 0 && line[c-1] != ' ' {
				t.Fatalf("%q is not in the header's columns:\n%v", line, r)
			}
			// An empty cell (a bug not shown has no fix) is all spaces.
			cell := strings.TrimRight(line[c:end], " ")
			if strings.HasPrefix(cell, " ") || i < len(cols)-1 && len(cell) > end-c-2 {
				t.Errorf("%q: %q is not in its column", line, cell)
			}
			cells = append(cells, cell)
		}
		rows[cells[0]] = cells
	}
	return rows
}
