//go:build linux

package main

// Output files that were there before a command: a refused, interrupted or
// failed command leaves them as they were, a pipe stays a pipe and a link
// a link, and nothing is left beside them.

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"lab/faults"
)

const precious = "precious\n"

// keepFile writes a file the user had before the command.
func keepFile(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(precious), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wantKept fails the test unless path is as keepFile wrote it.
func wantKept(t *testing.T, what, path string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != precious {
		t.Errorf("%s: %s is %.60q (%v), want it as it was", what, filepath.Base(path), got, err)
	}
}

// wantEntries fails the test unless dir holds exactly names.
func wantEntries(t *testing.T, what, dir string, names ...string) {
	t.Helper()
	if got := dirEntries(t, dir); strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("%s: %s holds %v, want %v", what, dir, got, names)
	}
}

// A usage error found at a later output deleted or emptied an earlier
// one: the trace file was deleted, the event log truncated. A refused
// command leaves every file as it was.
func TestRefusedCommandLeavesOutputs(t *testing.T) {
	t.Parallel()
	schedDir := t.TempDir()
	schedule := filepath.Join(schedDir, "s.schedule")
	if r := lab(t, "run", "--seed", "1", "--schedule-out", schedule, "--spill-dir", spillDir(t)); r.code != exitViolation {
		t.Fatalf("recording a schedule: %v", r)
	}
	// A schedule that does not fit at a step: bad input found mid-run, a
	// failed run, which writes no schedule.
	text, err := os.ReadFile(schedule)
	if err != nil {
		t.Fatal(err)
	}
	firstPick := strings.Index(string(text), "\npick ")
	if firstPick < 0 {
		t.Fatalf("%s has no pick", schedule)
	}
	misfit := writeFile(t, schedDir, "misfit.schedule", string(text[:firstPick])+"\npick invoker=0 arm=shutdown\n"+string(text[firstPick+1:]))
	for _, tc := range []struct {
		name string
		args func(keep, nodir string) []string
	}{
		{"replay: a schedule that does not fit at a step", func(keep, nodir string) []string {
			return []string{"replay", misfit, "--schedule-out", keep}
		}},
		{"run: trace, then events in no directory", func(keep, nodir string) []string {
			return []string{"run", "--trace-out", keep, "--events", nodir + "/x.jsonl"}
		}},
		{"replay: trace, then events in no directory", func(keep, nodir string) []string {
			return []string{"replay", schedule, "--trace-out", keep, "--events", nodir + "/x.jsonl"}
		}},
		{"run: trace, then schedule in no directory", func(keep, nodir string) []string {
			return []string{"run", "--trace-out", keep, "--schedule-out", nodir + "/x"}
		}},
		{"run: events, then schedule in no directory", func(keep, nodir string) []string {
			return []string{"run", "--events", keep, "--schedule-out", nodir + "/x.schedule"}
		}},
		{"run: events, then a schedule that is a directory", func(keep, nodir string) []string {
			return []string{"run", "--events", keep, "--schedule-out", filepath.Dir(keep)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			keep := filepath.Join(dir, "keep.txt")
			keepFile(t, keep)
			keepFile(t, keep+".trace")
			args := append(tc.args(keep, filepath.Join(dir, "nodir")), "--spill-dir", spillDir(t))
			r := lab(t, args...)
			wantCode(t, r, exitUsage)
			wantKept(t, "a refused command", keep)
			wantKept(t, "a refused command", keep+".trace")
			wantEntries(t, "a refused command", dir, "keep.txt", "keep.txt.trace")
		})
	}
}

// Ctrl-C in a run cut an existing --schedule-out file mid-line (12 KB of a
// schedule with no end) while a new one was removed. Both are left as they
// were: the old file, or no file; the event log of whole lines replaces
// the old one, as an interrupted run keeps it.
func TestInterruptedRunLeavesTheOldSchedule(t *testing.T) {
	t.Parallel()
	for _, existing := range []bool{true, false} {
		dir := t.TempDir()
		sched, events := filepath.Join(dir, "keep.schedule"), filepath.Join(dir, "ev.jsonl")
		if existing {
			keepFile(t, sched)
		}
		keepFile(t, events)
		var stderr strings.Builder
		p := startLab(t, io.Discard, &stderr, nil, "run", "--pace", "0.1x", "--schedule-out", sched,
			"--events", events, "--spill-dir", spillDir(t))
		// The schedule is written beside its file until the run ends, the
		// event log in place as it grows: the signal comes once it has
		// (64 KB buffered first).
		deadline := time.Now().Add(cmdTimeout)
		for {
			sched, _ := filepath.Glob(filepath.Join(dir, ".keep.schedule.*.tmp"))
			if len(sched) == 1 && fileSize(events) > int64(len(precious)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no schedule written beside %s within %v: %v; stderr:\n%s", sched, cmdTimeout, dirEntries(t, dir), stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		if code := p.wait(t); code != exitInterrupt {
			t.Fatalf("exit %d after SIGINT, want %d; stderr:\n%s", code, exitInterrupt, stderr.String())
		}
		if existing {
			wantKept(t, "an interrupted run", sched)
			wantEntries(t, "an interrupted run", dir, "ev.jsonl", "keep.schedule")
		} else {
			wantEntries(t, "an interrupted run", dir, "ev.jsonl")
		}
		if n := wholeLines(t, events); n == 0 {
			t.Errorf("the interrupted run's event log is empty")
		}
		checkTmp(t, p.tmp)
	}
}

// A run that finds its violation replaces the old files whole, through a
// symbolic link (which stays a link) and keeping the old file's mode.
func TestRunReplacesOutputsWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	target, link := filepath.Join(real, "s.schedule"), filepath.Join(dir, "link.schedule")
	keepFile(t, target)
	if err := os.Chmod(target, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real/s.schedule", link); err != nil {
		t.Fatal(err)
	}
	trace := filepath.Join(dir, "trace.json")
	keepFile(t, trace)
	r := lab(t, "run", "--seed", "1", "--schedule-out", link, "--trace-out", trace, "--spill-dir", spillDir(t))
	wantCode(t, r, exitViolation)
	if info, err := os.Lstat(link); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("--schedule-out's link is no longer a link: %v (%v)", info.Mode(), err)
	}
	data, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := faults.ParseSchedule(target, data); err != nil {
		t.Errorf("the link's target is not the schedule: %v", err)
	}
	if info, _ := os.Stat(target); info.Mode().Perm() != 0o600 {
		t.Errorf("the replaced schedule's mode is %v, want the old one's, -rw-------", info.Mode())
	}
	if got, _ := os.ReadFile(trace); !strings.HasPrefix(string(got), `{"resourceSpans"`) {
		t.Errorf("the trace file is %.60q, want the run's trace", got)
	}
	wantEntries(t, "a run", dir, "link.schedule", "real", "trace.json")
	wantEntries(t, "a run", real, "s.schedule")
}

