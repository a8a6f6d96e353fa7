package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"lab/explore"
	"lab/faults"
	"lab/invoker"
	"lab/live"
)

// outputFlags are what every simulating command writes, and where.
type outputFlags struct {
	format, events, spillDir string
	scheduleOut, pace        string
	verbose                  bool
	// onScreen: the terminal UI owns stdout, so no output may go there.
	onScreen bool
	tel      telemetryFlags
	// inputs are the files the command reads (a plan, a schedule): no
	// output may overwrite them.
	inputs []namedPath
}

func (o *outputFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&o.spillDir, "spill-dir", os.TempDir(), "directory for the invokers' spill directories")
	fl.StringVar(&o.format, "format", "text", "report format: text or json")
	fl.StringVar(&o.events, "events", "", "write the event log to this file as JSON Lines (-: to stdout, the report then to stderr)")
	fl.BoolVarP(&o.verbose, "verbose", "v", false, "print every event to stderr as it happens")
	fl.StringVar(&o.pace, "pace", "", "run at a pace against the wall clock: 1x is real time, 10x ten times faster (default: as fast as possible)")
	o.tel.register(fl)
}

func (o *outputFlags) check() error {
	if o.format != "text" && o.format != "json" {
		return usageError("--format %s: want text or json", o.format)
	}
	if info, err := os.Stat(o.spillDir); err != nil || !info.IsDir() {
		return usageError("--spill-dir %s: not a directory", o.spillDir)
	}
	if _, err := parsePace(o.pace); err != nil {
		return usageError("--pace %s: %v", o.pace, err)
	}
	outputs := []namedPath{{"--events", o.events}, {"--schedule-out", o.scheduleOut}, {"--trace-out", o.tel.traceOut}}
	for _, out := range outputs {
		switch {
		case out.path != stdoutPath:
		case o.onScreen:
			return usageError("%s -: stdout is the terminal UI's screen; give a file name", out.what)
		case out.what != "--events":
			return notStdout(out.what, out.path)
		}
	}
	if err := distinctFiles(o.inputs, outputs); err != nil {
		return err
	}
	return o.tel.check()
}

// minPace is the slowest pace, the terminal UI's too: slower, a run of
// milliseconds takes days.
const minPace = 1e-4

// parsePace reads a speed like 1x, 10x or 0.5x ("" is as fast as possible).
func parsePace(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	f, err := parseDecimalFloat(strings.TrimSuffix(s, "x"))
	if err != nil || !strings.HasSuffix(s, "x") {
		return 0, fmt.Errorf("want a speed like 1x, 10x or 0.5x")
	}
	if f < minPace || f > 1e9 {
		return 0, fmt.Errorf("want a speed from %gx to 1e9x, like 1x, 10x or 0.5x", minPace)
	}
	return f, nil
}

// execute runs the simulation: in one call, or on a live runner when it is
// paced or its metrics are served. Unpaced, the runner takes steps as fast
// as it can; it is there to publish the run's state, so that the gauges
// are present from the first scrape and follow a long run as it goes.
func (o *outputFlags) execute(ctx context.Context, opts faults.Options, tel *telemetrySession) (*faults.Result, error) {
	speed, _ := parsePace(o.pace)
	if speed == 0 && !tel.servesMetrics() {
		tel.awaitScrape(opts)
		return faults.Run(ctx, opts)
	}
	// Paused until the first scrape (--await-scrape), with its state at
	// time 0 published for it.
	r, err := live.Start(ctx, opts, live.Options{Speed: speed, Paused: true})
	if err != nil {
		return nil, err
	}
	tel.watch(r)
	tel.awaitScrape(opts)
	r.Resume()
	res, err := r.Wait()
	var crash *live.PanicError
	if errors.As(err, &crash) {
		panic(crash) // reported like a panic here, with the runner's stack
	}
	return res, err
}

