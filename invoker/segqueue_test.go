package invoker

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// queueEvent is one report of the segmented queue.
type queueEvent struct {
	kind    Kind
	segment uint64
	n       int
	err     error
}

// queueHarness is a segmented queue with a reference FIFO next to it.
type queueHarness struct {
	t      *testing.T
	q      *segQueue
	want   []InvokeCmd
	events []queueEvent
	// bounded: the store never fails, so at most the head segment, the
	// next one (read back early) and the open tail are in memory.
	bounded bool
	// started are the background reads started and not finished yet.
	started []uint64
}

func newQueueHarness(t *testing.T, limit int, store SegmentStore) *queueHarness {
	t.Helper()
	h := &queueHarness{t: t, bounded: true}
	h.q = &segQueue{limit: limit, store: store, report: func(k Kind, seg uint64, n int, err error) {
		h.events = append(h.events, queueEvent{k, seg, n, err})
	}}
	h.q.readStarted = func(seg uint64) { h.started = append(h.started, seg) }
	return h
}

// take polls the dequeue arm as the invoker's loop does: a poll that
// waits for a read is followed by the read finishing, then the next poll.
func (h *queueHarness) take() (InvokeCmd, bool) {
	h.t.Helper()
	for range 1000 {
		c, res := h.q.dequeue()
		if res != dequeuePending {
			return c, res == dequeueTook
		}
		if len(h.started) == 0 {
			h.t.Fatal("dequeue is pending with no read in flight")
		}
		h.finishReads()
	}
	h.t.Fatal("dequeue stayed pending")
	return InvokeCmd{}, false
}

// finishReads delivers the end of every read in flight.
func (h *queueHarness) finishReads() {
	for _, id := range h.started {
		h.q.readFinished(id)
	}
	h.started = h.started[:0]
}

func cmd(p int, e Epoch, inv string) InvokeCmd {
	return InvokeCmd{PLE: PLE{PartitionID(p), e}, Inv: InvocationID(inv)}
}

func (h *queueHarness) enqueue(c InvokeCmd) {
	h.t.Helper()
	h.q.enqueue(c)
	h.want = append(h.want, c)
	h.check()
}

func (h *queueHarness) dequeue() {
	h.t.Helper()
	got, ok := h.take()
	if len(h.want) == 0 {
		if ok {
			h.t.Fatalf("dequeue on an empty queue returned %v", got)
		}
		h.check()
		return
	}
	if !ok {
		h.t.Fatalf("dequeue returned nothing, want %v (len %d)", h.want[0], h.q.len)
	}
	if got != h.want[0] {
		h.t.Fatalf("dequeue = %v, want %v (FIFO order broken)", got, h.want[0])
	}
	h.want = h.want[1:]
	h.check()
}

func (h *queueHarness) drain() {
	h.t.Helper()
	for len(h.want) > 0 {
		h.dequeue()
	}
	h.dequeue()
}

