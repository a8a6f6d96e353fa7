package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
)

// crashed reports a Go panic in the lab itself: one line and exit code 3.
// The stack goes to stderr with -v, and otherwise to a file the line names,
// for the bug report.
func crashed(p any, stack []byte, verbose bool, stderr io.Writer) int {
	msg := strings.ReplaceAll(fmt.Sprint(p), "\n", " ")
	if verbose {
		fmt.Fprintf(stderr, "lab: internal error: panic: %s\n%s", msg, stack)
		return exitInternal
	}
	where := "run with -v to see the stack"
	if f, err := os.CreateTemp("", "lab-crash-*.txt"); err == nil {
		_, werr := fmt.Fprintf(f, "panic: %s\n\n%s", msg, stack)
		if cerr := f.Close(); werr == nil && cerr == nil {
			where = "stack in " + f.Name()
		} else {
			_ = os.Remove(f.Name())
		}
	}
	fmt.Fprintf(stderr, "lab: internal error: panic: %s (%s)\n", msg, where)
	return exitInternal
}

// stack is the current goroutine's stack, for crashed.
func stack() []byte { return debug.Stack() }
