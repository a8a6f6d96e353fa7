package faults

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"lab/invoker"
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

// An invoke waits in a queue from the event that queued it until it is
// dequeued (observe forgets it then), and only in the queue of the invoker
// it went to: not once a purge, a shutdown's discard or a lost segment may
// have taken it off unnamed, nor in an earlier incarnation's queue.
func TestWaitsInQueue(t *testing.T) {
	here, earlier := invokerKey{1, 2}, invokerKey{0, 2}
	for _, tc := range []struct {
		name    string
		queued  queuedInvoke
		emptied uint64
		waits   bool
	}{
		{"queued", queuedInvoke{here, 10, 1}, 0, true},
		{"emptied unnamed since it went in", queuedInvoke{here, 10, 1}, 15, false},
		{"emptied before it went in", queuedInvoke{here, 10, 1}, 5, true},
		{"queued in an earlier incarnation", queuedInvoke{earlier, 10, 1}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &checker{queued: map[invoker.InvocationID]queuedInvoke{"a": tc.queued},
				emptied: map[invokerKey]uint64{here: tc.emptied}}
			if got := c.waitsInQueue("a", here); got != tc.waits {
				t.Errorf("waits %v, want %v", got, tc.waits)
			}
			if c.waitsInQueue("b", here) {
				t.Error("an invocation never queued waits in the queue")
			}
		})
	}
}

// A new leader's re-invoke queued behind its predecessor's still waits
// when the first leaves the queue (as a stale invoke, dropped): only the
// second dequeue takes the invocation off. An invoke queued after the
// queue was emptied unnamed counts alone.
func TestTwoInvokesOfOneInvocationQueued(t *testing.T) {
	key := invokerKey{0, 1}
	c := &checker{queued: map[invoker.InvocationID]queuedInvoke{}, emptied: map[invokerKey]uint64{}}
	c.enqueued("a", key, 10)
	c.enqueued("a", key, 20)
	c.dequeuedOne("a")
	if !c.waitsInQueue("a", key) {
		t.Fatal("after the first of two invokes left, a no longer waits")
	}
	c.dequeuedOne("a")
	if c.waitsInQueue("a", key) {
		t.Fatal("after both invokes left, a still waits")
	}
	c.enqueued("a", key, 30)
	c.emptied[key] = 35 // a purge, unnamed
	c.enqueued("a", key, 40)
	c.dequeuedOne("a")
	if c.waitsInQueue("a", key) {
		t.Error("the invoke purged before the second went in is counted")
	}
}

// On an invoker shared by partitions, a purge of one partition's invokes
// (graceful's abort-all) leaves another partition's queued; one of its
// own partition takes it off.
func TestPurgeOfOnePartition(t *testing.T) {
	key := invokerKey{0, 0}
	c := &checker{queued: map[invoker.InvocationID]queuedInvoke{}, emptied: map[invokerKey]uint64{},
		purged: map[purgeKey]uint64{}, accepted: map[invoker.InvocationID]invoker.PartitionID{"a": 0, "b": 1}}
	c.enqueued("a", key, 10)
	c.enqueued("b", key, 11)
	c.purged[purgeKey{key, 1}] = 12
	if !c.waitsInQueue("a", key) || c.waitsInQueue("b", key) {
		t.Errorf("after p1's purge: a waits %v (want true), b waits %v (want false)", c.waitsInQueue("a", key), c.waitsInQueue("b", key))
	}
}

// An invocation that has waited the whole bound is a backlog only if its
// queue moved in the second half of that wait.
func TestQueueMovedInTheLastHalfOfTheBound(t *testing.T) {
	key := invokerKey{0, 0}
	for _, tc := range []struct {
		moved   time.Duration // before the look
		backlog bool
	}{
		{time.Second, true},
		{2*time.Minute + 29*time.Second, true},
		{2*time.Minute + 30*time.Second, false},
		{4 * time.Minute, false},
	} {
		c := &checker{bounds: Bounds{Progress: 5 * time.Minute},
			queued:   map[invoker.InvocationID]queuedInvoke{"a": {key, 1, 1}},
			dequeued: map[invokerKey]progressMark{key: {at: 10*time.Minute - tc.moved, seq: 2}},
			emptied:  map[invokerKey]uint64{}}
		if _, got := c.queueMoved("a", key, 10*time.Minute); got != tc.backlog {
			t.Errorf("moved %v before the look: backlog %v, want %v", tc.moved, got, tc.backlog)
		}
	}
	c := &checker{bounds: Bounds{Progress: 5 * time.Minute},
		queued: map[invoker.InvocationID]queuedInvoke{"a": {key, 1, 1}}, dequeued: map[invokerKey]progressMark{}}
	if _, got := c.queueMoved("a", key, time.Minute); got {
		t.Error("a queue that never moved moves")
	}
}
