package explore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"lab/faults"
)

// SaveOptions say where failures go and how long shrinking each may take.
type SaveOptions struct {
	Dir string
	// Shrink each saved failure, for at most ShrinkBudget.
	Shrink       bool
	ShrinkBudget time.Duration
	// PerInvariant is how many failures of each invariant are saved (of
	// each of its checks, see faults.Violation.Check), the first by seed;
	// 0 saves every failure.
	PerInvariant int
	// Progress, if set, hears what is being saved.
	Progress func(msg string)
	// Reserved are files the caller writes besides (the report's): a
	// failure's file that is one of them, under any name, is refused.
	Reserved []string
	// ScheduleLimit is the most bytes a failure's recorded schedule may
	// take (0: faults.MaxScheduleBytes, what lab replay reads); a failure
	// whose schedule is larger is saved without it (Failure.Unsaved).
	ScheduleLimit int
}

// Save writes, for the first opt.PerInvariant failing seeds of every
// invariant and check it lists (every one if 0), its report, its recorded schedule and its
// shrunk schedule into opt.Dir, and notes the files (and the shrinking) in
// the report. A seed is rerun in full (the exploration stopped each run at
// its first violation) while being recorded. Determinism failures have
// nothing to save: their seed's two runs differed.
func Save(ctx context.Context, cfg Config, r *Report, opt SaveOptions) error {
	plans, err := builtinPlans()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opt.Dir, 0o755); err != nil {
		return err
	}
	x := &explorer{cfg: &cfg, plans: plans}
	saved := map[way]int{}
	taken := takenFiles{}
	for _, path := range opt.Reserved {
		taken.add(path)
	}
	for i := range r.Failures {
		f := &r.Failures[i]
		key := wayOf(*f)
		if f.Invariant == Determinism || (opt.PerInvariant > 0 && saved[key] >= opt.PerInvariant) {
			continue
		}
		saved[key]++
		if opt.Progress != nil {
			opt.Progress(fmt.Sprintf("saving seed %d (%s)", f.Seed, f.Invariant))
		}
		if err := x.save(ctx, f, opt, taken); err != nil {
			return fmt.Errorf("seed %d: %w", f.Seed, err)
		}
	}
	return nil
}

func (x *explorer) save(ctx context.Context, f *Failure, opt SaveOptions, taken takenFiles) error {
	o, err := x.Options(f.Seed)
	if err != nil {
		return err
	}
	sched := cappedBuffer{limit: cmp.Or(opt.ScheduleLimit, faults.MaxScheduleBytes)}
	o.Record, o.Command = &sched, f.Replay
	res, err := faults.Run(ctx, o)
	if err != nil {
		return err
	}
	if v, ok := res.FirstViolationOf(o.Invariants); !ok || v.Invariant != f.Invariant || v.Check != f.Check {
		return fmt.Errorf("the full run does not violate %s first", faults.Violation{Invariant: f.Invariant, Check: f.Check}.Failure())
	}
	stem := filepath.Join(opt.Dir, fmt.Sprintf("seed-%d-%s", f.Seed, f.Invariant))
	schedFile := stem + ".schedule"
	// A shrunk schedule of this name left by an earlier exploration is
	// not this schedule's: unless a new one replaces it, it goes with the
	// old files.
	shrunkFile := stem + "-shrunk.schedule"
	if sched.over {
		// A loop that goes round every millisecond for the whole progress
		// bound records millions of decisions: lab replay would not read
		// them, and shrinking them took tens of gigabytes.
		f.Unsaved = fmt.Sprintf("its schedule, more than %s, was not saved, nor shrunk: rerun the seed, or explore it under a shorter --progress-bound", faults.SizeText(int64(sched.limit)))
		var report bytes.Buffer
		if err := faults.WriteText(&report, res); err != nil {
			return err
		}
		name := stem + ".report.txt"
		return f.write([]string{name}, map[string][]byte{name: report.Bytes()}, taken, schedFile, shrunkFile)
	}
	res.ReplaySchedule = "lab replay " + faults.ShellQuote(schedFile)
	var report bytes.Buffer
	if err := faults.WriteText(&report, res); err != nil {
		return err
	}
	files := map[string][]byte{stem + ".report.txt": report.Bytes(), schedFile: sched.Bytes()}
	names := []string{stem + ".report.txt", schedFile}
	if opt.Shrink {
		s, err := faults.ParseSchedule(schedFile, sched.Bytes())
		if err != nil {
			return err
		}
		shrunk, err := Shrink(ctx, s, opt.ShrinkBudget)
		if err != nil {
			// Interrupted, or the shrinker failed: the failure is kept
			// unshrunk, and the error said.
			if werr := f.write(names, files, taken, shrunkFile); werr != nil {
				return werr
			}
			if errors.Is(err, context.Canceled) {
				return err
			}
			return fmt.Errorf("shrinking: %w", err)
		}
		files[shrunkFile] = shrunk.Schedule
		names = append(names, shrunkFile)
		f.Shrunk = shrunk
		if err := f.write(names, files, taken); err != nil || !shrunk.Interrupted {
			return err
		}
		return ctx.Err() // kept, shrunk as far as it got: the failures after it are not saved
	}
	return f.write(names, files, taken, shrunkFile)
}