// check compares the queue's counters with its segments and with what the
// store holds.
func (h *queueHarness) check() {
	h.t.Helper()
	q := h.q
	if q.len != len(h.want) {
		h.t.Fatalf("len = %d, want %d", q.len, len(h.want))
	}
	var onDisk []uint64
	diskLen, memLen, unread := 0, 0, 0
	for i := 0; i < q.segs.len(); i++ {
		s := q.segs.at(i)
		if !s.sealed && i != q.segs.len()-1 {
			h.t.Fatalf("segment %d (position %d of %d) is open but not the tail", s.id, i, q.segs.len())
		}
		if s.onDisk {
			if !s.sealed {
				h.t.Fatalf("segment %d is on disk but not sealed", s.id)
			}
			if s.cmds.len() != 0 {
				h.t.Fatalf("segment %d is on disk but keeps %d invokes in memory", s.id, s.cmds.len())
			}
			onDisk = append(onDisk, s.id)
			diskLen += s.n
		} else if s.readErr != nil {
			unread += s.n
		} else {
			if s.n != s.cmds.len() {
				h.t.Fatalf("segment %d in memory: n = %d, holds %d", s.id, s.n, s.cmds.len())
			}
			memLen += s.n
		}
		if s.sealed && s.n == 0 {
			h.t.Fatalf("empty sealed segment %d was kept", s.id)
		}
	}
	if q.diskLen != diskLen || q.diskSegs != len(onDisk) {
		h.t.Fatalf("diskLen/diskSegs = %d/%d, segments say %d/%d", q.diskLen, q.diskSegs, diskLen, len(onDisk))
	}
	if memLen+diskLen+unread != q.len {
		h.t.Fatalf("len %d != %d in memory + %d on disk + %d failed to read", q.len, memLen, diskLen, unread)
	}
	stored, err := q.store.Segments()
	if err != nil {
		h.t.Fatalf("store.Segments: %v", err)
	}
	if !slices.Equal(stored, onDisk) && !(len(stored) == 0 && len(onDisk) == 0) {
		h.t.Fatalf("store holds segments %v, queue thinks %v", stored, onDisk)
	}
	inMem, d := q.contents()
	if len(inMem) != memLen || d != diskLen {
		h.t.Fatalf("contents() = %d in memory, %d on disk; want %d, %d", len(inMem), d, memLen, diskLen)
	}
	if h.bounded && memLen > (q.limit-1)/2+2*q.limit-1 {
		h.t.Fatalf("%d invokes in memory with limit %d: spilling does not bound memory", memLen, q.limit)
	}
}

func (h *queueHarness) count(k Kind) int {
	n := 0
	for _, e := range h.events {
		if e.kind == k {
			n++
		}
	}
	return n
}

// stores gives each subtest a fresh MemStore and a fresh FileStore.
func stores(t *testing.T) map[string]func(t *testing.T) SegmentStore {
	return map[string]func(t *testing.T) SegmentStore{
		"mem": func(t *testing.T) SegmentStore { return &MemStore{name: "memory:test"} },
		"file": func(t *testing.T) SegmentStore {
			s, err := FileStores(t.TempDir())(0, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Remove() })
			return s
		},
	}
}

func TestSegQueueFIFOAcrossSpills(t *testing.T) {
	for _, limit := range []int{1, 2, 3, 7} {
		for _, name := range []string{"mem", "file"} {
			t.Run(fmt.Sprintf("limit=%d/%s", limit, name), func(t *testing.T) {
				// A fixed pattern: fill far past the limit, half-drain,
				// refill, drain.
				h := newQueueHarness(t, limit, stores(t)[name](t))
				id := 0
				next := func() InvokeCmd {
					id++
					return cmd(id%3, Epoch(1+id%2), fmt.Sprintf("inv-%03d", id))
				}
				for range 5*limit + 2 {
					h.enqueue(next())
				}
				if got, want := h.count(KindSpill), (5*limit+2)/limit; got != want {
					t.Fatalf("%d spills after %d enqueues with limit %d, want %d", got, 5*limit+2, limit, want)
				}
				for range 2*limit + 1 {
					h.dequeue()
				}
				for range 3*limit + 1 {
					h.enqueue(next())
				}
				h.drain()
				if h.count(KindLoad) != h.count(KindSpill) {
					t.Fatalf("%d spills but %d loads", h.count(KindSpill), h.count(KindLoad))
				}
				if ids, _ := h.q.store.Segments(); len(ids) != 0 {
					t.Fatalf("drained queue left segments %v on the store", ids)
				}

				// Random interleavings.
				for seed := range uint64(6) {
					r := rand.New(rand.NewPCG(seed, uint64(limit)))
					for range 120 {
						if r.IntN(100) < 55 {
							h.enqueue(next())
						} else {
							h.dequeue()
						}
					}
					h.drain()
				}
			})
		}
	}
}

// faultyStore is a MemStore whose Write and Read fail for chosen segments.
type faultyStore struct {
	MemStore
	failWrite, failRead func(id uint64) bool
}

var errInjected = errors.New("injected store failure")

