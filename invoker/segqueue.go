package invoker

// segQueue is Restate's SegmentQueue (crates/queue/src/segmented_queue.rs):
// a FIFO of invokes whose mutable tail segment is written to the store as soon
// as it holds `limit` invokes; a stored segment is read back (and its file
// removed) when it reaches the head. Restate stores and preloads in background
// tasks; here both happen inside the step that needs them, and are events.
type segQueue struct {
	// segs holds the segments by value, in one buffer; a *segment taken
	// with ptr is used only until the next segment is pushed.
	segs   fifo[segment]
	limit  int
	nextID uint64
	len    int
	// diskLen and diskSegs count what is on the store right now.
	diskLen, diskSegs int
	store             SegmentStore
	report            func(kind Kind, segment uint64, n int, err error)
	// written is the buffer a segment is copied to for the store, reused.
	written []InvokeCmd
	// spare is the in-memory buffer of the segment spilled last, for the
	// next tail segment: the queue keeps at most one in reserve.
	spare fifo[InvokeCmd]
}

type segment struct {
	id uint64
	// sealed segments take no more invokes: they were spilled, or a spill
	// failed and they stay in memory.
	sealed bool
	onDisk bool
	// n counts the segment's invokes, in memory or on disk.
	n    int
	cmds fifo[InvokeCmd]
}

func (q *segQueue) enqueue(c InvokeCmd) {
	if k := q.segs.len(); k == 0 || q.segs.ptr(k-1).sealed {
		q.segs.push(segment{id: q.nextID, cmds: q.spare})
		q.spare = fifo[InvokeCmd]{}
		q.nextID++
	}
	tail := q.segs.ptr(q.segs.len() - 1)
	tail.cmds.push(c)
	tail.n++
	q.len++
	if tail.cmds.len() >= q.limit {
		q.spill(tail)
	}
}

func (q *segQueue) spill(s *segment) {
	s.sealed = true
	q.written = s.cmds.appendTo(q.written[:0])
	if err := q.store.Write(s.id, q.written); err != nil {
		q.report(KindSpillFailed, s.id, s.n, err)
		return
	}
	s.onDisk = true
	// Release the memory, that is the point of spilling; one buffer is
	// kept for the next segment.
	s.cmds.clear()
	q.spare, s.cmds = s.cmds, fifo[InvokeCmd]{}
	q.diskLen += s.n
	q.diskSegs++
	q.report(KindSpill, s.id, s.n, nil)
}

// load reads segment s back. On failure its invokes are lost and reported.
func (q *segQueue) load(s *segment) bool {
	cmds, err := q.store.Read(s.id)
	q.diskLen -= s.n
	q.diskSegs--
	s.onDisk = false
	if err != nil {
		q.report(KindLoadFailed, s.id, s.n, err)
		q.len -= s.n
		s.n = 0
		return false
	}
	s.cmds = fifoOf(cmds) // the store handed the slice over
	q.len += len(cmds) - s.n
	s.n = len(cmds)
	q.report(KindLoad, s.id, s.n, nil)
	return true
}

func (q *segQueue) dequeue() (InvokeCmd, bool) {
	for q.segs.len() > 0 {
		head := q.segs.ptr(0)
		if head.onDisk && !q.load(head) {
			q.segs.pop()
			continue
		}
		if head.cmds.len() == 0 {
			if head.sealed {
				q.segs.pop()
				continue
			}
			return InvokeCmd{}, false
		}
		c := head.cmds.pop()
		head.n--
		q.len--
		if head.n == 0 && head.sealed {
			q.segs.pop()
		}
		return c, true
	}
	return InvokeCmd{}, false
}

// purge removes every queued invoke for which drop is true, reading stored
// segments back and writing what is left of them again. It returns how many
// invokes it removed.
func (q *segQueue) purge(drop func(InvokeCmd) bool) int {
	removed := 0
	keep := func(c InvokeCmd) bool { return !drop(c) }
	for i := 0; i < q.segs.len(); i++ {
		s := q.segs.ptr(i)
		wasOnDisk := s.onDisk
		if wasOnDisk && !q.load(s) {
			continue
		}
		k := s.cmds.filter(keep)
		s.n -= k
		q.len -= k
		removed += k
		if wasOnDisk && s.n > 0 {
			q.spill(s) // put back what is left, to keep the memory bound
		}
	}
	q.segs.filter(func(s segment) bool { return s.n > 0 || !s.sealed })
	return removed
}

// discard drops every queued invoke, as dropping Restate's queue does when the
// invoker's loop ends. Stored segment files stay until the directory is removed.
func (q *segQueue) discard() int {
	n := q.len
	q.segs.clear()
	q.len, q.diskLen, q.diskSegs = 0, 0, 0
	return n
}