// write writes a failure's files all together or not at all (a report
// whose schedule is missing replays nothing), and notes them. Each goes to
// a temporary file first (faults.OpenOutput); once all are whole, what is
// where they go is moved aside, and they are put in place. Should one of
// them fail, those put in place are taken away and what was there is put
// back: a full disk or a directory in the way leaves everything as it was.
// The stale files, once the new ones are in place, are removed.
func (f *Failure) write(names []string, files map[string][]byte, taken takenFiles, stale ...string) (err error) {
	defer func() {
		if err != nil {
			f.Shrunk = nil // the report says what was saved
		}
	}()
	// Two of a save's files that are one, through links the user left in
	// the directory, would write over each other.
	mine := takenFiles{}
	for _, name := range names {
		if other, ok := taken.of(name); ok {
			return &fs.PathError{Op: "write", Path: name, Err: fmt.Errorf("the same file as %s", other)}
		}
		if other, ok := mine.of(name); ok {
			return &fs.PathError{Op: "write", Path: name, Err: fmt.Errorf("the same file as %s", other)}
		}
		mine.add(name)
	}
	defer func() {
		if err == nil {
			maps.Copy(taken, mine)
		}
	}()
	outs := make([]*faults.Output, 0, len(names))
	defer func() {
		for _, o := range outs {
			o.Abort() // those not put in place
		}
	}()
	for _, name := range names {
		o, err := faults.OpenOutput(name)
		if err != nil {
			return err
		}
		outs = append(outs, o)
		if _, err := o.Write(files[name]); err != nil {
			return err
		}
	}
	aside, err := moveAside(names)
	// A stale file that cannot be moved aside (a directory that allows no
	// rename) stays: it is no reason to lose this failure's files.
	var staleAside map[string]string
	if err == nil {
		staleAside, _ = moveAside(staleFiles(stale, taken, mine))
	}
	defer func() {
		for _, moved := range []map[string]string{aside, staleAside} {
			for target, old := range moved {
				if err != nil {
					os.Rename(old, target) // put back, over the new file if there is one
				} else {
					os.Remove(old)
				}
			}
		}
	}()
	if err != nil {
		return err
	}
	for i, o := range outs {
		if err := o.Commit(); err != nil {
			for j, done := range names[:i] {
				if target, ok := faults.ResolveLinks(done); ok && aside[target] == "" && !outs[j].Direct() {
					os.Remove(target) // nothing to put back over it
				}
			}
			return err
		}
	}
	f.Files = append(f.Files, names...)
	return nil
}

// staleFiles are the names that are regular files (a link is the user's,
// and what it leads to too) this exploration did not write.
func staleFiles(names []string, taken ...takenFiles) []string {
	var stale []string
	for _, name := range names {
		if fi, err := os.Lstat(name); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if !slices.ContainsFunc(taken, func(t takenFiles) bool { _, ok := t.of(name); return ok }) {
			stale = append(stale, name)
		}
	}
	return stale
}

// moveAside renames the regular files that names lead to (through their
// links) to hidden names beside them, and says where each went; on error
// it puts back those it moved.
func moveAside(names []string) (map[string]string, error) {
	aside := map[string]string{}
	for _, name := range names {
		target, ok := faults.ResolveLinks(name)
		if !ok {
			continue // a loop of links: opening it failed already
		}
		if fi, err := os.Lstat(target); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		old, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.old")
		if err == nil {
			old.Close()
			if err = os.Rename(target, old.Name()); err != nil {
				os.Remove(old.Name())
			}
		}
		if err != nil {
			for t, o := range aside {
				os.Rename(o, t)
			}
			return nil, &fs.PathError{Op: "write", Path: name, Err: errors.Unwrap(err)}
		}
		aside[target] = old.Name()
	}
	return aside, nil
}

// takenFiles are the files a save wrote, by where their names lead (the
// links followed), each with the name it was written by.
type takenFiles map[string]string

func (t takenFiles) add(name string) {
	if where, ok := faults.WrittenAt(name); ok {
		t[where] = name
	}
}

// of is the name a file already taken was written by, if name is one.
func (t takenFiles) of(name string) (string, bool) {
	where, ok := faults.WrittenAt(name)
	if !ok {
		return "", false
	}
	other, ok := t[where]
	return other, ok
}

// cappedBuffer keeps what is written to it up to limit bytes, and past
// that only notes that there was more (over): the run recorded goes on,
// and its schedule is not kept, rather than the machine's memory taken.
type cappedBuffer struct {
	bytes.Buffer
	limit int
	over  bool
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if c.over || c.Len()+len(p) > c.limit {
		c.over = true
		return len(p), nil
	}
	return c.Buffer.Write(p)
}
