package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"lab/faults"
	"lab/invoker"
)

// Exit codes, documented in the README.
const (
	exitOK        = 0   // every invariant held, every expect held
	exitViolation = 1   // a run found a violation, or a script expect failed
	exitUsage     = 2   // bad flags, plan, script, or an unusable directory
	exitInternal  = 3   // the lab itself failed, or could not write its output
	exitInterrupt = 130 // Ctrl-C or SIGTERM
)

// exitError carries the exit code a command ends with.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{exitUsage, fmt.Errorf(format, args...)}
}

// errOutput marks a failure to write stdout: a full disk or a closed pipe
// (exit 3, but not an internal error).
var errOutput = errors.New("writing the output")

func outputError(err error) error { return fmt.Errorf("%w: %w", errOutput, err) }

// writeError is a failure to write an output file (--schedule-out,
// --trace-out into a full disk): exit 3, said as it is, not "internal error".
type writeError struct{ err error }

func (e writeError) Error() string { return e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// violationFound ends a command with exit code 1 and no further message:
// the report already said what failed.
var violationFound = &exitError{exitViolation, nil}

// exitCode classifies an error and prints it on one line.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	code := exitInternal
	var ee *exitError
	var pe *faults.PlanError
	var se *faults.ScriptError
	var sche *faults.ScheduleError
	var le *faults.LimitError
	var he *invoker.HostError
	switch {
	case errors.As(err, &he):
		// exit 3, and not an internal error (below); before ErrSpillDir,
		// which a spill directory the host failed mid-run wraps
	case errors.As(err, &ee):
		code = ee.code
		if ee.err == nil {
			return code
		}
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "lab: interrupted")
		return exitInterrupt
	case errors.As(err, &pe), errors.As(err, &se), errors.As(err, &sche), errors.As(err, &le),
		errors.Is(err, invoker.ErrConfig), errors.Is(err, invoker.ErrSpillDir):
		code = exitUsage
	}
	msg := faults.Visible(strings.ReplaceAll(err.Error(), "\n", " "))
	var we writeError
	if code == exitInternal && !errors.Is(err, faults.ErrEventsWrite) && !errors.Is(err, faults.ErrScheduleWrite) && !errors.Is(err, errOutput) && !errors.As(err, &we) && !errors.As(err, &he) &&
		!strings.HasPrefix(msg, "--events") {
		msg = "internal error: " + msg
	}
	fmt.Fprintf(stderr, "lab: %s\n", msg)
	return code
}
