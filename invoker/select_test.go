package invoker_test

import (
	"testing"

	"lab/invoker"
)

// shutdownWithStoredHead is the #2543 shutdown with b's Invoke on the store:
// a runs in the only slot, b waits in a stored segment (queue limit 1) that
// nothing read ahead (it came after a was dequeued), and the invoker has
// taken AbortAllPartition, which cancelled a's task and freed the slot, and
// was cancelled.
func shutdownWithStoredHead(t *testing.T) *invoker.Node {
	t.Helper()
	cfg := invoker.DefaultConfig()
	cfg.Partitions, cfg.Quota, cfg.QueueLimit, cfg.Variant = 1, 1, 1, invoker.Buggy
	cfg.Store = invoker.MemStores()
	n := node(t, cfg)
	n.Send(leader(0, 1))
	n.Send(submit(0, "a"))
	deliverAll(n, sent(n)...)
	step(t, n, 0, invoker.ArmInput) // register
	step(t, n, 0, invoker.ArmInput) // a queued and stored
	dequeueStep(t, n, 0)            // a in flight
	n.Advance()
	n.Send(submit(0, "b"))
	deliverAll(n, sent(n)...)
	step(t, n, 0, invoker.ArmInput) // b queued and stored, the head
	n.Advance()
	deliverAll(n, invoker.Envelope{Kind: invoker.MsgStepDown, PLE: invoker.PLE{Partition: 0}}, toInvoker(invoker.MsgCancel, 0))
	step(t, n, 0, invoker.ArmInput) // AbortAllPartition
	n.Advance()
	return n
}

// The dequeue arm of a stored head is pending while the head is read back:
// select! goes on to the branches after it, and once the cancelled task is
// joined, only the shutdown arm is ready. Shutdown wins, and nothing
// panics, unless the read finishes first.
func TestStoredHeadLosesTheShutdownRace(t *testing.T) {
	n := shutdownWithStoredHead(t)
	want := invoker.ArmSet(0).With(invoker.ArmDequeue).With(invoker.ArmJoin).With(invoker.ArmShutdown)
	if got := n.ReadyArms(0); got != want {
		t.Fatalf("after the abort: ready %v, want %v", got, want)
	}
	step(t, n, 0, invoker.ArmDequeue) // starts the read, pending: join_next is next
	if took := n.Took(0); took != invoker.ArmJoin {
		t.Errorf("the pending dequeue went on to %v, want join", took)
	}
	var kinds []invoker.Kind
	for _, e := range n.Ready().Events {
		if e.Kind != invoker.KindSent {
			kinds = append(kinds, e.Kind)
			if e.Arm == invoker.ArmJoin && e.Kind != invoker.KindTaskJoined {
				t.Errorf("%v stamped with the join arm", e)
			}
		}
	}
	if len(kinds) != 2 || kinds[0] != invoker.KindLoad || kinds[1] != invoker.KindTaskJoined {
		t.Fatalf("the pending poll did %v, want the read started and then the task joined", kinds)
	}
	read := only(t, n.Ready().Sent, invoker.MsgSegmentLoaded)
	n.Advance()
	if got := n.ReadyArms(0); got != invoker.ArmSet(0).With(invoker.ArmShutdown) {
		t.Fatalf("with the head being read: ready %v, want shutdown alone", got)
	}

	// The read finishing first puts the race back: the dequeue panics.
	n.Deliver(read)
	if !n.ReadyArms(0).Has(invoker.ArmDequeue) {
		t.Fatalf("the read finished but the dequeue arm is not ready: %v", n.ReadyArms(0))
	}
	step(t, n, 0, invoker.ArmDequeue)
	if n.Panicked(0) == "" {
		t.Fatal("dequeuing b for the removed partition did not panic")
	}

	n = shutdownWithStoredHead(t)
	step(t, n, 0, invoker.ArmDequeue)
	step(t, n, 0, invoker.ArmShutdown)
	if n.Panicked(0) != "" || n.InvokerState(0) != invoker.InvokerExited {
		t.Fatalf("shutdown taken while the head was read: panicked %q, state %v", n.Panicked(0), n.InvokerState(0))
	}
}

