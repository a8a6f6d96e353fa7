// Package invoker is a deterministic model of Restate's invoker as it was
// when restatedev/restate#2543 was filed (January 2025): partition processors
// with leader epochs, the invoker's select loop, its segmented input queue,
// its concurrency quota and its invocation state machines.
//
// # Shape
//
// A Node is a pure state machine in the style of etcd raft's RawNode. It
// never reads a clock, starts a goroutine, draws a random number or lets map
// order decide anything. The caller drives it:
//
//	n.Send(m)         // a message from the outside world: leadership, arrivals, shutdown phases
//	n.Deliver(m)      // a message reaches its receiver (or n.Lose(m): it never will)
//	n.ReadyArms(i)    // the arms invoker i's select! could take now
//	n.Step(i, arm)    // invoker i takes one of them
//	n.TaskOutput(t,o) // an invocation task produces an output
//	n.SetTime(t)      // virtual time moves on
//	rd := n.Ready()   // the events and the messages sent since the last Advance
//	n.Advance()       // (or rd = n.Drain(rd): the same, swapping buffers instead of copying)
//
// Every message between components leaves the node in Ready().Sent and comes
// back through Deliver, so the caller decides when, whether and how often it
// arrives. Every transition is an Event with one describer (Event.String).
//
// # An invocation on one invoker
//
//	             dequeue
//	  queued ─────────────► in-flight ◄──────────────┐
//	    ▲                       │                    │ timer fired and
//	    │ Invoke                │ failed (every       │ every entry acked
//	    │                       ▼ error is transient) │
//	partition             waiting-retry ─────────────┘
//	processor                   │
//	                            │ closed, suspended, aborted, partition
//	                            ▼ aborted, shutdown, node aborted
//	                          gone
//
// A state machine holds one concurrency slot from its first start until it
// is gone. The dequeue arm is ready only while the queue is non-empty and a
// slot is free.
//
// # An invoker's life
//
//	running ──shutdown arm──► exited ──join──► joined ──spill cleanup──► closed
//	   │                                          (graceful only)
//	   └──panic──► dead ──spill cleanup (graceful only)──► dead, directory removed
//
// A panic (the #2543 assertion, a failed spill write or read) aborts the
// whole process by default (Config.OnPanic): every other invoker becomes
// dead too, and the node takes no message until Restart. Unwound, the
// invoker dies alone: with the #4103 watch its partition processors step
// down; without it (#4102) they lead on, and what they send it is lost.
//
// # Variants
//
// Buggy asserts that a dequeued Invoke's partition leader epoch is
// registered (the #2543 panic). Fixed drops and counts it
// (restatedev/restate#2547). Graceful also stops dequeuing as soon as it is
// cancelled, sees cancellation while parked on a full effect channel, and
// purges queued invokes on Abort and AbortAllPartition, survives spill I/O
// failures, and removes its spill directory at shutdown. Term is Restate's
// invoker of 2026, one per leadership term (term.go): becoming leader
// builds it, stepping down ends it with its queue, and every invoke
// carries a fencing token.
package invoker
