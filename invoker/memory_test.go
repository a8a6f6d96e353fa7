package invoker_test

import (
	"slices"
	"testing"

	"lab/invoker"
)

// memoryNode is a node of two partitions, each invoker with two slots,
// that share a pool of one lease; both partitions have leaders and an
// invocation each in their queue (a at p0, b at p1), invoker0's first.
func memoryNode(t *testing.T) *invoker.Node {
	t.Helper()
	cfg := invoker.DefaultConfig()
	cfg.Partitions, cfg.Quota, cfg.QueueLimit, cfg.Variant = 2, 2, 100, invoker.Fixed
	cfg.MemoryLimit = 1
	return queuedOnTwoPartitions(t, cfg)
}

// queuedOnTwoPartitions is a node of cfg, which has two partitions, both
// led, with an invocation queued at each invoker (a at p0, b at p1), each
// invoker's registration and invoke taken, invoker0's first.
func queuedOnTwoPartitions(t *testing.T, cfg invoker.Config) *invoker.Node {
	t.Helper()
	n := node(t, cfg)
	arrive(n, leader(0, 1))
	arrive(n, leader(1, 1))
	arrive(n, submit(0, "a"))
	arrive(n, submit(1, "b"))
	deliverAll(n, sent(n)...)
	for i := range 2 {
		step(t, n, i, invoker.ArmInput) // the registration
		step(t, n, i, invoker.ArmInput) // the invoke
	}
	return n
}

// The pool is the node's: the fixed invoker0's loop took its one lease as its queue
// got a, at the top of the loop, so invoker1, with b queued and both
// slots free, can neither dequeue nor reserve. a's lease goes with a's
// state machine; the pool then has one to give, and invoker1's memory
// branch is ready.
func TestMemoryPoolIsTheNodes(t *testing.T) {
	n := memoryNode(t)
	reserved := events(n, invoker.KindMemoryReserved)
	if len(reserved) != 1 || reserved[0].Invoker != 0 || reserved[0].N != 1 || reserved[0].M != 1 {
		t.Fatalf("reservations: %v; want invoker0's, 1 of 1 in use", reserved)
	}
	if got := n.ReadyArms(1); got.Has(invoker.ArmDequeue) || got.Has(invoker.ArmMemory) {
		t.Fatalf("invoker1's ready arms with the pool held by invoker0: %v", got)
	}
	if !n.WaitsForMemory(1) || n.WaitsForMemory(0) {
		t.Fatalf("waits for memory: invoker0 %v, invoker1 %v; want only invoker1", n.WaitsForMemory(0), n.WaitsForMemory(1))
	}
	n.Advance()
	dequeueStep(t, n, 0)
	if n.MemoryInUse() != 1 || len(events(n, invoker.KindMemoryReturned)) != 0 {
		t.Fatalf("after a's dequeue: %d leases in use; want a's one, kept", n.MemoryInUse())
	}
	n.Advance()
	arrive(n, invoker.Envelope{Kind: invoker.MsgKill, PLE: invoker.PLE{Partition: 0}, Inv: "a"})
	deliverAll(n, sent(n)...)
	step(t, n, 0, invoker.ArmInput) // the abort ends a's state machine
	if n.MemoryInUse() != 0 {
		t.Fatalf("after a's abort: %d leases in use, want 0", n.MemoryInUse())
	}
	if got := n.ReadyArms(1); !got.Has(invoker.ArmMemory) || got.Has(invoker.ArmDequeue) {
		t.Fatalf("invoker1's ready arms once the pool has a lease: %v; want memory, not dequeue", got)
	}
	n.Advance()
	step(t, n, 1, invoker.ArmMemory)
	if !n.ReadyArms(1).Has(invoker.ArmDequeue) || n.MemoryInUse() != 1 {
		t.Fatalf("after the memory branch: ready %v, %d in use", n.ReadyArms(1), n.MemoryInUse())
	}
}

// A queue that empties with a lease returns it at the loop's top: the
// step-down's abort-all leaves the buggy invoker's queue as it was, but
// the fixed one drops the stale invoke, so the lease it took goes back
// to the pool with nothing holding it.
func TestMemoryLeaseGoesBackWithTheQueue(t *testing.T) {
	n := memoryNode(t)
	arrive(n, invoker.Envelope{Kind: invoker.MsgStepDown, PLE: invoker.PLE{Partition: 0}})
	deliverAll(n, sent(n)...)
	step(t, n, 0, invoker.ArmInput) // abort-all p0/e1
	n.Advance()
	dequeueStep(t, n, 0) // fixed: a of p0/e1 is stale, dropped
	if got := events(n, invoker.KindStaleInvoke); len(got) != 1 {
		t.Fatalf("the dequeue after the step-down: %v; want a stale invoke", got)
	}
	if n.MemoryInUse() != 0 || !n.ReadyArms(1).Has(invoker.ArmMemory) {
		t.Fatalf("after the stale invoke: %d in use, invoker1 ready %v; want 0, memory", n.MemoryInUse(), n.ReadyArms(1))
	}
}

