package invoker

import (
	"fmt"
	"strings"
)

// PartitionID names a partition of the node's key space.
type PartitionID int

// Epoch is a partition's leader epoch. Epoch 0 means "never led".
type Epoch uint64

// PLE is Restate's PartitionLeaderEpoch: the key of every piece of invoker state
// in the era modelled here. Two leaderships of one partition are two PLEs.
type PLE struct {
	Partition PartitionID
	Epoch     Epoch
}

func (k PLE) String() string { return fmt.Sprintf("p%d/e%d", k.Partition, k.Epoch) }

// InvocationID identifies an invocation across leaderships and restarts.
type InvocationID string

// Variant selects which version of the invoker's handle_invoke and shutdown
// ordering runs. The same seed is comparable across variants.
type Variant uint8

const (
	// Buggy is the code as it was when restatedev/restate#2543 was filed:
	// dequeuing an Invoke for an unregistered partition trips an assertion.
	Buggy Variant = iota
	// Fixed is restatedev/restate#2547: such an Invoke is dropped and counted.
	Fixed
	// Graceful adds an explicit shutting-down state: cancellation stops
	// dequeuing at once, and AbortAllPartition and Abort purge queued
	// invokes; it survives spill I/O failures, spills into a directory of
	// its own and removes it at shutdown.
	Graceful
	// Term is Restate since April 2026 (50bee0b5c): an invoker belongs to
	// one leadership term. Becoming leader builds it, with the term's
	// queue, quota and spill directory, and stepping down cancels it and
	// waits for it to end; there is no RegisterPartition and no
	// AbortAllPartition, so an Invoke of an ended term can never be
	// dequeued (#2543 cannot happen). Cancelled, its loop takes no other
	// branch (run_until_cancelled, since f681676dc).
	Term
)

var variantNames = Names[Variant]{Buggy: "buggy", Fixed: "fixed", Graceful: "graceful", Term: "term"}

func (v Variant) String() string { return variantNames.Name(v) }

// RemovesSpill reports whether the node removes an invoker's spill
// directory at shutdown. Restate did not: Service::run only awaits its tasks
// after the loop (lib.rs:300-302), SegmentQueue has no Drop, and the default
// directory is named afresh at every start (invoker-<ULID>, gen_tmp_dir in
// crates/types/src/config/worker.rs:197). Only the graceful proposal does;
// Config.RemovesSpill says whether a node does, whatever its variant.
func (v Variant) RemovesSpill() bool { return v == Graceful }

// SurvivesSpillFailures reports whether a failed spill write or read is
// handled: Restate's queue `expect`s every file operation
// (crates/queue/src/segmented_queue.rs:263,280,290 and io.rs), so the
// invoker panics. Only the graceful proposal keeps the segment in memory,
// or loses a segment it cannot read (its invocations are re-invoked by the
// next leader).
func (v Variant) SurvivesSpillFailures() bool { return v == Graceful }

// GivesUpNotInvoked reports whether an attempt that finds its invocation no
// longer invoked ends the state machine, rather than retrying. Restate in
// January 2025 treats NotInvoked as transient and retries it forever,
// holding the slot (restatedev/restate#3217); its fix (#3221, May 2025)
// makes it final. The graceful proposal and the per-term invoker include
// that fix.
func (v Variant) GivesUpNotInvoked() bool { return v == Graceful || v == Term }

// OwnSpillDir reports whether every invoker spills into a directory of its
// own even when the node is given one tmp-dir (Config.SharedTmpDir): the
// graceful proposal makes a subdirectory per invoker in it. Restate hands
// every per-partition invoker the configured path itself (gen_tmp_dir in
// crates/types/src/config/worker.rs), still at 1.7; Config.InTmpDir gives
// any variant graceful's subdirectories.
func (v Variant) OwnSpillDir() bool { return v == Graceful }

// PerTerm reports whether an invoker lives for one leadership term only:
// the per-term invoker of Restate since 50bee0b5c (April 2026).
func (v Variant) PerTerm() bool { return v == Term }

// Variants lists every variant in a stable order.
func Variants() []Variant { return variantNames.List(Buggy) }

// ParseVariant reads a variant name as written on the command line.
func ParseVariant(s string) (Variant, error) {
	if v, ok := variantNames.Parse(s, Buggy); ok {
		return v, nil
	}
	return 0, fmt.Errorf("unknown variant %q (want %s)", s, strings.Join(variantNames, ", "))
}

// TaskID identifies one attempt of one invocation, run by one invoker.
type TaskID uint64
