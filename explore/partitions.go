package explore

import (
	"slices"

	"lab/faults"
	"lab/invoker"
)

// fewerPartitions is s on only the partitions its decisions mention,
// renumbered from 0 in order (with one invoker per partition, invokers
// are renumbered alike), or nil if it mentions every partition.
func fewerPartitions(s *faults.Schedule) *faults.Schedule {
	perPartition := !s.Header.Node.SharedInvoker
	used := map[invoker.PartitionID]bool{}
	note := func(p invoker.PartitionID) {
		if p >= 0 {
			used[p] = true
		}
	}
	noteMsg := func(m invoker.Envelope) {
		note(m.PLE.Partition)
		if perPartition && invokerAddressed(m.Kind) {
			note(invoker.PartitionID(m.Invoker))
		}
	}
	for _, e := range s.Entries {
		switch e.Op {
		case faults.OpSend, faults.OpFault:
			noteMsg(e.Msg)
		case faults.OpPick:
			if perPartition && e.Choice.Invoker >= 0 {
				note(invoker.PartitionID(e.Choice.Invoker))
			}
		case faults.OpControl:
			note(e.Control.Partition)
			if e.Control.Rule.Partition != nil {
				note(*e.Control.Rule.Partition)
			}
		}
	}
	if len(used) == 0 || len(used) >= s.Header.Node.Partitions {
		return nil
	}
	order := make([]invoker.PartitionID, 0, len(used))
	for p := range used {
		order = append(order, p)
	}
	slices.Sort(order)
	to := map[invoker.PartitionID]invoker.PartitionID{}
	for i, p := range order {
		to[p] = invoker.PartitionID(i)
	}
	move := func(p invoker.PartitionID) invoker.PartitionID {
		if p < 0 {
			return p
		}
		return to[p]
	}
	moveMsg := func(m invoker.Envelope) invoker.Envelope {
		m.PLE.Partition = move(m.PLE.Partition)
		if perPartition && (invokerAddressed(m.Kind) || m.Kind != invoker.MsgNone && m.PLE.Partition >= 0) {
			m.Invoker = int(move(invoker.PartitionID(m.Invoker)))
		}
		return m
	}
	out := &faults.Schedule{Header: s.Header, Entries: make([]faults.Entry, len(s.Entries))}
	out.Header.Node.Partitions = len(used)
	for i, e := range s.Entries {
		switch e.Op {
		case faults.OpSend:
			e.Msg = moveMsg(e.Msg)
		case faults.OpFault:
			if e.Msg.Kind != invoker.MsgNone {
				e.Msg = moveMsg(e.Msg)
			}
		case faults.OpPick:
			if perPartition && e.Choice.Invoker >= 0 {
				e.Choice.Invoker = int(move(invoker.PartitionID(e.Choice.Invoker)))
			}
		case faults.OpControl:
			e.Control.Partition = move(e.Control.Partition)
			if r := e.Control.Rule.Partition; r != nil {
				p := move(*r)
				e.Control.Rule.Partition = &p
			}
		}
		out.Entries[i] = e
	}
	return out
}

// invokerAddressed: messages sent to an invoker by number, not by partition.
func invokerAddressed(k invoker.MsgKind) bool {
	return k == invoker.MsgCancel || k == invoker.MsgJoin || k == invoker.MsgCleanup
}
