package tui

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"lab/faults"
	"lab/invoker"
)

// Replay is a recorded schedule the UI moves through in both directions.
// A replay is deterministic, so going to step n is starting it again
// and taking its first n steps at once (live.Options.StartAt): a few
// milliseconds for a run of the reference workload.
type Replay struct {
	// Path names the schedule.
	Path string
	// Steps the whole replay takes; Violation is the step that
	// broke the first invariant (0: none did).
	Steps, Violation int
	// eventAt[e-1] is the step that logged event #e.
	eventAt []int
	// session is set when the replay is of the session the UI ran and
	// saved (Model.replayFinished), with what steered that session.
	session bool
	steered steering
	// sched is the schedule played; choices are its picks that had
	// more than one thing ready, in order: where it can be taken over.
	sched   *faults.Schedule
	choices []replayChoice
}

// replayChoice is a pick of a replay that had more than one thing ready:
// the step that took it, its number among the picks, what the recording
// took, and how many events were logged before it.
type replayChoice struct {
	step, pick int
	taken      faults.Choice
	events     uint64
}

// nextChoice is the first pick with a choice that step after takes, or
// later ones.
func (r *Replay) nextChoice(after int) (replayChoice, bool) {
	i, _ := slices.BinarySearchFunc(r.choices, after+1, func(c replayChoice, step int) int { return cmp.Compare(c.step, step) })
	if i == len(r.choices) {
		return replayChoice{}, false
	}
	return r.choices[i], true
}

// ScanReplay runs the replay o describes once, headless and with its
// spill in memory, to learn its length, where it breaks an invariant,
// which step logged each event and which picks had a choice; until ctx
// is done.
func ScanReplay(ctx context.Context, path string, o faults.Options) (*Replay, error) {
	if o.Replay == nil {
		return nil, fmt.Errorf("%s: not a replay", path)
	}
	o.Record, o.Events = nil, nil
	o.Node.Store = invoker.MemStores()
	r := &Replay{Path: path, sched: o.Replay}
	step, picks := 0, 0
	o.Observers = []faults.Observer{
		faults.EventFunc(func(invoker.Event) { r.eventAt = append(r.eventAt, step+1) }),
		faults.PickFunc(func(ready []faults.Choice, taken int, _ func(faults.Choice) string) {
			if picks++; len(ready) > 1 {
				r.choices = append(r.choices, replayChoice{step: step + 1, pick: picks, taken: ready[taken], events: uint64(len(r.eventAt))})
			}
		}),
	}
	sim, err := faults.New(o)
	if err != nil {
		return nil, err
	}
	defer sim.Close()
	for !sim.Done() {
		if step%1024 == 1023 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if _, err := sim.Step(); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		step++
		if r.Violation == 0 && sim.ViolationCount() > 0 {
			r.Violation = step
		}
	}
	r.Steps = step
	return r, nil
}

// target reads where a go-to prompt asks to go: a step number, #N the
// step that logged event N, v the violation, j the chart's jump
// (jumpAt; 0: not charted), s the stalled invocation's last step forward
// (stall, as the view showed it when g was pressed), or end.
func (r *Replay) target(s string, jumpAt int, stall faults.Stall) (int, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "s":
		if stall.Inv == "" {
			return 0, fmt.Errorf("no invocation is stalled here")
		}
		return r.target(fmt.Sprintf("#%d", stall.Seq), jumpAt, stall)
	case s == "j":
		if jumpAt == 0 {
			return 0, fmt.Errorf("no jump charted: i charts it, from the violation panel")
		}
		return jumpAt, nil
	case s == "v":
		if r.Violation == 0 {
			return 0, fmt.Errorf("this replay violates no invariant")
		}
		return r.Violation, nil
	case s == "end":
		return r.Steps, nil
	case strings.HasPrefix(s, "#"):
		e, err := strconv.Atoi(s[1:])
		if err != nil || e < 1 || e > len(r.eventAt) {
			return 0, fmt.Errorf("event %q: the replay logs events #1 to #%d", s, len(r.eventAt))
		}
		return r.eventAt[e-1], nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > r.Steps {
		return 0, fmt.Errorf("%q: want a step from 0 to %d, #EVENT, v (the violation), j (the chart's jump), s (the stalled invocation's last step forward) or end", s, r.Steps)
	}
	return n, nil
}

