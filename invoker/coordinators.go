package invoker

import "slices"

// coordinators is the InvocationStateMachineManager: one coordinator (the
// state machines by invocation id) per registered partition leader epoch,
// sorted by partition, then epoch. It is a slice, not a map keyed by PLE:
// an invoker holds a few of them, found by a binary search without hashing,
// and walked in the order every "for each partition" of the model needs.
type coordinators []coordinator

type coordinator struct {
	ple PLE
	ms  map[InvocationID]*ism
}

// search is where ple is, or would be inserted.
func (cs coordinators) search(ple PLE) (int, bool) {
	lo, hi := 0, len(cs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if p := cs[mid].ple; p.Partition < ple.Partition || (p.Partition == ple.Partition && p.Epoch < ple.Epoch) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, lo < len(cs) && cs[lo].ple == ple
}

// get is ple's coordinator, if ple is registered.
func (cs coordinators) get(ple PLE) (map[InvocationID]*ism, bool) {
	if i, ok := cs.search(ple); ok {
		return cs[i].ms, true
	}
	return nil, false
}

// machine is invocation id's state machine at partition p: the one in the
// latest epoch of p that holds it, or nil.
func (cs coordinators) machine(p PartitionID, id InvocationID) *ism {
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].ple.Partition == p {
			if m := cs[i].ms[id]; m != nil {
				return m
			}
		}
	}
	return nil
}

// register gives ple the coordinator ms (empty), replacing any it had; it
// returns the replaced one's map, if any.
func (cs *coordinators) register(ple PLE, ms map[InvocationID]*ism) map[InvocationID]*ism {
	c := coordinator{ple, ms}
	i, ok := cs.search(ple)
	if ok {
		old := (*cs)[i].ms
		(*cs)[i] = c
		return old
	}
	*cs = slices.Insert(*cs, i, c)
	return nil
}

// unregister removes ple's coordinator and returns its map, if it had one.
func (cs *coordinators) unregister(ple PLE) map[InvocationID]*ism {
	i, ok := cs.search(ple)
	if !ok {
		return nil
	}
	ms := (*cs)[i].ms
	*cs = slices.Delete(*cs, i, i+1)
	return ms
}

// The invoker's coordinators reuse the maps of unregistered ones: an
// invoker registers an epoch per leadership, and Node.Reset keeps them for
// the next run.

// register gives ple a new, empty coordinator, replacing any it had.
func (iv *Invoker) register(ple PLE) {
	var ms map[InvocationID]*ism
	if k := len(iv.spareCoords); k > 0 {
		ms = iv.spareCoords[k-1]
		iv.spareCoords[k-1] = nil
		iv.spareCoords = iv.spareCoords[:k-1]
	} else {
		ms = map[InvocationID]*ism{}
	}
	iv.keepCoord(iv.parts.register(ple, ms))
}

// unregister removes ple's coordinator.
func (iv *Invoker) unregister(ple PLE) { iv.keepCoord(iv.parts.unregister(ple)) }

// dropParts unregisters every partition leader epoch at once, forgetting
// their state machines.
func (iv *Invoker) dropParts() {
	for _, c := range iv.parts {
		iv.keepCoord(c.ms)
	}
	clear(iv.parts)
	iv.parts = iv.parts[:0]
}

func (iv *Invoker) keepCoord(ms map[InvocationID]*ism) {
	if ms != nil {
		clear(ms)
		iv.spareCoords = append(iv.spareCoords, ms)
	}
}

// ples lists the registered partition leader epochs, in order, in a new
// slice: callers unregister while they walk it.
func (cs coordinators) ples() []PLE {
	ples := make([]PLE, len(cs))
	for i, c := range cs {
		ples[i] = c.ple
	}
	return ples
}
