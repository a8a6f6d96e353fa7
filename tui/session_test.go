package tui

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// wantSchedule fails the test unless data is a whole schedule.
func wantSchedule(t *testing.T, what string, data []byte) {
	t.Helper()
	if _, err := faults.ParseSchedule(what, data); err != nil {
		t.Fatalf("%s is not a whole schedule: %v\n%.200s", what, err, data)
	}
}

// A restart removed the event log, and a session's schedule is replaced
// only whole: the file that was there is left as it was until the session
// is saved, a restart's included. The event log is in place as it grows.
func TestSessionLeavesFilesUntilSaved(t *testing.T) {
	cfg := testConfig(t)
	cfg.EventsPath = "events.jsonl"
	for _, name := range []string{"events.jsonl", testSchedule} {
		if err := os.WriteFile(name, []byte("precious\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	unchanged := func(what string) {
		t.Helper()
		if got, err := os.ReadFile(testSchedule); err != nil || string(got) != "precious\n" {
			t.Errorf("%s: the schedule is %.40q (%v), want it as it was", what, got, err)
		}
		if _, err := os.Stat("events.jsonl"); err != nil {
			t.Errorf("%s: the event log is gone: %v", what, err)
		}
	}
	m := newTestModel(t, cfg, 80, 24)
	m = stepTo(t, m, 50)
	unchanged("while the session runs")
	m = keys(t, m, "n")
	if m.sess.seed != 42 {
		t.Fatalf("n restarted seed %d, want 42", m.sess.seed)
	}
	unchanged("after a restart")
	m = stepTo(t, m, 20)
	if _, err := m.sess.finish(); err != nil {
		t.Fatal(err)
	}
	sch, err := os.ReadFile("session-42-buggy.schedule")
	if err != nil {
		t.Fatal(err)
	}
	wantSchedule(t, "the saved session", sch)
	events, err := os.ReadFile("events.jsonl")
	if err != nil || !bytes.HasPrefix(events, []byte(`{"seq":1,`)) {
		t.Errorf("the event log is %.40q (%v), want the saved session's", events, err)
	}
	if got, _ := os.ReadFile(testSchedule); string(got) != "precious\n" {
		t.Errorf("the abandoned session's file is %.40q, want it as it was", got)
	}
	if left := tempFiles(t); len(left) > 0 {
		t.Errorf("left %v behind", left)
	}
	m.sess = nil
}

// A --schedule-out that is a symbolic link was replaced by a regular file;
// the link stays and its target is the schedule.
func TestSessionSavedThroughALink(t *testing.T) {
	cfg := testConfig(t)
	if err := os.Mkdir("real", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("real/target.schedule", []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real/target.schedule", "link.schedule"); err != nil {
		t.Fatal(err)
	}
	cfg.SchedulePath = func(uint64, invoker.Variant) string { return "link.schedule" }
	m := newTestModel(t, cfg, 80, 24)
	m = stepTo(t, m, 50)
	if _, err := m.sess.finish(); err != nil {
		t.Fatal(err)
	}
	m.sess = nil
	if info, err := os.Lstat("link.schedule"); err != nil || info.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("link.schedule is no longer a link: %v %v", info.Mode(), err)
	}
	data, err := os.ReadFile("real/target.schedule")
	if err != nil {
		t.Fatal(err)
	}
	wantSchedule(t, "the link's target", data)
	if left, _ := filepath.Glob("real/.*.tmp"); len(left) > 0 {
		t.Errorf("left %v behind", left)
	}
}

// A --schedule-out that is a named pipe was replaced by a regular file; it
// is written as a pipe, as lab run writes it, once the session is saved
// (a restart sends nothing), and its checkpoint at a violation goes to the
// working directory.
func TestSessionSavedIntoAPipe(t *testing.T) {
	cfg := testConfig(t)
	fifo := "pipe.schedule"
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	reader, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	cfg.SchedulePath = func(uint64, invoker.Variant) string { return fifo }
	m := newTestModel(t, cfg, 80, 24)
	if got, want := m.sess.violationPath(), fmt.Sprintf("lab-session-seed%d-buggy-violation.schedule", faults.DefaultSeed); got != want {
		t.Errorf("the checkpoint of a session saved into a pipe goes to %s, want %s", got, want)
	}
	read := make(chan []byte)
	go func() {
		data, _ := io.ReadAll(reader) // until the UI closes the pipe
		read <- data
	}()
	m = stepTo(t, m, 30)
	m = keys(t, m, "n") // a restart: nothing of the first session reaches the pipe
	m = stepTo(t, m, 50)
	if _, err := m.sess.finish(); err != nil {
		t.Fatal(err)
	}
	m.sess = nil
	if err := cfg.closeOutputs(); err != nil {
		t.Fatal(err)
	}
	data := <-read
	wantSchedule(t, "what the pipe's reader got", data)
	if !bytes.Contains(data, []byte("seed=42")) || bytes.Count(data, []byte("lab-schedule ")) != 1 {
		t.Errorf("the pipe got more or else than the saved session (seed 42):\n%.300s", data)
	}
	if info, err := os.Lstat(fifo); err != nil || info.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("%s is no longer a named pipe: %v %v", fifo, info.Mode(), err)
	}
	if left := tempFiles(t); len(left) > 0 {
		t.Errorf("left %v behind", left)
	}
}
