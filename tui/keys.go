package tui

import (
	"slices"

	"github.com/charmbracelet/bubbles/key"
)

// keyMap is every key of the UI; the help pane and the footer list them.
type keyMap struct {
	Pause, Step, Faster, Slower                  key.Binding
	StepBack, JumpBack, JumpAhead, GoTo          key.Binding
	StepDown, Leader, Kill, PauseInv, Shutdown   key.Binding
	Fault, Choose                                key.Binding
	Variant, NewSeed, Chart, Lifecycle, Compare  key.Binding
	Filter, Pane, Up, Down, PgUp, PgDn, Top, End key.Binding
	Back, Help, Quit                             key.Binding
	// replay: the keys of a replay (newKeyMap).
	replay bool
}

// newKeyMap is the keys of a live run or, with replay, of a replay, which
// steers nothing (the schedule has its controls): the keys that steer or
// restart are off there, and out of help, but for a, which takes the
// replay over at its next pick with a choice when takeOver allows it.
func newKeyMap(replay, takeOver bool) keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	k := keyMap{
		Pause: b("space", "pause/resume", " ", "p"),
		Step:  b(".", "one step", ".", "s"),
		// A live run pressing one of these becomes a replay of itself.
		StepBack:  b(",", "back one step", ","),
		JumpBack:  b("[", "back 100", "["),
		JumpAhead: b("]", "on 100", "]"),
		GoTo:      b("g", "go to…", "g"),
		Faster:    b("+", "faster", "+", "="),
		Slower:    b("-", "slower", "-", "_"),
		StepDown:  b("d", "step-down partition", "d"),
		Leader:    b("l", "make leader", "l"),
		Kill:      b("k", "kill invocation", "k"),
		PauseInv:  b("u", "pause/resume invocation", "u"),
		Shutdown:  b("x", "start shutdown", "x"),
		Fault:     b("f", "inject a fault", "f"),
		Choose:    b("a", "choose the next pick", "a"),
		Variant:   b("v", "variant, same seed", "v"),
		NewSeed:   b("n", "new seed", "n"),
		Chart:     b("i", "chart inevitability", "i"),
		Lifecycle: b("w", "invocation lifecycle", "w"),
		Compare:   b("c", "compare with the fix", "c"),
		Filter:    b("/", "filter timeline", "/"),
		Pane:      b("tab", "next pane", "tab"),
		Up:        b("↑", "scroll up", "up"),
		Down:      b("↓", "scroll down", "down"),
		PgUp:      b("pgup", "page up", "pgup"),
		PgDn:      b("pgdn", "page down", "pgdown"),
		Top:       b("home", "oldest", "home"),
		End:       b("end", "newest, follow", "end"),
		Back:      b("esc", "close/clear", "esc"),
		Help:      b("?", "help", "?"),
		Quit:      b("q", "quit and save", "q", "ctrl+c"),
	}
	for _, k := range []*key.Binding{&k.StepDown, &k.Leader, &k.Kill, &k.PauseInv, &k.Shutdown, &k.Fault, &k.Choose, &k.Variant, &k.NewSeed} {
		k.SetEnabled(!replay)
	}
	if replay {
		k.Quit.SetHelp("q", "quit")
	}
	if replay && takeOver {
		k.Choose.SetEnabled(true)
		k.Choose.SetHelp("a", "take over at the next choice")
	}
	k.replay = replay
	return k
}

// ShortHelp is the footer's legend: a replay's moves, a live run's
// controls.
func (k keyMap) ShortHelp() []key.Binding {
	if k.replay {
		// a, when a replay can be taken over (off otherwise, and left out).
		return []key.Binding{k.Pause, k.Step, k.StepBack, k.GoTo, k.Choose, k.Filter, k.Help, k.Quit}
	}
	return []key.Binding{k.Pause, k.Step, k.Shutdown, k.Fault, k.Filter, k.Help, k.Quit}
}

// FullHelp is the help pane, by column, without the keys that are off;
// scrolling keys are listed in pairs.
func (k keyMap) FullHelp() [][]key.Binding {
	pair := func(a, b key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(append(a.Keys(), b.Keys()...)...), key.WithHelp(a.Help().Key+" "+b.Help().Key, desc))
	}
	cols := [][]key.Binding{
		{k.Pause, k.Step, k.StepBack, k.JumpBack, k.JumpAhead, k.GoTo, k.Faster, k.Slower, k.Variant, k.NewSeed, k.Quit},
		{k.StepDown, k.Leader, k.Kill, k.PauseInv, k.Shutdown, k.Fault, k.Choose, k.Chart, k.Lifecycle, k.Compare, k.Help},
		{k.Filter, k.Pane, pair(k.Up, k.Down, "scroll"), pair(k.PgUp, k.PgDn, "page"),
			pair(k.Top, k.End, "oldest, newest"), k.Back},
	}
	for i, c := range cols {
		cols[i] = slices.DeleteFunc(c, func(b key.Binding) bool { return !b.Enabled() })
	}
	return cols
}

// off is the key binding msg would press if it were on: in a replay, one
// that steers the run or restarts it.
func (k keyMap) off(msg string) (key.Binding, bool) {
	for _, b := range []key.Binding{k.StepDown, k.Leader, k.Kill, k.PauseInv, k.Shutdown, k.Fault, k.Choose, k.Variant, k.NewSeed} {
		if !b.Enabled() && slices.Contains(b.Keys(), msg) {
			return b, true
		}
	}
	return key.Binding{}, false
}
