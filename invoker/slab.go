package invoker

// slab hands out values a block at a time: a run creates one state machine
// and one status record per invocation, and one allocation per block is
// cheaper than one each. It keeps its first keptBlocks blocks, so that
// Node.Reset can hand their memory out again; later blocks are not kept and
// are freed with the last value in them, as before, so a long run holds no
// more than it did.
type slab[T any] struct {
	size int
	// kept are the blocks handed out first, in order; cur is the one being
	// filled, or len(kept) once a block that is not kept is.
	kept [][]T
	cur  int
	// extra is the current block once kept is full.
	extra []T
}

// keptBlocks bounds what a node keeps for its next run (Node.Reset): 16
// blocks are 512 state machines and 1024 records, more than the reference
// workload of 64 invocations uses.
const keptBlocks = 16

func (s *slab[T]) alloc(v T) *T {
	for s.cur < len(s.kept) {
		if b := &s.kept[s.cur]; len(*b) < cap(*b) {
			*b = append(*b, v)
			return &(*b)[len(*b)-1]
		}
		s.cur++
	}
	if len(s.kept) < keptBlocks {
		s.kept = append(s.kept, make([]T, 0, s.size))
		return s.alloc(v)
	}
	if len(s.extra) == cap(s.extra) {
		s.extra = make([]T, 0, s.size)
	}
	s.extra = append(s.extra, v)
	return &s.extra[len(s.extra)-1]
}

// reset takes every value back: the kept blocks are zeroed (so they hold no
// strings of the last run) and handed out again. The caller must hold no
// pointer to a value any more.
func (s *slab[T]) reset() {
	for i := range s.kept {
		clear(s.kept[i])
		s.kept[i] = s.kept[i][:0]
	}
	s.cur, s.extra = 0, nil
}
