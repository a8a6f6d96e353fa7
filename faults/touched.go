package faults

import (
	"math/bits"
	"slices"

	"lab/invoker"
)

// touched keeps, between picks, which invokers an action may have
// changed, so that listing the ready arms and checking the slots costs the
// invokers touched, not every invoker of the node. An invoker's ready arms
// and slots change only when it steps, when a message is delivered to it
// or lost on its way from it, when one of its tasks ends, at a restart, and
// when the process aborts on another invoker's panic; every such call
// marks it. Scripts poke the node directly, so in
// instant mode everything is recomputed every time, and so is it with a
// memory pool, whose lease one invoker's step can free for another's
// memory branch.
type touched struct {
	ready []invoker.ArmSet
	// any has bit i set when invoker i has a ready arm, so that listing
	// the choices costs the invokers that have one, not every invoker.
	any        []uint64
	readyDirty []bool
	readyList  []int
	slotDirty  []bool
	slotList   []int
	// all: recompute everything (at the start and after a restart).
	all bool
}

// verifyTouched makes every decision check the cache against a full
// recomputation; tests turn it on.
var verifyTouched = false

func (t *touched) reset(invokers int) {
	t.ready = make([]invoker.ArmSet, invokers)
	t.any = make([]uint64, (invokers+63)/64)
	t.readyDirty = make([]bool, invokers)
	t.slotDirty = make([]bool, invokers)
	t.readyList, t.slotList = t.readyList[:0], t.slotList[:0]
	for i := range invokers {
		// New invokers: every one's slots are checked at the next action,
		// which also clears what the old ones had.
		t.slotDirty[i] = true
		t.slotList = append(t.slotList, i)
	}
	t.all = true
}

// markAll notes that every invoker may have changed: the process aborted
// on one invoker's panic and took the others with it.
func (t *touched) markAll() {
	for i := range t.ready {
		t.mark(i)
	}
	t.all = true
}

// mark notes that invoker i may have changed.
func (t *touched) mark(i int) {
	if i < 0 || i >= len(t.ready) {
		return
	}
	if !t.readyDirty[i] {
		t.readyDirty[i] = true
		t.readyList = append(t.readyList, i)
	}
	if !t.slotDirty[i] {
		t.slotDirty[i] = true
		t.slotList = append(t.slotList, i)
	}
}

// readyArms brings the cached ready arms up to date.
func (t *touched) readyArms(n *invoker.Node, instant bool) {
	if len(t.ready) != n.Invokers() {
		t.reset(n.Invokers())
	}
	if t.all || instant || n.MemoryPooled() {
		for i := range t.ready {
			t.set(i, n.ReadyArms(i))
			t.readyDirty[i] = false
		}
		t.readyList = t.readyList[:0]
		t.all = false
		return
	}
	for _, i := range t.readyList {
		t.set(i, n.ReadyArms(i))
		t.readyDirty[i] = false
	}
	t.readyList = t.readyList[:0]
	if verifyTouched {
		for i := range t.ready {
			if t.ready[i] != n.ReadyArms(i) || (t.ready[i] != 0) != (t.any[i/64]&(1<<(i%64)) != 0) {
				panic("faults: the ready-arm cache missed a change of an invoker, now " + n.InvokerState(i).String())
			}
		}
	}
}

func (t *touched) set(i int, arms invoker.ArmSet) {
	t.ready[i] = arms
	if arms != 0 {
		t.any[i/64] |= 1 << (i % 64)
	} else {
		t.any[i/64] &^= 1 << (i % 64)
	}
}

// appendChoices appends every ready arm of every invoker, in invoker order
// and each invoker's arms in ArmSet order, as of the last readyArms.
func (t *touched) appendChoices(cs []Choice) []Choice {
	for w, word := range t.any {
		for ; word != 0; word &= word - 1 {
			i := w*64 + bits.TrailingZeros64(word)
			ready := t.ready[i]
			for k := range ready.Len() {
				cs = append(cs, Choice{Invoker: i, Arm: ready.Nth(k)})
			}
		}
	}
	return cs
}

// slots are the invokers whose slots may have changed since the last
// check, in invoker order; nil means every invoker.
func (t *touched) slots(instant bool) []int {
	if instant || len(t.slotDirty) == 0 {
		return nil
	}
	slices.Sort(t.slotList)
	for _, i := range t.slotList {
		t.slotDirty[i] = false
	}
	list := t.slotList
	t.slotList = t.slotList[:0]
	return list
}
