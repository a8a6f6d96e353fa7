package faults

import "lab/invoker"

// FaultedMessage is a message a fault of a run was for: its content, and
// which message of that content it was (see Entry.Nth).
type FaultedMessage struct {
	Msg invoker.Envelope
	Nth int
}

// CollectFaulted adds to o an observer of the messages its run's faults
// were for, in the order of the fault entries the run records: what a
// lenient replay needs to find each again once earlier messages were
// removed and ids shifted (the shrinker's edits).
func CollectFaulted(o *Options) *[]FaultedMessage {
	var faulted []FaultedMessage
	sent := map[invoker.Envelope]int{}
	nthOf := map[uint64]int{}
	o.Observers = append(o.Observers, EventFunc(func(e invoker.Event) {
		switch e.Kind {
		case invoker.KindSent:
			// Messages are routed, and faulted, in the order they were
			// sent: as a lenient replay counts them.
			k := contentKey(e.Envelope())
			sent[k]++
			nthOf[e.MsgID] = sent[k]
		case invoker.KindFaultDelay, invoker.KindFaultDrop, invoker.KindFaultDuplicate, invoker.KindFaultReorder:
			faulted = append(faulted, FaultedMessage{Msg: e.Envelope(), Nth: nthOf[e.MsgID]})
		}
	}))
	return &faulted
}
