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
