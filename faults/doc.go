// Package faults is the lab's simulator: it owns every source of
// nondeterminism of a run and drives an invoker.Node through it.
//
//   - A virtual clock and a queue of deliveries ordered by (time, sequence).
//   - A scheduler (Strategy) that picks, at each step, between
//     delivering the earliest due message and letting an invoker take one of
//     its ready arms.
//   - A fault injector that applies a Plan to every message as it is sent:
//     delay (its sender's later messages stay behind it), drop, reorder,
//     duplicate.
//   - A workload: arrivals, step-downs, kills, the node's shutdown, and what
//     each invocation attempt does.
//   - The invariants (see Invariants), checked on every event; the safety
//     phase runs under faults, the liveness phase with faults healed.
//   - Schedules: every decision of a run (scheduler picks, what the outside
//     world sends, fault verdicts, task outcomes, controls; DecisionCount),
//     recorded as it is taken, and replayed with no random draw
//     (Options.Record, ReplayOptions).
//   - Scripts: the same machinery with instant delivery, where the script
//     chooses every arm (README, Scripts).
//
// A Sim takes one step per Step (StepInfo says what it did), and Run is a
// loop over it; observers,
// controls and snapshots open a run to telemetry, the terminal UI and
// exploration (docs/architecture.md §3). One seed, split into a stream per
// concern, determines a run; its event log is the same byte for byte on
// every machine, and its SHA-256 is printed.
package faults
