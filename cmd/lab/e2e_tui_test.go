package main

// The terminal UI, end to end: the real binary in a real terminal (tmux),
// driven by keys, its screen read back with capture-pane. Every wait polls
// the screen until a deadline; nothing sleeps to synchronise.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
)

// tmuxSession is one detached tmux server and session, private to a test.
// The pane runs a shell that runs the binary and writes its exit status to
// rc: tmux itself is sometimes slow to reap a pane's process under load.
type tmuxSession struct {
	t        *testing.T
	bin      string
	sock, rc string
}

func newTmux(t *testing.T, width, height int, dir string, env []string, command string) *tmuxSession {
	t.Helper()
	bin, err := exec.LookPath("tmux")
	if err != nil {
		t.Fatal("tmux is not installed, and the terminal UI is tested in it: apt-get install -y tmux (.ci/run does)")
	}
	own := t.TempDir()
	s := &tmuxSession{t: t, bin: bin, sock: filepath.Join(own, "tmux.sock"), rc: filepath.Join(own, "rc")}
	t.Cleanup(func() { exec.Command(bin, "-S", s.sock, "kill-server").Run() })
	args := []string{"new-session", "-d", "-s", "lab", "-x", strconv.Itoa(width), "-y", strconv.Itoa(height), "-c", dir}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	// The pane stays after the binary exits, so its last screen can be read.
	command = fmt.Sprintf("%s; echo $? > %s.tmp && mv %s.tmp %s", command, s.rc, s.rc, s.rc)
	s.run(append(args, command, ";", "set-option", "-t", "lab", "remain-on-exit", "on")...)
	return s
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command(s.bin, append([]string{"-S", s.sock, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) keys(keys ...string) {
	s.run(append([]string{"send-keys", "-t", "lab"}, keys...)...)
}

// screen is the pane as text (-e: with its escape sequences).
func (s *tmuxSession) screen(flags ...string) string {
	return s.run(append([]string{"capture-pane", "-p", "-J", "-t", "lab"}, flags...)...)
}

// waitFor polls the screen until it matches, or fails the test with it.
func (s *tmuxSession) waitFor(what string, match func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		screen := s.screen()
		if match(screen) {
			return screen
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waited 30s for %s; the screen:\n%s", what, screen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *tmuxSession) waitText(re string) string {
	s.t.Helper()
	r := regexp.MustCompile(re)
	return s.waitFor(strconv.Quote(re), r.MatchString)
}

// waitAll waits for a screen that matches every one of res at once: a
// screen captured while the UI redraws can show the first and not yet the
// rest, so each is waited for, never checked on the screen that showed
// the first.
func (s *tmuxSession) waitAll(res ...string) string {
	s.t.Helper()
	var rs []*regexp.Regexp
	for _, re := range res {
		rs = append(rs, regexp.MustCompile(re))
	}
	return s.waitFor(strings.Join(res, " and "), func(screen string) bool {
		for _, r := range rs {
			if !r.MatchString(screen) {
				return false
			}
		}
		return true
	})
}

// exited waits for the binary to exit and returns its exit status.
func (s *tmuxSession) exited() int {
	s.t.Helper()
	var rc []byte
	s.waitFor("the binary to exit", func(string) bool {
		var err error
		rc, err = os.ReadFile(s.rc)
		return err == nil
	})
	code, err := strconv.Atoi(strings.TrimSpace(string(rc)))
	if err != nil {
		s.t.Fatalf("exit status %q", rc)
	}
	return code
}

// pid is the binary's process id: the child of the pane's shell.
func (s *tmuxSession) pid() int {
	s.t.Helper()
	shell := strings.TrimSpace(s.run("display-message", "-p", "-t", "lab", "#{pane_pid}"))
	var children string
	s.waitFor("the binary to start", func(string) bool {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%s/task/%s/children", shell, shell))
		children = strings.TrimSpace(string(b))
		return children != ""
	})
	pid, err := strconv.Atoi(strings.Fields(children)[0])
	if err != nil {
		s.t.Fatal(err)
	}
	return pid
}

// colourSGR finds an SGR sequence that sets a colour.
var colourSGR = regexp.MustCompile(`\x1b\[([0-9;]*)m`)

func hasColour(screen string) bool {
	for _, m := range colourSGR.FindAllStringSubmatch(screen, -1) {
		for _, p := range strings.Split(m[1], ";") {
			n, _ := strconv.Atoi(p)
			if n >= 30 && n <= 49 || n >= 90 && n <= 107 {
				return true
			}
		}
	}
	return false
}

// A session in the terminal: start paused, single-step, start a shutdown,
// run into the buggy invoker's panic and read its panel, resize, quit;
// the saved session replays to the same event-log hash, the binary exits
// 0, and nothing is left in its TMPDIR.
func TestTUISessionInTmux(t *testing.T) {
	work, tmp, traceDir := t.TempDir(), t.TempDir(), t.TempDir()
	tm := newTmux(t, 100, 32, work, []string{"NO_COLOR=1", "TMPDIR=" + tmp},
		labBin+" tui --seed 1 --plan late-cancel --paused --pace 1x --trace-out "+filepath.Join(traceDir, "trace.json"))

	tm.waitText(`PAUSED`)
	tm.waitText(`\b0 steps`)
	// 200 single steps, then the shutdown: under late-cancel, whose
	// cancellation comes late, the dequeue arm runs before the shutdown arm
	// and the buggy invoker panics.
	tm.keys("-N", "200", ".")
	tm.waitText(`\b200 steps`)
	tm.keys("x")
	tm.waitAll(`sim: control: shutdown`, `\b201 steps`) // the shutdown control is one step
	tm.keys("Space")
	traceLine := regexp.MustCompile(`trace id  ([0-9a-f]{32})`)
	screen := tm.waitAll(`VIOLATION no-panic`, `PAUSED`, `PANIC assertion failed`, `events leading to no-panic`,
		`lab replay lab-session-seed1-buggy\.schedule`, `1 control sent: only the saved schedule`, traceLine.String())
	trace := traceLine.FindStringSubmatch(screen)
	if hasColour(tm.screen("-e")) {
		t.Errorf("NO_COLOR is set, yet the screen has colours:\n%q", tm.screen("-e"))
	}
	// i charts, from the session saved at the violation, when the panic
	// became inevitable (as lab inevitable does).
	tm.waitText(`lab replay lab-session-seed1-buggy-violation.schedule`)
	tm.keys("i")
	tm.waitAll(`certain from`, `when it became inevitable:`, `P\(0\) `)

	// w draws the lifecycle of the invocation that panicked: queued, then
	// dequeued after its partition was aborted, then the panic.
	tm.keys("w")
	// The invoke queued, dequeued, and the panic.
	tm.waitAll(`LIFECYCLE i\d+`, `queue +.*Q=*.*D`, `node +.*!`)
	tm.keys("Escape")
	tm.waitText(`VIOLATION no-panic`)
	// The session sent a control, so c compares the schedule saved at the
	// violation with the fix, and says why.
	tm.keys("c")
	tm.waitAll(`1 control steered it`, `buggy and fixed alike for \d+ events, then:`)

	tm.run("resize-window", "-t", "lab", "-x", "80", "-y", "24")
	tm.waitFor("the screen redrawn at 80x24", func(s string) bool {
		lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
		return len(lines) == 24 && strings.Contains(lines[0], "PAUSED") && strings.Contains(s, "VIOLATION no-panic")
	})

	tm.keys("q")
	if code := tm.exited(); code != 0 {
		t.Fatalf("lab tui exited %d after q:\n%s", code, tm.screen("-S", "-100"))
	}
	out := tm.screen("-S", "-200")
	saved := regexp.MustCompile(`session saved to (\S+)`).FindStringSubmatch(out)
	hash := regexp.MustCompile(`hash\s+sha256:([0-9a-f]{64})`).FindStringSubmatch(out)
	if saved == nil || hash == nil || !strings.Contains(out, "replay       lab replay "+saved[1]) {
		t.Fatalf("after quitting, no saved session, hash or replay command:\n%s", out)
	}
	// Steered by a control, the session is no longer its seed's run: its
	// saved schedule is the only way to run it again.
	if strings.Contains(out, "lab run --seed") || strings.Contains(out, "lab compare --seed") {
		t.Errorf("the report of a steered session names its seed's run:\n%s", out)
	}
	if trace != nil && !strings.Contains(out, "trace        "+trace[1]) {
		t.Errorf("the report does not name the trace %s the panel showed:\n%s", trace[1], out)
	}

	r := lab(t, "replay", filepath.Join(work, saved[1]))
	if r.code != exitViolation || !strings.Contains(r.stdout, "sha256:"+hash[1]) {
		t.Fatalf("lab replay of the session: want exit 1 and hash %s\n%v", hash[1], r)
	}
	// The session was also saved when the panic broke no-panic: that file
	// replays up to the violation and stops there.
	atViolation := strings.TrimSuffix(saved[1], ".schedule") + "-violation.schedule"
	v := lab(t, "replay", filepath.Join(work, atViolation))
	if v.code != exitViolation || !strings.Contains(v.stdout, "no-panic            VIOLATED") {
		t.Fatalf("lab replay of the session saved at the violation: want exit 1 and no-panic\n%v", v)
	}
	if left := dirEntries(t, work); len(left) != 2 || left[0] != atViolation || left[1] != saved[1] {
		t.Errorf("the working directory holds %v, want only the sessions %s and %s", left, atViolation, saved[1])
	}
	checkTmp(t, tmp)
}

// lab tui --replay plays a saved schedule backwards as well as forwards,
// steers nothing, saves nothing, and prints the replay's report on quit.
func TestTUIReplayInTmux(t *testing.T) {
	work, tmp := t.TempDir(), t.TempDir()
	sched := filepath.Join(t.TempDir(), "readme.schedule")
	run := lab(t, "run", "--schedule-out", sched, "--format", "json", "--spill-dir", tmp)
	wantCode(t, run, exitViolation)
	p := panicOf(t, run)
	tm := newTmux(t, 100, 32, work, []string{"NO_COLOR=1", "TMPDIR=" + tmp}, labBin+" tui --paused --replay "+sched)

	tm.waitText(fmt.Sprintf(`lab replaying readme\.schedule · seed %d · buggy`, faults.DefaultSeed))
	total := regexp.MustCompile(`step 0 of (\d+)`).FindStringSubmatch(tm.waitText(`step 0 of \d+`))
	tm.keys("]", "]", "]")
	tm.waitText(`step 300 of ` + total[1])
	tm.keys(",")
	tm.waitText(`step 299 of ` + total[1])
	tm.keys("g", "v", "Enter")
	tm.waitAll(`VIOLATION no-panic`, `PANIC assertion failed`, `PAUSED`)
	// c compares the recorded run, from its seed, with the fix: alike up
	// to the panic.
	tm.keys("c")
	tm.waitText(fmt.Sprintf(`buggy and fixed alike for %d events, then:`, p.Seq-1))
	// Back to the step that logged event #5: the few events of the
	// first steps, nothing violated yet.
	tm.keys("g", "#", "5", "Enter")
	tm.waitText(`invariants ok · [5-9] events · step [1-9] of`)
	tm.keys("x")
	tm.keys("q")
	if code := tm.exited(); code != 0 {
		t.Fatalf("lab tui --replay exited %d after q:\n%s", code, tm.screen("-S", "-100"))
	}
	out := tm.screen("-S", "-200")
	if !strings.Contains(out, "replay       lab replay "+sched) || !strings.Contains(out, "no-panic            VIOLATED") ||
		strings.Contains(out, "control: shutdown") {
		t.Fatalf("after quitting, not the replay's report:\n%s", out)
	}
	// A file played may be shrunk, edited or steered: only the file's own
	// command is sure to run it again.
	if strings.Contains(out, "lab run --seed") || strings.Contains(out, "lab compare --seed") {
		t.Errorf("the report of a schedule played names a seed's run:\n%s", out)
	}
	if left := dirEntries(t, work); len(left) != 0 {
		t.Errorf("a replay saved %v", left)
	}
	checkTmp(t, tmp)
	wantUsageError(t, lab(t, "tui", "--replay", sched, "--seed", "3"), true, "--seed: not with --replay")
	wantUsageError(t, lab(t, "tui", "--replay", sched, "--trace-out", filepath.Join(work, "t.json")), true, "would show its events again")
	wantUsageError(t, lab(t, "tui", "--replay", sched, "--await-scrape", "1s"), true, "--await-scrape: not with --replay: a replay that goes back would show its events again")
	wantUsageError(t, lab(t, "tui", "--replay", filepath.Join(work, "none.schedule")), true, "none.schedule")
}

// Going back in a live session saves it and plays it on as a replay; quit
// then prints the session's report, and lab replay of the saved file
// gives its hash.
func TestTUIGoingBackInTmux(t *testing.T) {
	work, tmp := t.TempDir(), t.TempDir()
	tm := newTmux(t, 100, 32, work, []string{"NO_COLOR=1", "TMPDIR=" + tmp}, labBin+" tui --seed 1 --paused")
	tm.waitText(`\b0 steps`)
	tm.keys("-N", "50", ".")
	tm.waitText(`\b50 steps`)
	tm.keys(",")
	tm.waitText(`lab replaying lab-session-seed1-buggy\.schedule · seed 1`)
	tm.waitText(`step 49 of \d+`)
	tm.keys("q")
	if code := tm.exited(); code != 0 {
		t.Fatalf("lab tui exited %d after q:\n%s", code, tm.screen("-S", "-100"))
	}
	out := tm.screen("-S", "-200")
	hash := regexp.MustCompile(`hash\s+sha256:([0-9a-f]{64})`).FindStringSubmatch(out)
	if hash == nil || !strings.Contains(out, "session saved to lab-session-seed1-buggy.schedule (0 controls sent)") {
		t.Fatalf("after quitting, no saved session or hash:\n%s", out)
	}
	// No control steered it: its seed runs it again, as a quit without
	// going back says.
	for _, line := range []string{"replay       lab run --seed 1 --variant buggy --plan shutdown-race\n",
		"replay       lab replay lab-session-seed1-buggy.schedule\n", "compare      lab compare --seed 1 --variant buggy --plan shutdown-race --against removed\n"} {
		if n := strings.Count(out, line); n != 1 {
			t.Errorf("the report says %q %d times, want once:\n%s", line, n, out)
		}
	}
	r := lab(t, "replay", filepath.Join(work, "lab-session-seed1-buggy.schedule"))
	if r.code != exitViolation || !strings.Contains(r.stdout, "sha256:"+hash[1]) {
		t.Fatalf("lab replay of the session: want exit 1 and hash %s\n%v", hash[1], r)
	}
	if left := dirEntries(t, work); len(left) != 1 {
		t.Errorf("the working directory holds %v, want only the session", left)
	}
	checkTmp(t, tmp)
}

// raceStep is the step at which the README's run, taken as its seed
// takes it, comes to #2543's race: invoker0, cancelled, may read the
// AbortAllPartition its partition sent or shut down. The step is read
// from the run, not pinned.
func raceStep(t *testing.T) int {
	t.Helper()
	plan, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	cfg := invoker.DefaultConfig()
	cfg.Variant, cfg.Store = invoker.Buggy, invoker.MemStores()
	steps, at := 0, -1
	o := faults.Options{Seed: faults.DefaultSeed, Node: cfg, Plan: plan, Workload: faults.DefaultWorkload()}
	o.Observers = []faults.Observer{
		faults.StepFunc(func(faults.StepInfo) { steps++ }),
		faults.PickFunc(func(ready []faults.Choice, _ int, describe func(faults.Choice) string) {
			if at < 0 && len(ready) == 2 && describe(ready[0]) == "invoker0 input abort-all p0/e1" &&
				describe(ready[1]) == "invoker0 shutdown cancelled" {
				at = steps
			}
		}),
	}
	if _, err := faults.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if at < 0 {
		t.Fatal("the README's run never came to the race")
	}
	return at
}

// readmeStartsAt checks that the README shows command (a pattern whose
// group is the step) at least once, and always starting at step at.
func readmeStartsAt(t *testing.T, command string, at int) {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	shown := regexp.MustCompile(command).FindAllStringSubmatch(string(readme), -1)
	for _, m := range shown {
		if m[1] != strconv.Itoa(at) {
			t.Errorf("the README starts the race at step %s (%s), the run comes to it at %d", m[1], m[0], at)
		}
	}
	if len(shown) == 0 {
		t.Errorf("the README never shows %s", command)
	}
}

// #2543 avoided by hand, in the real binary: started at the race (its
// seed's run panics after it), a offers invoker0's two ready arms, 2 has
// the shutdown arm go first, and the run holds every invariant. Quitting
// saves a session that says it was steered, offers no seed's run for it,
// and replays to its hash.
func TestTUIPickByHandInTmux(t *testing.T) {
	wantUsageError(t, lab(t, "tui", "--start-at", "-1"), true, "--start-at -1: want a step, 0 or more")
	at := raceStep(t)
	readmeStartsAt(t, fmt.Sprintf(`lab tui --seed %d --start-at (\d+)`, faults.DefaultSeed), at)
	work, tmp := t.TempDir(), t.TempDir()
	tm := newTmux(t, 160, 40, work, []string{"NO_COLOR=1", "TMPDIR=" + tmp},
		fmt.Sprintf("%s tui --seed %d --start-at %d", labBin, faults.DefaultSeed, at))
	tm.waitAll(`PAUSED`, fmt.Sprintf(`\b%d steps`, at))
	tm.keys("a")
	tm.waitText(`next pick \(2 ready\): \[1 invoker0 input abort-all p0/e1\] · 2 invoker0 shutdown cancelled`)
	waitRaceOdds(t, tm)
	tm.keys("2")
	tm.waitText(`took invoker0 shutdown cancelled`)
	quitHeldAndSaved(t, tm, work, "0 controls sent, 1 pick taken by hand")
	checkTmp(t, tmp)
}

// waitRaceOdds waits for the odds of #2543's race in the README's run:
// most runs on from the AbortAllPartition panic, none from the shutdown
// arm.
func waitRaceOdds(t *testing.T, tm *tmuxSession) {
	t.Helper()
	tm.waitAll(`(?m)^▸ 1 invoker0 input abort-all p0/e1.*\s(1[5-9]|20)/20 fail \(no-panic`, `(?m)^  2 invoker0 shutdown cancelled\s+0/20 fail\s*$`)
}

// quitHeldAndSaved quits the README's seed's session in tm, steered (as
// steering says), and checks its report: every invariant held, the
// session saved in work under its seed, saying what steered it, with no
// seed's run offered for it, and lab replay of it giving the hash printed.
func quitHeldAndSaved(t *testing.T, tm *tmuxSession, work, steering string) {
	t.Helper()
	tm.keys("q")
	if code := tm.exited(); code != 0 {
		t.Fatalf("lab tui exited %d after q:\n%s", code, tm.screen("-S", "-100"))
	}
	out := tm.screen("-S", "-200")
	sched := fmt.Sprintf("lab-session-seed%d-buggy.schedule", faults.DefaultSeed)
	hash := regexp.MustCompile(`hash\s+sha256:([0-9a-f]{64})`).FindStringSubmatch(out)
	saved := "session saved to " + sched + " (" + steering + ")"
	if hash == nil || !strings.Contains(strings.ReplaceAll(out, "\n", ""), saved) || !strings.Contains(out, "result    ok: every invariant held") {
		t.Fatalf("after quitting, no %q, no hash, or not every invariant held:\n%s", saved, out)
	}
	if strings.Contains(out, "lab run --seed") {
		t.Errorf("the report of a steered session offers its seed's run:\n%s", out)
	}
	r := lab(t, "replay", filepath.Join(work, sched))
	if r.code != exitOK || !strings.Contains(r.stdout, "sha256:"+hash[1]) {
		t.Fatalf("lab replay of the session: want exit 0 and hash %s\n%v", hash[1], r)
	}
}

// A replay taken over, in the real binary: the README's run recorded and
// played from the race, a offers the recorded pick (the AbortAllPartition,
// after which the invoker panics) and the shutdown arm; 2 takes the run
// over, and it holds every invariant. The session is saved under its
// seed, says where it was taken over and replays to its hash; the
// schedule played is left as it was.
func TestTUITakeOverAReplayInTmux(t *testing.T) {
	at := raceStep(t)
	readmeStartsAt(t, `lab tui --replay \S+ --start-at (\d+)`, at)
	work, tmp := t.TempDir(), t.TempDir()
	played := filepath.Join(work, "seed9.schedule")
	wantCode(t, lab(t, "run", "--seed", strconv.Itoa(faults.DefaultSeed), "--schedule-out", played, "--spill-dir", spillDir(t)), exitViolation)
	before, err := os.ReadFile(played)
	if err != nil {
		t.Fatal(err)
	}
	tm := newTmux(t, 160, 40, work, []string{"NO_COLOR=1", "TMPDIR=" + tmp},
		fmt.Sprintf("%s tui --replay seed9.schedule --start-at %d", labBin, at))
	tm.waitAll(`PAUSED`, `replaying seed9\.schedule`)
	tm.keys("a")
	tm.waitText(fmt.Sprintf(`take over at step %d \(2 ready\): \[1 invoker0 input abort-all p0/e1 \(recorded\)\] · 2 invoker0 shutdown cancelled`, at+1))
	waitRaceOdds(t, tm)
	tm.keys("2")
	tm.waitText(`took invoker0 shutdown cancelled: the run is yours from here`)
	quitHeldAndSaved(t, tm, work, fmt.Sprintf("taken over from seed9.schedule at step %d, 0 controls sent, 1 pick taken by hand", at+1))
	if after, err := os.ReadFile(played); err != nil || string(after) != string(before) {
		t.Errorf("the schedule played changed: %v", err)
	}
	checkTmp(t, tmp)
}

// In the violation panel of a session that sent no control, c runs the
// seed against the fix: the real binary's comparison, in the panel, the
// same as lab compare's of the README's seed (alike up to lab run's panic,
// where the fix drops the stale invoke).
func TestTUICompareInTmux(t *testing.T) {
	p := panicOf(t, lab(t, "run", "--seed", strconv.Itoa(faults.DefaultSeed), "--format", "json", "--spill-dir", spillDir(t)))
	work, tmp := t.TempDir(), t.TempDir()
	tm := newTmux(t, 120, 40, work, []string{"NO_COLOR=1", "TMPDIR=" + tmp}, fmt.Sprintf("%s tui --seed %d --pace 1000x", labBin, faults.DefaultSeed))
	tm.waitText(`VIOLATION no-panic`)
	tm.keys("c")
	// The fix drops the stale invoke.
	tm.waitAll(fmt.Sprintf(`buggy and fixed alike for %d events, then:`, p.Seq-1),
		regexp.QuoteMeta("fixed     "+p.at()+p.stale()), `fixed: every invariant held`)
	tm.keys("q")
	if code := tm.exited(); code != 0 {
		t.Fatalf("lab tui exited %d after q:\n%s", code, tm.screen("-S", "-100"))
	}
	// The report on quit ends with the same comparison's command.
	if out := tm.screen("-S", "-200"); !strings.Contains(out, fmt.Sprintf("compare      lab compare --seed %d --variant buggy --plan shutdown-race", faults.DefaultSeed)) {
		t.Errorf("the report on quit has no compare line:\n%s", out)
	}
	checkTmp(t, tmp)
}

// With a memory pool smaller than the node's slots, the real binary's
// header shows the pool full, and the invokers whose queues wait for it
// say so: seed 9's arrivals fill 8 leases within 30ms of virtual time.
func TestTUIMemoryPoolInTmux(t *testing.T) {
	tuiShows(t, fmt.Sprintf("--seed %d --variant fixed --memory-limit 8 --pace 0.01x", faults.DefaultSeed),
		`per-partition, memory-limit 8`, `· memory 8/8 ·`, `no memory`)
}

// The real binary in tmux with the yield on, behind a throttle: seed 1's
// two hungry invocations yield and come back for ever, each queue holding
// the lease the other needs, and the UI stops at the progress monitor's
// verdict with the pool full.
func TestTUIYieldLoopInTmux(t *testing.T) {
	tuiShows(t, "--seed 1 --variant fixed --plan none --throttle 300/s --throttle-burst 1 --memory-limit 2 --memory-hungry 2"+
		" --yield on --shutdown=false --progress-bound 1s --pace 1x",
		`per-partition, yield on, throttle 300/s burst 1, memory-limit 2`, `· memory 2/2 ·`, `VIOLATION progress`,
		`1 invocation made no progress for 1s: i001`)
}

// The real binary in tmux under --paused-slots leaked: seed 19's pause of
// an invocation waiting to retry keeps its slot (restatedev/restate#4468),
// and the UI stops at the violation with the pause's event on screen.
func TestTUIPausedSlotLeakInTmux(t *testing.T) {
	tuiShows(t, "--seed 19 --variant fixed --plan none --pauses 8 --paused-slots leaked --pace 0.05x",
		`per-partition, paused-slots leaked, 8 pauses`, `VIOLATION quota-conservation`,
		`invoker3 has 6/8 slots in use but 5 state machines`, `paused at once: its slot is never released`)
}

// The real binary in tmux under --vqueues unguarded: seed 1's first
// vqueue invocation to suspend gives back a slot it never took
// (restatedev/restate#4520), and the UI stops at the violation.
func TestTUIInflatedSlotsInTmux(t *testing.T) {
	tuiShows(t, "--seed 1 --variant fixed --plan none --vqueues unguarded --pace 0.05x",
		`per-partition, vqueues unguarded`, `· permits `, ` waiting`, `VIOLATION quota-conservation`,
		`invoker3 has 9 of 8 slots free but 0 state machines hold one`)
}

// tuiShows runs lab tui with args in tmux at 120x40, waits until the
// screen shows every one of want, quits with q, and wants exit 0 and
// nothing left in the run's tmp dir.
func tuiShows(t *testing.T, args string, want ...string) {
	t.Helper()
	work, tmp := t.TempDir(), t.TempDir()
	tm := newTmux(t, 120, 40, work, []string{"NO_COLOR=1", "TMPDIR=" + tmp}, labBin+" tui "+args)
	tm.waitAll(want...)
	tm.keys("q")
	if code := tm.exited(); code != 0 {
		t.Fatalf("lab tui exited %d after q:\n%s", code, tm.screen("-S", "-100"))
	}
	checkTmp(t, tmp)
}

// Without a terminal, lab tui says so and exits 2; plain lab prints help.
func TestTUINeedsATerminal(t *testing.T) {
	r := lab(t, "tui")
	if r.code != exitUsage || !strings.Contains(r.stderr, "lab tui needs a terminal") {
		t.Fatalf("lab tui without a terminal:\n%v", r)
	}
	// A bad flag is the error to name, with a terminal or without.
	wantUsageError(t, lab(t, "tui", "--partitions", "1025"), true, "partitions 1025: the lab simulates at most 1024")
	r = lab(t)
	if r.code != exitOK || !strings.Contains(r.stdout, "Available Commands") {
		t.Fatalf("plain lab without a terminal:\n%v", r)
	}
}

// lab tui --help gave lab run's defaults (seed 1, as fast as possible)
// for flags whose defaults the UI replaces.
func TestTUIHelpGivesItsDefaults(t *testing.T) {
	r := lab(t, "tui", "--help")
	wantCode(t, r, exitOK)
	for _, want := range []string{"(default: a fresh one, shown on screen)", "(default " + defaultTUIPace + ")"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("lab tui --help does not say %q", want)
		}
	}
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "--seed") && strings.Contains(line, "(default 1)") || strings.Contains(line, "as fast as possible") {
			t.Errorf("lab tui --help says %q", line)
		}
	}
}

// Plain lab on a terminal starts the UI, on a fresh seed.
func TestPlainLabStartsTheUI(t *testing.T) {
	work, tmp := t.TempDir(), t.TempDir()
	tm := newTmux(t, 100, 30, work, []string{"TMPDIR=" + tmp}, labBin)
	tm.waitAll(`lab seed \d+ · buggy · shutdown-race`, `RUNNING 0\.05x|PAUSED`) // the UI at its default pace
	tm.keys("q")
	if code := tm.exited(); code != 0 {
		t.Fatalf("plain lab exited %d:\n%s", code, tm.screen("-S", "-100"))
	}
	// The seed is drawn, so the run may have broken an invariant before
	// q on a slow machine: then the session was also saved at it.
	left := dirEntries(t, work)
	session := regexp.MustCompile(`^lab-session-seed\d+-buggy\.schedule$`)
	switch {
	case len(left) == 1 && session.MatchString(left[0]):
	case len(left) == 2 && session.MatchString(left[1]) && left[0] == strings.TrimSuffix(left[1], ".schedule")+"-violation.schedule":
	default:
		t.Errorf("the working directory holds %v, want one saved session (and the same saved at a violation)", left)
	}
	checkTmp(t, tmp)
}

// SIGTERM ends the UI with exit 130, restores nothing half-written: no
// session file, no spill directory.
func TestTUITerminated(t *testing.T) {
	work, tmp := t.TempDir(), t.TempDir()
	tm := newTmux(t, 100, 30, work, []string{"TMPDIR=" + tmp}, labBin+" tui --seed 1 --pace 0.01x")
	tm.waitText(`RUNNING 0\.01x`)
	tm.waitFor("a spill directory or the session's file", func(string) bool { return len(dirEntries(t, work)) > 0 })
	if err := syscall.Kill(tm.pid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := tm.exited(); code != exitInterrupt {
		t.Fatalf("lab tui exited %d on SIGTERM, want %d:\n%s", code, exitInterrupt, tm.screen("-S", "-50"))
	}
	if left := dirEntries(t, work); len(left) > 0 {
		t.Errorf("SIGTERM left %v in the working directory", left)
	}
	checkTmp(t, tmp)
}

// A terminal that goes away without a SIGHUP reaching the lab (started
// with setsid, the terminal is not its controlling one, so closing it
// signals nobody) ends the session as a hangup does: exit 130 at once,
// nothing left behind. The lab used to run on for ever, drawing into a
// terminal that no longer existed.
func TestTUITerminalGone(t *testing.T) {
	if _, err := exec.LookPath("setsid"); err != nil {
		t.Fatal("setsid (util-linux) is not installed, and this test starts the lab with it")
	}
	work, tmp, own := t.TempDir(), t.TempDir(), t.TempDir()
	rc := filepath.Join(own, "rc")
	tm := newTmux(t, 100, 30, work, []string{"TMPDIR=" + tmp},
		fmt.Sprintf("setsid -w sh -c '%s tui --seed 1 --pace 0.01x; echo $? > %s.tmp && mv %s.tmp %s'", labBin, rc, rc, rc))
	tm.waitText(`RUNNING 0\.01x`)
	t.Cleanup(func() { killIn(work) }) // should it run on
	tm.run("kill-server")              // the terminal closes; the lab is not in its session
	deadline := time.Now().Add(10 * time.Second)
	var code []byte
	for {
		var err error
		if code, err = os.ReadFile(rc); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("lab tui still runs 10s after its terminal went away")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := strings.TrimSpace(string(code)); got != strconv.Itoa(exitInterrupt) {
		t.Errorf("lab tui exited %s when its terminal went away, want %d", got, exitInterrupt)
	}
	if left := dirEntries(t, work); len(left) > 0 {
		t.Errorf("the lost terminal left %v in the working directory", left)
	}
	checkTmp(t, tmp)
}

// killIn kills every process whose working directory is dir.
func killIn(dir string) {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		if cwd, err := os.Readlink(filepath.Join(p, "cwd")); err == nil && cwd == dir {
			if pid, err := strconv.Atoi(filepath.Base(p)); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
}

// An unusable --schedule-out or --events (or working directory) was exit 3,
// "internal error"; like lab run's, it is bad input: exit 2, the same one
// line, and nothing left behind.
func TestTUIUnusableOutputs(t *testing.T) {
	work := t.TempDir()
	missing := filepath.Join(work, "no", "such", "dir")
	// A named pipe nobody reads: exit 3, "internal error", where lab run
	// said exit 2.
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ dir, args, want string }{
		{work, "--schedule-out " + filepath.Join(missing, "s.schedule"), "lab: --schedule-out: open " + missing},
		{work, "--schedule-out " + fifo, "lab: --schedule-out: " + fifo + ": a named pipe that nobody reads"},
		{work, "--events " + fifo, "lab: --events: " + fifo + ": a named pipe that nobody reads"},
		{work, "--events " + filepath.Join(missing, "ev.jsonl"), "lab: --events: open " + missing},
		// stdout is the screen: no output goes there, nor to a file named "-".
		{work, "--events -", "lab: --events -: stdout is the terminal UI's screen"},
		{work, "--schedule-out -", "lab: --schedule-out -: stdout is the terminal UI's screen"},
		// /proc: a working directory where no one, root included, creates a file.
		{"/proc", "", "lab: saving the session: open lab-session-seed1-buggy.schedule: "},
	} {
		stderr := filepath.Join(t.TempDir(), "stderr")
		tm := newTmux(t, 100, 30, tc.dir, nil, labBin+" tui --seed 1 "+tc.args+" 2>"+stderr)
		code := tm.exited()
		got, _ := os.ReadFile(stderr)
		wantUsageError(t, result{code: code, stderr: string(got)}, false, tc.want)
	}
	if left := dirEntries(t, work); len(left) > 0 {
		t.Errorf("left %v in the working directory", left)
	}
}
