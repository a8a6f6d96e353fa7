package telemetry

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
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

// A trace file that was there before a failed write or a discarded trace
// (a command refused before its run) was removed; it is left as it was,
// and no temporary file is left beside it. One whole trace replaces it.
func TestTraceFileLeavesAnOldFileUntilWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trace.json")
	keep := func() {
		t.Helper()
		if err := os.WriteFile(path, []byte("precious\n"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	unchanged := func(what string) {
		t.Helper()
		got, err := os.ReadFile(path)
		if err != nil || string(got) != "precious\n" {
			t.Errorf("%s: the file that was there is %q (%v), want it as it was", what, got, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("%s: left %v beside it", what, entries)
		}
	}
	keep()
	f, err := createTraceFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f.discard()
	unchanged("discarded")

	f, err = createTraceFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f.file.Close() // every write fails from here, as on a full disk
	if err := f.Shutdown(context.Background()); err == nil {
		t.Fatal("a write to a closed file succeeded")
	}
	unchanged("failed")

	f, err = createTraceFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(got), `{"resourceSpans"`) {
		t.Fatalf("the whole trace is %q (%v)", got, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("the replaced file's mode is %v (%v), want the old one's, -rw-r-----", info.Mode(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left %v beside the trace", entries)
	}
}

// A long trace streams: a line of OTLP JSON for every traceFileLine spans,
// in the order they ended, with no more than a line's spans held at once
// (a yield loop's trace kept every span, tens of gigabytes).
func TestTraceFileStreamsALongTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.json")
	f, err := createTraceFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(f))
	tracer := tp.Tracer("lab")
	const n = 2*traceFileLine + 5
	for i := range n {
		_, span := tracer.Start(context.Background(), fmt.Sprintf("span-%d", i))
		span.End()
		if held := len(f.spans); held >= traceFileLine {
			t.Fatalf("after %d spans %d are held", i+1, held)
		}
	}
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3", len(lines))
	}
	next := 0
	for i, line := range lines {
		var req jsonRequest
		if err := json.Unmarshal([]byte(line), &req); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					if want := fmt.Sprintf("span-%d", next); s.Name != want {
						t.Fatalf("line %d has %s where %s was next", i+1, s.Name, want)
					}
					next++
				}
			}
		}
	}
	if next != n {
		t.Errorf("the file holds %d spans, want %d", next, n)
	}
}
