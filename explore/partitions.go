package explore

import (
	"slices"

	"lab/faults"
	"lab/invoker"
)

// fewerPartitions is s on only the partitions its decisions mention, or
// nil if it mentions every partition.
func fewerPartitions(s *faults.Schedule) *faults.Schedule {
	used := map[invoker.PartitionID]bool{}
	for _, e := range s.Entries {
		for _, p := range mentioned(s, e) {
			used[p] = true
		}
	}
	if len(used) == 0 || len(used) >= s.Header.Node.Partitions {
		return nil
	}
	keep := make([]int, 0, len(used))
	for p := range used {
		keep = append(keep, int(p))
	}
	slices.Sort(keep)
	return onPartitions(s, keep)
}

// onPartitions is s on the partitions keep only (ascending), renumbered
// from 0 in order (with one invoker per partition, invokers are
// renumbered alike): every send, fault, pick and control that concerns
// another partition is removed.
func onPartitions(s *faults.Schedule, keep []int) *faults.Schedule {
	to := map[invoker.PartitionID]invoker.PartitionID{}
	for i, p := range keep {
		to[invoker.PartitionID(p)] = invoker.PartitionID(i)
	}
	perPartition := !s.Header.Node.SharedInvoker
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
	out := &faults.Schedule{Header: s.Header, Entries: make([]faults.Entry, 0, len(s.Entries))}
	out.Header.Node.Partitions = len(keep)
	for _, e := range s.Entries {
		if slices.ContainsFunc(mentioned(s, e), func(p invoker.PartitionID) bool { _, ok := to[p]; return !ok }) {
			continue
		}
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
			c := *e.Control // the original's, which must not change
			c.Partition = move(c.Partition)
			if r := c.Rule.Partition; r != nil {
				p := move(*r)
				c.Rule.Partition = &p
			}
			e.Control = &c
		}
		out.Entries = append(out.Entries, e)
	}
	return out
}

// mentioned lists the partitions an entry of s concerns (with one invoker
// per partition, an invoker stands for its partition).
func mentioned(s *faults.Schedule, e faults.Entry) []invoker.PartitionID {
	perPartition := !s.Header.Node.SharedInvoker
	var ps []invoker.PartitionID
	note := func(p invoker.PartitionID) {
		if p >= 0 {
			ps = append(ps, p)
		}
	}
	switch e.Op {
	case faults.OpSend, faults.OpFault:
		if e.Msg.Kind == invoker.MsgNone {
			break // a fault whose message is known by its id alone
		}
		note(e.Msg.PLE.Partition)
		if perPartition && invokerAddressed(e.Msg.Kind) {
			note(invoker.PartitionID(e.Msg.Invoker))
		}
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
	return ps
}

// invokerAddressed: messages sent to an invoker by number, not by partition.
func invokerAddressed(k invoker.MsgKind) bool {
	return k == invoker.MsgCancel || k == invoker.MsgJoin || k == invoker.MsgCleanup
}
