package faults_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"lab/faults"
)

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// onlyEntries fails the test unless dir holds exactly names.
func onlyEntries(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

// A regular file is replaced only by Commit, keeping its mode; Abort leaves
// it as it was; neither leaves a temporary file behind.
// preciousOutput opens an output over dir/name, a file that holds
// "precious\n" with mode.
func preciousOutput(t *testing.T, name string, mode os.FileMode) (dir, path string, o *faults.Output) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("precious\n"), mode); err != nil {
		t.Fatal(err)
	}
	o, err := faults.OpenOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	return dir, path, o
}

func TestOutputReplacesAFileWhole(t *testing.T) {
	dir, path, o := preciousOutput(t, "out.txt", 0o600)
	if o.Direct() {
		t.Fatal("a regular file is written in place")
	}
	if _, err := o.Write([]byte("half a li")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "precious\n" {
		t.Fatalf("while written, the file is %q", got)
	}
	o.Abort()
	if got := readString(t, path); got != "precious\n" {
		t.Fatalf("after Abort, the file is %q", got)
	}
	onlyEntries(t, dir, "out.txt")

	o, err := faults.OpenOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Write([]byte("whole\n")); err != nil {
		t.Fatal(err)
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "whole\n" {
		t.Fatalf("after Commit, the file is %q", got)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("the replaced file's mode is %v, want -rw-------", info.Mode())
	}
	onlyEntries(t, dir, "out.txt")

	// A new file: not there until Commit, gone with nothing left at Abort.
	fresh := filepath.Join(dir, "new.txt")
	o, err = faults.OpenOutput(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a new output is there before Commit: %v", err)
	}
	o.Abort()
	onlyEntries(t, dir, "out.txt")
}

// Write errors name the output, not its temporary file; a missing
// directory is os.Create's error.
func TestOutputErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	o, err := faults.OpenOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	o.File.Close()
	if _, err := o.Write([]byte("x")); err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), ".tmp") {
		t.Errorf("a failed write says %v, want it to name %s", err, path)
	}
	o.Abort()
	onlyEntries(t, dir)
	missing := filepath.Join(dir, "nodir", "x")
	_, err = faults.OpenOutput(missing)
	if err == nil || err.Error() != "open "+missing+": no such file or directory" {
		t.Errorf("a missing directory says %v", err)
	}
	if _, err := faults.OpenOutput(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("a directory says %v", err)
	}
}

