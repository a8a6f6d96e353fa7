package invoker

import (
	"errors"
	"fmt"
	"sort"
)

// InvokeCmd is what the segmented queue holds: an Invoke for one invocation
// under one partition leader epoch.
type InvokeCmd struct {
	PLE PLE
	Inv InvocationID
	// Msg is the id of the Invoke message, the cause of the dequeue's events.
	Msg uint64
	// Journal: the Invoke carries its journal (Restate's CachedJournal), as
	// a new invocation's does; its first attempt then does not read the
	// status. A segment spilled and read back has lost it (the field is
	// serde(skip) in Restate's InvokeCommand).
	Journal bool
}

// SegmentStore is where the segmented queue spills full segments. Files by
// default, so that spilling and its errors are real; memory where a test or a
// benchmark wants no disk. The queue is the only caller.
type SegmentStore interface {
	// Write stores segment id. cmds is the caller's: it is reused after
	// Write returns.
	Write(id uint64, cmds []InvokeCmd) error
	// Read loads segment id and removes it from the store, as Restate's
	// consume_segment does. The slice is the caller's from then on.
	Read(id uint64) ([]InvokeCmd, error)
	// Segments lists the ids still stored, in order.
	Segments() ([]uint64, error)
	// Remove deletes the store and everything in it.
	Remove() error
	// String says where the store is, for error messages.
	String() string
}

// The errors of a segment that is not there and of a store that was
// removed read the same from every store: they go into the event log, whose
// hash must not depend on where the segments were kept (exploration keeps
// them in memory, lab run and lab replay in files).
var (
	ErrNoSegment    = errors.New("no such segment")
	ErrStoreRemoved = errors.New("the spill directory was removed")
)

// HostError is a spill operation the host failed: a full disk, a
// read-only or vanished file system, a permission taken away. Unlike a
// failure injected or one the run itself causes (a segment another invoker
// consumed), it says nothing about the seed, so the model does not react
// to it: the node keeps the first (Node.HostErr) and its caller ends the
// run.
type HostError struct{ Err error }

func (e *HostError) Error() string {
	return "the host failed a spill file, which no seed explains: " + e.Err.Error()
}

func (e *HostError) Unwrap() error { return e.Err }

// StoreFactory opens the spill store of one invoker of one node incarnation.
type StoreFactory func(invoker, incarnation int) (SegmentStore, error)

// MemStores keeps every invoker's segments in memory.
func MemStores() StoreFactory {
	return func(invoker, incarnation int) (SegmentStore, error) {
		return &MemStore{invoker: invoker, incarnation: incarnation}, nil
	}
}

// MemStore is a SegmentStore in memory.
type MemStore struct {
	// name is the store's name; MemStores leaves it empty, and String
	// names the invoker only when asked.
	name                 string
	invoker, incarnation int
	segments             map[uint64][]InvokeCmd
	// removed: like a deleted directory, the store takes no more segments
	// (invokers sharing a tmp-dir can outlive the one that removed it).
	removed bool
}

// reuse makes a removed store the new store of an invoker, keeping its map.
func (s *MemStore) reuse(invoker, incarnation int) {
	clear(s.segments)
	*s = MemStore{invoker: invoker, incarnation: incarnation, segments: s.segments}
}

func (s *MemStore) Write(id uint64, cmds []InvokeCmd) error {
	if s.removed {
		return fmt.Errorf("spill segment %d: %w", id, ErrStoreRemoved)
	}
	if s.segments == nil {
		s.segments = map[uint64][]InvokeCmd{}
	}
	s.segments[id] = append([]InvokeCmd(nil), cmds...)
	return nil
}

func (s *MemStore) Read(id uint64) ([]InvokeCmd, error) {
	cmds, ok := s.segments[id]
	if !ok {
		return nil, fmt.Errorf("load segment %d: %w", id, ErrNoSegment)
	}
	delete(s.segments, id)
	return cmds, nil
}

func (s *MemStore) Segments() ([]uint64, error) {
	if len(s.segments) == 0 {
		return nil, nil
	}
	ids := make([]uint64, 0, len(s.segments))
	for id := range s.segments {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids, nil
}

// empty deletes every segment; the store goes on taking them.
func (s *MemStore) empty() (int, error) {
	n := len(s.segments)
	clear(s.segments)
	s.removed = false
	return n, nil
}

// Remove empties the store; its map is kept for reuse.
func (s *MemStore) Remove() error {
	clear(s.segments)
	s.removed = true
	return nil
}

func (s *MemStore) String() string {
	if s.name != "" {
		return s.name
	}
	return fmt.Sprintf("memory:invoker-%d.%d", s.incarnation, s.invoker)
}
