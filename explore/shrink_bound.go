package explore

import (
	"time"

	"lab/faults"
)

// A progress violation is found only once an invocation has gone the whole
// progress bound without a step forward, so the decisions before it grow
// with the bound: a livelock that goes round every millisecond takes
// hundreds of thousands of them at five minutes, and the simplest form of
// it, whose rounds come fastest, more still. So each round of shrinking
// first shortens the bound, and the replays after it run a few rounds of
// the loop rather than five minutes of it.
//
// A shorter bound alone would prove too little: an invocation that is slow,
// not stuck, fails it too (two hungry invocations yielding to each other
// for half a second, then sorting themselves out). So a candidate under a
// shorter bound fails only if, replayed with the bound the failure was
// found under (the defaults taking every pick past its end), it still
// fails the same way (shrinker.fails).

// boundLadder are the progress bounds shrinking tries, shortest first:
// 1, 2 and 5 of each power of ten from a millisecond up, so that the bound
// a schedule ends with reads well. Well under the lab's millisecond-scale
// steps a bound would only find how fast a round can go.
var boundLadder = func() []time.Duration {
	var ladder []time.Duration
	for unit := time.Millisecond; unit <= faults.MaxProgressBound; unit *= 10 {
		ladder = append(ladder, unit, 2*unit, 5*unit)
	}
	return ladder
}()

// shortenBound is base with the shortest bound of the ladder, below its
// own, under which it fails (confirmed), re-recorded; nil when the
// violation is not one of progress or no shorter bound does.
func (sh *shrinker) shortenBound(base *faults.Schedule) (*faults.Schedule, []byte, error) {
	if sh.first.Invariant != faults.Progress {
		return nil, nil, nil
	}
	// Down the ladder while the shorter bounds fail as they are (each
	// replay shorter than the last), then the shortest of them confirmed:
	// re-recorded, the schedule ends at the shorter bound's verdict, and
	// the defaults must carry it on to the same failure.
	var failing []time.Duration
	for i := len(boundLadder) - 1; i >= 0; i-- {
		if b := boundLadder[i]; b < base.Header.Bounds.Progress {
			if !sh.failsAsIs(sh.withBound(base, b)) {
				break
			}
			failing = append(failing, b)
		}
	}
	for i := len(failing) - 1; i >= 0; i-- {
		c, text, err := sh.rerecord(sh.withBound(base, failing[i]))
		if err != nil || (c != nil && sh.fails(c)) {
			return c, text, err
		}
	}
	return nil, nil, nil
}

// withBound is s with its progress bound set to b, confirmed under the
// bound the failure was found under when b is shorter.
func (sh *shrinker) withBound(s *faults.Schedule, b time.Duration) *faults.Schedule {
	c := &faults.Schedule{Header: s.Header, Entries: s.Entries}
	c.Header.Bounds.Progress, c.Header.Bounds.ProgressConfirmed = b, 0
	if b < sh.found {
		c.Header.Bounds.ProgressConfirmed = sh.found
	}
	return c
}
