package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key of the UI; the help pane and the footer list them.
type keyMap struct {
	Pause, Step, Faster, Slower                  key.Binding
	StepDown, Leader, Kill, Shutdown, Fault      key.Binding
	Variant, NewSeed, Chart                      key.Binding
	Filter, Pane, Up, Down, PgUp, PgDn, Top, End key.Binding
	Back, Help, Quit                             key.Binding
}

func newKeyMap() keyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Pause:    b("space", "pause/resume", " ", "p"),
		Step:     b(".", "step one decision", ".", "s"),
		Faster:   b("+", "faster", "+", "="),
		Slower:   b("-", "slower", "-", "_"),
		StepDown: b("d", "step-down partition", "d"),
		Leader:   b("l", "make leader", "l"),
		Kill:     b("k", "kill invocation", "k"),
		Shutdown: b("x", "start shutdown", "x"),
		Fault:    b("f", "inject a fault", "f"),
		Variant:  b("v", "variant, same seed", "v"),
		NewSeed:  b("n", "new seed", "n"),
		Chart:    b("i", "chart inevitability", "i"),
		Filter:   b("/", "filter timeline", "/"),
		Pane:     b("tab", "next pane", "tab"),
		Up:       b("↑", "scroll up", "up"),
		Down:     b("↓", "scroll down", "down"),
		PgUp:     b("pgup", "page up", "pgup"),
		PgDn:     b("pgdn", "page down", "pgdown"),
		Top:      b("home", "oldest", "home"),
		End:      b("end", "newest, follow", "end"),
		Back:     b("esc", "close/clear", "esc"),
		Help:     b("?", "help", "?"),
		Quit:     b("q", "quit and save", "q", "ctrl+c"),
	}
}

// ShortHelp is the footer's legend.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Pause, k.Step, k.Shutdown, k.Fault, k.Filter, k.Help, k.Quit}
}

// FullHelp is the help pane, by column; scrolling keys are listed in pairs.
func (k keyMap) FullHelp() [][]key.Binding {
	pair := func(a, b key.Binding, desc string) key.Binding {
		return key.NewBinding(key.WithHelp(a.Help().Key+" "+b.Help().Key, desc))
	}
	return [][]key.Binding{
		{k.Pause, k.Step, k.Faster, k.Slower, k.Variant, k.NewSeed, k.Quit},
		{k.StepDown, k.Leader, k.Kill, k.Shutdown, k.Fault, k.Chart, k.Help},
		{k.Filter, k.Pane, pair(k.Up, k.Down, "scroll"), pair(k.PgUp, k.PgDn, "page"),
			pair(k.Top, k.End, "oldest, newest"), k.Back},
	}
}
