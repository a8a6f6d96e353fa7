package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/term"

	"lab/explore"
)

// progress draws a one-line progress bar on a terminal, redrawn five times
// a second from line. Elsewhere (a pipe, a file, CI) it draws nothing.
type progress struct {
	w     io.Writer
	on    bool
	fd    uintptr // the terminal's, for its width
	began time.Time
	line  func(elapsed time.Duration) string
	quit  chan struct{}
	wg    sync.WaitGroup
}

func newProgress(w io.Writer, line func(elapsed time.Duration) string) *progress {
	p := &progress{w: w, line: line, quit: make(chan struct{})}
	if f, ok := w.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.on, p.fd = true, f.Fd()
		}
	}
	return p
}

// fit cuts line to a terminal width columns wide (0: unknown), short of
// the last column: a line that wraps leaves its first part behind at
// every redraw. The lines are ASCII, a byte a column.
func fit(line string, width int) string {
	if width > 1 && len(line) >= width {
		return line[:width-1]
	}
	return line
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
				width, _, _ := term.GetSize(p.fd) // read each time: the window may be resized
				fmt.Fprint(p.w, "\r\033[K"+fit(p.line(time.Since(p.began)), width))
			}
		}
	}()
}

func (p *progress) stop() {
	close(p.quit)
	p.wg.Wait()
}

// exploreProgress is lab explore's line: schedules done, their rate,
// failures so far (and, with --against, on how many the other side held
// the invariant), the time left, and the distinct (state, event) pairs and
// shutdown orders reached (when they stop growing, the search has
// saturated).
func exploreProgress(cfg explore.Config, counts *explore.Counters) func(time.Duration) string {
	total := cfg.Seeds
	if n := uint64(max(cfg.Shard.Count, 1)); total > 0 {
		total = (total + n - 1 - uint64(cfg.Shard.Index)) / n
	}
	return func(elapsed time.Duration) string {
		return exploreLine(total, cfg.Duration, cfg.Against, counts, elapsed)
	}
}

func exploreLine(total uint64, duration time.Duration, against *explore.Against, counts *explore.Counters, elapsed time.Duration) string {
	done, failed := counts.Schedules(), counts.Failed()
	reruns := ""
	if against != nil {
		reruns = fmt.Sprintf(" (%s held %d)", against, counts.Held())
	}
	rate := float64(done) / max(elapsed.Seconds(), 1e-9)
	frac, left := 0.0, time.Duration(0)
	switch {
	case total > 0:
		frac = float64(done) / float64(total)
		if rate > 0 {
			left = time.Duration(float64(total-min(done, total)) / rate * float64(time.Second))
		}
		if duration > 0 {
			left = min(left, duration-elapsed)
		}
	case duration > 0:
		frac = elapsed.Seconds() / duration.Seconds()
		left = duration - elapsed
	}
	pairs, orders := counts.Distinct()
	// What matters least comes last, for a narrow terminal to cut.
	return fmt.Sprintf("%s %d schedules  %.0f/s  %d failed%s  ETA %s  %d pairs  %d orders", bar(frac), done, rate, failed, reruns,
		max(left, 0).Round(time.Second), pairs, orders)
}

// inevitableProgress is lab inevitable's line: the prefix being charted
// and the suffixes run.
func inevitableProgress(p *explore.CurveProgress) func(time.Duration) string {
	return func(elapsed time.Duration) string {
		k, picks, runs := p.At()
		return fmt.Sprintf("%s K %d of %d picks  %d runs  %.0f/s", bar(float64(k)/float64(max(picks, 1))), k, picks, runs,
			float64(runs)/max(elapsed.Seconds(), 1e-9))
	}
}

// bar draws a fraction from 0 to 1.
func bar(frac float64) string {
	const width = 24
	n := int(min(max(frac, 0), 1) * width)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", width-n) + "]"
}
