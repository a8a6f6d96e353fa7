package invoker

import "strings"

// Arm is one branch of the invoker's select loop. The real loop is a tokio
// select! without `biased;`: it starts at a random branch and takes the first
// ready one from there (see SelectOrder).
type Arm uint8

const (
	ArmNone Arm = iota
	// ArmInput takes the next command from the partition processors.
	ArmInput
	// ArmDequeue takes the head of the segmented queue; ready only when the
	// queue is non-empty and a concurrency slot is free, and pending while
	// the head segment is read back. A head still on disk is ready: the
	// poll starts its read, and the loop goes on to the next ready arm.
	ArmDequeue
	// ArmTask takes the next output of an invocation task.
	ArmTask
	// ArmTimer takes the next due retry timer.
	ArmTimer
	// ArmShutdown is the cancellation watcher: ready once cancelled.
	ArmShutdown
	// ArmJoin is invocation_tasks.join_next(): ready once a task returned
	// (its last output arrived), was cancelled or panicked. Joining one
	// that panicked re-raises it (resume_unwind, lib.rs:459-468); any
	// other join does nothing.
	ArmJoin
	// ArmMemory is the memory pool's reserve(): ready when the queue has
	// an invoke to start, no lease for it, and the pool has one
	// (Config.MemoryLimit). Added after the rest.
	ArmMemory
	numArms
)

var armNames = Names[Arm]{ArmNone: "none", ArmInput: "input", ArmDequeue: "dequeue",
	ArmTask: "task", ArmTimer: "timer", ArmShutdown: "shutdown", ArmJoin: "join",
	ArmMemory: "memory"}

func (a Arm) String() string { return armNames.Name(a) }

// ParseArm reads an arm by name.
func ParseArm(s string) (Arm, bool) { return armNames.Parse(s, ArmInput) }

// SelectOrder is the invoker loop's tokio::select! branches in declaration
// order (crates/invoker-impl/src/lib.rs:348-474 at 0945fd155^): status_rx,
// input_rx, the segmented queue's dequeue, invocation_tasks_rx, the retry
// timers, invocation_tasks.join_next() and the cancellation watcher.
// Status queries are not modelled: ArmNone holds their place, never ready,
// because an unbiased select! counts it all the same.
var SelectOrder = []Arm{ArmNone, ArmInput, ArmDequeue, ArmTask, ArmTimer, ArmJoin, ArmShutdown}

// SelectOrderWithMemory is SelectOrder with the memory pool's branch,
// declared right after the dequeue's, as at 0c6df0fcc (lib.rs:546-553).
var SelectOrderWithMemory = []Arm{ArmNone, ArmInput, ArmDequeue, ArmMemory, ArmTask, ArmTimer, ArmJoin, ArmShutdown}

// SelectOrder is the select! branches of the node's invokers: with a
// memory pool, one more.
func (n *Node) SelectOrder() []Arm {
	if n.cfg.MemoryOn() {
		return SelectOrderWithMemory
	}
	return SelectOrder
}

// ArmSet is a set of arms, in the order they are declared.
type ArmSet uint8

func (s ArmSet) Has(a Arm) bool { return s&(1<<a) != 0 }

func (s ArmSet) With(a Arm) ArmSet { return s | 1<<a }

// Len is the number of arms in the set.
func (s ArmSet) Len() int {
	n := 0
	for a := ArmInput; a < numArms; a++ {
		if s.Has(a) {
			n++
		}
	}
	return n
}

// Nth is the i-th arm of the set in declaration order, so a scheduler can
// pick one by index without allocating.
func (s ArmSet) Nth(i int) Arm {
	for a := ArmInput; a < numArms; a++ {
		if s.Has(a) {
			if i == 0 {
				return a
			}
			i--
		}
	}
	return ArmNone
}

func (s ArmSet) String() string {
	var names []string
	for a := ArmInput; a < numArms; a++ {
		if s.Has(a) {
			names = append(names, a.String())
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}