func (s *faultyStore) Write(id uint64, cmds []InvokeCmd) error {
	if s.failWrite != nil && s.failWrite(id) {
		return fmt.Errorf("write %d: %w", id, errInjected)
	}
	return s.MemStore.Write(id, cmds)
}

func (s *faultyStore) Read(id uint64) ([]InvokeCmd, error) {
	if s.failRead != nil && s.failRead(id) {
		delete(s.segments, id) // the segment is gone either way
		return nil, fmt.Errorf("read %d: %w", id, errInjected)
	}
	return s.MemStore.Read(id)
}

func TestSegQueueSpillFailureKeepsSegmentInMemory(t *testing.T) {
	store := &faultyStore{failWrite: func(id uint64) bool { return id == 1 || id == 2 }}
	h := newQueueHarness(t, 2, store)
	h.bounded = false
	for i := range 9 {
		h.enqueue(cmd(0, 1, fmt.Sprintf("i%d", i)))
	}
	// Segments 0..3 are full: 0 and 3 spilled, 1 and 2 failed and stay in
	// memory; segment 4 is the open tail.
	var failed []queueEvent
	for _, e := range h.events {
		if e.kind == KindSpillFailed {
			failed = append(failed, e)
		}
	}
	if len(failed) != 2 || failed[0].segment != 1 || failed[1].segment != 2 {
		t.Fatalf("spill failures %+v, want segments 1 and 2", failed)
	}
	for _, e := range failed {
		if e.n != 2 || !errors.Is(e.err, errInjected) {
			t.Fatalf("spill failure %+v: want n=2 and the store's error", e)
		}
	}
	if h.q.diskSegs != 2 || h.q.diskLen != 4 {
		t.Fatalf("diskSegs/diskLen = %d/%d, want 2/4", h.q.diskSegs, h.q.diskLen)
	}
	for i := 0; i < h.q.segs.len(); i++ {
		s := h.q.segs.at(i)
		if (s.id == 1 || s.id == 2) && (s.onDisk || !s.sealed || s.cmds.len() != 2) {
			t.Fatalf("segment %d after a failed spill: onDisk=%v sealed=%v in memory=%d", s.id, s.onDisk, s.sealed, s.cmds.len())
		}
	}
	// A sealed segment takes no more invokes even though it is in memory.
	h.enqueue(cmd(0, 1, "i9"))
	h.drain()
}

func TestSegQueueLoadFailureLosesSegment(t *testing.T) {
	store := &faultyStore{failRead: func(id uint64) bool { return id == 1 }}
	h := newQueueHarness(t, 3, store)
	for i := range 10 {
		h.enqueue(cmd(0, 1, fmt.Sprintf("i%d", i)))
	}
	// Segments 0 (i0-i2), 1 (i3-i5), 2 (i6-i8) on the store, 3 (i9) open.
	for range 3 {
		h.dequeue()
	}
	// Loading segment 1 fails: its three invokes are lost, and the queue
	// goes on with segment 2.
	got, ok := h.take()
	if !ok || got.Inv != "i6" {
		t.Fatalf("after a failed load dequeue = %v, %v; want i6", got, ok)
	}
	var lf []queueEvent
	for _, e := range h.events {
		if e.kind == KindLoadFailed {
			lf = append(lf, e)
		}
	}
	if len(lf) != 1 || lf[0].segment != 1 || lf[0].n != 3 || !errors.Is(lf[0].err, errInjected) {
		t.Fatalf("load failures %+v, want one for segment 1 losing 3", lf)
	}
	h.want = h.want[4:] // i3, i4, i5 lost and i6 dequeued
	h.check()
	if h.q.len != 3 {
		t.Fatalf("len = %d after losing 3 and dequeuing 4 of 10, want 3", h.q.len)
	}
	h.drain()
}

