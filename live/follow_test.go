package live_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"lab/faults"
	"lab/invoker"
	"lab/live"
)

// A watcher following Next from the first view sees every event of the run
// once, in order, however the publication and the run interleave.
func TestFollowingNextSeesEveryEvent(t *testing.T) {
	r, err := live.Start(context.Background(), options(t, invoker.Buggy), live.Options{PublishEvery: time.Microsecond, Follow: true})
	if err != nil {
		t.Fatal(err)
	}
	v := r.First()
	if r.First() != nil {
		t.Fatal("First handed over the first view twice")
	}
	var seen uint64
	ingest := func(v *live.View) {
		for _, e := range v.Fresh {
			seen++
			if e.Seq != seen {
				t.Fatalf("event #%d after %d events", e.Seq, seen-1)
			}
		}
	}
	ingest(v)
	for {
		if next := v.Next(); next != nil {
			v = next
			ingest(v)
			continue
		}
		select {
		case <-r.Done():
			if v.Next() == nil {
				goto done
			}
		case <-time.After(100 * time.Microsecond):
		}
	}
done:
	res, err := r.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if seen != res.Events || v.Events != res.Events {
		t.Fatalf("followed %d events, the last view counts %d, the run logged %d", seen, v.Events, res.Events)
	}
}

// Finish takes a paused run to its end unpaced, refuses controls after, and
// the schedule it recorded replays to the same hash.
func TestFinishCompletesARecordedRun(t *testing.T) {
	var sched bytes.Buffer
	o := options(t, invoker.Buggy)
	// Seed 2: the step-down sent below changes every draw after it, and
	// with it seed 2's buggy invoker panics, which it does not on its own
	// (the first such seed at model revision 4).
	o.Seed = 2
	o.Record = &sched
	r, err := live.Start(context.Background(), o, live.Options{Speed: 1, Paused: true, PauseOnViolation: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		r.StepOne()
	}
	if err := r.Control(faults.Control{Kind: faults.ControlStepDown, Partition: 1}); err != nil {
		t.Fatal(err)
	}
	r.Finish()
	if err := r.Control(faults.Control{Kind: faults.ControlShutdown}); !errors.Is(err, live.ErrFinishing) && !errors.Is(err, live.ErrStopped) {
		t.Fatalf("a control after Finish: got %v, want it refused", err)
	}
	res, err := r.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if res.Kinds[invoker.KindControl] != 1 || !res.Violated(faults.NoPanic) {
		t.Fatalf("%d controls logged (want 1), panic found %v (want true: Finish must not pause on it)",
			res.Kinds[invoker.KindControl], res.Violated(faults.NoPanic))
	}
	if again := replay(t, sched.Bytes(), nil); again.Hash != res.Hash {
		t.Fatalf("replay hash %s, run hash %s", again.Hash, res.Hash)
	}
}
