package invoker

// joinable is a task that ended and waits for the join arm
// (invocation_tasks.join_next()). Joining one that returned or was
// cancelled does nothing; one that panicked is re-raised.
type joinable struct {
	t        task
	panicked bool
}

// lastOutputArrived makes a task joinable once its last output is in the
// task channel (or lost, a fault): the task returns right after that send,
// so join_next is ready with it. A copy of the output (a fault) changes
// nothing.
func (iv *Invoker) lastOutputArrived(id TaskID) {
	for i, t := range iv.ending {
		if t.id == id {
			iv.joinable.push(joinable{t: t})
			iv.ending = append(iv.ending[:i], iv.ending[i+1:]...)
			return
		}
	}
}
