//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lab/faults"
)

// An unpaced run whose metrics are served publishes its state as it goes:
// the first scrape that finds the gauges, while the run waits for a scrape
// (--await-scrape), finds them at time 0, every slot free and nothing
// queued; a run of seconds is seen moving before its end; and once it is
// over the gauges hold its final state, whose clock the report gives.
func TestUnpacedRunGaugesFollowIt(t *testing.T) {
	var stdout, stderr lockedBuilder
	p := startLab(t, &stdout, &stderr, nil, "run", "--seed", "1", "--invocations", "20000", "--variant", "fixed",
		"--metrics-addr", "127.0.0.1:0", "--await-scrape", "1m", "--linger", "1m", "--format", "json",
		"--spill-dir", spillDir(t))
	addr := servingOn(t, &stderr, p.done)
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(stderr.String(), awaiting) {
		if time.Now().After(deadline) {
			t.Fatalf("the lab did not wait for a scrape:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	atTimeZero(t, scrapeGauges(t, addr))
	var moving []float64 // the clock while the report is not out
	for stdout.String() == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the run did not end within a minute:\n%s", stderr.String())
		}
		if v := scrapeGauges(t, addr)[clock]; v != nil && stdout.String() == "" {
			moving = append(moving, *v)
		}
		time.Sleep(10 * time.Millisecond)
	}
	rep := decodeTelemetryReport(t, result{stdout: stdout.String()})
	end := float64(rep.EndNanos) / 1e9
	if v := scrapeGauges(t, addr)[clock]; v == nil || *v != end {
		t.Errorf("after the run: %s = %s, want the report's %v", clock, sampleText(v), end)
	}
	midway := 0
	for _, v := range moving {
		if v > 0 && v < end {
			midway++
		}
	}
	if midway == 0 {
		t.Errorf("no scrape saw the run between 0 and its end (%v): %v", end, moving)
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != exitViolation { // fixed leaves spill files behind
		t.Errorf("exit %d, want %d:\n%s", code, exitViolation, stderr.String())
	}
}

// awaiting is what the lab says once it waits for a first scrape, its
// state at time 0 published: the next scrape finds it.
const awaiting = "lab: waiting up to 1m0s for a first scrape\n"

// clock is the gauge of the run's virtual time.
const clock = "lab_sim_virtual_time_seconds"

// atTimeZero checks a scrape of a run that has not taken a step: its gauges
// are there, every slot free and nothing queued.
func atTimeZero(t *testing.T, samples map[string]*float64) {
	t.Helper()
	for name, want := range map[string]float64{
		clock: 0,
		`lab_invoker_available_slots{invoker="0"}`:             8,
		`lab_invoker_concurrency_limit{invoker="3"}`:           8,
		`lab_invoker_inflight_tasks{invoker="0"}`:              0,
		`lab_invoker_queue_depth{invoker="0",location="disk"}`: 0,
		`lab_invocations{status="invoked"}`:                    0,
		fmt.Sprintf(`lab_run_info{model_revision="%d",plan="shutdown-race",seed="1",settings="",strategy="random",variant="fixed"}`,
			faults.ModelRevision): 1,
	} {
		if got := samples[name]; got == nil || *got != want {
			t.Errorf("the first scrape: %s = %s, want %v", name, sampleText(got), want)
		}
	}
}

// scrapeGauges reads addr's /metrics as sample name (with its labels) to
// value.
func scrapeGauges(t *testing.T, addr string) map[string]*float64 {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	samples := map[string]*float64{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 16<<20))
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndexByte(line, ' ')
		if strings.HasPrefix(line, "#") || i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		samples[line[:i]] = &v
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return samples
}

// sampleText shows a scraped value, or that there was none.
func sampleText(v *float64) string {
	if v == nil {
		return "absent"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

// lab tui --await-scrape waits for the first scrape before it draws or
// takes a step, with the session's state at time 0 published for that
// scrape; then the session runs, and its gauges follow it.
func TestTUIAwaitsTheFirstScrape(t *testing.T) {
	work, tmp := t.TempDir(), t.TempDir()
	stderrFile := filepath.Join(work, "stderr")
	tm := newTmux(t, 100, 32, work, []string{"NO_COLOR=1", "TMPDIR=" + tmp},
		labBin+" tui --seed 1 --variant fixed --pace 0.05x --metrics-addr 127.0.0.1:0 --await-scrape 1m 2>"+stderrFile)
	var addr string
	tm.waitFor("the lab to wait for a scrape", func(string) bool {
		b, _ := os.ReadFile(stderrFile)
		if m := servingLine.FindSubmatch(b); m != nil && strings.Contains(string(b), awaiting) {
			addr = string(m[1])
		}
		return addr != ""
	})
	if screen := tm.screen(); strings.Contains(screen, "lab seed") {
		t.Fatalf("the UI drew before the first scrape:\n%s", screen)
	}
	atTimeZero(t, scrapeGauges(t, addr))
	tm.waitText(`RUNNING`)
	deadline := time.Now().Add(time.Minute)
	for v := scrapeGauges(t, addr)[clock]; v == nil || *v == 0; v = scrapeGauges(t, addr)[clock] {
		if time.Now().After(deadline) {
			t.Fatalf("the session's clock did not move within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
	tm.keys("q")
	if code := tm.exited(); code != 0 {
		t.Errorf("exit %d, want 0; the screen:\n%s", code, tm.screen())
	}
}

// #4520 in the gauges: under --vqueues unguarded, every invocation a
// VQInvoke that takes no slot, a run that suspends and aborts them gives
// slots back all the same, and once it is over an invoker has more free
// than its limit, as restate_invoker_available_slots had; the state
// machines gauge counts only slot holders, none with vqueues, and the
// scheduler's permits, the node's real limit, are all back.
func TestInflatedSlotsShowInTheGauges(t *testing.T) {
	var stdout, stderr lockedBuilder
	p := startLab(t, &stdout, &stderr, nil, "run", "--seed", "1", "--variant", "fixed", "--plan", "none", "--vqueues", "unguarded",
		"--metrics-addr", "127.0.0.1:0", "--linger", "1m", "--format", "json", "--spill-dir", spillDir(t))
	addr := servingOn(t, &stderr, p.done)
	deadline := time.Now().Add(time.Minute)
	for stdout.String() == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the run did not end within a minute:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	samples := scrapeGauges(t, addr)
	inflated := 0
	for i := range 4 {
		free := samples[fmt.Sprintf(`lab_invoker_available_slots{invoker="%d"}`, i)]
		limit := samples[fmt.Sprintf(`lab_invoker_concurrency_limit{invoker="%d"}`, i)]
		machines := samples[fmt.Sprintf(`lab_invoker_state_machines{invoker="%d"}`, i)]
		if free == nil || limit == nil || machines == nil || *limit != 8 || *machines != 0 {
			t.Fatalf("invoker%d: available %s, limit %s, state machines %s; want a limit of 8 and no slot holder",
				i, sampleText(free), sampleText(limit), sampleText(machines))
		}
		if *free > *limit {
			inflated++
		}
	}
	if inflated == 0 {
		t.Errorf("no invoker has more free slots than its limit after the run:\n%s", stdout.String())
	}
	// The node's own limit, the scheduler's, holds: every permit is back.
	inUse, limit := samples["lab_vqueue_permits_in_use"], samples["lab_vqueue_permit_limit"]
	if inUse == nil || limit == nil || *inUse != 0 || *limit != 8 {
		t.Errorf("after the run: %s of %s vqueue permits in use, want 0 of 8", sampleText(inUse), sampleText(limit))
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != exitViolation {
		t.Errorf("exit %d, want %d:\n%s", code, exitViolation, stderr.String())
	}
}