func TestSegQueueLoadFailureOfLastSegment(t *testing.T) {
	store := &faultyStore{failRead: func(uint64) bool { return true }}
	h := newQueueHarness(t, 2, store)
	h.enqueue(cmd(0, 1, "a"))
	h.enqueue(cmd(0, 1, "b"))
	if _, ok := h.take(); ok {
		t.Fatal("dequeue returned an invoke from a segment that could not be read")
	}
	h.want = nil
	h.check()
	// The queue still works.
	h.enqueue(cmd(0, 1, "c"))
	h.drain()
}

func TestSegQueuePurge(t *testing.T) {
	for _, name := range []string{"mem", "file"} {
		t.Run(name, func(t *testing.T) {
			h := newQueueHarness(t, 3, stores(t)[name](t))
			// 11 invokes: segments 0,1,2 on disk, 3 open with two.
			parts := []int{1, 1, 1, 0, 1, 0, 2, 1, 2, 1, 0}
			for i, p := range parts {
				h.enqueue(cmd(p, 1, fmt.Sprintf("i%02d", i)))
			}
			h.dequeue() // i00: segment 0 is read back, two left in memory
			drop := func(c InvokeCmd) bool { return c.PLE.Partition == 1 }
			want := slices.DeleteFunc(slices.Clone(h.want), drop)
			removed := h.q.purge(drop)
			if removed != len(h.want)-len(want) {
				t.Fatalf("purge removed %d, want %d", removed, len(h.want)-len(want))
			}
			h.want = want
			h.check()
			// Segment 0 was in memory (i01, i02: emptied, dropped);
			// segment 1 (i03 i04 i05) keeps i03 i05 and is written back;
			// segment 2 (i06 i07 i08) keeps i06 i08 and is written back;
			// the open tail keeps i10.
			ids, err := h.q.store.Segments()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids, []uint64{1, 2}) || h.q.diskLen != 4 {
				t.Fatalf("after purge the store holds %v (%d on disk), want [1 2] with 4", ids, h.q.diskLen)
			}
			// Purging everything of a partition that has a whole stored
			// segment removes the segment from the store.
			// Segment 3 becomes i10 x0 x1, segment 4 x2 x3 x4 (all of
			// partition 3), segment 5 y0 (open).
			for _, inv := range []string{"x0", "x1", "x2", "x3", "x4"} {
				h.enqueue(cmd(3, 1, inv))
			}
			h.enqueue(cmd(0, 1, "y0"))
			drop3 := func(c InvokeCmd) bool { return c.PLE.Partition == 3 }
			want = slices.DeleteFunc(slices.Clone(h.want), drop3)
			if got := h.q.purge(drop3); got != 5 {
				t.Fatalf("purge of p3 removed %d, want 5", got)
			}
			h.want = want
			h.check()
			if ids, _ := h.q.store.Segments(); !slices.Equal(ids, []uint64{1, 2, 3}) {
				t.Fatalf("after purging p3 the store holds %v, want [1 2 3] (4 emptied and gone)", ids)
			}
			if h.q.purge(func(InvokeCmd) bool { return false }) != 0 {
				t.Fatal("a purge that drops nothing removed something")
			}
			h.check()
			h.drain()
			if ids, _ := h.q.store.Segments(); len(ids) != 0 {
				t.Fatalf("drained queue left segments %v", ids)
			}
		})
	}
}

func TestSegQueuePurgeWithLoadFailure(t *testing.T) {
	store := &faultyStore{failRead: func(id uint64) bool { return id == 0 }}
	h := newQueueHarness(t, 2, store)
	for i := range 5 {
		h.enqueue(cmd(i%2, 1, fmt.Sprintf("i%d", i)))
	}
	// Segment 0 (i0 i1) cannot be read: purge loses it (reported) but goes
	// on with segment 1 (i2 i3), where it removes i3.
	removed := h.q.purge(func(c InvokeCmd) bool { return c.PLE.Partition == 1 })
	if removed != 1 {
		t.Fatalf("purge removed %d, want 1 (i3; i1 was lost with segment 0)", removed)
	}
	if h.count(KindLoadFailed) != 1 {
		t.Fatalf("%d load failures reported, want 1", h.count(KindLoadFailed))
	}
	h.want = []InvokeCmd{cmd(0, 1, "i2"), cmd(0, 1, "i4")}
	h.check()
	h.drain()
}

