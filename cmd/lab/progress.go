package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"lab/explore"
)

// progress draws a one-line progress bar on a terminal: schedules done,
// their rate, failures so far and the time left. Elsewhere (a pipe, a file,
// CI) it draws nothing.
type progress struct {
	w        io.Writer
	on       bool
	total    uint64
	duration time.Duration
	began    time.Time
	counts   *explore.Counters
	quit     chan struct{}
	wg       sync.WaitGroup
}

func newProgress(w io.Writer, cfg explore.Config, counts *explore.Counters) *progress {
	p := &progress{w: w, total: cfg.Seeds, duration: cfg.Duration, counts: counts, quit: make(chan struct{})}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.on = true
		}
	}
	if n := uint64(max(cfg.Shard.Count, 1)); p.total > 0 {
		p.total = (p.total + n - 1 - uint64(cfg.Shard.Index)) / n
	}
	return p
}

func (p *progress) start() {
	p.began = time.Now()
	if !p.on {
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				fmt.Fprint(p.w, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprint(p.w, "\r\033[K"+p.line())
			}
		}
	}()
}

func (p *progress) stop() {
	close(p.quit)
	p.wg.Wait()
}

func (p *progress) line() string {
	done, failed := p.counts.Schedules(), p.counts.Failed()
	elapsed := time.Since(p.began)
	rate := float64(done) / max(elapsed.Seconds(), 1e-9)
	frac, left := 0.0, time.Duration(0)
	switch {
	case p.total > 0:
		frac = float64(done) / float64(p.total)
		if rate > 0 {
			left = time.Duration(float64(p.total-min(done, p.total)) / rate * float64(time.Second))
		}
		if p.duration > 0 {
			left = min(left, p.duration-elapsed)
		}
	case p.duration > 0:
		frac = elapsed.Seconds() / p.duration.Seconds()
		left = p.duration - elapsed
	}
	frac = min(max(frac, 0), 1)
	const width = 24
	bar := strings.Repeat("#", int(frac*width)) + strings.Repeat(".", width-int(frac*width))
	return fmt.Sprintf("[%s] %d schedules  %.0f/s  %d failed  ETA %s", bar, done, rate, failed, max(left, 0).Round(time.Second))
}
