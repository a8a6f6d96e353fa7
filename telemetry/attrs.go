package telemetry

import (
	"math"

	"go.opentelemetry.io/otel/attribute"

	"lab/invoker"
)

// Attribute keys. Ids go in attributes, never in span names.
const (
	keySeed        = attribute.Key("lab.seed")
	keyVariant     = attribute.Key("lab.variant")
	keyPlan        = attribute.Key("lab.plan")
	keyStrategy    = attribute.Key("lab.scheduler")
	keyWorkload    = attribute.Key("lab.workload")
	keyModel       = attribute.Key("lab.model.revision")
	keyPartition   = attribute.Key("lab.partition.id")
	keyEpoch       = attribute.Key("lab.leader.epoch")
	keyInvocation  = attribute.Key("lab.invocation.id")
	keyInvoker     = attribute.Key("lab.invoker.id")
	keyIncarnation = attribute.Key("lab.node.incarnation")
	keyAttempt     = attribute.Key("lab.attempt")
	keyTask        = attribute.Key("lab.task.id")
	keyQueueLen    = attribute.Key("lab.queue.length")
	keyVQWaiting   = attribute.Key("lab.vqueue.waiting") // invocations waiting in the partition's vqueue, this one included
	keyQueueEnd    = attribute.Key("lab.queue.outcome")  // one of the wait* values
	keyPhase       = attribute.Key("lab.shutdown.phase")
	keySimPhase    = attribute.Key("lab.sim.phase")
	keySeq         = attribute.Key("lab.event.seq")
	keyEvent       = attribute.Key("lab.event")
	keyFaultKind   = attribute.Key("lab.fault.kind")
	keyFaultMsg    = attribute.Key("lab.fault.message")
	keyMsgID       = attribute.Key("lab.message.id")
	keyInvariant   = attribute.Key("lab.invariant")
	keyVerdict     = attribute.Key("lab.verdict")
	keyHash        = attribute.Key("lab.events.sha256")
	keyEvents      = attribute.Key("lab.events")
	keyTruncated   = attribute.Key("lab.events.truncated")
	keySkipped     = attribute.Key("lab.events.skipped")
	keyDecisions   = attribute.Key("lab.decisions")
	keyPicks       = attribute.Key("lab.picks")
	keyChoices     = attribute.Key("lab.choices")
	keyOutcome     = attribute.Key("lab.task.outcome")
	// Semantic conventions (v1.43.0, the SDK's) for exceptions.
	keyExcType    = attribute.Key("exception.type")
	keyExcMessage = attribute.Key("exception.message")
)

func seedAttr(seed uint64) attribute.KeyValue {
	if seed <= math.MaxInt64 {
		return keySeed.Int64(int64(seed))
	}
	return keySeed.String(formatUint(seed))
}

func pleAttrs(ple invoker.PLE) []attribute.KeyValue {
	return []attribute.KeyValue{keyPartition.Int(int(ple.Partition)), keyEpoch.Int64(int64(ple.Epoch))}
}

// How a queue.wait or a vqueue.wait ended (lab.queue.outcome): one lower-case word or
// hyphenated pair each, so that a trace search or a dashboard can group
// by it.
const (
	waitDequeued   = "dequeued"          // the dequeue arm took it, and an attempt started
	waitGranted    = "granted"           // vqueue.wait: the scheduler granted it a permit
	waitEnded      = "ended"             // vqueue.wait: its invocation ended (killed) while it waited
	waitStale      = "dropped-stale"     // dequeued for an unregistered partition leader epoch (the #2547 fix)
	waitDuplicate  = "dropped-duplicate" // dequeued while its invocation already ran
	waitPanic      = "panic"             // its dequeue tripped #2543's assertion
	waitPurged     = "purged"            // an Abort or AbortAllPartition removed it (graceful)
	waitDiscarded  = "discarded"         // the shutdown arm dropped the queue
	waitLost       = "lost"              // its invoker died
	waitUnfinished = "unfinished"        // the run ended with it queued
)
