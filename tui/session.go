package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"lab/faults"
	"lab/invoker"
	"lab/live"
)

// Config is how the UI starts a session, and starts it again on another
// seed or variant.
type Config struct {
	// Options are the run's options (node, plan, workload, observers...);
	// Seed and Node.Variant are those of the first session.
	Options faults.Options
	// Scheduler names the strategy, seeded per session (faults.NewStrategy).
	Scheduler string
	// Speed is the starting pace (virtual per wall time; 0 is unpaced).
	Speed float64
	// Paused starts the first session paused; StartAt, paused at that
	// step, its first StartAt steps taken at once.
	Paused  bool
	StartAt int
	// SchedulePath is where a session's schedule is saved.
	SchedulePath func(seed uint64, v invoker.Variant) string
	// ScheduleFlag is the flag that named SchedulePath's file, which an
	// error opening it names ("": the session's own name).
	ScheduleFlag string
	// Command is the `lab run` command line that reruns a session from its
	// seed alone (valid while no control was sent).
	Command func(seed uint64, v invoker.Variant) string
	// NewSeed draws the seed of a fresh session.
	NewSeed func() uint64
	// EventsPath, if set, receives the session's event log as JSON Lines.
	EventsPath string
	// Watch, if set, learns each session's runner as it starts (metrics
	// gauges follow its views).
	Watch func(*live.Runner)
	// BeforeRun, if set, is called once, when the first session's runner
	// has published its state at time 0 and before it takes a step, or the
	// screen is drawn (lab tui --await-scrape waits there for a scrape).
	BeforeRun func()
	// TraceID names the run's trace, and TraceIDOf an invocation's, when
	// telemetry is on ("" otherwise). Both are called from the UI's
	// goroutine while the run goes on, so they must be safe for that.
	TraceID   func() string
	TraceIDOf func(invoker.InvocationID) string
	// Inevitable, if set, charts when the session's first failure became
	// certain from the schedule saved at it (as lab inevitable does). It
	// runs off the UI's goroutine.
	Inevitable func(ctx context.Context, schedule string) (Chart, error)
	// Odds, if set, says for each option of a pick offered to a person
	// (a) what the runs that go on from it with that option taken come
	// to, one line each (lab's: explore.Branches), from cut: everything
	// the session recorded before the pick. It runs off the UI's
	// goroutine.
	Odds func(ctx context.Context, cut *faults.Schedule, options []faults.Choice) ([]string, error)
	// Compare, if set, runs seed under variant v and under what fixes
	// its first failure (the first violation), and says in a few
	// lines where the two part (as lab compare does); with schedule, the
	// run that schedule recorded (a session steered by controls is not its
	// seed's run). It runs off the UI's goroutine.
	Compare func(ctx context.Context, seed uint64, v invoker.Variant, first faults.Violation, schedule string) ([]string, error)
	// Replay, when set, makes the UI a player of one recorded schedule
	// (Options.Replay, ScanReplay): it goes back as well as forward, takes
	// no controls (the schedule has them) and saves no schedule.
	Replay *Replay
	// TakeOver, if set, lets a person take a replay over at one of its
	// picks with a choice (a, takeover.go), and is the configuration the
	// UI goes on with from there, live: its SchedulePath names where the
	// session is saved, its Scheduler takes the picks after the one taken,
	// its Options give the plan that draws the faults after it (rules
	// and all: a schedule only names its plan), the spill store and the
	// observers; a restart is a run of its Options. Run sets it to the
	// live configuration it was given, for the replay a live session
	// becomes when it goes back.
	TakeOver *Config
	// CheckPaths, if set, refuses a session's schedule file and the file
	// it is saved to at a violation (another output's, say) before the
	// session starts.
	CheckPaths func(schedule, violation string) error

	// direct are the pipes and devices the sessions write (openOutput).
	direct map[string]*faults.Output
}

// Chart is when a failure became inevitable, for the violation panel:
// its lines, and the step of its jump (0: none), where g j goes.
type Chart struct {
	Lines  []string
	JumpAt int
}

// session is one run: the runner, and the schedule it records to a
// temporary file that becomes the schedule once the run has ended.
type session struct {
	runner  *live.Runner
	seed    uint64
	variant invoker.Variant
	path    string
	// sched is where the schedule is saved, rec the file it is recorded
	// to: sched's own temporary file beside the schedule, or for a pipe or
	// device one of the temp directory, copied into it when saved.
	sched *faults.Output
	// toPipe: sched is a pipe or a device, written as it is.
	toPipe bool
	rec    *os.File
	w      *bufio.Writer
	// events is the event log, in place once the session starts (a file
	// that was there is left as it was until then).
	events *faults.Output
	ew     *bufio.Writer
	// steered counts the controls the run accepted and the picks taken
	// by hand.
	steered steering
}

