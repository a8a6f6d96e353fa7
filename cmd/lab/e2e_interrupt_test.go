//go:build unix

package main

import (
	"syscall"
	"testing"
	"time"
)

// landing is where an interrupt came: before the work began, after it
// ended, or while it ran.
type landing int

const (
	tooEarly landing = iota
	tooLate
	landed
)

// landInterrupt finds a delay after which SIGINT lands while the work
// runs. When it lands depends on the machine's speed, so the delay is
// searched: doubled while it comes too early, halved back while the work
// finishes before it. try runs the lab once, interrupted after delay, and
// says where the interrupt landed.
func landInterrupt(t *testing.T, work string, try func(delay time.Duration) landing) {
	t.Helper()
	var early, late time.Duration
	delay := 200 * time.Millisecond
	for range 12 {
		switch try(delay) {
		case landed:
			return
		case tooEarly:
			early = delay
		case tooLate:
			late = delay
		}
		if late == 0 {
			delay *= 2
		} else {
			delay = (early + late) / 2
		}
	}
	t.Fatalf("no interrupt landed while %s: too early at %v, too late at %v", work, early, late)
}

// interruptedAfter runs lab with args and sends it SIGINT after delay,
// unless it has ended by then. The lab neither crashed nor left anything
// in its TMPDIR.
func interruptedAfter(t *testing.T, delay time.Duration, args ...string) result {
	t.Helper()
	var stdout, stderr lockedBuilder
	p := startLab(t, &stdout, &stderr, nil, args...)
	select {
	case err := <-p.done:
		p.done <- err // ended before the signal: wait reads it
	case <-time.After(delay):
		if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
	}
	code := p.wait(t)
	r := result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	noGoPanic(t, r)
	checkTmp(t, p.tmp)
	return r
}
