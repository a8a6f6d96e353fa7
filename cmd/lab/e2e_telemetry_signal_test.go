//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Ctrl-C in the middle of a paced run still writes its trace: every span
// ended, the run's root red and marked unfinished.
func TestRunInterruptedWritesTrace(t *testing.T) {
	trace := filepath.Join(t.TempDir(), "trace.json")
	events := filepath.Join(t.TempDir(), "events.jsonl")
	env, _ := labEnv(t)
	cmd := exec.Command(labBin, "run", "--pace", "0.1x", "--trace-out", trace, "--events", events, "--spill-dir", spillDir(t))
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// In the middle of the run: its first events are out (the paced run
	// takes minutes).
	deadline := time.Now().Add(time.Minute)
	for fileSize(events) == 0 {
		select {
		case err := <-done:
			t.Fatalf("the run ended before its first events: %v\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			t.Fatal("no event written within a minute")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatal("the run did not end within a minute of SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != 130 || stderr.String() != "lab: interrupted\n" {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	var req struct {
		ResourceSpans []struct {
			ScopeSpans []struct {
				Spans []struct {
					Name       string `json:"name"`
					End        string `json:"endTimeUnixNano"`
					Attributes []struct {
						Key   string `json:"key"`
						Value struct {
							String string `json:"stringValue"`
						} `json:"value"`
					} `json:"attributes"`
					Status struct {
						Code int `json:"code"`
					} `json:"status"`
				} `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	}
	if err := json.Unmarshal(b, &req); err != nil || len(req.ResourceSpans) != 1 {
		t.Fatalf("trace file: %v", err)
	}
	spans := req.ResourceSpans[0].ScopeSpans[0].Spans
	root := spans[len(spans)-1]
	unfinished := false
	for _, a := range root.Attributes {
		unfinished = unfinished || a.Key == "lab.verdict" && a.Value.String == "unfinished"
	}
	if root.Name != "lab.run" || root.Status.Code != 2 || !unfinished {
		t.Errorf("last span %s, status %d, unfinished %v", root.Name, root.Status.Code, unfinished)
	}
	t.Logf("%d spans written after SIGINT", len(spans))
}

// Ctrl-C while a finished run's spans wait on a collector that never
// answers ends the wait at once: the run stops there, says what was not
// delivered, and exits as interrupted (before, the first Ctrl-C was
// swallowed by the end of the run, and the lab waited out the timeout).
func TestCtrlCDuringTheFlushStopsIt(t *testing.T) {
	env, _ := labEnv(t)
	cmd := exec.Command(labBin, "run", "--otlp", "--spill-dir", spillDir(t))
	cmd.Env = append(env, "OTEL_EXPORTER_OTLP_ENDPOINT=http://"+silentCollector(t))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The report's last line is printed just before the flush starts.
	report, err := readUntil(stdout, "\ncompare ")
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%v; the report so far:\n%s", err, report)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err == nil {
		t.Fatal("exit 0")
	}
	if code, got := cmd.ProcessState.ExitCode(), stderr.String(); code != 130 ||
		!strings.Contains(got, "spans not delivered to the OTLP collector") || !strings.HasSuffix(got, "lab: interrupted\n") {
		t.Errorf("exit %d, stderr %q", code, got)
	}
}

// readUntil reads r until what it read holds want.
func readUntil(r io.Reader, want string) (string, error) {
	var got []byte
	buf := make([]byte, 4096)
	for !strings.Contains(string(got), want) {
		n, err := r.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return string(got), fmt.Errorf("no %q before %v", want, err)
		}
	}
	return string(got), nil
}