// steering is what made a session other than its seed's run: a replay
// it took over (from: the replay's file and step), controls sent and
// picks taken by hand.
type steering struct {
	from            string
	controls, picks int
}

func (s steering) any() bool { return s.from != "" || s.controls+s.picks > 0 }

func (s steering) String() string {
	text := faults.Plural(s.controls, "control") + " sent"
	if s.from != "" {
		text = "taken over from " + s.from + ", " + text
	}
	if s.picks > 0 {
		text += ", " + faults.Plural(s.picks, "pick") + " taken by hand"
	}
	return text
}

// openOutput opens path for a session: a regular file afresh, written
// beside it until saved; a pipe or device once for every session, so
// that a restart does not close it on its reader.
func (cfg *Config) openOutput(path string) (*faults.Output, error) {
	if o := cfg.direct[path]; o != nil {
		return o, nil
	}
	o, err := faults.OpenOutput(path)
	if err != nil {
		return nil, err
	}
	if o.Direct() {
		if cfg.direct == nil {
			cfg.direct = map[string]*faults.Output{}
		}
		cfg.direct[path] = o
	}
	return o, nil
}

// OpenError is an output file that could not be opened: bad input, as
// lab run says of its outputs, not a failure of the lab.
type OpenError struct {
	What string // the flag, or "saving the session"
	Err  error
}

func (e *OpenError) Error() string { return e.What + ": " + e.Err.Error() }
func (e *OpenError) Unwrap() error { return e.Err }

// closeOutputs closes the pipes and devices the sessions wrote.
func (cfg *Config) closeOutputs() error {
	var errs []error
	for _, o := range cfg.direct {
		errs = append(errs, o.Commit())
	}
	cfg.direct = nil
	return errors.Join(errs...)
}

// checkPaths refuses the files a recorded session of seed and v would be
// saved to, when CheckPaths does.
func (cfg *Config) checkPaths(seed uint64, v invoker.Variant) error {
	if cfg.CheckPaths == nil || cfg.Replay != nil {
		return nil
	}
	path := cfg.SchedulePath(seed, v)
	return cfg.CheckPaths(path, ViolationPath(path, seed, v))
}

// startSession starts a run of seed and v, paused or not, whose first
// startAt steps are taken at once.
func startSession(ctx context.Context, cfg *Config, seed uint64, v invoker.Variant, paused bool, startAt int) (*session, error) {
	o := cfg.Options
	o.Seed = seed
	o.Node.Variant = v
	if cfg.Command != nil {
		o.Command = cfg.Command(seed, v)
	}
	path := ""
	if cfg.Replay != nil {
		path = cfg.Replay.Path // played, not recorded
	} else {
		path = cfg.SchedulePath(seed, v)
		if err := cfg.checkPaths(seed, v); err != nil {
			return nil, err
		}
	}
	return openSession(ctx, cfg, o, path, live.Options{Paused: paused, StartAt: startAt})
}

// openSession starts the run o on the runner, recording its schedule to
// path unless it is a strict replay, and its events to cfg.EventsPath.
func openSession(ctx context.Context, cfg *Config, o faults.Options, path string, lo live.Options) (*session, error) {
	strategy, err := faults.NewStrategy(cfg.Scheduler, o.Seed)
	if err != nil {
		return nil, err
	}
	o.Strategy = strategy
	s := &session{seed: o.Seed, variant: o.Node.Variant, path: path}
	if o.Replay == nil || o.Lenient {
		if s.sched, err = cfg.openOutput(s.path); err != nil {
			what := "saving the session"
			if cfg.ScheduleFlag != "" {
				what = cfg.ScheduleFlag
			}
			return nil, &OpenError{what, err}
		}
		s.rec, s.w = s.sched.File, bufio.NewWriter(s.sched)
		s.toPipe = s.sched.Direct()
		if s.toPipe {
			if s.rec, err = os.CreateTemp("", "lab-session-*.schedule"); err != nil {
				return nil, fmt.Errorf("saving the session: %w", err)
			}
			s.w = bufio.NewWriter(s.rec)
		}
		o.Record = s.w
	}
	if cfg.EventsPath != "" {
		if s.events, err = cfg.openOutput(cfg.EventsPath); err != nil {
			s.discard()
			return nil, &OpenError{"--events", err}
		}
		// The session's log, in place with its first line (tail -f); a
		// session stopped before it (waiting for a scrape) leaves an older
		// log as it was.
		s.events.PlaceOnWrite()
		s.ew = bufio.NewWriter(s.events)
		o.Events = s.ew
	}
	lo.Speed, lo.PauseOnViolation, lo.Follow, lo.PublishEvery = cfg.Speed, true, true, 33*time.Millisecond
	s.runner, err = live.Start(ctx, o, lo)
	if err != nil {
		s.discard()
		return nil, err
	}
	if cfg.Watch != nil {
		cfg.Watch(s.runner)
	}
	return s, nil
}

