package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

var progressLine = regexp.MustCompile(`\[[#.]{24}\] \d+ schedules  \d+/s  \d+ failed  ETA \d+s  \d+ pairs  \d+ orders`)

// On a terminal, lab explore draws its progress bar on stderr: the real
// binary runs in tmux and the screen is read back.
func TestExploreProgressBarOnTerminal(t *testing.T) {
	waitOnTerminal(t, labBin+" explore --variant fixed --duration 4s > /dev/null; sleep 5", progressLine, 120)
}

// narrowLine is the explore line two seconds in, cut at 49 columns of a
// 50-column terminal.
var narrowLine = regexp.MustCompile(`(?m)^\[#####[#.]{19}\] \d+ schedules  \d+/s`)

// On a terminal narrower than its line, the bar is cut short of the last
// column: a line that wraps leaves its first part behind at every redraw,
// a screenful of them.
func TestExploreProgressBarOnNarrowTerminal(t *testing.T) {
	screen := waitOnTerminal(t, labBin+" explore --variant fixed --duration 4s > /dev/null; sleep 5", narrowLine, 50)
	if bars := regexp.MustCompile(`(?m)^\[[#.]{24}\]`).FindAllString(screen, -1); len(bars) != 1 {
		t.Errorf("%d progress lines on the screen, want the one redrawn:\n%s", len(bars), screen)
	}
}

var inevitableLine = regexp.MustCompile(`\[[#.]{24}\] K \d+ of 488 picks  \d+ runs  \d+/s`)

// So does lab inevitable, with the prefix it charts.
func TestInevitableProgressBarOnTerminal(t *testing.T) {
	sched := filepath.Join(t.TempDir(), "seed28.schedule")
	wantCode(t, lab(t, "run", "--seed", "28", "--plan", "none", "--schedule-out", sched), 1)
	waitOnTerminal(t, labBin+" inevitable "+sched+" --stride 1 --suffixes 300 > /dev/null; sleep 5", inevitableLine, 120)
}

// waitOnTerminal runs cmd in tmux, in a terminal width columns wide, until
// its screen shows want (9s at most: the commands keep their screen for 5s
// after they end, so a start slowed by a loaded machine still shows it),
// and returns the screen.
func waitOnTerminal(t *testing.T, cmd string, want *regexp.Regexp, width int) string {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is needed to give lab a terminal: apt-get install tmux")
	}
	socket := fmt.Sprintf("lab-e2e-%d-%s", os.Getpid(), t.Name())
	tmux := func(args ...string) ([]byte, error) {
		return exec.Command("tmux", append([]string{"-L", socket}, args...)...).CombinedOutput()
	}
	defer tmux("kill-server")
	if out, err := tmux("new-session", "-d", "-x", strconv.Itoa(width), "-y", "10", cmd); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	deadline := time.Now().Add(9 * time.Second)
	var screen []byte
	for time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		var err error
		if screen, err = tmux("capture-pane", "-p"); err != nil {
			t.Fatalf("tmux capture-pane: %v\n%s", err, screen)
		}
		if want.Match(screen) {
			return string(screen)
		}
	}
	t.Fatalf("no progress bar on the terminal; the screen was:\n%s", screen)
	return ""
}