// quitTUI starts lab tui in dir with args, quits it at once and returns
// its exit code and what it printed.
func quitTUI(t *testing.T, dir, args string) (int, string) {
	t.Helper()
	tmp := t.TempDir()
	tm := newTmux(t, 100, 30, dir, []string{"TMPDIR=" + tmp}, labBin+" tui --seed 1 --paused "+args)
	tm.waitText(`PAUSED`)
	tm.keys("q")
	code := tm.exited()
	checkTmp(t, tmp)
	return code, tm.screen("-S", "-100")
}

// lab tui saved by renaming a .part file over --schedule-out: a named pipe
// (or /dev/null, as root, machine-wide) became a regular file, and a
// symbolic link a file of its own. Like lab run, it writes a pipe as a
// pipe, and through a link into the link's target.
func TestTUISavesIntoPipesAndLinks(t *testing.T) {
	t.Parallel()
	t.Run("named pipe", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		fifo := filepath.Join(work, "pipe")
		reader := namedPipe(t, fifo) // a reader from the start, so that the UI finds one
		got := make(chan []byte, 1)
		go func() {
			deadline := time.Now().Add(cmdTimeout)
			var data []byte
			buf := make([]byte, 64<<10)
			for time.Now().Before(deadline) {
				n, err := reader.Read(buf)
				data = append(data, buf[:n]...)
				if err == io.EOF && len(data) > 0 {
					break // the UI closed its end once it wrote
				}
				if n == 0 {
					time.Sleep(10 * time.Millisecond) // no writer yet, or nothing yet
				}
			}
			got <- data
		}()
		code, out := quitTUI(t, work, "--schedule-out "+fifo)
		if code != 0 {
			t.Fatalf("lab tui --schedule-out PIPE exited %d:\n%s", code, out)
		}
		data := <-got
		if _, err := faults.ParseSchedule("what the pipe's reader got", data); err != nil {
			t.Errorf("the pipe's reader got no whole schedule: %v\n%.200s", err, data)
		}
		if info, err := os.Lstat(fifo); err != nil || info.Mode()&fs.ModeNamedPipe == 0 {
			t.Errorf("--schedule-out's named pipe is no longer a pipe: %v (%v)", info.Mode(), err)
		}
		wantEntries(t, "a session saved into a pipe", work, "pipe")
		// lab replay reads files only: the report names no command that
		// fails, and says where the session went.
		if strings.Contains(out, "lab replay "+fifo) || !strings.Contains(out, "session sent to "+fifo) {
			t.Errorf("the report on quit of a session sent into a pipe:\n%s", out)
		}
	})
	t.Run("symbolic link", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		real := filepath.Join(work, "real")
		if err := os.Mkdir(real, 0o755); err != nil {
			t.Fatal(err)
		}
		keepFile(t, filepath.Join(real, "s.schedule"))
		link := filepath.Join(work, "link.schedule")
		if err := os.Symlink("real/s.schedule", link); err != nil {
			t.Fatal(err)
		}
		code, out := quitTUI(t, work, "--schedule-out "+link)
		if code != 0 {
			t.Fatalf("lab tui --schedule-out LINK exited %d:\n%s", code, out)
		}
		if info, err := os.Lstat(link); err != nil || info.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("--schedule-out's link is no longer a link: %v (%v)", info.Mode(), err)
		}
		r := lab(t, "replay", link)
		wantCode(t, r, exitViolation)
		wantEntries(t, "a session saved through a link", work, "link.schedule", "real")
		wantEntries(t, "a session saved through a link", real, "s.schedule")
	})
}