// discard drops an unfinished session's schedule and event log: the files
// stay as they were; a pipe or device keeps what it was sent, and stays
// open for the next session.
// replayable: the session's schedule goes to a file lab replay can read,
// not to a pipe or a device (which lab replay refuses).
func (s *session) replayable() bool { return !s.toPipe }

func (s *session) discard() {
	if s.sched != nil {
		if s.toPipe {
			s.rec.Close()
			os.Remove(s.rec.Name())
		} else {
			s.sched.Abort()
		}
		s.sched = nil
	}
	if s.events != nil {
		_ = s.ew.Flush() // whole lines, to the reader or the file in place
		if !s.events.Direct() {
			s.events.Abort() // removed only if never put in place
		}
		s.events = nil
	}
}

// stop ends the run where it is and drops its schedule: a restart.
func (s *session) stop() {
	s.runner.Stop()
	s.runner.Wait()
	s.discard()
}

// finish runs the rest of the run unpaced with no further controls and
// saves its schedule, so that `lab replay` reproduces the session byte for
// byte.
func (s *session) finish() (*faults.Result, error) {
	s.runner.Finish()
	res, err := s.runner.Wait()
	if err != nil {
		s.discard()
		return nil, err
	}
	if s.events != nil {
		err := s.ew.Flush()
		if err == nil && !s.events.Direct() {
			err = s.events.Commit()
		}
		if err != nil {
			s.discard()
			return nil, fmt.Errorf("--events: %w", err)
		}
		s.events = nil
	}
	if s.sched == nil {
		return res, nil // a replay: its schedule is the file played
	}
	if err := s.save(); err != nil {
		s.discard()
		return nil, fmt.Errorf("saving the session: %w", err)
	}
	s.sched = nil // saved: nothing left to discard
	return res, nil
}

// save puts the recorded schedule in place: renamed over the schedule's
// file, or copied into a pipe or device.
func (s *session) save() error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if !s.toPipe {
		return s.sched.Commit()
	}
	if _, err := s.rec.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(s.sched, s.rec)
	s.rec.Close()
	os.Remove(s.rec.Name())
	return err
}

// violationPath is where a session is saved when an invariant breaks:
// beside its schedule, or when that is a pipe or device, in the working
// directory under the session's own name.
func (s *session) violationPath() string {
	return ViolationPath(s.path, s.seed, s.variant)
}

// ViolationPath is where a session whose schedule is saved to path is
// saved when an invariant breaks: beside it, or when path is a pipe or
// device, in the working directory under the session's own name.
func ViolationPath(path string, seed uint64, v invoker.Variant) string {
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		return fmt.Sprintf("lab-session-seed%d-%s-violation.schedule", seed, v)
	}
	return strings.TrimSuffix(path, ".schedule") + "-violation.schedule"
}

// saveViolation saves the session as it stands, while the run goes on: the
// schedule recorded so far, closed with an end at this point, so that
// `lab replay` reproduces the session up to the violation and stops there.
func (s *session) saveViolation() (string, error) {
	path := s.violationPath()
	err := func() error {
		data, err := s.recorded()
		if err != nil {
			return err
		}
		out, err := faults.OpenOutput(path)
		if err != nil {
			return err
		}
		if _, err := out.Write(data); err != nil {
			out.Abort()
			return err
		}
		return out.Commit()
	}()
	if err != nil {
		return "", fmt.Errorf("saving the session at the violation: %w", err)
	}
	return path, nil
}

// recorded is the schedule the session has recorded so far, closed with
// an end at this point (the runner's checkpoint, between two steps or
// while a pick waits): `lab replay` of it stops there.
func (s *session) recorded() ([]byte, error) {
	var data []byte
	err := s.runner.Checkpoint(func(events uint64, hash string) error {
		if err := s.w.Flush(); err != nil {
			return err
		}
		d, err := os.ReadFile(s.rec.Name())
		if err != nil {
			return err
		}
		end := faults.Entry{Op: faults.OpEnd, Events: events, Hash: hash}
		data = append(d, end.String()+"\n"...)
		return nil
	})
	return data, err
}