// oneSlotRunningA is a node of one partition and one slot, running a.
func oneSlotRunningA(t *testing.T) *invoker.Node {
	t.Helper()
	cfg := invoker.DefaultConfig()
	cfg.Partitions, cfg.Quota = 1, 1
	n := node(t, cfg)
	runningA(t, n)
	return n
}

// A task is joinable once its last output is in the task channel (it
// returns right after sending it), or at once when it is cancelled; the
// join arm takes each once.
func TestJoinArmTakesEveryEndedTask(t *testing.T) {
	n := oneSlotRunningA(t)
	out, ok := n.TaskOutput(1, invoker.OutClosed)
	if !ok {
		t.Fatal("task 1 is not running")
	}
	n.Advance()
	if n.ReadyArms(0).Has(invoker.ArmJoin) {
		t.Fatal("join ready before the task's last output reached the invoker")
	}
	n.Deliver(out)
	n.Deliver(out) // a copy, as a fault makes: still one task to join
	if got := n.ReadyArms(0); !got.Has(invoker.ArmJoin) || !got.Has(invoker.ArmTask) {
		t.Fatalf("ready %v once the output arrived, want task and join", got)
	}
	step(t, n, 0, invoker.ArmJoin)
	joined := 0
	for _, e := range n.Ready().Events {
		if e.Kind == invoker.KindTaskJoined {
			joined++
			if e.Task != 1 || e.Inv != "a" {
				t.Errorf("joined %v, want task 1 of a", e)
			}
		}
	}
	if joined != 1 || n.ReadyArms(0).Has(invoker.ArmJoin) {
		t.Fatalf("%d tasks joined, join still ready: %v", joined, n.ReadyArms(0))
	}
	n.Advance()

	// A cancelled task is joinable at once.
	n.Send(submit(0, "b"))
	deliverAll(n, sent(n)...)
	step(t, n, 0, invoker.ArmTask) // a closed: the slot is free
	step(t, n, 0, invoker.ArmTask) // the copy: ignored
	step(t, n, 0, invoker.ArmInput)
	dequeueStep(t, n, 0)
	deliverAll(n, sent(n)...)
	n.Send(invoker.Envelope{Kind: invoker.MsgKill, PLE: invoker.PLE{Partition: 0}, Inv: "b"})
	deliverAll(n, sent(n)...)
	step(t, n, 0, invoker.ArmInput) // Abort of b cancels task 2
	if !n.ReadyArms(0).Has(invoker.ArmJoin) {
		t.Fatalf("the cancelled task is not joinable: ready %v", n.ReadyArms(0))
	}
}

// Only the task's last output makes it joinable: an earlier one that a
// fault held back arrives after the task returned, and changes nothing. A
// last output the fault plan drops does: the task returned all the same.
func TestJoinWaitsForTheLastOutput(t *testing.T) {
	n := oneSlotRunningA(t)
	entry, _ := n.TaskOutput(1, invoker.OutEntry)
	closed, _ := n.TaskOutput(1, invoker.OutClosed)
	n.Advance()
	n.Deliver(entry)
	if n.ReadyArms(0).Has(invoker.ArmJoin) {
		t.Fatal("join ready when only the task's first output arrived")
	}
	n.Lose(closed)
	if !n.ReadyArms(0).Has(invoker.ArmJoin) {
		t.Fatal("join not ready once the task's last output was lost")
	}
}

// The end of a read nobody awaits any more (a copy of the message, or a
// segment purged meanwhile) is logged as ignored, so the log says the
// dequeue arm is not waiting for it.
func TestReadEndNobodyAwaits(t *testing.T) {
	n := shutdownWithStoredHead(t)
	step(t, n, 0, invoker.ArmDequeue) // starts b's segment's read
	read := only(t, n.Ready().Sent, invoker.MsgSegmentLoaded)
	n.Advance()
	n.Deliver(read)
	n.Deliver(read)
	var outcomes []invoker.Outcome
	for _, e := range n.Ready().Events {
		if e.Kind == invoker.KindLoaded {
			outcomes = append(outcomes, e.Outcome)
		}
	}
	if len(outcomes) != 2 || outcomes[0] != invoker.OutcomeNone || outcomes[1] != invoker.IgnoredNoRead {
		t.Fatalf("queue.loaded outcomes %v, want the read, then the copy ignored", outcomes)
	}
}