// The session's own files were not checked against the other outputs:
// --events named as the default session file was replaced by the
// schedule (exit 0). Under any name, the session's files and its
// checkpoint at a violation are refused as another output's (exit 2), and
// the file is left as it was.
func TestTUISessionFileIsNoOtherOutput(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ args, want string }{
		{"--events lab-session-seed1-buggy.schedule",
			"the session's schedule lab-session-seed1-buggy.schedule: the same file as --events"},
		{"--events ./lab-session-seed1-buggy-violation.schedule",
			"the session's schedule at its violation lab-session-seed1-buggy-violation.schedule: the same file as --events"},
		{"--trace-out lab-session-seed1-buggy.schedule",
			"the session's schedule lab-session-seed1-buggy.schedule: the same file as --trace-out"},
		{"--schedule-out s.schedule --trace-out s-violation.schedule",
			"the session's schedule at its violation s-violation.schedule: the same file as --trace-out"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			t.Parallel()
			work := t.TempDir()
			fields := strings.Fields(tc.args)
			keep := filepath.Join(work, fields[len(fields)-1])
			keepFile(t, keep)
			stderr := filepath.Join(t.TempDir(), "stderr")
			tm := newTmux(t, 100, 30, work, nil, labBin+" tui --seed 1 "+tc.args+" 2>"+stderr)
			code := tm.exited()
			got, _ := os.ReadFile(stderr)
			wantUsageError(t, result{code: code, stderr: string(got)}, false, tc.want)
			wantKept(t, "a refused session", keep)
			wantEntries(t, "a refused session", work, filepath.Base(keep))
		})
	}
	// Two outputs that share no file, though one is named as the other's
	// old .part file: both are whole.
	t.Run("an events file named as the old .part", func(t *testing.T) {
		t.Parallel()
		work := t.TempDir()
		code, out := quitTUI(t, work, "--schedule-out same2.x --events same2.x.part")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if r := lab(t, "replay", filepath.Join(work, "same2.x")); r.code != exitViolation {
			t.Errorf("the session's schedule does not replay: %v", r)
		}
		wholeLines(t, filepath.Join(work, "same2.x.part"))
		wantEntries(t, "a session", work, "same2.x", "same2.x.part")
	})
}

// Two outputs into one named pipe, one through a link, mixed both streams
// in it: they are one file, refused (exit 2). Two outputs discarded into
// /dev/null are no clash.
func TestTwoOutputsIntoOneNamedPipe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	reader := namedPipe(t, fifo)
	link := filepath.Join(dir, "lf")
	if err := os.Symlink("fifo", link); err != nil {
		t.Fatal(err)
	}
	r := lab(t, "run", "--events", link, "--schedule-out", fifo, "--spill-dir", spillDir(t))
	wantUsageError(t, r, true, "--schedule-out "+fifo+": the same file as --events")
	if n, _ := reader.Read(make([]byte, 1)); n != 0 {
		t.Errorf("a refused run wrote into the pipe")
	}
	r = lab(t, "run", "--variant", "fixed", "--events", "/dev/null", "--schedule-out", "/dev/null", "--spill-dir", spillDir(t))
	wantCode(t, r, 0)
	// lab replay reads files only: a schedule sent to a device gets no
	// replay line that would fail.
	if strings.Contains(r.stdout, "lab replay /dev/null") {
		t.Errorf("the report names lab replay of a device:\n%v", r)
	}
}

// A report.json lab explore --out cannot write was refused only at the
// end (exit 2), after the failures' files were written: a dangling link
// into no directory, a named pipe nobody reads, a link to itself. Like a
// directory there, they are refused before the first seed runs, and
// nothing is written.
func TestExploreReportFileRefusedFirst(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		make func(path string) error
		want string
	}{
		{"a dangling link into no directory", func(p string) error { return os.Symlink("nowhere/x", p) }, "report.json: no such file or directory"},
		{"a named pipe nobody reads", func(p string) error { return syscall.Mkfifo(p, 0o600) }, "report.json: a named pipe that nobody reads"},
		{"a link to itself", func(p string) error { return os.Symlink("report.json", p) }, "report.json: too many levels of symbolic links"},
		{"a directory", func(p string) error { return os.Mkdir(p, 0o755) }, "report.json is a directory, not a file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := t.TempDir()
			if err := tc.make(filepath.Join(out, "report.json")); err != nil {
				t.Fatal(err)
			}
			r := lab(t, "explore", "--seeds", "3", "--shrink-budget", "0", "--out", out)
			wantUsageError(t, r, true, "lab: --out: ", tc.want)
			wantEntries(t, "a refused exploration", out, "report.json")
		})
	}
}

// namedPipe makes a named pipe at path and opens its read end, not
// blocking, for the test to read or merely hold (so that the lab finds a
// reader however late the test's own reading starts); it is closed when
// the test ends.
func namedPipe(t *testing.T, path string) *os.File {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
