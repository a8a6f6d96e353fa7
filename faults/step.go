package faults

import (
	"fmt"
	"time"

	"lab/invoker"
)

// StepKind says what one step of the simulator did.
type StepKind uint8

const (
	StepNone StepKind = iota
	// StepDeliver: the earliest due message reached its receiver (Msg).
	StepDeliver
	// StepInvoker: invoker Invoker ran one iteration of its loop, taking Arm.
	StepInvoker
	// StepAdvance: nothing could happen now, so virtual time moved to At.
	StepAdvance
	// StepPhase: the run entered its next stage (Stage, within Phase).
	StepPhase
	// StepControl: a control sent from outside the run was applied.
	StepControl
	// StepEnd: the run is over; the end-of-run checks have run.
	StepEnd
)

var stepKindNames = invoker.Names[StepKind]{StepNone: "none", StepDeliver: "deliver", StepInvoker: "invoker",
	StepAdvance: "advance", StepPhase: "phase", StepControl: "control", StepEnd: "end"}

func (k StepKind) String() string { return stepKindNames.Name(k) }

// Phase is the part of a run: the safety phase runs under the fault plan,
// the liveness phase with faults healed.
type Phase uint8

const (
	PhaseNone Phase = iota
	PhaseSafety
	PhaseLiveness
	PhaseDone
)

var phaseNames = invoker.Names[Phase]{PhaseNone: "none", PhaseSafety: "safety", PhaseLiveness: "liveness", PhaseDone: "done"}

func (p Phase) String() string { return phaseNames.Name(p) }

// Stage is a step of the run's script: each starts something (the
// workload, a restart, a shutdown) and then runs until nothing is left.
type Stage uint8

const (
	StageNone Stage = iota
	// StageWorkload: the safety phase's workload, under faults.
	StageWorkload
	// StageHeal: faults healed; the node shuts down if the workload did not.
	StageHeal
	// StageRestart: the node restarts and every partition elects a leader.
	StageRestart
	// StageShutdown: the final node shutdown.
	StageShutdown
	// StageEnd: the end-of-run checks.
	StageEnd
)

var stageNames = invoker.Names[Stage]{StageNone: "none", StageWorkload: "workload", StageHeal: "heal",
	StageRestart: "restart", StageShutdown: "shutdown", StageEnd: "end"}

func (s Stage) String() string { return stageNames.Name(s) }

// ParseStage is the inverse of Stage.String.
func ParseStage(s string) (Stage, bool) { return stageNames.Parse(s, StageWorkload) }

// phase is the phase a stage belongs to.
func (s Stage) phase() Phase {
	switch s {
	case StageWorkload:
		return PhaseSafety
	case StageHeal, StageRestart, StageShutdown:
		return PhaseLiveness
	case StageEnd:
		return PhaseDone
	}
	return PhaseNone
}

// StepInfo is what one Step did.
type StepInfo struct {
	// Index counts the run's steps from 1.
	Index int
	// At is the virtual time after the step.
	At   time.Duration
	Kind StepKind
	// Invoker and Arm of a StepInvoker; Took is the arm its loop took in
	// the end: Arm, or, when Arm was a dequeue that only started reading its
	// head segment back, the next ready arm (ArmNone if none was).
	Invoker int
	Arm     invoker.Arm
	Took    invoker.Arm
	// Msg is the envelope a StepDeliver handed over, invoker channels
	// included (the model logs no event for those).
	Msg invoker.Envelope
	// Phase and Stage the run is in (after a StepPhase: the one entered).
	Phase Phase
	Stage Stage
	// Control applied by a StepControl.
	Control Control
}

func (d StepInfo) String() string {
	s := fmt.Sprintf("#%d %s", d.Index, FormatTime(d.At))
	if d.Kind == StepInvoker {
		s += fmt.Sprintf(" invoker%d %s", d.Invoker, d.Arm)
		switch {
		case d.Took == invoker.ArmNone:
			s += " (pending: reading its head)"
		case d.Took != d.Arm:
			s += fmt.Sprintf(" (pending: reading its head; took %s)", d.Took)
		}
		return s
	}
	s += " " + d.Kind.String()
	switch d.Kind {
	case StepDeliver:
		s += fmt.Sprintf(" #%d %s", d.Msg.ID, d.Msg)
	case StepPhase:
		s += fmt.Sprintf(" %s/%s", d.Phase, d.Stage)
	case StepControl:
		s += " " + d.Control.String()
	}
	return s
}
