package invoker

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
