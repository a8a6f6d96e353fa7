package tui

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"go.uber.org/goleak"

	"lab/faults"
	"lab/invoker"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files")

// testdata is the golden files' directory (tests change directory).
var testdata string

func TestMain(m *testing.M) {
	// Golden files hold plain text: no colour or style sequences, however
	// the machine running the tests is set up.
	lipgloss.SetColorProfile(termenv.Ascii)
	// Tests send the ticks themselves.
	nextTick = func() tea.Cmd { return nil }
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	testdata = filepath.Join(wd, "testdata")
	// Every session a test starts is stopped, its runner's goroutine too.
	goleak.VerifyTestMain(m)
}

// testConfig is the README's run (faults.DefaultSeed, buggy,
// shutdown-race: the invoker panics at the node's shutdown), started paused,
// with its schedule saved under the test's directory.
func testConfig(t testing.TB) *Config {
	t.Helper()
	plan, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	node := invoker.DefaultConfig()
	node.Variant = invoker.Buggy
	// Sessions are saved in the working directory, as lab tui does.
	t.Chdir(t.TempDir())
	return &Config{
		Options:   faults.Options{Seed: faults.DefaultSeed, Node: node, Plan: plan, Workload: faults.DefaultWorkload()},
		Scheduler: "random", Speed: 1, Paused: true,
		SchedulePath: func(seed uint64, v invoker.Variant) string {
			return fmt.Sprintf("session-%d-%s.schedule", seed, v)
		},
		Command: func(seed uint64, v invoker.Variant) string {
			return fmt.Sprintf("lab run --seed %d --variant %s --plan shutdown-race", seed, v)
		},
		NewSeed: func() uint64 { return 42 },
	}
}

// testSchedule is where testConfig saves a session of the README's seed,
// buggy.
var testSchedule = fmt.Sprintf("session-%d-buggy.schedule", faults.DefaultSeed)

// newTestModel starts a paused session and the model watching it; the
// session is stopped when the test ends.
func newTestModel(t *testing.T, cfg *Config, width, height int) Model {
	t.Helper()
	cfg.prepare()
	s, err := startSession(context.Background(), cfg, cfg.Options.Seed, cfg.Options.Node.Variant, cfg.Paused, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(context.Background(), cfg, s)
	t.Cleanup(func() {
		if m.sess != nil {
			m.sess.stop()
		}
	})
	m = update(t, m, tea.WindowSizeMsg{Width: width, Height: height})
	return tickUntil(t, m, func(m Model) bool { return m.view != nil })
}

// update feeds one message to the model and the messages its commands
// answer (controls reaching the run) back in.
func update(t *testing.T, m Model, msg tea.Msg) Model {
	t.Helper()
	next, cmd := m.Update(msg)
	m = next.(Model)
	for _, out := range run(cmd) {
		switch out.(type) {
		case controlMsg, pickMsg, violationSavedMsg, chartMsg, compareMsg, playBackMsg, oddsMsg:
			m = update(t, m, out)
		}
	}
	return m
}

// run runs cmd and the commands it batches.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, run(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// keys types s, one key per rune; words in angle brackets are named keys.
func keys(t *testing.T, m Model, s string) Model {
	t.Helper()
	for len(s) > 0 {
		if s[0] == '<' {
			end := strings.IndexByte(s, '>')
			m = update(t, m, namedKey(t, s[1:end]))
			s = s[end+1:]
			continue
		}
		r := []rune(s)[0]
		k := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}
		if r == ' ' {
			k = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		}
		m = update(t, m, k)
		s = s[len(string(r)):]
	}
	return m
}

func namedKey(t *testing.T, name string) tea.KeyMsg {
	for k, n := range map[tea.KeyType]string{tea.KeyEnter: "enter", tea.KeyEsc: "esc", tea.KeyTab: "tab",
		tea.KeyUp: "up", tea.KeyDown: "down", tea.KeyLeft: "left", tea.KeyRight: "right",
		tea.KeyPgUp: "pgup", tea.KeyHome: "home", tea.KeyEnd: "end", tea.KeyCtrlC: "ctrl+c"} {
		if n == name {
			return tea.KeyMsg{Type: k}
		}
	}
	t.Fatalf("no key %q", name)
	return tea.KeyMsg{}
}

// tickUntil sends ticks until cond holds (the run is on another goroutine).
// The deadline only catches a hang: a loaded 2-core machine (the -race
// suite beside other work) once took more than 10 s to publish a replay.
func tickUntil(t *testing.T, m Model, cond func(Model) bool) Model {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		m = update(t, m, tickMsg(time.Now()))
		if cond(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting; screen:\n%s", m.View())
		}
		time.Sleep(time.Millisecond)
	}
}

// stepTo steps the paused run to step n and shows it.
func stepTo(t *testing.T, m Model, n int) Model {
	t.Helper()
	for range n - m.view.Steps {
		m.sess.runner.StepOne()
	}
	return settle(t, tickUntil(t, m, func(m Model) bool { return m.view.Steps >= n && m.view.Paused }))
}

// settle waits until the paused run has published everything, so the
// model's state is the same on every machine.
func settle(t *testing.T, m Model) Model {
	t.Helper()
	return tickUntil(t, m, func(m Model) bool {
		v := m.sess.runner.View()
		return v == m.view && v.Paused && m.st.seen == v.Events
	})
}

// golden compares the screen with testdata/name.golden.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(testdata, name+".golden")
	if *updateGolden {
		if err := os.MkdirAll(testdata, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -run %s -update to write it)", err, t.Name())
	}
	if got+"\n" != string(want) {
		t.Errorf("screen differs from %s (rerun with -update after checking):\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func resize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// tempFiles are the temporary files (faults.Output's) left in the working
// directory.
func tempFiles(t *testing.T) []string {
	t.Helper()
	left, err := filepath.Glob(".*.tmp")
	if err != nil {
		t.Fatal(err)
	}
	return left
}
