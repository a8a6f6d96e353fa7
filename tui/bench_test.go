package tui

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"lab/faults"
	"lab/invoker"
)

// perfConfig is a long steady run: 4,000 invocations arriving over 10s of
// virtual time on 4 partitions, the fixed variant (nothing pauses it),
// spilling to real files, paced so that it logs about 20,000 events per
// second of wall time.
func perfConfig(b *testing.B, eventsPerSecond float64) *Config {
	b.Helper()
	plan, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		b.Fatal(err)
	}
	node := invoker.DefaultConfig()
	node.Variant = invoker.Fixed
	node.Store = invoker.FileStores(b.TempDir())
	wl := faults.DefaultWorkload()
	wl.Invocations, wl.ArrivalSpan, wl.Shutdown = 4000, 10*time.Second, false
	opts := faults.Options{Seed: 1, Node: node, Plan: plan, Workload: wl}
	dir := b.TempDir()
	cfg := &Config{Options: opts, Scheduler: "random",
		SchedulePath: func(uint64, invoker.Variant) string { return filepath.Join(dir, "perf.schedule") },
		Command:      func(uint64, invoker.Variant) string { return "" }}
	// Events per virtual second: the first two virtual seconds, unpaced.
	s, err := startSession(context.Background(), cfg, 1, invoker.Fixed, false, 0)
	if err != nil {
		b.Fatal(err)
	}
	for s.runner.View().At < 2*time.Second {
		time.Sleep(time.Millisecond)
	}
	v := s.runner.View()
	s.stop()
	cfg.Speed = eventsPerSecond / (float64(v.Events) / v.At.Seconds())
	return cfg
}

// measure runs a session for warm-up plus window and returns the run's
// events per wall second over the window; attach starts a watcher on it
// and returns the function that stops it.
func measure(b *testing.B, cfg *Config, warmup, window time.Duration, attach func(*session) func()) float64 {
	b.Helper()
	s, err := startSession(context.Background(), cfg, 1, invoker.Fixed, false, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer s.stop()
	detach := func() {}
	if attach != nil {
		detach = attach(s)
	}
	time.Sleep(warmup)
	e0, t0 := s.runner.View().Events, time.Now()
	time.Sleep(window)
	e1, t1 := s.runner.View().Events, time.Now()
	detach()
	return float64(e1-e0) / t1.Sub(t0).Seconds()
}

// BenchmarkUIKeepsUp runs the same paced session alone and with the whole
// UI attached (the bubbletea program, its 20 Hz ticks, rendering at
// 120x40 to nowhere), and reports both event rates, their ratio, the
// events the UI missed, and the time one screen takes to draw.
//
//	go test ./tui -run X -bench UIKeepsUp -benchtime 1x
func BenchmarkUIKeepsUp(b *testing.B) {
	nextTick = tick
	defer func() { nextTick = func() tea.Cmd { return nil } }()
	const target = 20000.0
	warmup, window := time.Second, 4*time.Second
	cfg := perfConfig(b, target)
	var alone, attached, missed, draw float64
	for range b.N {
		alone += measure(b, cfg, warmup, window, nil)
		attached += measure(b, cfg, warmup, window, func(s *session) func() {
			p := tea.NewProgram(newModel(context.Background(), cfg, s), tea.WithInput(nil),
				tea.WithOutput(io.Discard), tea.WithoutSignalHandler())
			done := make(chan tea.Model, 1)
			go func() {
				m, err := p.Run()
				if err != nil {
					b.Error(err)
				}
				done <- m
			}()
			p.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
			return func() {
				p.Quit()
				m := (<-done).(Model)
				// What the UI counted must be what the run logged, up to
				// the last view it read.
				m.follow()
				if m.st.kinds != m.view.Kinds {
					b.Errorf("the UI's counts by kind differ from the run's")
				}
				missed += float64(m.st.missing(&m.view.Snapshot))
				start := time.Now()
				for range 100 {
					_ = m.View()
				}
				draw += float64(time.Since(start).Microseconds()) / 100
			}
		})
	}
	n := float64(b.N)
	b.ReportMetric(alone/n, "events/s-alone")
	b.ReportMetric(attached/n, "events/s-with-ui")
	b.ReportMetric(attached/alone, "ratio")
	b.ReportMetric(missed/n, "missed-events")
	b.ReportMetric(draw/n, "µs/screen")
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		b.Logf("target %.0f events/s at %s; load average %s", target, formatSpeed(cfg.Speed), strings.TrimSpace(string(load)))
	}
}

// BenchmarkReplaySeek is the time from a key that moves a replay (the
// README's seed of shutdown-race, buggy, spilling to real files) to the screen showing it: the replay starts again, takes its
// first steps at once, and the UI takes in every event up to there. Each
// seek goes to the middle of the replay from its start or its end.
func BenchmarkReplaySeek(b *testing.B) {
	cfg := replayConfig(b)
	cfg.Options.Node.Store = invoker.FileStores(b.TempDir())
	s, err := startSession(context.Background(), cfg, faults.DefaultSeed, invoker.Buggy, true, 0)
	if err != nil {
		b.Fatal(err)
	}
	m := newModel(context.Background(), cfg, s)
	defer func() { m.sess.stop() }()
	for i := 0; b.Loop(); i++ {
		n := cfg.Replay.Steps / 2
		if i%2 == 1 {
			n = cfg.Replay.Steps
		}
		m.seek(n)
		for m.view == nil || m.view.Steps != n || !m.view.Paused || m.st.seen != m.view.Events {
			m.follow()
			time.Sleep(100 * time.Microsecond)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/seek")
}

// BenchmarkLifecyclePanel draws the lifecycle panel over a full timeline
// (4,000 events kept of a run of 200 invocations): what the UI does at
// every frame while the panel is open.
func BenchmarkLifecyclePanel(b *testing.B) {
	w := faults.DefaultWorkload()
	w.Invocations = 200
	st := newState()
	node := invoker.DefaultConfig()
	node.Store = invoker.MemStores()
	if _, err := faults.Run(context.Background(), faults.Options{Seed: 1, Node: node, Workload: w,
		Observers: []faults.Observer{faults.EventFunc(st.add)}}); err != nil {
		b.Fatal(err)
	}
	if st.kept() != timelineCap {
		b.Fatalf("the timeline keeps %d events, want it full", st.kept())
	}
	m := Model{st: st, width: 120, life: st.touched[len(st.touched)/2]}
	lines := 0
	for b.Loop() {
		lines = len(m.lifecyclePanel(30))
	}
	b.ReportMetric(float64(lines), "lines")
}