// Graceful stops dequeuing at its cancellation, and with it stops holding
// memory for its queue: the lease goes back at the loop's top, for the
// other invokers.
func TestGracefulReturnsTheLeaseAtCancellation(t *testing.T) {
	cfg := invoker.DefaultConfig()
	cfg.Partitions, cfg.Quota, cfg.QueueLimit, cfg.Variant = 2, 2, 100, invoker.Graceful
	cfg.MemoryLimit = 1
	n := node(t, cfg)
	arrive(n, leader(0, 1))
	arrive(n, submit(0, "a"))
	deliverAll(n, sent(n)...)
	step(t, n, 0, invoker.ArmInput)
	step(t, n, 0, invoker.ArmInput)
	if n.MemoryInUse() != 1 {
		t.Fatalf("%d in use after a was queued, want 1", n.MemoryInUse())
	}
	arrive(n, submit(0, "b"))
	deliverAll(n, sent(n)...) // b's invoke waits in the input channel
	n.Deliver(toInvoker(invoker.MsgCancel, 0))
	step(t, n, 0, invoker.ArmInput) // any step: the top of the loop follows it
	if got := events(n, invoker.KindMemoryReturned); len(got) != 1 || n.MemoryInUse() != 0 {
		t.Fatalf("after graceful's cancellation: returned %v, %d in use; want the lease back", got, n.MemoryInUse())
	}
}

// Without a pool the loop has its seven branches, as before; with one,
// the memory branch comes right after the dequeue's. Limits beyond the
// lab's, or negative, are refused.
func TestMemoryLimitConfig(t *testing.T) {
	cfg := invoker.DefaultConfig()
	if n := node(t, cfg); !slices.Equal(n.SelectOrder(), invoker.SelectOrder) || n.MemoryPooled() {
		t.Fatalf("no pool: %v", n.SelectOrder())
	}
	cfg.MemoryLimit = 3
	order := node(t, cfg).SelectOrder()
	if len(order) != len(invoker.SelectOrder)+1 || order[slices.Index(order, invoker.ArmDequeue)+1] != invoker.ArmMemory {
		t.Fatalf("with a pool: %v", order)
	}
	for _, bad := range []int{-1, invoker.MaxMemoryLimit + 1} {
		cfg.MemoryLimit = bad
		if err := cfg.Validate(); err == nil {
			t.Errorf("memory-limit %d is valid", bad)
		}
	}
}

// hungryDequeued is a node of cfg with one partition of two slots, led,
// where a hungry invocation, a, was queued and dequeued: its attempt has
// started, with a second lease or out of memory.
func hungryDequeued(t *testing.T, cfg invoker.Config) *invoker.Node {
	t.Helper()
	cfg.Partitions, cfg.Quota, cfg.QueueLimit = 1, 2, 100
	n := node(t, cfg)
	arrive(n, leader(0, 1))
	hungry := submit(0, "a")
	hungry.Hungry = true
	arrive(n, hungry)
	deliverAll(n, sent(n)...)
	step(t, n, 0, invoker.ArmInput) // the registration
	step(t, n, 0, invoker.ArmInput) // the invoke, and the queue's lease
	n.Advance()
	dequeueStep(t, n, 0)
	return n
}

// A hungry invocation's attempt asks the pool for a second lease once it
// runs, and holds it until it ends; its first stays with its state
// machine until that goes.
func TestHungryAttemptHoldsASecondLease(t *testing.T) {
	cfg := invoker.DefaultConfig()
	cfg.MemoryLimit = 3
	n := hungryDequeued(t, cfg)
	started := events(n, invoker.KindTaskStart)
	if len(started) != 1 || started[0].Outcome != invoker.OutcomeNone || n.MemoryInUse() != 2 {
		t.Fatalf("a's attempt: %v, %d leases in use; want it under way with 2", started, n.MemoryInUse())
	}
	out, ok := n.TaskOutput(started[0].Task, invoker.OutClosed)
	if !ok || n.MemoryInUse() != 1 {
		t.Fatalf("a's task ended: %d leases in use, want its state machine's 1", n.MemoryInUse())
	}
	n.Deliver(out)
	step(t, n, 0, invoker.ArmTask)
	if n.MemoryInUse() != 0 {
		t.Fatalf("a closed: %d leases in use, want 0", n.MemoryInUse())
	}
}

// With the yield on, an attempt out of memory gives back its state
// machine with its lease and its slot, and proposes a Yield that comes
// back from the log a round trip later; the leader applies it by invoking
// the invocation again, whose status stays invoked.
func TestYieldGivesTheLeaseAndSlotBack(t *testing.T) {
	cfg := invoker.DefaultConfig()
	cfg.MemoryLimit, cfg.Yield = 1, invoker.YieldOn
	n := hungryDequeued(t, cfg)
	if started := events(n, invoker.KindTaskStart); len(started) != 1 || started[0].Outcome != invoker.TaskOutOfMemory {
		t.Fatalf("a's attempt in a pool of one lease: %v; want it out of memory", started)
	}
	deliverAll(n, sent(n)...) // its output
	step(t, n, 0, invoker.ArmTask)
	q, _ := n.QuotaOf(0)
	if q.Used != 0 || n.MemoryInUse() != 0 {
		t.Fatalf("after the yield: %d slots and %d leases in use; want none", q.Used, n.MemoryInUse())
	}
	effect := only(t, sent(n), invoker.MsgEffect)
	if effect.Effect != invoker.EffYield || effect.Due != n.Now()+invoker.LogRoundTrip {
		t.Fatalf("the effect %v due %v; want a yield due a round trip from %v", effect.Effect, effect.Due, n.Now())
	}
	n.Deliver(effect)
	reinvoke := only(t, sent(n), invoker.MsgInvoke)
	if reinvoke.Inv != "a" || reinvoke.Journal {
		t.Fatalf("the leader's answer: %+v; want a's invoke, without a journal", reinvoke)
	}
	if s, _ := n.Status(0, "a"); s != invoker.StatusInvoked {
		t.Fatalf("a's status after its yield: %v; want invoked", s)
	}
}