// goingBack is a live session on its way to becoming a replay of itself:
// it finishes off the UI loop (a long run takes seconds), while the keys
// typed meanwhile wait, to run once it plays.
type goingBack struct {
	keys []tea.KeyMsg
	// stop ends the scan of the saved schedule: the user quit, and Run
	// reports the session saved instead.
	stop context.CancelFunc
	// done is closed once the session has finished, saved or not: Run
	// waits for it before it stops the session on its way out.
	done chan struct{}
}

// playBackMsg is the session finished and saved, and its schedule scanned,
// or why not.
type playBackMsg struct {
	at      int
	options faults.Options
	replay  *Replay
	// tooLarge: the session is saved, but larger than a replay reads.
	tooLarge bool
	err      error
}

// playBackLimit is the largest saved session the UI plays back: what lab
// replay reads (faults.MaxScheduleBytes). A var, so that a test can lower
// it.
var playBackLimit int64 = faults.MaxScheduleBytes

// tooLargeToPlay says why a saved session is not played back ("" when it
// is small enough): a yield loop at a long progress bound records
// hundreds of megabytes, and its replay would take gigabytes.
func tooLargeToPlay(path string) string {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() || info.Size() <= playBackLimit {
		return ""
	}
	return fmt.Sprintf("the session saved to %s, %s, is more than the %s a replay reads",
		path, faults.SizeText(info.Size()), faults.SizeText(playBackLimit))
}

// finishToPlayBack is the command that runs the session to its end
// unpaced with no further controls and saves it, as on quit, then scans
// the saved schedule to play it back from step at.
func (m *Model) finishToPlayBack(at int) tea.Cmd {
	sess, back := m.sess, m.goingBack
	ctx, stop := context.WithCancel(m.ctx)
	back.stop = stop
	command := m.cfg.Command
	return func() tea.Msg {
		defer close(back.done)
		defer stop()
		if _, err := sess.finish(); err != nil {
			return playBackMsg{err: err}
		}
		if tooLargeToPlay(sess.path) != "" {
			return playBackMsg{tooLarge: true}
		}
		sch, err := readScheduleFile(sess.path)
		if err != nil {
			return playBackMsg{err: err}
		}
		o := faults.ReplayOptions(sch)
		// Its seed reruns the session only if nothing steered it; the
		// schedule's replay command is the report's other line.
		o.Command = ""
		if !sess.steered.any() && command != nil {
			o.Command = command(sess.seed, sess.variant)
		}
		r, err := ScanReplay(ctx, sess.path, o)
		if err != nil {
			return playBackMsg{err: err}
		}
		r.session, r.steered = true, sess.steered
		return playBackMsg{at: at, options: o, replay: r}
	}
}

// playBack makes the UI a player of the session it watched, on the spill
// store the session used. Telemetry and the event log saw the whole run
// already: the replay feeds neither.
func (m *Model) playBack(msg playBackMsg) {
	msg.options.Node.Store = m.cfg.Options.Node.Store
	m.cfg.Options, m.cfg.Replay = msg.options, msg.replay
	m.cfg.Command, m.cfg.EventsPath, m.cfg.Watch = nil, "", nil
	m.cfg.TraceID, m.cfg.TraceIDOf = nil, nil
	m.keys = newKeyMap(true, m.cfg.TakeOver != nil)
}

// readScheduleFile reads a schedule the UI saved.
func readScheduleFile(path string) (*faults.Schedule, error) {
	data, err := faults.ReadInputUpTo(path, playBackLimit)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return faults.ParseSchedule(path, data)
}
