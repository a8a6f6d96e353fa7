package telemetry

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A trace file the disk failed to take was left half written (64 KB of a
// JSON document on a full tmpfs); it is removed, and the error says why.
// A named pipe given as the file is never removed.
func TestTraceFileRemovedWhenItsWriteFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	f, err := createTraceFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f.file.Close() // every write fails from here, as on a full disk
	err = f.Shutdown(context.Background())
	if err == nil || !strings.Contains(err.Error(), "--trace-out "+path) {
		t.Fatalf("Shutdown = %v, want the write's error", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the half-written trace file is still there (%v)", err)
	}
	// A named pipe being read, which is not the trace's to remove.
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	reader, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	p, err := createTraceFile(fifo)
	if err != nil {
		t.Fatal(err)
	}
	p.file.Close()
	if err := p.Shutdown(context.Background()); err == nil {
		t.Fatal("a write to a closed pipe succeeded")
	}
	if _, err := os.Stat(fifo); err != nil {
		t.Errorf("the named pipe is gone: %v", err)
	}
}
