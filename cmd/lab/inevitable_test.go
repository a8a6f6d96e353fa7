package main

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// countdown is a context cancelled at its n-th Err(): mid-chart, once a
// chart's runs have asked it that often.
type countdown struct {
	context.Context
	left atomic.Int64
	done chan struct{}
}

func (c *countdown) Done() <-chan struct{} { return c.done }

func (c *countdown) Err() error {
	if n := c.left.Add(-1); n == 0 {
		close(c.done)
	} else if n > 0 {
		return nil
	}
	return context.Canceled
}

// The terminal UI's chart, stopped mid-way (the panel left, the session
// restarted), is an error: the panel keeps no partial chart to show later
// as if whole.
func TestTheUIsChartStoppedMidwayIsNoChart(t *testing.T) {
	sched := filepath.Join(t.TempDir(), "seed9.schedule")
	wantCode(t, lab(t, "run", "--schedule-out", sched), 1)
	ctx := &countdown{Context: context.Background(), done: make(chan struct{})}
	ctx.left.Store(1000) // a point is 100 runs; the chart, a hundred points
	if c, err := chartInevitable(ctx, sched, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("stopped after 1,000 runs: %v, %q", err, c.Lines)
	}
}
