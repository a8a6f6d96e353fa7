package faults

import "lab/invoker"

// progressStep is one step forward of an invocation; it stands while it is
// the invocation's latest (its mark has the same seq).
type progressStep struct {
	id  invoker.InvocationID
	seq uint64
}

// stepQueue holds steps forward oldest first. Steps are appended as they
// happen, so their marks' times never decrease along it: the oldest mark
// still standing is found by popping from the front, never by a scan of
// every invocation. A step that is no longer its invocation's latest is
// dropped where it is met, and in bulk by compact.
type stepQueue struct {
	steps []progressStep
	head  int
}

func (q *stepQueue) reset() { *q = stepQueue{steps: q.steps[:0]} }

func (q *stepQueue) push(st progressStep) { q.steps = append(q.steps, st) }

// front is the oldest step not popped.
func (q *stepQueue) front() (progressStep, bool) {
	if q.head == len(q.steps) {
		return progressStep{}, false
	}
	return q.steps[q.head], true
}

func (q *stepQueue) pop() { q.head++ }

// pending is how many steps are not popped.
func (q *stepQueue) pending() int { return len(q.steps) - q.head }

// compact drops the steps popped and those that no longer stand. Called
// after as many pushes as the marks that can stand, each step costs O(1)
// in the long run, and the queue never holds more than about twice the
// marks.
func (q *stepQueue) compact(stands func(progressStep) bool) {
	kept := q.steps[:0]
	for _, st := range q.steps[q.head:] {
		if stands(st) {
			kept = append(kept, st)
		}
	}
	q.steps, q.head = kept, 0
}
