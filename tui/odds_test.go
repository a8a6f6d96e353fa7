package tui

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lab/explore"
	"lab/faults"
	"lab/live"
)

// withOdds has cfg (and what it goes on with, taken over) show the odds
// lab tui shows: explore.Branches under the plan of the README's run.
func withOdds(t *testing.T, cfg *Config) *Config {
	t.Helper()
	plan, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	odds := func(ctx context.Context, cut *faults.Schedule, options []faults.Choice) ([]string, error) {
		bs, err := explore.Branches(ctx, cut, options, explore.BranchConfig{Runs: 20, Plan: plan, Workers: 2})
		lines := make([]string, len(bs))
		for i, b := range bs {
			lines[i] = b.String()
		}
		return lines, err
	}
	cfg.Odds = odds
	if cfg.TakeOver != nil {
		cfg.TakeOver.Odds = odds
	}
	return cfg
}

// The pick offered shows its odds over the pane: at the race the README's
// run loses (its last choice before the panic), most runs that go on from
// the recorded AbortAllPartition panic, none from the shutdown arm. Once
// the pick is taken they are gone; after the panic none are run.
func TestOddsOfAPick(t *testing.T) {
	cfg := withOdds(t, takeOverConfig(t))
	m := newTestModel(t, cfg, 140, 40)
	defer func() { m.sess.stop() }() // the session the last key started
	at := lastChoiceBefore(t, cfg.Replay)
	m = keys(t, m, fmt.Sprintf("g%d<enter>", at.step-1))
	m = tickUntil(t, m, func(m Model) bool { return m.view.Steps == at.step-1 })
	m = keys(t, m, "a")
	m = tickUntil(t, m, func(m Model) bool { return m.odds != nil && m.odds.lines != nil })
	screen := m.View()
	lines := m.odds.lines
	recorded := m.choose.i
	shutdown := slices.IndexFunc(m.view.Choices, func(o live.Option) bool { return strings.Contains(o.What, "shutdown") })
	if len(lines) != len(m.view.Choices) || !regexp.MustCompile(`^(1[5-9]|20)/20 fail \(no-panic`).MatchString(lines[recorded]) || shutdown < 0 || lines[shutdown] != "0/20 fail" {
		t.Fatalf("odds %q of %v", lines, m.choose.options)
	}
	for i, l := range lines {
		if !strings.Contains(screen, fmt.Sprintf("%d %s", i+1, m.choose.options[i])) || !strings.Contains(screen, l) {
			t.Errorf("the screen does not show option %d's odds %q:\n%s", i+1, l, screen)
		}
	}
	if !strings.Contains(screen, "▸ "+fmt.Sprint(recorded+1)+" ") || !strings.Contains(screen, "ODDS") {
		t.Errorf("no odds panel marking the selected option:\n%s", screen)
	}
	m = keys(t, m, "<enter>")
	if m.odds != nil || strings.Contains(m.View(), "ODDS") {
		t.Errorf("the odds of a pick taken are still shown")
	}
	m = tickUntil(t, m, func(m Model) bool { return m.view.Steps == at.step && m.view.Paused })
	m = keys(t, m, "gv<enter>")
	m = tickUntil(t, m, func(m Model) bool { return m.view.Steps == cfg.Replay.Violation && m.view.Paused })
	m = keys(t, m, "a")
	m = tickUntil(t, m, func(m Model) bool { return m.odds != nil })
	if want := "none: the run has violated no-panic already"; m.odds.note != want || m.oddsWanted {
		t.Errorf("odds after the panic: %q, asked %v", m.odds.note, m.oddsWanted)
	}
}

// A live session's pick has its odds too, from the schedule it recorded
// so far.
func TestOddsOfALivePick(t *testing.T) {
	m := newTestModel(t, withOdds(t, testConfig(t)), 140, 40)
	m = keys(t, m, "a")
	m = tickUntil(t, m, func(m Model) bool { return m.odds != nil && (m.odds.lines != nil || m.odds.note != "running...") })
	if len(m.odds.lines) != len(m.view.Choices) || m.odds.at != m.view.Steps {
		t.Fatalf("odds %q (%s) of %d options, at step %d of %d", m.odds.lines, m.odds.note, len(m.view.Choices), m.odds.at, m.view.Steps)
	}
	for _, l := range m.odds.lines {
		if !strings.HasSuffix(l, "/20 fail") && !strings.Contains(l, "/20 fail (") {
			t.Errorf("odds line %q", l)
		}
	}
	m = keys(t, m, "<esc>")
	if m.odds != nil {
		t.Errorf("the odds of a pick left to the scheduler are still shown")
	}
}
