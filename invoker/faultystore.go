package invoker

import (
	"errors"
	"fmt"
)

// ErrInjected is the error of a spill operation StoreFaults made fail.
var ErrInjected = errors.New("injected I/O error")

// StoreFaults makes the spill stores it wraps fail on demand: the next
// Writes (or Reads) writes (reads) of any of them return ErrInjected and
// change nothing. Scripts and tests use it to show what a failed spill does.
type StoreFaults struct {
	Writes, Reads int
}

// Wrap gives every store opened by inner these faults.
func (f *StoreFaults) Wrap(inner StoreFactory) StoreFactory {
	return func(invoker, incarnation int) (SegmentStore, error) {
		s, err := inner(invoker, incarnation)
		if err != nil {
			return nil, err
		}
		return &failingStore{SegmentStore: s, f: f}, nil
	}
}

type failingStore struct {
	SegmentStore
	f *StoreFaults
}

func (s *failingStore) Write(id uint64, cmds []InvokeCmd) error {
	if s.f.Writes > 0 {
		s.f.Writes--
		return fmt.Errorf("spill segment %d: %w", id, ErrInjected)
	}
	return s.SegmentStore.Write(id, cmds)
}

func (s *failingStore) Read(id uint64) ([]InvokeCmd, error) {
	if s.f.Reads > 0 {
		s.f.Reads--
		return nil, fmt.Errorf("load segment %d: %w", id, ErrInjected)
	}
	return s.SegmentStore.Read(id)
}

func (s *failingStore) empty() (int, error) {
	if e, ok := s.SegmentStore.(emptiable); ok {
		return e.empty()
	}
	return 0, nil
}

func (s *failingStore) share() {
	if sh, ok := s.SegmentStore.(shareable); ok {
		sh.share()
	}
}
