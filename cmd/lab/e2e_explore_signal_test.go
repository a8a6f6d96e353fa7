//go:build linux

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An interrupted exploration exits 130 and still prints what it found.
func TestExploreInterrupted(t *testing.T) {
	t.Parallel()
	var stdout, stderr lockedBuilder
	p := startLab(t, &stdout, &stderr, nil, "explore", "--variant", "fixed", "--duration", "60s", "--metrics-addr", "127.0.0.1:0")
	// In the middle of the exploration: schedules have run.
	addr := servingOn(t, &stderr, p.done)
	deadline := time.Now().Add(time.Minute)
	for scrapeCount(t, addr, "lab_explore_schedules_total") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no schedule explored within a minute:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t)
	r := result{stdout: stdout.String(), stderr: stderr.String(), code: code}
	if code != exitInterrupt {
		t.Fatalf("want exit 130:\n%v", r)
	}
	serving := fmt.Sprintf("lab: serving metrics on http://%s/metrics\n", addr)
	if !strings.Contains(r.stdout, "stopped      interrupted") || r.stderr != serving+"lab: interrupted\n" {
		t.Fatalf("the report so far and one line on stderr:\n%v", r)
	}
	checkTmp(t, p.tmp)
}

// servingLine is what the lab says on stderr when it serves metrics, with
// the address.
var servingLine = regexp.MustCompile(`lab: serving metrics on http://([^/\s]+)/metrics\n`)

// servingOn waits for the lab to say where it serves metrics (it listens on
// port 0, so no other process can take its port) and returns the address.
func servingOn(t *testing.T, stderr *lockedBuilder, done chan error) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if m := servingLine.FindStringSubmatch(stderr.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("the lab ended without serving metrics: %v\n%s", err, stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lab did not serve metrics within a minute:\n%s", stderr.String())
		}
	}
}

// scrapeCount is the value of an unlabelled counter on addr's /metrics.
func scrapeCount(t *testing.T, addr, name string) uint64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\d+)$`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in the metrics:\n%s", name, body)
	}
	n, err := strconv.ParseUint(string(m[1]), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// With --metrics-addr, the exploration's counters are served for
// Prometheus while it runs and, with --linger, for a while after.
func TestExploreServesMetrics(t *testing.T) {
	env, tmp := labEnv(t)
	cmd := exec.Command(labBin, "explore", "--plan", "chaos", "--seeds", "200", "--workers", "1",
		"--metrics-addr", "127.0.0.1:0", "--linger", "20s", "--format", "json")
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
	addr := servingOn(t, &stderr, done)
	// Once the report is out the counts are final: scrape them then.
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(stderr.String(), "serving metrics for") {
		if time.Now().After(deadline) {
			t.Fatalf("the exploration did not finish within a minute:\n%s", stderr.String())
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
