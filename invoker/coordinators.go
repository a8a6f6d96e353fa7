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

// register gives ple a new, empty coordinator, replacing any it had.
func (cs *coordinators) register(ple PLE) {
	c := coordinator{ple, map[InvocationID]*ism{}}
	i, ok := cs.search(ple)
	if ok {
		(*cs)[i] = c
		return
	}
	*cs = slices.Insert(*cs, i, c)
}

// unregister removes ple's coordinator.
func (cs *coordinators) unregister(ple PLE) {
	if i, ok := cs.search(ple); ok {
		*cs = slices.Delete(*cs, i, i+1)
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
