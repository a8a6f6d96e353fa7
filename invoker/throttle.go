package invoker

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Throttle is the node's invocation throttling
// (worker.invoker.invocation-throttling, Restate since 79650d262, September
// 2025): one token bucket, shared by every invoker of the node, that each
// invoker's queue is read through (gardal's ThrottledStream). The zero
// value, Restate's default, is unlimited.
type Throttle struct {
	// Rate tokens come back every Per (a second, a minute or an hour);
	// 0 is unlimited.
	Rate int
	Per  time.Duration
	// Burst is how many tokens the bucket holds; 0 holds Rate, as
	// Restate's capacity defaults to the rate.
	Burst int
}

// MaxThrottleRate bounds a rate and a burst: a million tokens are beyond
// any run the lab simulates.
const MaxThrottleRate = 1_000_000

// On reports whether invocations are throttled.
func (t Throttle) On() bool { return t.Rate > 0 }

// every is the time one token takes to come back.
func (t Throttle) every() time.Duration { return t.Per / time.Duration(t.Rate) }

// capacity is how many tokens the bucket holds.
func (t Throttle) capacity() int {
	if t.Burst > 0 {
		return t.Burst
	}
	return t.Rate
}

var throttleUnits = []struct {
	names []string
	per   time.Duration
}{
	{[]string{"s", "sec", "second"}, time.Second},
	{[]string{"m", "min", "minute"}, time.Minute},
	{[]string{"h", "hr", "hour"}, time.Hour},
}

// String is the rate as Restate's configuration writes it (50/s), or
// "unlimited".
func (t Throttle) String() string {
	if !t.On() {
		return "unlimited"
	}
	for _, u := range throttleUnits {
		if u.per == t.Per {
			return strconv.Itoa(t.Rate) + "/" + u.names[0]
		}
	}
	return fmt.Sprintf("%d/%v", t.Rate, t.Per)
}

// ParseThrottleRate reads a rate as Restate's configuration takes it:
// <rate>/<unit>, the unit s|sec|second, m|min|minute or h|hr|hour and a
// second if left out; "unlimited" (or 0) turns throttling off. The burst
// is left to the caller.
func ParseThrottleRate(s string) (Throttle, error) {
	if s == "unlimited" || s == "0" {
		return Throttle{}, nil
	}
	rate, unit, slash := strings.Cut(s, "/")
	n, err := strconv.Atoi(rate)
	if err != nil || n < 1 || n > MaxThrottleRate {
		return Throttle{}, fmt.Errorf("throttle %q: want <rate>/<unit> with a rate from 1 to %d (or unlimited)", s, MaxThrottleRate)
	}
	if !slash {
		return Throttle{Rate: n, Per: time.Second}, nil
	}
	for _, u := range throttleUnits {
		for _, name := range u.names {
			if unit == name {
				return Throttle{Rate: n, Per: u.per}, nil
			}
		}
	}
	return Throttle{}, fmt.Errorf("throttle %q: unknown unit %q (want s, m or h)", s, unit)
}

// Validate reports what a node cannot run with (Config.Validate asks).
func (t Throttle) Validate() error {
	switch {
	case t.Rate < 0 || t.Rate > MaxThrottleRate:
		return fmt.Errorf("%w: throttle rate must be between 0 (unlimited) and %d, got %d", ErrConfig, MaxThrottleRate, t.Rate)
	case t.Burst < 0 || t.Burst > MaxThrottleRate:
		return fmt.Errorf("%w: throttle burst must be between 0 (the rate) and %d, got %d", ErrConfig, MaxThrottleRate, t.Burst)
	case t.On() && t.Per != time.Second && t.Per != time.Minute && t.Per != time.Hour:
		return fmt.Errorf("%w: throttle per %v: want a second, a minute or an hour", ErrConfig, t.Per)
	case !t.On() && t.Burst > 0:
		return fmt.Errorf("%w: a throttle burst needs a throttle rate", ErrConfig)
	}
	return nil
}

// consumeToken takes one token from the node's bucket at the node's time,
// borrowing from tokens still to come when there is none
// (consume_with_borrow), and returns how long the debt takes to repay
// (0 if there is none). The bucket is kept as the time it is full again
// (the generic cell rate algorithm), so it is exact in virtual time.
func (n *Node) consumeToken() time.Duration {
	t := n.cfg.Throttle
	n.bucketFull = max(n.bucketFull, n.now) + t.every()
	return max(0, n.bucketFull-n.now-time.Duration(t.capacity())*t.every())
}

// throttleAfterDequeue is the throttled stream yielding an invoke: it
// took a token, and a debt makes it sleep before its next item, as
// ThrottledStream's delay does; the dequeue arm is not ready meanwhile.
func (iv *Invoker) throttleAfterDequeue() {
	if !iv.n.cfg.Throttle.On() {
		return
	}
	wait := iv.n.consumeToken()
	if wait == 0 {
		return
	}
	iv.throttleKey++
	iv.throttled = true
	due := iv.n.now + wait
	iv.throttleDue = due
	e := iv.plainEvent(KindThrottled)
	e.Due = due
	iv.emit(e)
	iv.n.send(Envelope{Kind: MsgThrottleWake, Invoker: iv.id, PLE: PLE{Partition: NoPartition, Epoch: iv.term},
		Due: due, Key: iv.throttleKey})
}

// throttleWoke is the throttled stream's sleep ending: the dequeue arm is
// ready again. A wake of an earlier sleep (a duplicate) changes nothing.
func (iv *Invoker) throttleWoke(m Envelope) {
	e := iv.plainEvent(KindTokenDue)
	e.Due = m.Due
	if !iv.throttled || m.Key != iv.throttleKey {
		e.Outcome = IgnoredStaleWake
	} else {
		iv.throttled = false
	}
	iv.emit(e)
}

// AwaitsWake reports whether m, a throttle wake, ends a sleep some queue
// still sleeps: its invoker runs, in its term, asleep on that wake. Once
// the invoker ended, its stream and the sleep went with it, and nothing
// waits for the wake.
func (n *Node) AwaitsWake(m Envelope) bool {
	iv := n.sameIncarnation(m)
	return iv != nil && iv.state == InvokerRunning && (iv.term == 0 || m.PLE.Epoch == iv.term) &&
		iv.throttled && iv.throttleKey == m.Key
}
