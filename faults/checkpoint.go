package faults

// Checkpoint flushes the schedule being recorded and says where the event
// log stands: a schedule cut here and closed with
// Entry{Op: OpEnd, Events: events, Hash: hash} replays strictly up to this
// point and stops (as a run with StopAtViolation does). The terminal UI
// saves a session this way when an invariant breaks, while the run goes on.
// Like every method of Sim, it belongs to the goroutine that steps, between
// two steps.
func (s *Sim) Checkpoint() (events uint64, hash string, err error) {
	s.rec.flush()
	return s.log.seq, s.log.sum(), s.rec.err()
}

// FlushEvents hands what Options.Events buffered to its file, if it
// buffers (has Flush): a run that waits (paused, paced, over) is then read
// whole, up to its last event, by whoever follows the log. Like Checkpoint,
// it belongs to the goroutine that steps.
func (s *Sim) FlushEvents() error {
	if f, ok := s.o.Events.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}
