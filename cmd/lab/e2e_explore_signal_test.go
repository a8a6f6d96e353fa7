//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// An interrupted exploration exits 130 and still prints what it found.
func TestExploreInterrupted(t *testing.T) {
	t.Parallel()
	var stdout, stderr strings.Builder
	p := startLab(t, &stdout, &stderr, nil, "explore", "--variant", "fixed", "--duration", "60s")
	select {
	case err := <-p.done:
		t.Fatalf("the exploration ended before the signal: %v\n%s%s", err, stdout.String(), stderr.String())
	case <-time.After(time.Second):
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t)
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: code}
	if code != exitInterrupt {
		t.Fatalf("want exit 130:\n%v", r)
	}
	if !strings.Contains(r.stdout, "stopped      interrupted") || r.stderr != "lab: interrupted\n" {
		t.Fatalf("the report so far and one line on stderr:\n%v", r)
	}
	checkTmp(t, p.tmp)
}

// With --metrics-addr, the exploration's counters are served for
// Prometheus while it runs and, with --linger, for a while after.
func TestExploreServesMetrics(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env, tmp := labEnv(t)
	cmd := exec.Command(labBin, "explore", "--plan", "chaos", "--seeds", "200", "--workers", "1",
		"--metrics-addr", addr, "--linger", "20s", "--format", "json")
	cmd.Env = env
	var stdout, stderr lockedBuilder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		// Ctrl-C while lingering ended it with exit 0 (and this check let
		// that pass): the report is out, and schedules failed.
		_ = cmd.Process.Signal(syscall.SIGINT)
		var ee *exec.ExitError
		if err := <-done; !errors.As(err, &ee) || ee.ExitCode() != 1 {
			t.Errorf("after lingering: %v (want exit 1: schedules failed)\n%s", err, stderr.String())
		}
		checkTmp(t, tmp)
	}()
	// Once the report is out the counts are final: scrape them then.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "serving metrics for") {
		if time.Now().After(deadline) {
			t.Fatalf("the exploration did not finish:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var rep exploreReport
	if err := json.Unmarshal([]byte(stdout.String()), &rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("lab_explore_schedules_total %d\n", rep.Schedules),
		fmt.Sprintf("lab_explore_failures_total{invariant=\"no-panic\"} %d\n", rep.ByInvariant["no-panic"].Failures),
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no %q in the metrics:\n%s", want, body)
		}
	}
}

// lockedBuilder is a strings.Builder a child process writes to while the
// test reads it.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
