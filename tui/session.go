package tui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
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
	// Paused starts the first session paused.
	Paused bool
	// SchedulePath is where a session's schedule is saved.
	SchedulePath func(seed uint64, v invoker.Variant) string
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
	// TraceID names the run's trace, and TraceIDOf an invocation's, when
	// telemetry is on ("" otherwise). Both are called from the UI's
	// goroutine while the run goes on, so they must be safe for that.
	TraceID   func() string
	TraceIDOf func(invoker.InvocationID) string
	// Inevitable, if set, charts when the session's first failure became
	// certain from the schedule saved at it (as lab inevitable does). It
	// runs off the UI's goroutine.
	Inevitable func(ctx context.Context, schedule string) (Chart, error)
	// Compare, if set, runs seed under variant v and under what fixes
	// its failure of invariant (the first violation's), and says in a few
	// lines where the two part (as lab compare does); with schedule, the
	// run that schedule recorded (a session steered by controls is not its
	// seed's run). It runs off the UI's goroutine.
	Compare func(ctx context.Context, seed uint64, v invoker.Variant, invariant, schedule string) ([]string, error)
	// Replay, when set, makes the UI a player of one recorded schedule
	// (Options.Replay, ScanReplay): it goes back as well as forward, takes
	// no controls (the schedule has them) and saves no schedule.
	Replay *Replay
}

// Chart is when a failure became inevitable, for the violation panel:
// its lines, and the step of its jump (0: none), where g j goes.
type Chart struct {
	Lines  []string
	JumpAt int
}

// session is one run: the runner, and the schedule it records to a
// ".part" file that becomes the schedule once the run has ended.
type session struct {
	runner  *live.Runner
	seed    uint64
	variant invoker.Variant
	path    string
	part    *os.File
	w       *bufio.Writer
	events  *os.File
	ew      *bufio.Writer
	// controls counts the controls the run accepted.
	controls int
}

// startSession starts a run of seed and v, paused or not, whose first
// startAt steps are taken at once.
func startSession(ctx context.Context, cfg *Config, seed uint64, v invoker.Variant, paused bool, startAt int) (*session, error) {
	o := cfg.Options
	o.Seed = seed
	o.Node.Variant = v
	strategy, err := faults.NewStrategy(cfg.Scheduler, seed)
	if err != nil {
		return nil, err
	}
	o.Strategy = strategy
	if cfg.Command != nil {
		o.Command = cfg.Command(seed, v)
	}
	s := &session{seed: seed, variant: v}
	if cfg.Replay != nil {
		s.path = cfg.Replay.Path // played, not recorded
	} else {
		s.path = cfg.SchedulePath(seed, v)
		if s.part, err = os.Create(s.path + ".part"); err != nil {
			return nil, fmt.Errorf("saving the session: %w", err)
		}
		s.w = bufio.NewWriter(s.part)
		o.Record = s.w
	}
	if cfg.EventsPath != "" {
		if s.events, err = faults.CreateOutput(cfg.EventsPath); err != nil {
			s.discard()
			return nil, fmt.Errorf("--events: %w", err)
		}
		s.ew = bufio.NewWriter(s.events)
		o.Events = s.ew
	}
	s.runner, err = live.Start(ctx, o, live.Options{Speed: cfg.Speed, Paused: paused,
		PauseOnViolation: true, Follow: true, PublishEvery: 33 * time.Millisecond, StartAt: startAt})
	if err != nil {
		s.discard()
		return nil, err
	}
	if cfg.Watch != nil {
		cfg.Watch(s.runner)
	}
	return s, nil
}

// discard drops an unfinished session's schedule and event log.
func (s *session) discard() {
	if s.part != nil {
		s.part.Close()
		os.Remove(s.part.Name())
	}
	if s.events != nil {
		s.events.Close()
		os.Remove(s.events.Name())
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
		if err := errors.Join(s.ew.Flush(), s.events.Close()); err != nil {
			s.discard()
			return nil, fmt.Errorf("--events: %w", err)
		}
		s.events = nil
	}
	if s.part == nil {
		return res, nil // a replay: its schedule is the file played
	}
	if err := errors.Join(s.w.Flush(), s.part.Close()); err != nil {
		os.Remove(s.part.Name())
		return nil, fmt.Errorf("saving the session: %w", err)
	}
	if err := os.Rename(s.part.Name(), s.path); err != nil {
		os.Remove(s.part.Name())
		return nil, fmt.Errorf("saving the session: %w", err)
	}
	s.part = nil // saved: nothing left to discard
	return res, nil
}

// violationPath is where a session is saved when an invariant breaks.
func (s *session) violationPath() string {
	return strings.TrimSuffix(s.path, ".schedule") + "-violation.schedule"
}

// saveViolation saves the session as it stands, while the run goes on: the
// schedule recorded so far, closed with an end at this point, so that
// `lab replay` reproduces the session up to the violation and stops there.
func (s *session) saveViolation() (string, error) {
	path := s.violationPath()
	err := s.runner.Checkpoint(func(events uint64, hash string) error {
		if err := s.w.Flush(); err != nil {
			return err
		}
		data, err := os.ReadFile(s.part.Name())
		if err != nil {
			return err
		}
		end := faults.Entry{Op: faults.OpEnd, Events: events, Hash: hash}
		data = append(data, end.String()+"\n"...)
		if err := os.WriteFile(path+".part", data, 0o644); err != nil {
			os.Remove(path + ".part")
			return err
		}
		return os.Rename(path+".part", path)
	})
	if err != nil {
		return "", fmt.Errorf("saving the session at the violation: %w", err)
	}
	return path, nil
}