// simulate runs one simulation with the outputs the flags ask for, prints
// its report and turns its verdict into the exit code.
func simulate(cmd *cobra.Command, opts faults.Options, out outputFlags) (err error) {
	if err := out.check(); err != nil {
		return err
	}
	opts.Node.Store = invoker.FileStores(out.spillDir)
	tel, err := startTelemetry(cmd.Context(), &out.tel, &opts, cmd.ErrOrStderr())
	defer tel.close(&err) // spans flushed on every path: end, violation, error, Ctrl-C
	if err != nil {
		return err
	}
	var files outputFiles
	defer files.abandon(&err)
	// With the event log on stdout, the report goes to stderr, so that
	// stdout is JSON Lines only.
	report := cmd.OutOrStdout()
	switch out.events {
	case "":
	case stdoutPath:
		if opts.Events, err = files.stdout(cmd.OutOrStdout()); err != nil {
			return err
		}
		report = cmd.ErrOrStderr()
	default:
		if opts.Events, err = files.create("--events", out.events, true); err != nil {
			return err
		}
	}
	if out.scheduleOut != "" {
		if opts.Record, err = files.create("--schedule-out", out.scheduleOut, false); err != nil {
			return err
		}
	}
	stderr := cmd.ErrOrStderr()
	if out.verbose {
		stderr = files.unblockable(stderr, "/dev/stderr")
	}
	// A pipe whose reader stalled holds a write for ever, past Ctrl-C:
	// once interrupted, stuck writes give up.
	defer context.AfterFunc(cmd.Context(), files.unblock)()
	// A failure to write -v's lines stops the run: its cause is the error.
	ctx, stop := context.WithCancelCause(cmd.Context())
	defer stop(nil)
	if out.verbose {
		opts.Observers = append(opts.Observers, faults.EventFunc(func(e invoker.Event) {
			if _, err := fmt.Fprintf(stderr, "%s %s\n", faults.FormatTime(e.At), e); err != nil {
				stop(outputError(err))
			}
		}))
	}
	files.start()
	res, err := out.execute(ctx, opts, tel)
	if err != nil {
		cause := context.Cause(ctx)
		// The event log's write, or -v's through stop (whichever came
		// first), that unblock gave up.
		if interrupted := givenUp(cmd.Context(), err, cause); interrupted != nil {
			return interrupted
		}
		if errors.Is(err, context.Canceled) && errors.Is(cause, errOutput) {
			return cause
		}
		return err
	}
	// The files are whole before the report says what is in them.
	if err := files.close(); err != nil {
		return err
	}
	tel.annotate(res)
	// lab replay reads regular files only, not a pipe or device given here.
	if info, err := os.Stat(out.scheduleOut); err == nil && info.Mode().IsRegular() {
		res.ReplaySchedule = "lab replay " + faults.ShellQuote(out.scheduleOut)
		if info.Size() > faults.MaxScheduleBytes {
			fmt.Fprintf(cmd.ErrOrStderr(), "lab: --schedule-out %s: %d MiB, more than the %d MiB lab replay reads; replay the run by its seed\n",
				out.scheduleOut, info.Size()>>20, faults.MaxScheduleBytes>>20)
			res.ReplaySchedule = ""
		}
	}
	if out.format == "json" {
		err = faults.WriteJSON(report, res)
	} else {
		if err = faults.WriteText(report, res); err == nil {
			err = writeCompareLine(report, res)
		}
	}
	if err != nil {
		return outputError(err)
	}
	if !res.OK() {
		err = violationFound
	}
	tel.flush(&err)
	tel.lingerOn(cmd.Context())
	return err
}

// outputFiles are the files a command writes: buffered and written whole
// lines at a time (see lineFile), closed once with their errors reported.
// A regular file is written beside its target and put in place only when
// the command is done (faults.Output), so that a command that fails leaves
// the file as it was rather than half-written.
type outputFiles struct {
	files []outputFile
	// streams are outputs to stdout (-): flushed with the files, never
	// removed; pipes are stdout or stderr opened again (unblockable).
	streams []*bufio.Writer
	pipes   []*os.File
	closed  bool
}

type outputFile struct {
	flag, path string
	file       *faults.Output
	w          *lineFile
	// partial: the file is worth keeping when the command fails (an event
	// log of whole lines up to an interrupt), unlike a schedule with no end.
	partial bool
}

func (o *outputFiles) create(flag, path string, partial bool) (io.Writer, error) {
	file, err := faults.OpenOutput(path)
	if err != nil {
		return nil, usageError("%s: %v", flag, err)
	}
	f := outputFile{flag: flag, path: path, file: file, w: &lineFile{file: file}, partial: partial}
	o.files = append(o.files, f)
	return f.w, nil
}

// start is the run starting: the files worth keeping in part (the event
// log) are put in place with their first line, to be read as they grow;
// the others wait until the command is done with them. (A run
// interrupted before its first line, waiting for a scrape, so leaves an
// older log where it was, not an empty one.)
func (o *outputFiles) start() {
	for _, f := range o.files {
		if f.partial {
			f.file.PlaceOnWrite()
		}
	}
}

// stdoutPath names standard output as an output file.
const stdoutPath = "-"

// notStdout refuses "-" for an output that cannot go to stdout, rather
// than write a file of that name.
func notStdout(flag, path string) error {
	if path == stdoutPath {
		return usageError("%s -: only the event log can go to stdout; give a file name", flag)
	}
	return nil
}

