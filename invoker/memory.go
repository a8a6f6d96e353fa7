package invoker

import "fmt"

// The invoker's memory pool (Restate since v1.7.0, crates/memory, the
// invoker loop at 0c6df0fcc lib.rs:484-553): one pool per node, shared by
// every invoker, sized by worker.invoker.memory-limit. Before an invoke is
// dequeued the loop holds a lease of per-invocation-initial-memory from
// it, the invocation's initial budget, which the invocation keeps until
// its state machine goes (a retry keeps it on the state machine).
//
// The lab counts the pool in leases, memory-limit over
// per-invocation-initial-memory, and charges a lease to a state machine
// for its whole life. Restate's budget travels with the task, and a task
// aborted returns it when it stops; the lab returns it at the abort. A
// budget grows by one lease at most, for an attempt of a hungry
// invocation (Envelope.Hungry), which asks for it at the top of the loop
// that started it (growHungry); Restate's grows by what its messages
// need.

// MaxMemoryLimit bounds the pool: a million leases are beyond any run the
// lab simulates.
const MaxMemoryLimit = 1_000_000

// MemoryOn reports whether the node's invokers draw on a memory pool;
// without one (MemoryLimit 0, the lab's default) memory is unlimited and
// the loop has no memory branch.
func (c Config) MemoryOn() bool { return c.MemoryLimit > 0 }

// MemoryPooled reports whether the node's invokers share a memory pool:
// then one invoker's step can ready another's memory branch.
func (n *Node) MemoryPooled() bool { return n.cfg.MemoryOn() }

// ValidateMemoryLimit reports a pool the node cannot have (Config.Validate asks).
func ValidateMemoryLimit(limit int) error {
	if limit < 0 || limit > MaxMemoryLimit {
		return fmt.Errorf("%w: memory-limit must be between 0 (unlimited) and %d leases, got %d", ErrConfig, MaxMemoryLimit, limit)
	}
	return nil
}

// MemoryInUse is how many leases of the node's pool are held: one by each
// state machine of a running invoker, one more by each running attempt of
// a hungry invocation (Envelope.Hungry), and one by each queue whose next
// invoke has its lease already.
func (n *Node) MemoryInUse() int {
	used := 0
	for _, iv := range n.invokers {
		used += iv.memoryHeld()
	}
	return used
}

// memoryHeld is the leases iv holds. An invoker that ended dropped its
// state machines and its lease with it.
func (iv *Invoker) memoryHeld() int {
	if !iv.n.cfg.MemoryOn() || iv.state != InvokerRunning {
		return 0
	}
	held := iv.nISM
	if iv.lease {
		held++
	}
	for _, t := range iv.liveTasks {
		if t.grown {
			held++
		}
	}
	return held
}

// memoryFree reports whether the pool has a lease to give.
func (n *Node) memoryFree() bool { return n.MemoryInUse() < n.cfg.MemoryLimit }

// wantsLease: the queue has an invoke to start and no lease for it. The
// graceful variant, which stops dequeuing at the shutdown, stops asking
// for memory too.
func (iv *Invoker) wantsLease() bool {
	return iv.n.cfg.MemoryOn() && iv.queue.len > 0 && !iv.lease && !iv.stopsDequeuing()
}

// leaseReady is the memory branch's guard (reserve(), if the queue is
// non-empty and no lease is held): ready once the pool has one.
func (iv *Invoker) leaseReady() bool { return iv.wantsLease() && iv.n.memoryFree() }

// dequeueHasMemory is the dequeue branch's memory guard.
func (iv *Invoker) dequeueHasMemory() bool { return !iv.n.cfg.MemoryOn() || iv.lease }

// takeLease is the memory branch's body: the pool's lease is the queue's.
func (iv *Invoker) takeLease() {
	iv.lease = true
	iv.emitMemory(KindMemoryReserved)
}

// atLoopTop is what the loop does before each select: it returns the
// lease of a queue that emptied, and tries for one (try_reserve, which
// does not wait) when the queue has an invoke and none. A dequeue took the
// lease into the invocation it started. Then the attempts the step
// started run (growHungry).
func (iv *Invoker) atLoopTop() {
	if !iv.n.cfg.MemoryOn() || iv.state != InvokerRunning {
		iv.hungryStarts = iv.hungryStarts[:0]
		return
	}
	switch {
	case iv.lease && (iv.queue.len == 0 || iv.stopsDequeuing()):
		iv.lease = false
		iv.emitMemory(KindMemoryReturned)
	case iv.leaseReady():
		iv.takeLease()
	}
	iv.growHungry()
}

// hungryStart is an attempt of a hungry invocation the step started.
type hungryStart struct {
	m    *ism
	task TaskID
}

// growHungry lets the attempts of hungry invocations the step started
// ask the pool for their second lease. A spawned task runs after the loop
// that spawned it went on, so the loop's top took the queue's lease
// first: the attempt holds the second lease if the pool has one, and
// otherwise fails, out of memory, before it reaches its service.
func (iv *Invoker) growHungry() {
	for _, h := range iv.hungryStarts {
		i, ok := iv.findTask(h.task)
		if !ok {
			continue // a step starts a task last: nothing ends it before this
		}
		t := &iv.liveTasks[i]
		t.grown = iv.n.memoryFree()
		iv.taskStarted(h.m, *t)
	}
	iv.hungryStarts = iv.hungryStarts[:0]
}

func (iv *Invoker) emitMemory(k Kind) {
	e := iv.plainEvent(k)
	e.N, e.M = iv.n.MemoryInUse(), iv.n.cfg.MemoryLimit
	iv.emit(e)
}

// WaitsForMemory reports whether invoker i's queue waits for the pool: it
// has an invoke to start, no lease, and the pool none to give.
func (n *Node) WaitsForMemory(i int) bool { return n.invokers[i].waitsForMemory() }

// QueueHoldsLease reports whether invoker i's queue holds a lease of the
// node's pool for its next invoke.
func (n *Node) QueueHoldsLease(i int) bool {
	iv := n.invokers[i]
	return n.cfg.MemoryOn() && iv.state == InvokerRunning && iv.lease
}

func (iv *Invoker) waitsForMemory() bool {
	return iv.state == InvokerRunning && iv.wantsLease() && !iv.n.memoryFree()
}
