package faults

import (
	"context"
	"sync"
	"time"

	"lab/invoker"
)

// scratch is the storage of a run that grows with its workload: the node
// (renewed by invoker.Node.Reset), the two delivery queues, the buffer the
// node's events come in, the drawn timeline, the sender clocks, the event
// log's buffers and the checker's maps. Exploration runs thousands of runs
// back to back on each worker; Run hands the storage of a finished run to
// the next one instead of to the garbage collector, which otherwise costs
// about 40% of a hunting run. Nothing carries over: every piece is emptied
// before it is used again, and a run's Result owns nothing in it.
type scratch struct {
	timeline, net deliveryHeap
	drained       invoker.Ready
	timed         []timed
	lastAt        map[senderKey]time.Duration
	log           eventLog
	check         checker
	node          *invoker.Node
}

var scratches = sync.Pool{New: func() any { return new(scratch) }}

// run is Run on sc's storage.
func (sc *scratch) run(ctx context.Context, o Options) (*Result, error) {
	if err := o.Workload.Validate(); err != nil {
		return nil, err
	}
	s, err := newSim(o, sc)
	if err != nil {
		return nil, err
	}
	defer sc.keep(s)
	defer s.Close()
	for n := 0; !s.done; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err := s.step(); err != nil {
			return nil, err
		}
	}
	return s.Result(), nil
}

// nodeFor is the node of the previous run made new for cfg
// (invoker.Node.Reset), or a new one.
func (sc *scratch) nodeFor(cfg invoker.Config) (*invoker.Node, error) {
	if sc.node == nil {
		return invoker.New(cfg)
	}
	n := sc.node
	sc.node = nil // a node whose Reset failed is not kept
	if err := n.Reset(cfg); err != nil {
		return nil, err
	}
	return n, nil
}

// lend readies sc's storage for a run of o and hands it to s.
func (sc *scratch) lend(s *Sim, o Options) {
	// Most of the workload's messages are in flight at once: sized up
	// front, the queues do not grow during the run.
	s.timeline.q = sc.timeline.reset(2*o.Workload.Invocations + 8*o.Node.Partitions + 16)
	s.net.q = sc.net.reset(o.Workload.Invocations + 8*o.Node.Partitions + 16)
	s.drained = invoker.Ready{Events: sc.drained.Events[:0], Sent: sc.drained.Sent[:0]}
	s.timed = sc.timed[:0]
	s.senders = senders{lastAt: emptied(sc.lastAt, 0)}
	s.log = sc.log.reset(o.Events, !o.SkipHash || o.Events != nil || o.Record != nil || (o.Replay != nil && !o.Lenient), o.Digest)
	s.check = sc.check.reset(o.Bounds, o.Workload.Invocations, s.servedBy, s.log.last, s.reportViolation)
}

// keep takes back what s grew, for the next run, and leaves s without it:
// a Sim used after this fails loudly instead of sharing storage.
func (sc *scratch) keep(s *Sim) {
	sc.timeline, sc.net, sc.drained, sc.timed, sc.lastAt = s.timeline.q, s.net.q, s.drained, s.timed, s.senders.lastAt
	s.timeline.q, s.net.q, s.drained, s.timed, s.senders = deliveryHeap{}, deliveryHeap{}, invoker.Ready{}, nil, senders{}
	sc.node = s.node
	s.log, s.check, s.node = nil, nil, nil
}
