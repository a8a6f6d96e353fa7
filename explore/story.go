package explore

import (
	"lab/faults"
	"lab/invoker"
)

// A Story is what a shrunk run must still tell beside failing the same
// way: it makes a watch for each run, which observes the run's events and
// says at its end whether the run told it. Two roads can end in one
// failure (a segment a shared tmp-dir lost, by another invoker's read or
// by a term's start), and shrinking, which keeps the smaller, may leave
// the road a catalogue entry is about.
type Story func() StoryWatch

// A StoryWatch watches one run for its story.
type StoryWatch interface {
	faults.EventObserver
	Told() bool
}

// TermStartDeletedTheSegment is the story of a per-term invoker given one
// tmp-dir (Restate since April 2026 with worker.invoker.tmp-dir): the
// first segment an invoker could not read back held invokes a term's start
// had deleted (SegmentQueue::init emptying the shared directory), not ones
// another invoker overwrote, or read back and so removed.
func TermStartDeletedTheSegment() StoryWatch { return &segmentFates{} }

// segmentFates follows what each invoker spilled into a node's shared
// directory, where segment files are named by number alone: whose
// invokes each file holds, and what became of each invoker's.
type segmentFates struct {
	// holder: by incarnation (each has a directory of its own) and file
	// number, the invoker whose invokes the file holds.
	holder map[int]map[int]int
	// deleted: the invokes a term's start deleted, by incarnation,
	// invoker and segment number, until the invoker spills that number
	// again.
	deleted       map[[3]int]bool
	decided, told bool
}

func (s *segmentFates) OnEvent(e invoker.Event) {
	if s.decided {
		return
	}
	if s.holder == nil {
		s.holder, s.deleted = map[int]map[int]int{}, map[[3]int]bool{}
	}
	files := s.holder[e.Incarnation]
	switch e.Kind {
	case invoker.KindSpill:
		if files == nil {
			files = map[int]int{}
			s.holder[e.Incarnation] = files
		}
		files[e.Index] = e.Invoker // whoever the file held is overwritten
		delete(s.deleted, [3]int{e.Incarnation, e.Invoker, e.Index})
	case invoker.KindTermBegin:
		if e.N > 0 { // the queue's start deleted every file the directory held
			for number, holder := range files {
				s.deleted[[3]int{e.Incarnation, holder, number}] = true
			}
			clear(files)
		}
	case invoker.KindLoaded:
		switch {
		case e.Outcome == invoker.IgnoredNoRead: // no read: the file is as it was
		case e.Reason != "":
			s.decided, s.told = true, s.deleted[[3]int{e.Incarnation, e.Invoker, e.Index}]
		default:
			delete(files, e.Index) // read back, by whoever it was: removed
		}
	}
}

func (s *segmentFates) Told() bool { return s.told }
