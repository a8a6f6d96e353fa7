package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

var progressLine = regexp.MustCompile(`\[[#.]{24}\] \d+ schedules  \d+/s  \d+ failed  ETA \d+s`)

// On a terminal, lab explore draws its progress bar on stderr: the real
// binary runs in tmux and the screen is read back.
func TestExploreProgressBarOnTerminal(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is needed to give lab explore a terminal: apt-get install tmux")
	}
	socket := fmt.Sprintf("lab-e2e-%d", os.Getpid())
	tmux := func(args ...string) ([]byte, error) {
		return exec.Command("tmux", append([]string{"-L", socket}, args...)...).CombinedOutput()
	}
	defer tmux("kill-server")
	cmd := fmt.Sprintf("%s explore --variant fixed --duration 4s > /dev/null; sleep 5", labBin)
	if out, err := tmux("new-session", "-d", "-x", "120", "-y", "10", cmd); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	deadline := time.Now().Add(4 * time.Second)
	var screen []byte
	for time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		var err error
		if screen, err = tmux("capture-pane", "-p"); err != nil {
			t.Fatalf("tmux capture-pane: %v\n%s", err, screen)
		}
		if progressLine.Match(screen) {
			return
		}
	}
	t.Fatalf("no progress bar on the terminal; the screen was:\n%s", screen)
}
