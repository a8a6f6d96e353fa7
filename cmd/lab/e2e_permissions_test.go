//go:build linux

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// asUser runs the lab binary with args in dir as a user that is not root
// (permissions are not checked for root): nobody, when the test runs as
// root, and the test's own user otherwise. It says whether it switched,
// for a case that needs a file of another user.
type asUser struct {
	bin      string
	tmp      string
	switched bool
}

func newAsUser(t *testing.T) asUser {
	t.Helper()
	u := asUser{bin: labBin, tmp: t.TempDir(), switched: os.Geteuid() == 0}
	if u.switched {
		// Where nobody may run the binary and keep its temporary files:
		// not under the test's own temporary directory, which only root
		// may enter.
		base := u.sharedDir(t, "")
		u.bin, u.tmp = filepath.Join(base, "lab"), u.sharedDir(t, base)
		// A link, not a copy: a file open for writing while another test
		// forks is held open by the child until it execs, and executing
		// it then fails with "text file busy".
		if err := os.Link(labBin, u.bin); err != nil {
			data, err := os.ReadFile(labBin)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(u.bin, data, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return u
}

// sharedDir is a new directory under parent ("": the system's temporary
// directory) that every user may write, removed when the test ends.
func (asUser) sharedDir(t *testing.T, parent string) string {
	t.Helper()
	dir, err := os.MkdirTemp(parent, "lab-as-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// workDir is a directory for a test's files that the user may enter.
func (u asUser) workDir(t *testing.T) string {
	if u.switched {
		return u.sharedDir(t, filepath.Dir(u.bin))
	}
	return t.TempDir()
}

// mkdir makes directory path of mode, the sticky bit included, whatever
// the umask.
func mkdir(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func (u asUser) run(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(u.bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+u.tmp)
	if u.switched {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	for try := 0; errors.Is(err, syscall.ETXTBSY) && try < 50; try++ {
		// A copied binary (another file system) may still be open in a
		// child another test forked: wait for that child's exec.
		time.Sleep(20 * time.Millisecond)
		retry := exec.Command(cmd.Path, cmd.Args[1:]...)
		retry.Dir, retry.Env, retry.SysProcAttr = cmd.Dir, cmd.Env, cmd.SysProcAttr
		stdout.Reset()
		stderr.Reset()
		retry.Stdout, retry.Stderr = &stdout, &stderr
		err = retry.Run()
	}
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("lab %s: %v\n%v", strings.Join(args, " "), err, r)
	}
	noGoPanic(t, r)
	checkTmp(t, u.tmp)
	return r
}

// A file the user may write, in a directory they may not (or a sticky one,
// where another user's file cannot be renamed over): its new content is
// copied over it once whole. A refused or failed command leaves it as it
// was, and no temporary file is left, in TMPDIR or elsewhere.
func TestOutputsWhereRenameIsNotAllowed(t *testing.T) {
	t.Parallel()
	u := newAsUser(t)
	work := u.workDir(t)
	ro := filepath.Join(work, "ro")
	mkdir(t, ro, 0o755)
	events, schedule := filepath.Join(ro, "ev"), filepath.Join(ro, "s")
	for _, f := range []string{events, schedule} {
		keepFile(t, f)
		if err := os.Chmod(f, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o755) })

	// Refused before the run: both as they were.
	r := u.run(t, work, "run", "--events", events, "--schedule-out", filepath.Join(work, "nodir", "x"))
	wantCode(t, r, exitUsage)
	wantKept(t, "refused", events)
	// Written whole: the schedule replays, the log holds the run.
	r = u.run(t, work, "run", "--seed", "1", "--events", events, "--schedule-out", schedule, "--spill-dir", u.tmp)
	wantCode(t, r, exitViolation)
	if replay := lab(t, "replay", schedule); replay.code != exitViolation {
		t.Errorf("the schedule copied into a read-only directory does not replay:\n%v", replay)
	}
	if n := readEvents(t, events); n < 100 {
		t.Errorf("the event log copied into a read-only directory holds %d events", n)
	}
	wantEntries(t, "read-only directory", ro, "ev", "s")

	if !u.switched {
		t.Log("not root: the sticky directory's case needs a file of another user")
		return
	}
	// In a sticky directory, root's file, writable by all, which the user
	// nobody cannot rename anything over.
	sticky := filepath.Join(work, "sticky")
	mkdir(t, sticky, os.ModeSticky|0o777)
	schedule = filepath.Join(sticky, "s")
	keepFile(t, schedule)
	if err := os.Chmod(schedule, 0o666); err != nil {
		t.Fatal(err)
	}
	r = u.run(t, work, "run", "--seed", "1", "--schedule-out", schedule, "--spill-dir", u.tmp)
	wantCode(t, r, exitViolation)
	if replay := lab(t, "replay", schedule); replay.code != exitViolation {
		t.Errorf("the schedule copied over another user's file does not replay:\n%v", replay)
	}
	wantEntries(t, "sticky directory", sticky, "s")

	// The same file, root's and read-only to others: refused before the
	// run, not found unwritable after it.
	if err := os.Chmod(schedule, 0o644); err != nil {
		t.Fatal(err)
	}
	keepFile(t, schedule)
	r = u.run(t, work, "run", "--seed", "1", "--schedule-out", schedule, "--spill-dir", u.tmp)
	wantUsageError(t, r, true, "open "+schedule+": permission denied")
	wantKept(t, "another user's read-only file", schedule)

	// On a disk too small for the copy, the old file stays whole: the
	// room is taken before the file is written over.
	disk := filepath.Join(work, "disk")
	mkdir(t, disk, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Fatalf("mount a small tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", disk).Run() })
	full := filepath.Join(disk, "ro")
	mkdir(t, full, 0o755)
	schedule = filepath.Join(full, "s")
	keepFile(t, schedule)
	if err := os.Chown(schedule, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	r = u.run(t, work, "run", "--seed", "1", "--invocations", "2000", "--schedule-out", schedule, "--spill-dir", u.tmp)
	wantCode(t, r, 3)
	if r.stderr != "lab: --schedule-out: write "+schedule+": no space left on device\n" {
		t.Errorf("a full disk under the copy: stderr %q", r.stderr)
	}
	wantKept(t, "a full disk under the copy", schedule)
}

// A link reached through a linked directory is read as the kernel reads
// it: linkdir -> a/deep and a/deep/out -> ../target write a/target, not
// ./target, and an output given as either name is the same file.
func TestOutputThroughALinkedDirectory(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	for _, step := range []func() error{
		func() error { return os.MkdirAll(filepath.Join(work, "a", "deep"), 0o755) },
		func() error { return os.Symlink("../target", filepath.Join(work, "a", "deep", "out")) },
		func() error { return os.Symlink("a/deep", filepath.Join(work, "linkdir")) },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	keepFile(t, filepath.Join(work, "target"))
	r := labIn(t, work, nil, "run", "--seed", "1", "--schedule-out", "linkdir/out", "--spill-dir", spillDir(t))
	wantCode(t, r, exitViolation)
	wantKept(t, "the file beside the linked directory", filepath.Join(work, "target"))
	if replay := labIn(t, work, nil, "replay", "linkdir/out"); replay.code != exitViolation {
		t.Errorf("linkdir/out does not replay:\n%v", replay)
	}
	r = labIn(t, work, nil, "run", "--events", "linkdir/out", "--schedule-out", "a/target", "--spill-dir", spillDir(t))
	wantUsageError(t, r, true, "the same file as --events")
}

// lab explore --out where a failure's files cannot be put in place (a
// directory the user may not write; in a sticky one, another user's file
// in the way) leaves every file as it was, says which, and reports no
// shrinking it could not save.
func TestExploreOutWhereRenameIsNotAllowed(t *testing.T) {
	t.Parallel()
	u := newAsUser(t)
	work := u.workDir(t)
	ro := filepath.Join(work, "ro")
	mkdir(t, ro, 0o755)
	// report.json is opened before the first seed runs: one the user may
	// write, so that the run goes on to the failure's files.
	for _, name := range []string{"seed-1-no-panic.report.txt", "report.json"} {
		keepFile(t, filepath.Join(ro, name))
		if err := os.Chmod(filepath.Join(ro, name), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o755) })
	cases := []struct{ dir, blocked string }{{ro, "seed-1-no-panic"}}
	if u.switched {
		sticky := filepath.Join(work, "sticky")
		mkdir(t, sticky, os.ModeSticky|0o777)
		for _, name := range []string{"seed-1-no-panic.report.txt", "seed-1-no-panic.schedule", "report.json"} {
			keepFile(t, filepath.Join(sticky, name))
			if err := os.Chmod(filepath.Join(sticky, name), 0o666); err != nil {
				t.Fatal(err)
			}
		}
		cases = append(cases, struct{ dir, blocked string }{sticky, "seed-1-no-panic"})
	}
	isReport := func(name string) bool { return name == "report.json" }
	for _, c := range cases {
		before := slices.DeleteFunc(dirEntries(t, c.dir), isReport)
		r := u.run(t, work, "explore", "--plan", "late-cancel", "--seeds", "1", "--workers", "1", "--shrink-budget", "5s", "--out", c.dir)
		wantCode(t, r, 3)
		if !strings.HasPrefix(r.stderr, "lab: --out: seed 1: ") || !strings.Contains(r.stderr, filepath.Join(c.dir, c.blocked)) ||
			strings.Contains(r.stderr, "internal error") || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("%s: stderr:\n%v", c.dir, r)
		}
		if strings.Contains(r.stdout, "1-minimal") {
			t.Errorf("%s: the report claims a shrinking it did not save:\n%s", c.dir, r.stdout)
		}
		after := slices.DeleteFunc(dirEntries(t, c.dir), isReport)
		if !slices.Equal(after, before) {
			t.Errorf("%s: holds %v, want %v (and report.json where it may be written)", c.dir, after, before)
		}
		for _, name := range before {
			wantKept(t, c.dir, filepath.Join(c.dir, name))
		}
	}
	for _, c := range cases {
		if got, err := os.ReadFile(filepath.Join(c.dir, "report.json")); err != nil || !strings.HasPrefix(string(got), "{") {
			t.Errorf("%s: report.json is %.60q (%v), want the exploration's report", c.dir, got, err)
		}
	}
	// Where report.json cannot be created, the exploration is refused
	// before the first seed runs, as lab run refuses such an output.
	empty := filepath.Join(work, "ro-empty")
	if err := os.Mkdir(empty, 0o555); err != nil {
		t.Fatal(err)
	}
	r := u.run(t, work, "explore", "--plan", "late-cancel", "--seeds", "1", "--workers", "1", "--shrink-budget", "0", "--out", empty)
	wantUsageError(t, r, true, "lab: --out: open "+filepath.Join(empty, "report.json")+": permission denied")
	wantEntries(t, "a refused exploration", empty)
}

// A file its user may write but not read (mode 0200) is written whole and
// keeps its mode, whether renamed over (in the user's own directory) or
// copied over (in a directory they may not write).
func TestWriteOnlyOutputs(t *testing.T) {
	t.Parallel()
	u := newAsUser(t)
	work := u.workDir(t)
	own := filepath.Join(work, "own")
	mkdir(t, own, 0o755)
	ro := filepath.Join(work, "ro")
	mkdir(t, ro, 0o755)
	for _, dir := range []string{own, ro} {
		schedule := filepath.Join(dir, "w.schedule")
		keepFile(t, schedule)
		if u.switched {
			for _, p := range []string{schedule, own} {
				if err := os.Chown(p, 65534, 65534); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := os.Chmod(schedule, 0o200); err != nil {
			t.Fatal(err)
		}
		if !u.switched && dir == ro {
			if err := os.Chmod(ro, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(ro, 0o755) })
		}
		r := u.run(t, work, "run", "--seed", "1", "--schedule-out", schedule, "--spill-dir", u.tmp)
		wantCode(t, r, exitViolation)
		info, err := os.Stat(schedule)
		if err != nil || info.Mode().Perm() != 0o200 {
			t.Errorf("%s: mode %v (%v), want 0200", schedule, info.Mode(), err)
		}
		if err := os.Chmod(schedule, 0o600); err != nil {
			t.Fatal(err)
		}
		if replay := lab(t, "replay", schedule); replay.code != exitViolation {
			t.Errorf("%s does not replay:\n%v", schedule, replay)
		}
		wantEntries(t, dir, dir, "w.schedule")
	}
}