func TestSegQueueDiscardKeepsFilesUntilRemove(t *testing.T) {
	store := stores(t)["file"](t)
	h := newQueueHarness(t, 2, store)
	for i := range 7 {
		h.enqueue(cmd(0, 1, fmt.Sprintf("i%d", i)))
	}
	if n := h.q.discard(); n != 7 {
		t.Fatalf("discard dropped %d, want 7", n)
	}
	if h.q.len != 0 || h.q.diskLen != 0 || h.q.diskSegs != 0 || h.q.segs.len() != 0 {
		t.Fatalf("after discard: len %d diskLen %d diskSegs %d segs %d", h.q.len, h.q.diskLen, h.q.diskSegs, h.q.segs.len())
	}
	if _, ok := h.take(); ok {
		t.Fatal("dequeue after discard returned an invoke")
	}
	ids, err := store.Segments()
	if err != nil || !slices.Equal(ids, []uint64{0, 1, 2}) {
		t.Fatalf("after discard the store holds %v (%v), want [0 1 2]: files stay until Remove", ids, err)
	}
	// The queue can be used again; new segments do not collide with the
	// files left behind.
	h.want = nil
	h.bounded = true
	h.q.enqueue(cmd(0, 1, "new0"))
	h.q.enqueue(cmd(0, 1, "new1"))
	if ids, _ := store.Segments(); !slices.Equal(ids, []uint64{0, 1, 2, 4}) {
		t.Fatalf("store holds %v, want [0 1 2 4]", ids)
	}
	if c, ok := h.take(); !ok || c.Inv != "new0" {
		t.Fatalf("dequeue = %v %v, want new0", c, ok)
	}
	if err := store.Remove(); err != nil {
		t.Fatal(err)
	}
	if ids, err := store.Segments(); err != nil || len(ids) != 0 {
		t.Fatalf("after Remove: %v, %v", ids, err)
	}
}

// A removed store is gone for every invoker that shares it (a shared
// tmp-dir): files and memory alike refuse what comes after, and keep no
// segment. The errors go into the hashed event log: they never name the
// random directory, and read the same from both stores.
func TestStoreAfterRemove(t *testing.T) {
	errs := map[string][]string{} // by store: what Read and Write said
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s := open(t)
			if err := s.Write(0, []InvokeCmd{{Inv: "a"}}); err != nil {
				t.Fatal(err)
			}
			if err := s.Remove(); err != nil {
				t.Fatal(err)
			}
			_, rerr := s.Read(0)
			werr := s.Write(1, []InvokeCmd{{Inv: "b"}})
			if rerr == nil || werr == nil {
				t.Fatalf("after Remove: read %v, write %v", rerr, werr)
			}
			if strings.Contains(rerr.Error(), os.TempDir()) || strings.Contains(werr.Error(), os.TempDir()) {
				t.Errorf("the errors name the directory: %v; %v", rerr, werr)
			}
			errs[name] = []string{rerr.Error(), werr.Error()}
			if ids, _ := s.Segments(); len(ids) != 0 {
				t.Errorf("segments %v after Remove", ids)
			}
		})
	}
	if !slices.Equal(errs["mem"], errs["file"]) {
		t.Errorf("memory and files say different things, so a run's hash would depend on the store: %q, %q",
			errs["mem"], errs["file"])
	}
}

