package main

import (
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"lab/faults"
)

// watchSignals makes the first SIGINT, SIGTERM or SIGHUP (the terminal
// closed) cancel the command, which then stops cleanly (event file flushed,
// spill directories removed, exit 130), and a second one exit at once.
// SIGPIPE is ignored: output into a closed pipe is a write error, handled
// like any other (exit 3), instead of killing the lab before it cleans up.
func watchSignals(cancel func(), stderr io.Writer) {
	signal.Ignore(syscall.SIGPIPE)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go secondForces(sigs, cancel, func() {
		faults.RemovePendingOutputs() // the files written over stay as they were
		sayAtMost(stderr, "lab: interrupted again: exiting now\n", lastWordsWait)
		os.Exit(exitInterrupt)
	}, time.Now)
}

// lastWordsWait is how long the forced exit waits for its line to be
// written: a stderr nobody reads (a full pipe, a stopped terminal, a
// socket) held "exiting now" for seconds, or for ever.
const lastWordsWait = 20 * time.Millisecond

// sayAtMost writes line to w, and waits for the write at most wait.
func sayAtMost(w io.Writer, line string, wait time.Duration) {
	said := make(chan struct{})
	go func() {
		_, _ = io.WriteString(w, line)
		close(said)
	}()
	select {
	case <-said:
	case <-time.After(wait):
	}
}

// oneInterrupt is how close together two signals are one interrupt: timeout
// -s INT, and others that signal a process and then its process group, send
// it twice at once. A person's second Ctrl-C comes later than that.
const oneInterrupt = 100 * time.Millisecond

// secondForces cancels on the first signal and calls force on the next one
// that comes oneInterrupt or more after it, by the clock now.
func secondForces(sigs <-chan os.Signal, cancel, force func(), now func() time.Time) {
	<-sigs
	first := now()
	cancel()
	for range sigs {
		if now().Sub(first) >= oneInterrupt {
			force()
			return
		}
	}
}
