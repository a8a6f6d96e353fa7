package tui

import (
	"testing"

	"lab/faults"
	"lab/invoker"
)

// What the UI derives from the events alone (views list no invocations)
// agrees with a full snapshot of the node, step after step: state
// machines and queued invokes per partition, and every invocation's
// durable status, state machine and attempt, dead invokers included.
func TestDerivedCountsMatchTheNode(t *testing.T) {
	plan, err := faults.LoadPlan("shutdown-race")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range invoker.Variants() {
		for seed := uint64(1); seed <= 4; seed++ {
			st := newState()
			node := invoker.DefaultConfig()
			node.Variant = v
			node.SharedInvoker = seed%2 == 0 && !v.PerTerm()
			if seed == 3 { // and through vqueues, whose permits the UI counts
				node.VQueues = invoker.VQueuesOn
			}
			sim, err := faults.New(faults.Options{Seed: seed, Node: node, Plan: plan, Workload: faults.DefaultWorkload(),
				Observers: []faults.Observer{faults.EventFunc(st.add)}})
			if err != nil {
				t.Fatal(err)
			}
			for n := 0; !sim.Done(); n++ {
				if _, err := sim.Step(); err != nil {
					t.Fatal(err)
				}
				if n%25 == 0 || sim.Done() {
					compare(t, v, seed, n, st, sim.Snapshot().Node)
				}
			}
			sim.Close()
		}
	}
}

func compare(t *testing.T, v invoker.Variant, seed uint64, n int, st *state, node invoker.Snapshot) {
	t.Helper()
	vqueues := node.PermitLimit > 0
	held, queued := st.partitionCounts(vqueues)
	machines := map[invoker.PartitionID]int{}
	for _, inv := range node.Invocations {
		got := st.invocations[inv.ID]
		if got == nil || got.status != inv.Status {
			t.Fatalf("%s seed %d step %d: %s is %v in the node, %+v in the UI", v, seed, n, inv.ID, inv.Status, got)
		}
		if inv.State != invoker.ISMNone {
			machines[inv.PLE.Partition]++
			if got.machine != inv.State || got.attempt != inv.Attempt {
				t.Fatalf("%s seed %d step %d: %s machine %s attempt %d, the UI says %s attempt %d",
					v, seed, n, inv.ID, inv.State, inv.Attempt, got.machine, got.attempt)
			}
		}
	}
	granted := 0
	for _, p := range node.Partitions {
		granted += held[p.ID]
		iv := node.Invokers[p.Invoker]
		if vqueues {
			// Permits are held by state machines and by VQInvokes on
			// their way, which the node counts as a whole.
			if held[p.ID] < machines[p.ID] || queued[p.ID] != 0 {
				t.Fatalf("%s seed %d step %d: p%d has %d machines; the UI counts %d permits and %d queued",
					v, seed, n, p.ID, machines[p.ID], held[p.ID], queued[p.ID])
			}
			continue
		}
		if held[p.ID] != machines[p.ID] || queued[p.ID] > iv.QueueLen {
			t.Fatalf("%s seed %d step %d: p%d has %d machines and invoker%d %d queued; the UI counts %d and %d",
				v, seed, n, p.ID, machines[p.ID], iv.ID, iv.QueueLen, held[p.ID], queued[p.ID])
		}
	}
	if vqueues && granted != node.PermitsInUse {
		t.Fatalf("%s seed %d step %d: %d permits in use, the UI counts %d", v, seed, n, node.PermitsInUse, granted)
	}
	// An invoker's queue holds the invokes of the partitions it serves.
	for _, iv := range node.Invokers {
		sum := 0
		for _, p := range iv.Serves {
			sum += queued[p]
		}
		if sum != iv.QueueLen {
			t.Fatalf("%s seed %d step %d: invoker%d queues %d, the UI counts %d", v, seed, n, iv.ID, iv.QueueLen, sum)
		}
		// The depth sparkline ends at the queue's length.
		depth := 0
		if iv.ID < len(st.depth) {
			depth = st.depth[iv.ID]
		}
		if depth != iv.QueueLen {
			t.Fatalf("%s seed %d step %d: invoker%d queues %d, the depth sparkline ends at %d", v, seed, n, iv.ID, iv.QueueLen, depth)
		}
	}
}
