package invoker

import (
	"cmp"
	"slices"
)

// Test-only views of the model, for the tests of package invoker_test.

// Dir is the store's directory.
func (s *FileStore) Dir() string { return s.dir }

// Panicked is the assertion message of invoker i's panic, if it died.
func (n *Node) Panicked(i int) string { return n.invokers[i].panicMsg }

// Task looks up a running task.
func (n *Node) Task(id TaskID) (TaskInfo, bool) {
	iv, t := n.liveTask(id)
	if t == nil {
		return TaskInfo{}, false
	}
	return TaskInfo{ID: t.id, Invoker: iv.id, PLE: t.ple, Inv: t.inv, Attempt: t.attempt}, true
}

// contents lists the queued invokes, oldest first, without loading segments.
func (q *segQueue) contents() (inMemory []InvokeCmd, onDisk int) {
	for i := 0; i < q.segs.len(); i++ {
		s := q.segs.at(i)
		inMemory = append(inMemory, s.cmds.slice()...)
	}
	return inMemory, q.diskLen
}

// ReferenceInvocations lists the invocations as Snapshot first did: every
// state machine in a map by (partition, id), the last registered
// coordinator winning, then everything sorted by partition and id.
func (n *Node) ReferenceInvocations() []InvocationSnapshot {
	type key struct {
		p  PartitionID
		id InvocationID
	}
	machines := map[key]*ism{}
	for _, iv := range n.invokers {
		for _, ple := range iv.sortedPLEs() {
			coord, _ := iv.parts.get(ple)
			for id, m := range coord {
				machines[key{ple.Partition, id}] = m
			}
		}
	}
	var out []InvocationSnapshot
	for _, pp := range n.pps {
		for id, r := range pp.records {
			inv := InvocationSnapshot{ID: id, Partition: pp.id, Status: r.status, Journal: r.journal}
			if m := machines[key{pp.id, id}]; m != nil {
				inv.State, inv.PLE, inv.Attempt = m.state, m.ple, m.attempt
			}
			out = append(out, inv)
		}
	}
	slices.SortFunc(out, func(a, b InvocationSnapshot) int {
		return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.ID, b.ID))
	})
	return out
}
