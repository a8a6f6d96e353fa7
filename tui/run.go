package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"

	tea "github.com/charmbracelet/bubbletea"

	"lab/faults"
	"lab/invoker"
)

// Saved is the session the user quit: its result, and where its schedule
// is. Result.ReplaySchedule is the command that replays it.
type Saved struct {
	Result *faults.Result
	Path   string
	// Controls sent and Picks taken by hand steered the session.
	Controls, Picks int
}

// Run shows the UI on in and out until the user quits, then finishes the
// run headlessly (unpaced, no further controls) and saves its schedule, so
// that `lab replay` reproduces the session byte for byte. It says so on
// progress once the screen is restored.
func Run(ctx context.Context, cfg Config, in io.Reader, out io.Writer, progress io.Writer) (saved *Saved, err error) {
	defer func() {
		if cerr := cfg.closeOutputs(); cerr != nil && err == nil {
			saved, err = nil, fmt.Errorf("--events or --schedule-out: %w", cerr)
		}
	}()
	cfg.prepare()
	ctx, in, hangUp := watchTerminal(ctx, in)
	defer hangUp()
	paused := cfg.Paused || cfg.StartAt > 0
	s, err := startSession(ctx, &cfg, cfg.Options.Seed, cfg.Options.Node.Variant, paused || cfg.BeforeRun != nil, cfg.StartAt)
	if err != nil {
		return nil, err
	}
	if cfg.BeforeRun != nil {
		cfg.BeforeRun()
		if !paused {
			s.runner.Resume()
		}
	}
	// Signals arrive through ctx: bubbletea's own handler would race it
	// (and can block its shutdown forever sending to a finished loop).
	p := tea.NewProgram(newModel(ctx, &cfg, s), tea.WithContext(ctx), tea.WithInput(in),
		tea.WithOutput(out), tea.WithAltScreen(), tea.WithoutSignalHandler())
	final, err := p.Run()
	m, _ := final.(Model)
	if m.goingBack != nil {
		<-m.goingBack.done // the session finishing off the loop is done with
	}
	if m.sess != nil {
		s = m.sess
	}
	switch {
	case err != nil:
		s.stop()
		if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	case m.err != nil:
		return nil, m.err
	}
	replay := cfg.Replay
	if replay != nil {
		fmt.Fprintf(progress, "lab tui: finishing the replay of %s unpaced...\n", replay.Path)
	} else {
		fmt.Fprintf(progress, "lab tui: finishing the run unpaced, with no further controls, to save it...\n")
	}
	res, err := s.finish()
	if err != nil {
		return nil, err
	}
	tooLarge := tooLargeToPlay(s.path)
	if tooLarge == "" && s.replayable() {
		res.ReplaySchedule = "lab replay " + faults.ShellQuote(s.path)
	}
	steered := s.steered
	if replay != nil {
		if !replay.session {
			// A file played: shrunk, edited or steered, its seed may run
			// something else, so only the file's command is given.
			res.Replay = ""
			return &Saved{Result: res, Path: s.path}, nil
		}
		steered = replay.steered // of the session it was before going back
	}
	if steered.any() {
		res.Replay = "" // steered: its seed alone runs something else
	}
	switch {
	case tooLarge != "":
		fmt.Fprintf(progress, "lab tui: %s (%s)\n", tooLarge, steered)
	case res.ReplaySchedule == "":
		fmt.Fprintf(progress, "lab tui: session sent to %s (%s); lab replay reproduces it from a file of what it read\n",
			faults.ShellQuote(s.path), steered)
	default:
		fmt.Fprintf(progress, "lab tui: session saved to %s (%s); %s reproduces it\n",
			s.path, steered, res.ReplaySchedule)
	}
	return &Saved{Result: res, Path: s.path, Controls: steered.controls, Picks: steered.picks}, nil
}

// prepare readies cfg for its first session: the defaults of what it
// leaves unset, in TakeOver too, which is a copy of cfg itself for a live
// run (what a replay of its session goes on with, taken over).
func (cfg *Config) prepare() {
	cfg.setDefaults()
	// One set of pipes and devices for every session, taken over or not.
	cfg.direct = map[string]*faults.Output{}
	if t := cfg.TakeOver; t != nil {
		taken := *t
		taken.setDefaults()
		taken.direct = cfg.direct
		cfg.TakeOver = &taken
	} else if cfg.Replay == nil {
		live := *cfg
		cfg.TakeOver = &live
	}
}

// setDefaults fills in what cfg leaves unset: sessions saved here under
// their seed and variant, rerun by lab run, new seeds drawn at random,
// the random scheduler.
func (cfg *Config) setDefaults() {
	if cfg.SchedulePath == nil {
		cfg.SchedulePath = func(seed uint64, v invoker.Variant) string {
			return fmt.Sprintf("lab-session-seed%d-%s.schedule", seed, v)
		}
	}
	if cfg.Command == nil {
		cfg.Command = func(seed uint64, v invoker.Variant) string {
			return fmt.Sprintf("lab run --seed %d --variant %s --plan %s", seed, v, cfg.Options.Plan.Name)
		}
	}
	if cfg.NewSeed == nil {
		cfg.NewSeed = func() uint64 { return rand.Uint64N(1 << 32) }
	}
	if cfg.Scheduler == "" {
		cfg.Scheduler = "random"
	}
}
