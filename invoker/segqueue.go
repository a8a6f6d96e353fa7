package invoker

import (
	"errors"
	"fmt"
)

// segQueue is Restate's SegmentQueue (crates/queue/src/segmented_queue.rs):
// a FIFO of invokes whose mutable tail segment is written to the store as soon
// as it holds `limit` invokes. A stored segment is read back (and its file
// removed) in a background task: when it reaches the head and the dequeue
// arm is polled, or earlier, as a preload, once the head segment holds
// fewer than half the limit. While the head's read is in flight the dequeue
// arm is pending; the invoker learns the read finished from a
// MsgSegmentLoaded. Writing is done inside the step that needs it (Restate
// writes in the background too, but awaits a segment still being written
// before reading it, so only the time differs).
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
	// readStarted is told of every background read started, so that the
	// invoker hears when it finishes.
	readStarted func(segment uint64)
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
	// onDisk: stored and not read back yet.
	onDisk bool
	// reading: a background read took the file; its invokes (or readErr)
	// are here, but the invoker has not heard that the read finished.
	reading bool
	// readErr is a read that failed; the dequeue that reaches the segment
	// reports it, as Restate's `expect` on the read's JoinHandle does.
	readErr error
	// n counts the segment's invokes, in memory or on disk.
	n    int
	cmds fifo[InvokeCmd]
}

// dequeueResult is what a poll of the dequeue arm did.
type dequeueResult uint8

const (
	dequeueEmpty dequeueResult = iota
	dequeueTook
	// dequeuePending: the head segment is being read back.
	dequeuePending
)

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

// read takes segment s off the store. Its invokes, or the error, stay in
// the segment; only a failure of the host is reported at once.
func (q *segQueue) read(s *segment) {
	cmds, err := q.store.Read(s.id)
	q.diskLen -= s.n
	q.diskSegs--
	s.onDisk = false
	var host *HostError
	if errors.As(err, &host) {
		q.report(KindLoad, s.id, s.n, err) // the run ends here
		return
	}
	if err != nil {
		s.readErr = err
	} else {
		for i := range cmds {
			cmds[i].Journal = false // not serialized: read back without it
		}
		s.cmds = fifoOf(cmds) // the store handed the slice over
		q.len += len(cmds) - s.n
		s.n = len(cmds)
	}
	q.report(KindLoad, s.id, s.n, nil)
}

// readInBackground starts the background read of a stored segment.
func (q *segQueue) readInBackground(s *segment) {
	s.reading = true
	q.read(s)
	q.readStarted(s.id)
}

// find is segment id's position in the queue and the segment, or -1 and
// nil when the queue has no such segment.
func (q *segQueue) find(id uint64) (int, *segment) {
	for i := 0; i < q.segs.len(); i++ {
		if s := q.segs.ptr(i); s.id == id {
			return i, s
		}
	}
	return -1, nil
}

// readFinished is the invoker hearing that the read of segment id finished.
// It returns the segment's invokes and the read's error, and false if the
// segment is gone (purged, or the queue discarded).
func (q *segQueue) readFinished(id uint64) (int, error, bool) {
	_, s := q.find(id)
	if s == nil || !s.reading {
		return 0, nil, false
	}
	s.reading = false
	return s.n, s.readErr, true
}

// firstMsg is the id of the Invoke at the front of segment id, or 0.
func (q *segQueue) firstMsg(id uint64) uint64 {
	if _, s := q.find(id); s != nil && s.cmds.len() > 0 {
		return s.cmds.at(0).Msg
	}
	return 0
}

// readingAhead reports whether segment id is being read before it is the
// head.
func (q *segQueue) readingAhead(id uint64) bool {
	i, s := q.find(id)
	return i > 0 && s.reading
}

// readingLen counts the invokes of segments whose read has not been heard
// to end.
func (q *segQueue) readingLen() int {
	n := 0
	for i := 0; i < q.segs.len(); i++ {
		if s := q.segs.ptr(i); s.reading {
			n += s.n
		}
	}
	return n
}

// headReading reports whether the dequeue arm waits for the head's read.
func (q *segQueue) headReading() bool {
	return q.segs.len() > 0 && q.segs.ptr(0).reading
}

// failedRead reports segment s's failed read and drops its invokes.
func (q *segQueue) failedRead(s *segment) {
	err, lost := s.readErr, s.n
	s.readErr = nil
	q.len -= lost
	s.n = 0
	s.cmds.clear()
	q.report(KindLoadFailed, s.id, lost, err)
}

// dequeue is one poll of the dequeue arm: it takes the head's next invoke,
// or starts reading the head segment back and is pending.
func (q *segQueue) dequeue() (InvokeCmd, dequeueResult) {
	for q.segs.len() > 0 {
		head := q.segs.ptr(0)
		switch {
		case head.onDisk:
			q.readInBackground(head)
			return InvokeCmd{}, dequeuePending
		case head.reading:
			return InvokeCmd{}, dequeuePending
		case head.readErr != nil:
			q.failedRead(head)
			q.segs.pop()
			continue
		}
		if head.cmds.len() == 0 {
			if head.sealed {
				q.segs.pop()
				continue
			}
			return InvokeCmd{}, dequeueEmpty
		}
		c := head.cmds.pop()
		head.n--
		q.len--
		if 2*head.n < q.limit && q.segs.len() > 1 {
			if next := q.segs.ptr(1); next.onDisk {
				q.readInBackground(next) // preload
			}
		}
		if head.n == 0 && head.sealed {
			q.segs.pop()
		}
		return c, dequeueTook
	}
	return InvokeCmd{}, dequeueEmpty
}

// next says what a dequeue would take now: the head invoke, or the
// segment it waits for; "" when the queue is empty.
func (q *segQueue) next() string {
	for i := range q.segs.len() {
		s := q.segs.ptr(i)
		switch {
		case s.onDisk:
			return fmt.Sprintf("segment %d from disk (a read starts)", s.id)
		case s.reading:
			return fmt.Sprintf("segment %d (being read back)", s.id)
		case s.readErr != nil:
			return fmt.Sprintf("segment %d (its read failed)", s.id)
		case s.cmds.len() > 0:
			c := s.cmds.at(0)
			return fmt.Sprintf("%s %s", c.PLE, c.Inv)
		case !s.sealed:
			return ""
		}
	}
	return ""
}

// purge removes every queued invoke for which drop is true, reading stored
// segments back at once and writing what is left of them again; a segment
// whose background read is in flight is filtered where it is. It returns
// how many invokes it removed.
func (q *segQueue) purge(drop func(InvokeCmd) bool) int {
	removed := 0
	keep := func(c InvokeCmd) bool { return !drop(c) }
	for i := 0; i < q.segs.len(); i++ {
		s := q.segs.ptr(i)
		wasOnDisk := s.onDisk
		if wasOnDisk {
			q.read(s)
			if s.readErr != nil {
				q.failedRead(s)
			}
		}
		if s.readErr != nil {
			continue // a background read that failed: the dequeue reports it
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
