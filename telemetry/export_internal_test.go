package telemetry

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A collector that takes the connection and never answers used up the
// shutdown's time, and the SDK then never shut the trace file's processor
// down: --trace-out was lost without a word and its temporary file left
// behind. The file is written whatever the collector does.
func TestTraceFileSurvivesASilentCollector(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never read
		}
	}()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+silent.Addr().String())
	dir := t.TempDir()
	path := filepath.Join(dir, "trace.json")
	x, err := NewExport(context.Background(), ExportOptions{OTLP: true, TraceOut: path})
	if err != nil {
		t.Fatal(err)
	}
	_, span := x.tp.Tracer("test").Start(context.Background(), "lab.run")
	span.End()
	if n, err := x.Shutdown(context.Background(), 200*time.Millisecond); n != 1 || err == nil {
		t.Errorf("Shutdown = %d undelivered, %v; want the span undelivered and why", n, err)
	}
	if err := x.FileErr(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || len(b) == 0 {
		t.Fatalf("the trace file was not written: %d bytes, %v", len(b), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("beside the trace file: %v", entries)
	}
}
