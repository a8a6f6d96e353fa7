package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lab/faults"
)

// A recorded run replays to the same events, byte for byte, and the report
// prints both ways to reproduce it.
func TestReplayReproducesTheRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sched := filepath.Join(dir, "my run.schedule")
	events := filepath.Join(dir, "run.jsonl")
	r := lab(t, "run", "--plan", "chaos", "--seed", "11", "--schedule-out", sched, "--events", events, "--spill-dir", spillDir(t))
	if r.code != 0 && r.code != 1 {
		t.Fatalf("run: %v", r)
	}
	if got := reportLine(t, r, "replay"); !strings.HasPrefix(got, "lab run --seed 11") {
		t.Errorf("first replay line is %q", got)
	}
	if !strings.Contains(r.stdout, "replay       lab replay '"+sched+"'\n") {
		t.Errorf("the report does not print the quoted schedule replay command:\n%v", r)
	}

	replayed := filepath.Join(dir, "replay.jsonl")
	p := lab(t, "replay", sched, "--events", replayed, "--spill-dir", spillDir(t))
	wantCode(t, p, r.code)
	if reportHash(t, p) != reportHash(t, r) || fileHash(t, replayed) != fileHash(t, events) {
		t.Fatalf("the replay's log differs from the run's:\n%v\n%v", r, p)
	}

	j := lab(t, "replay", sched, "--format", "json", "--spill-dir", spillDir(t))
	if rep := decodeOneJSON(t, j); rep.Hash != reportHash(t, r) {
		t.Fatalf("JSON replay hash %s, run %s", rep.Hash, reportHash(t, r))
	}
}

func TestReplayBadSchedules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.schedule")
	wantCode(t, lab(t, "run", "--schedule-out", good, "--spill-dir", spillDir(t)), 1)
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	firstPick := strings.Index(text, "\npick ")
	// Replaying takes about 25 times a schedule's size in memory.
	huge := filepath.Join(dir, "huge.schedule")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 64<<20+1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, want string }{
		{"missing", filepath.Join(dir, "nope.schedule"), "no such file"},
		{"a directory", dir, dir + ": is a directory, not a file"},
		{"a device", "/dev/zero", "/dev/zero: is a device, not a regular file"},
		{"empty", writeFile(t, dir, "empty", ""), "empty"},
		{"too large", huge, huge + ": larger than 64 MiB"},
		{"wrong version", writeFile(t, dir, "v9", strings.Replace(text, "version=1", "version=9", 1)), "version 9"},
		{"truncated", writeFile(t, dir, "half", text[:len(text)/2]), "truncated"},
		{"corrupt line", writeFile(t, dir, "corrupt", text[:firstPick]+"\npick invoker=x"+text[firstPick+5:]), "line"},
		{"not ready", writeFile(t, dir, "notready", text[:firstPick]+"\npick invoker=0 arm=shutdown\n"+text[firstPick+1:]), "(step "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := lab(t, "replay", tc.path, "--spill-dir", spillDir(t))
			// Every error names the file, a misfit found replaying too.
			wantUsageError(t, r, true, tc.want, tc.path)
		})
	}
	// An output over the schedule being replayed overwrote it.
	for _, flag := range []string{"--events", "--trace-out"} {
		r := lab(t, "replay", good, flag, good, "--spill-dir", spillDir(t))
		wantUsageError(t, r, true, flag+" "+good+": the same file as the schedule replayed")
		if now, err := os.ReadFile(good); err != nil || string(now) != text {
			t.Fatalf("replay %s %s changed the schedule (%v)", flag, good, err)
		}
	}
}

// A run that fails leaves no half-written schedule behind.
func TestScheduleOutRemovedOnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sched := filepath.Join(dir, "run.schedule")
	r := lab(t, "run", "--schedule-out", sched, "--events", "/dev/full", "--spill-dir", spillDir(t))
	wantCode(t, r, 3)
	if _, err := os.Stat(sched); !os.IsNotExist(err) {
		t.Fatalf("a schedule file was left after a failed run: %v", err)
	}
	if info, err := os.Stat("/dev/full"); err != nil || info.Mode().IsRegular() {
		t.Fatalf("/dev/full was removed or replaced: %v", err)
	}
}

// A schedule recorded by model revision 3 says so when it is replayed:
// one that fits this revision to its end (a shrunk #2543, which ends
// before any task ends or segment spills: the two things revision 4
// changed) in a note on stderr, after the report of the run it recorded;
// one that does not (a seed's whole run, whose first task end revision 4
// joins with a pick) in its one-line error, exit 2. lab compare's note
// names the revision too.
func TestReplayOfAnotherRevision(t *testing.T) {
	t.Parallel()
	fits, misfits := filepath.Join("testdata", "revision3-2543-shrunk.schedule"), filepath.Join("testdata", "revision3-plan-none.schedule")
	r := lab(t, "replay", fits, "--spill-dir", spillDir(t))
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, "no-panic            VIOLATED") || !strings.Contains(r.stdout, "sha256:e3b44e1ba4ad37163d895c59a774cd94783351ebcb388aa0b1c8bb1b630fddfc") ||
		r.stderr != fmt.Sprintf("lab: %s was recorded by model revision 3 (this lab's is %d); it fits this one: the replay logged the events and hash it recorded\n", fits, faults.ModelRevision) {
		t.Errorf("lab replay of revision 3's shrunk #2543:\n%v", r)
	}
	r = lab(t, "replay", misfits, "--spill-dir", spillDir(t))
	wantUsageError(t, r, true, misfits, "(step 63): the run wants a choice among invoker2 join, the schedule has `advance to=139.881502ms`",
		fmt.Sprintf("(recorded by model revision 3; this lab's is %d, whose runs differ: record it again)", faults.ModelRevision))
	r = lab(t, "compare", fits)
	wantCode(t, r, 1)
	if !strings.Contains(r.stdout, fmt.Sprintf("note         %s is not its seed's run (its seed's run parts from it at event #15: recorded by model revision 3, where this lab's is %d; perhaps shrunk or edited too)", fits, faults.ModelRevision)) {
		t.Errorf("lab compare of revision 3's shrunk #2543 does not name its revision:\n%v", r)
	}
}
