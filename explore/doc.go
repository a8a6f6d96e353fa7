// Package explore runs many simulations: a pool of workers over a range of
// seeds (or for a while), with the random or PCT scheduler, on a fixed
// node and workload or a swarm of them, and turns what they found into one
// report: schedules per second, failures by invariant with their first
// seed, and coverage. A failure is recorded and shrunk by delta debugging
// to a schedule that still violates the same invariant. Seeds split into
// disjoint shards whose reports merge into the unsharded one.
//
// Each run is deterministic and single-threaded (package faults); the
// goroutines here only hand out seeds and gather results, so the report
// depends on the seeds alone, never on how the workers interleaved.
package explore
