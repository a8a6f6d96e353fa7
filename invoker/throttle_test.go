package invoker_test

import (
	"strings"
	"testing"
	"time"

	"lab/invoker"
)

// The node's token bucket lets a burst of dequeues through, then lends one
// token and puts the queue to sleep until the debt is repaid: 10/s with a
// burst of 2 takes three invokes at time 0 and sleeps until 100ms; the
// dequeue arm is not ready meanwhile, though an invoke and a slot wait. The
// wake makes it ready; a copy of that wake, arriving in the next sleep,
// does not end it.
func TestThrottleSleepsAfterTheBurst(t *testing.T) {
	cfg := invoker.DefaultConfig()
	cfg.Partitions, cfg.Quota, cfg.QueueLimit = 1, 8, 100
	cfg.Throttle = invoker.Throttle{Rate: 10, Per: time.Second, Burst: 2}
	n := node(t, cfg)
	arrive(n, leader(0, 1))
	for _, inv := range []invoker.InvocationID{"a", "b", "c", "d", "e"} {
		arrive(n, submit(0, inv))
	}
	deliverAll(n, sent(n)...)
	for range 6 {
		step(t, n, 0, invoker.ArmInput) // the registration and five invokes
	}
	for range 3 {
		dequeueStep(t, n, 0)
	}
	throttled := events(n, invoker.KindThrottled)
	if len(throttled) != 1 || throttled[0].Due != 100*time.Millisecond {
		t.Fatalf("after three dequeues at 0s: %v; want one sleep until 100ms", throttled)
	}
	if n.ReadyArms(0).Has(invoker.ArmDequeue) {
		t.Fatal("the dequeue arm is ready while the queue sleeps for a token")
	}
	wake := only(t, sent(n), invoker.MsgThrottleWake)
	if wake.Due != 100*time.Millisecond {
		t.Fatalf("the wake is due at %v, want 100ms", wake.Due)
	}
	if err := n.SetTime(wake.Due); err != nil {
		t.Fatal(err)
	}
	n.Deliver(wake)
	if due := events(n, invoker.KindTokenDue); len(due) != 1 || due[0].Outcome != invoker.OutcomeNone {
		t.Fatalf("the wake: %v", due)
	}
	if !n.ReadyArms(0).Has(invoker.ArmDequeue) {
		t.Fatal("the dequeue arm is not ready after the wake")
	}
	// At 100ms the bucket holds nothing again (three tokens out of two,
	// one back): the fourth dequeue sleeps another 100ms.
	n.Advance()
	dequeueStep(t, n, 0)
	if th := events(n, invoker.KindThrottled); len(th) != 1 || th[0].Due != 200*time.Millisecond {
		t.Fatalf("the fourth dequeue: %v; want a sleep until 200ms", th)
	}
	n.Deliver(wake) // a copy of the first wake
	if due := events(n, invoker.KindTokenDue); len(due) != 1 || due[0].Outcome != invoker.IgnoredStaleWake ||
		!strings.Contains(due[0].String(), "ignored") {
		t.Fatalf("a copy of an earlier wake: %v", due)
	}
	if n.ReadyArms(0).Has(invoker.ArmDequeue) {
		t.Fatal("a copy of an earlier wake ended the sleep")
	}
}

// The bucket is the node's: invokers of two partitions draw on it, so one
// partition's burst throttles the other's first invoke; and a restarted
// node has a new, full bucket.
func TestThrottleBucketIsTheNodes(t *testing.T) {
	cfg := invoker.DefaultConfig()
	cfg.Partitions, cfg.Quota, cfg.QueueLimit = 2, 8, 100
	cfg.Throttle = invoker.Throttle{Rate: 1, Per: time.Second}
	n := queuedOnTwoPartitions(t, cfg)
	dequeueStep(t, n, 0)
	if th := events(n, invoker.KindThrottled); len(th) != 0 {
		t.Fatalf("the bucket's one token: %v", th)
	}
	n.Advance()
	dequeueStep(t, n, 1)
	if th := events(n, invoker.KindThrottled); len(th) != 1 || th[0].Invoker != 1 || th[0].Due != time.Second {
		t.Fatalf("invoker1 after invoker0 took the token: %v; want a sleep until 1s", th)
	}
	if err := n.Restart(); err != nil {
		t.Fatal(err)
	}
	n.Advance()
	arrive(n, leader(0, 2))
	arrive(n, submit(0, "c"))
	deliverAll(n, sent(n)...)
	step(t, n, 0, invoker.ArmInput)
	step(t, n, 0, invoker.ArmInput)
	dequeueStep(t, n, 0)
	if th := events(n, invoker.KindThrottled); len(th) != 0 {
		t.Errorf("the restarted node's first dequeue: %v; want a full bucket", th)
	}
}

// Rates read as Restate's configuration writes them, and back.
func TestParseThrottleRate(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"50", "50/s"}, {"50/s", "50/s"}, {"50/sec", "50/s"}, {"3/minute", "3/m"}, {"1/hr", "1/h"},
		{"unlimited", "unlimited"}, {"0", "unlimited"},
	} {
		th, err := invoker.ParseThrottleRate(tc.in)
		if err != nil || th.String() != tc.want {
			t.Errorf("%q: %v, %v; want %s", tc.in, th, err, tc.want)
		}
	}
	for _, bad := range []string{"", "-1/s", "fast", "10/day", "1000001/s", "10/", "1e3/s"} {
		if _, err := invoker.ParseThrottleRate(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	cfg := invoker.DefaultConfig()
	cfg.Throttle = invoker.Throttle{Burst: 3}
	if err := cfg.Validate(); err == nil {
		t.Error("a burst without a rate is valid")
	}
}
