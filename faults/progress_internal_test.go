package faults

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

// The progress monitor takes marks off the front of its steps rather than
// scan every invocation. After every decision of a run with a bound short
// enough to be passed many times, what a scan of every mark would find
// holds: no hot invocation is overdue and unreported, the next look comes
// no later than the first of them falls due, each of them still has its
// latest step waiting in the order, and the order holds no more than
// maxDueSteps.
func TestProgressOrderMatchesAScan(t *testing.T) {
	overdue := 0
	defer func(slack int) { dueSlack = slack }(dueSlack)
	rapid.Check(t, func(rt *rapid.T) {
		dueSlack = rapid.SampledFrom([]int{0, 8, 1024}).Draw(rt, "slack") // 0 and 8 compact often
		b := DefaultBounds()
		b.Progress = time.Duration(rapid.Int64Range(int64(time.Millisecond), int64(time.Second)).Draw(rt, "bound"))
		s := drawStallableRun(rt, b)
		defer s.Close()
		c := s.check
		for d := 0; ; d++ {
			waiting := map[progressStep]bool{}
			for _, st := range c.due.steps[c.due.head:] {
				waiting[st] = true
			}
			for id, m := range c.progress {
				if !c.hot(id, s.node) || m.flagged {
					continue
				}
				due := m.at + b.Progress
				if due <= s.Now() {
					rt.Fatalf("decision %d: %s is due since %v and unreported at %v", d, id, due, s.Now())
				}
				if c.progressScan > due {
					rt.Fatalf("decision %d: the next look at %v comes after %s is due at %v", d, c.progressScan, id, due)
				}
				if !waiting[progressStep{id, m.seq}] {
					rt.Fatalf("decision %d: %s's latest step #%d is not in the order", d, id, m.seq)
				}
			}
			if n, most := c.due.pending(), maxDueSteps(len(c.progress)); n > most {
				rt.Fatalf("decision %d: %d steps kept for %d marks", d, n, len(c.progress))
			}
			if _, err := s.Step(); err == ErrDone {
				break
			} else if err != nil {
				rt.Fatal(err)
			}
		}
		if s.Result().Violated(Progress) {
			overdue++
		}
	})
	if overdue == 0 {
		t.Error("no run reported an invocation stuck: the test shows nothing")
	}
}
