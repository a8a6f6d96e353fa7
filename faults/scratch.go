package faults

import (
	"sync"
	"time"

	"lab/invoker"
)

// scratch is the storage of a run that grows with its workload: the two
// delivery queues, the buffer the node's events come in, the drawn
// timeline, the sender clocks, the event log's buffers and the checker's
// maps. Exploration runs thousands of runs back to back on each worker;
// Run hands the storage of a finished run to the next one instead of to the
// garbage collector, which otherwise costs a third of a run. Nothing carries
// over: every piece is emptied before it is used again, and a run's Result
// owns nothing in it.
type scratch struct {
	timeline, net deliveryHeap
	drained       invoker.Ready
	timed         []timed
	lastAt        map[senderKey]time.Duration
	log           eventLog
	check         checker
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// lend readies sc's storage for a run of o and hands it to s.
func (sc *scratch) lend(s *Sim, o Options) {
	// Most of the workload's messages are in flight at once: sized up
	// front, the queues do not grow during the run.
	s.timeline.q = sc.timeline.reset(2*o.Workload.Invocations + 8*o.Node.Partitions + 16)
	s.net.q = sc.net.reset(o.Workload.Invocations + 8*o.Node.Partitions + 16)
	s.drained = invoker.Ready{Events: sc.drained.Events[:0], Sent: sc.drained.Sent[:0]}
	s.timed = sc.timed[:0]
	s.senders = senders{lastAt: emptied(sc.lastAt, 0)}
	s.log = sc.log.reset(o.Events, !o.SkipHash || o.Events != nil || o.Record != nil || (o.Replay != nil && !o.Lenient))
	s.check = sc.check.reset(o.Bounds, o.Workload.Invocations, s.servedBy, s.log.last, s.reportViolation)
}

// keep takes back what s grew, for the next run, and leaves s without it:
// a Sim used after this fails loudly instead of sharing storage.
func (sc *scratch) keep(s *Sim) {
	sc.timeline, sc.net, sc.drained, sc.timed, sc.lastAt = s.timeline.q, s.net.q, s.drained, s.timed, s.senders.lastAt
	s.timeline.q, s.net.q, s.drained, s.timed, s.senders = deliveryHeap{}, deliveryHeap{}, invoker.Ready{}, nil, senders{}
	s.log, s.check = nil, nil
}