// A stored head segment is read back in the background: the poll that
// starts the read is pending, and so is every poll until the invoker hears
// the read finished; the file is gone from the moment the read starts.
func TestSegQueueReadsTheHeadInTheBackground(t *testing.T) {
	h := newQueueHarness(t, 2, stores(t)["file"](t))
	h.enqueue(cmd(0, 1, "a"))
	h.enqueue(cmd(0, 1, "b")) // segment 0 stored
	for poll := range 2 {
		if _, res := h.q.dequeue(); res != dequeuePending {
			t.Fatalf("poll %d of a stored head = %v, want pending", poll, res)
		}
	}
	if !slices.Equal(h.started, []uint64{0}) {
		t.Fatalf("reads started %v, want one of segment 0", h.started)
	}
	if ids, _ := h.q.store.Segments(); len(ids) != 0 {
		t.Fatalf("the store still holds %v once the read started", ids)
	}
	if !h.q.headReading() {
		t.Fatal("headReading is false while the head's read is in flight")
	}
	h.finishReads()
	if c, res := h.q.dequeue(); res != dequeueTook || c.Inv != "a" {
		t.Fatalf("poll after the read finished = %v %v, want a", c, res)
	}
	h.want = h.want[1:]
	h.check()
}

// Once the head holds fewer than half the limit, the next stored segment
// is read ahead (should_preload), so that it is often in memory by the
// time it is the head.
func TestSegQueuePreloadsTheNextSegment(t *testing.T) {
	h := newQueueHarness(t, 4, &MemStore{name: "memory:test"})
	for i := range 12 {
		h.enqueue(cmd(0, 1, fmt.Sprintf("i%02d", i))) // segments 0, 1, 2 stored
	}
	h.dequeue() // reads segment 0 back, takes i00: 3 left
	h.dequeue() // 2 left: not fewer than half of 4
	if len(h.started) != 0 {
		t.Fatalf("segment %v read ahead with half the head left", h.started)
	}
	if _, res := h.q.dequeue(); res != dequeueTook { // 1 left
		t.Fatalf("dequeue = %v", res)
	}
	h.want = h.want[1:]
	if !slices.Equal(h.started, []uint64{1}) {
		t.Fatalf("reads started %v once the head fell below half, want [1]", h.started)
	}
	h.finishReads()
	h.dequeue() // i03, the head's last
	if len(h.started) != 0 {
		t.Fatalf("segment 1 was in memory, yet reads %v started", h.started)
	}
	if _, res := h.q.dequeue(); res != dequeueTook {
		t.Fatalf("the preloaded segment's first poll = %v, want took", res)
	}
	h.want = h.want[1:]
	h.drain()
}

// Reads finish in any order and at any time, polls come while reads are in
// flight, and invokes keep arriving: the queue still hands out exactly what
// was enqueued, in order, is pending only while its head is being read,
// and starts each segment's read once.
func TestSegQueueBackgroundReadsProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		limit := rapid.IntRange(1, 4).Draw(rt, "limit")
		h := newQueueHarness(t, limit, &MemStore{name: "memory:test"})
		next, reads := 0, map[uint64]int{}
		for range rapid.IntRange(0, 120).Draw(rt, "ops") {
			switch op := rapid.IntRange(0, 9).Draw(rt, "op"); {
			case op < 5:
				c := cmd(0, 1, fmt.Sprintf("i%03d", next))
				next++
				h.q.enqueue(c)
				h.want = append(h.want, c)
			case op < 8:
				before := len(h.started)
				c, res := h.q.dequeue()
				for _, id := range h.started[before:] {
					if reads[id]++; reads[id] > 1 {
						rt.Fatalf("segment %d read twice", id)
					}
				}
				switch res {
				case dequeueTook:
					if len(h.want) == 0 || c != h.want[0] {
						rt.Fatalf("dequeued %v, want the head of %v", c, h.want)
					}
					h.want = h.want[1:]
				case dequeuePending:
					if !h.q.headReading() {
						rt.Fatal("pending, but the head is not being read")
					}
				case dequeueEmpty:
					if len(h.want) != 0 {
						rt.Fatalf("empty with %d queued", len(h.want))
					}
				}
			default:
				if len(h.started) > 0 { // one read ends, any of them
					i := rapid.IntRange(0, len(h.started)-1).Draw(rt, "read")
					h.q.readFinished(h.started[i])
					h.started = slices.Delete(h.started, i, i+1)
				}
			}
			if h.q.len != len(h.want) {
				rt.Fatalf("len %d, want %d", h.q.len, len(h.want))
			}
		}
		h.finishReads()
		h.drain()
	})
}
