package invoker_test

import (
	"reflect"
	"testing"

	"lab/invoker"
)

// TestSnapshotSharedInvokerOrder: with a shared invoker the same invocation
// id can exist on several partitions. Snapshot once sorted by id alone and
// matched state machines by id, so two snapshots of the same node could
// differ (the property test saw "a refused Step(0, dequeue) changed the
// node" about once in 20 runs). Invocations are now ordered by partition,
// then id, and each carries its own partition's state machine.
func TestSnapshotSharedInvokerOrder(t *testing.T) {
	cfg := invoker.DefaultConfig()
	cfg.Partitions, cfg.Quota, cfg.SharedInvoker, cfg.Store = 4, 8, true, invoker.MemStores()
	n := node(t, cfg)
	for p := range invoker.PartitionID(4) {
		n.Send(leader(p, 1))
		for _, id := range []invoker.InvocationID{"b", "a", "c"} {
			n.Send(submit(p, id))
		}
	}
	deliverAll(n, sent(n)...)
	for n.ReadyArms(0).Has(invoker.ArmInput) {
		step(t, n, 0, invoker.ArmInput)
	}
	// Start a few of them: only some partitions' "a" get a state machine.
	for range 5 {
		dequeueStep(t, n, 0)
	}
	n.Advance()

	first := n.Snapshot()
	if len(first.Invocations) != 12 {
		t.Fatalf("%d invocations in the snapshot, want 12", len(first.Invocations))
	}
	for i := 1; i < len(first.Invocations); i++ {
		a, b := first.Invocations[i-1], first.Invocations[i]
		if a.Partition > b.Partition || a.Partition == b.Partition && a.ID >= b.ID {
			t.Fatalf("invocations out of (partition, id) order at %d: %+v before %+v", i, a, b)
		}
	}
	for _, inv := range first.Invocations {
		if inv.State != invoker.ISMNone && inv.PLE.Partition != inv.Partition {
			t.Errorf("%s of p%d shows the state machine of %s", inv.ID, inv.Partition, inv.PLE)
		}
	}
	// Map iteration order changes from call to call: many snapshots must
	// all be equal.
	for range 50 {
		if again := n.Snapshot(); !reflect.DeepEqual(first, again) {
			t.Fatalf("two snapshots of an unchanged node differ:\n%+v\n%+v", first.Invocations, again.Invocations)
		}
	}
}