// Through a symbolic link (dangling or not) the target is written and the
// link stays a link.
func TestOutputThroughALink(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, existing := range []bool{true, false} {
		target := filepath.Join(dir, "real", "target")
		os.Remove(target)
		if existing {
			if err := os.WriteFile(target, []byte("precious\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		link := filepath.Join(dir, "link")
		os.Remove(link)
		if err := os.Symlink("real/target", link); err != nil {
			t.Fatal(err)
		}
		o, err := faults.OpenOutput(link)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Write([]byte("whole\n")); err != nil {
			t.Fatal(err)
		}
		if err := o.Commit(); err != nil {
			t.Fatal(err)
		}
		if info, err := os.Lstat(link); err != nil || info.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("existing target %v: the link is no longer a link (%v)", existing, err)
		}
		if got := readString(t, target); got != "whole\n" {
			t.Errorf("existing target %v: the target is %q", existing, got)
		}
		onlyEntries(t, filepath.Join(dir, "real"), "target")
	}
}

// A named pipe is written in place, and stays a pipe whatever the end.
func TestOutputIntoANamedPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := faults.OpenOutput(fifo); err == nil || !strings.Contains(err.Error(), "a named pipe that nobody reads") {
		t.Errorf("a pipe nobody reads: %v", err)
	}
	reader, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	for _, commit := range []bool{true, false} {
		o, err := faults.OpenOutput(fifo)
		if err != nil {
			t.Fatal(err)
		}
		if !o.Direct() {
			t.Fatal("a pipe is not written in place")
		}
		read := make(chan string)
		go func() {
			data, _ := io.ReadAll(reader)
			read <- string(data)
		}()
		if _, err := o.Write([]byte("line\n")); err != nil {
			t.Fatal(err)
		}
		if commit {
			err = o.Commit()
		} else {
			o.Abort()
		}
		if got := <-read; err != nil || got != "line\n" {
			t.Errorf("commit %v: the reader got %q (%v)", commit, got, err)
		}
		if info, err := os.Lstat(fifo); err != nil || info.Mode()&fs.ModeNamedPipe == 0 {
			t.Fatalf("commit %v: the pipe is gone (%v)", commit, err)
		}
	}
	onlyEntries(t, dir, "fifo")
}

// A device is written in place and never replaced (made with mknod in a
// temporary directory: /dev itself is not the test's to touch).
func TestOutputIntoADevice(t *testing.T) {
	// As root, a device node of the test's own: were it replaced, the
	// machine's /dev/null would be. Without root, /dev/null itself, which
	// the user cannot replace (nor create a file beside).
	dir, null := "", "/dev/null"
	if os.Geteuid() == 0 {
		dir = t.TempDir()
		null = filepath.Join(dir, "null")
		if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err != nil { // /dev/null's 1:3
			t.Fatal(err)
		}
	}
	o, err := faults.OpenOutput(null)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Direct() {
		t.Fatal("a device is not written in place")
	}
	if _, err := o.Write([]byte("gone\n")); err != nil {
		t.Fatal(err)
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Lstat(null); err != nil || info.Mode()&fs.ModeCharDevice == 0 {
		t.Errorf("the device was replaced: %v (%v)", info.Mode(), err)
	}
	if dir != "" {
		onlyEntries(t, dir, "null")
	}
}

// A process about to exit at once (a second Ctrl-C) removes the temporary
// files of the outputs it did not close; their targets stay as they were.
func TestRemovePendingOutputs(t *testing.T) {
	dir, path, o := preciousOutput(t, "out.txt", 0o644)
	defer o.File.Close()
	if _, err := o.Write([]byte("half")); err != nil {
		t.Fatal(err)
	}
	fresh, err := faults.OpenOutput(filepath.Join(dir, "new.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.File.Close()
	faults.RemovePendingOutputs()
	if got := readString(t, path); got != "precious\n" {
		t.Errorf("the target is %q, want it as it was", got)
	}
	onlyEntries(t, dir, "out.txt")
}

// A placed output (an event log, read as it grows) is the file from then
// on: what is written shows, and Abort keeps it.
func TestOutputPlaced(t *testing.T) {
	dir, path, o := preciousOutput(t, "events.jsonl", 0o644)
	if err := o.Place(); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Write([]byte("line 1\n")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "line 1\n" {
		t.Errorf("while written, the placed file is %q", got)
	}
	o.Abort()
	if got := readString(t, path); got != "line 1\n" {
		t.Errorf("after Abort, the placed file is %q", got)
	}
	onlyEntries(t, dir, "events.jsonl")
}

// Placed on its first write, an output aborted before it leaves the file
// that was there as it was; one written is in place from that write on.
func TestOutputPlacedOnWrite(t *testing.T) {
	dir, path, o := preciousOutput(t, "events.jsonl", 0o644)
	o.PlaceOnWrite()
	if _, err := o.Write(nil); err != nil || o.Placed() {
		t.Fatalf("an empty write placed the output (%v)", err)
	}
	o.Abort()
	if got := readString(t, path); got != "precious\n" {
		t.Errorf("aborted before its first write, the output left %q", got)
	}
	onlyEntries(t, dir, "events.jsonl")

	o, err := faults.OpenOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	o.PlaceOnWrite()
	if _, err := o.Write([]byte("line 1\n")); err != nil || !o.Placed() {
		t.Fatalf("the first write did not place the output (%v)", err)
	}
	if got := readString(t, path); got != "line 1\n" {
		t.Errorf("after its first write, the file is %q", got)
	}
	o.Abort()
	if got := readString(t, path); got != "line 1\n" {
		t.Errorf("after Abort, the placed file is %q", got)
	}
	onlyEntries(t, dir, "events.jsonl")
}