// stdout is the event log's output to stdout (w). A pipe is opened again
// through /dev/stdout, as a named pipe is (faults.CreateOutput): without
// blocking, so that a write stuck in a stalled reader gives up at an
// interrupt (unblock). Anything else (a terminal, a file appended to) is
// written as it is, buffered.
func (o *outputFiles) stdout(w io.Writer) (io.Writer, error) {
	if isPipe(w) {
		return o.create("--events", "/dev/stdout", true)
	}
	b := bufio.NewWriterSize(w, lineFileBuffer)
	o.streams = append(o.streams, b)
	return b, nil
}

// unblockable is w (stdout or stderr, which dev names) opened again without
// blocking when it is a pipe, unbuffered, so that a write stuck in a
// stalled reader gives up at an interrupt; otherwise w itself. -v writes
// its lines as they happen through it.
func (o *outputFiles) unblockable(w io.Writer, dev string) io.Writer {
	if !isPipe(w) {
		return w
	}
	f, err := faults.CreateOutput(dev)
	if err != nil {
		return w // no reader any more: the write fails, as it would have
	}
	o.pipes = append(o.pipes, f)
	return f
}

// isPipe reports whether w is a pipe: the process's stdout (checkedWriter)
// or stderr (patientWriter when it is one).
func isPipe(w io.Writer) bool {
	f, ok := w.(*os.File)
	switch w := w.(type) {
	case *checkedWriter:
		f, ok = w.file()
	case *patientWriter:
		return true
	}
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&fs.ModeNamedPipe != 0
}

// givenUp is the interrupt of ctx when one of errs is a write that unblock
// gave up: the interrupt is the cause, not the output.
func givenUp(ctx context.Context, errs ...error) error {
	interrupted := ctx.Err()
	if interrupted != nil && slices.ContainsFunc(errs, func(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }) {
		return interrupted
	}
	return nil
}

// unblock makes writes stuck in a pipe fail at once (regular files, which
// take no deadline, never block long).
func (o *outputFiles) unblock() {
	for _, f := range o.files {
		_ = f.file.SetWriteDeadline(time.Now())
	}
	for _, p := range o.pipes {
		_ = p.SetWriteDeadline(time.Now())
	}
}

// close flushes and closes every file and, if all went well, puts them in
// place; it returns the first error.
func (o *outputFiles) close() error {
	if err := o.flushClose(); err != nil {
		return err
	}
	return o.commit(func(outputFile) bool { return true })
}

// flushClose flushes and closes every file, once, and returns the first
// error.
func (o *outputFiles) flushClose() error {
	if o.closed {
		return nil
	}
	o.closed = true
	var first error
	for _, b := range o.streams {
		if err := b.Flush(); err != nil && first == nil {
			first = writeError{fmt.Errorf("--events: %w", err)}
		}
	}
	for _, f := range o.files {
		err := f.w.Flush()
		if cerr := f.file.Close(); err == nil {
			err = cerr
		}
		if err != nil && first == nil {
			first = writeError{fmt.Errorf("%s: %w", f.flag, err)}
		}
	}
	for _, p := range o.pipes {
		_ = p.Close() // what -v wrote through it failed there and then, if at all
	}
	return first
}

// commit puts the files keep says in place, abandons the others and
// returns the first error.
func (o *outputFiles) commit(keep func(outputFile) bool) error {
	var first error
	for _, f := range o.files {
		if !keep(f) {
			f.file.Abort()
			continue
		}
		if err := f.file.Commit(); err != nil && first == nil {
			first = writeError{fmt.Errorf("%s: %w", f.flag, err)}
		}
	}
	return first
}

// abandon closes the files if they are still open and, when the command
// failed, leaves those that are no use in part as they were before; a
// run that found a violation keeps them all, since that is when they are
// wanted most.
func (o *outputFiles) abandon(cmdErr *error) {
	if err := o.flushClose(); err != nil && *cmdErr == nil {
		*cmdErr = err
	}
	ok := *cmdErr == nil || errors.Is(*cmdErr, violationFound)
	err := o.commit(func(f outputFile) bool { return ok || f.partial && f.file.Placed() })
	if err != nil && ok {
		*cmdErr = err
	}
}

// writeCompareLine ends the text report of a failing run that its seed
// reproduces with the command that runs it against the fix, to see where
// the two part.
func writeCompareLine(w io.Writer, res *faults.Result) error {
	if res.OK() {
		return nil
	}
	first := res.Violations[0]
	c := explore.CompareCommand(res.Replay, res.Settings(), first.Invariant, first.Check)
	if c == "" {
		return nil
	}
	_, err := fmt.Fprintf(w, "compare      %s\n", c)
	return err
}
