package faults

import "math/rand/v2"

// Every concern draws from its own stream of one seed (TigerBeetle's VOPR
// does the same), so that, say, a new fault rule does not shift the workload.
const (
	streamWorkload uint64 = 0x776f726b6c6f6164 // "workload"
	streamFaults   uint64 = 0x6661756c74730000 // "faults"
	streamSched    uint64 = 0x7363686564000000 // "sched"
	streamTasks    uint64 = 0x7461736b73000000 // "tasks"
)

func newStream(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}
