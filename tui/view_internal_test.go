package tui

import (
	"testing"

	"lab/invoker"
)

// The invoker's one word ranks what matters most: dead, then blocked,
// then cancelled, then a dequeue waiting for its head segment's read, then
// a queue asleep for a token with invokes to give (an empty one waits for
// nothing), then a queue waiting for the node's memory pool.
func TestInvokerStateWord(t *testing.T) {
	running := invoker.InvokerSnapshot{State: invoker.InvokerRunning}
	reading := running
	reading.HeadReading = true
	cancelledReading := reading
	cancelledReading.Cancelled = true
	dead := reading
	dead.State = invoker.InvokerDead
	throttled := running
	throttled.Throttled, throttled.QueueLen = true, 3
	throttledReading := throttled
	throttledReading.HeadReading = true
	throttledEmpty := throttled
	throttledEmpty.QueueLen = 0
	noMemory := running
	noMemory.WaitsForMemory, noMemory.QueueLen = true, 2
	noMemoryThrottled := noMemory
	noMemoryThrottled.Throttled = true
	for _, c := range []struct {
		iv   invoker.InvokerSnapshot
		want string
	}{{running, "running"}, {reading, "reading"}, {cancelledReading, "cancelled"}, {dead, "DEAD ✗"},
		{throttled, "throttled"}, {throttledReading, "reading"}, {throttledEmpty, "running"},
		{noMemory, "no memory"}, {noMemoryThrottled, "throttled"}} {
		if got := invokerState(c.iv); got != c.want {
			t.Errorf("%+v: %q, want %q", c.iv, got, c.want)
		}
	}
}
