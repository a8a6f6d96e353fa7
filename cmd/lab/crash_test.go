package main

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"lab/faults"
)

// crashCmd panics, as a bug in the lab would.
func crashCmd() *cobra.Command {
	return &cobra.Command{Use: "crash", RunE: func(*cobra.Command, []string) error { panic("boom\nsecond line") }}
}

// A Go panic in the lab exited 2, the code for bad input, with a goroutine
// dump. It is exit 3 with one line naming a file that holds the stack; -v
// prints the stack instead.
func TestPanicIsExit3(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var stdout, stderr strings.Builder
	code := executeWith(context.Background(), []string{"crash"}, &stdout, &stderr, crashCmd())
	if code != exitInternal {
		t.Errorf("exit code %d, want %d", code, exitInternal)
	}
	msg := stderr.String()
	if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "lab: internal error: panic: boom second line (stack in ") {
		t.Fatalf("stderr = %q, want one line naming the stack file", msg)
	}
	path := strings.TrimSuffix(msg[strings.Index(msg, "(stack in ")+len("(stack in "):], ")\n")
	data, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(data), "goroutine ") || !strings.Contains(string(data), "crash_test.go") {
		t.Errorf("stack file %s: %v\n%s", path, err, data)
	}
	if !strings.HasPrefix(path, tmp) {
		t.Errorf("stack file %s is not in TMPDIR %s", path, tmp)
	}

	stderr.Reset()
	code = executeWith(context.Background(), []string{"crash", "-v"}, &stdout, &stderr, crashCmd())
	if code != exitInternal || !strings.HasPrefix(stderr.String(), "lab: internal error: panic: boom second line\n") ||
		!strings.Contains(stderr.String(), "goroutine ") {
		t.Errorf("with -v: exit %d, stderr %q; want 3 and the stack", code, stderr.String())
	}
	if stdout.String() != "" {
		t.Errorf("stdout = %q", stdout.String())
	}
}

// The first SIGINT or SIGTERM cancels, the second forces the exit, unless
// it came with the first: a signal sent to the process and to its group
// at once (timeout -s INT) is one interrupt.
func TestSecondSignalForces(t *testing.T) {
	sigs := make(chan os.Signal, 3)
	cancelled, forced := make(chan struct{}), make(chan struct{})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := make(chan time.Time, 3)
	go secondForces(sigs, func() { close(cancelled) }, func() { close(forced) }, func() time.Time { return <-clock })
	clock <- t0
	sigs <- syscall.SIGINT
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the first signal did not cancel")
	}
	clock <- t0.Add(oneInterrupt - time.Millisecond)
	sigs <- syscall.SIGINT
	clock <- t0.Add(oneInterrupt)
	sigs <- syscall.SIGTERM
	select {
	case <-forced:
	case <-time.After(5 * time.Second):
		t.Fatal("the second signal did not force the exit")
	}
	if len(clock) != 0 {
		t.Fatal("the signal that came with the first forced the exit")
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"chaos": "chaos", "dir/my-plan.yaml": "dir/my-plan.yaml", "dir/my plan.json": "'dir/my plan.json'",
		"it's": `'it'\''s'`, "": "''", "$(rm -rf x)": "'$(rm -rf x)'",
	} {
		if got := faults.ShellQuote(in); got != want {
			t.Errorf("faults.ShellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}
