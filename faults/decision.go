package faults

import (
	"fmt"
	"time"

	"lab/invoker"
)

// DecisionKind says what one step of the simulator did.
type DecisionKind uint8

const (
	DecideNone DecisionKind = iota
	// DecideDeliver: the earliest due message reached its receiver (Msg).
	DecideDeliver
	// DecideStep: invoker Invoker ran one iteration of its loop, taking Arm.
	DecideStep
	// DecideAdvance: nothing could happen now, so virtual time moved to At.
	DecideAdvance
	// DecidePhase: the run entered its next stage (Stage, within Phase).
	DecidePhase
	// DecideControl: a control sent from outside the run was applied.
	DecideControl
	// DecideEnd: the run is over; the end-of-run checks have run.
	DecideEnd
)

var decisionNames = invoker.Names[DecisionKind]{DecideNone: "none", DecideDeliver: "deliver", DecideStep: "step",
	DecideAdvance: "advance", DecidePhase: "phase", DecideControl: "control", DecideEnd: "end"}

func (k DecisionKind) String() string { return decisionNames.Name(k) }

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

// Decision is what one Step did.
type Decision struct {
	// Index counts the run's decisions from 1.
	Index int
	// At is the virtual time after the decision.
	At   time.Duration
	Kind DecisionKind
	// Invoker and Arm of a DecideStep.
	Invoker int
	Arm     invoker.Arm
	// Msg is the envelope a DecideDeliver handed over, invoker channels
	// included (the model logs no event for those).
	Msg invoker.Envelope
	// Phase and Stage the run is in (after a DecidePhase: the one entered).
	Phase Phase
	Stage Stage
	// Control applied by a DecideControl.
	Control Control
}

func (d Decision) String() string {
	s := fmt.Sprintf("#%d %s %s", d.Index, FormatTime(d.At), d.Kind)
	switch d.Kind {
	case DecideDeliver:
		s += fmt.Sprintf(" #%d %s", d.Msg.ID, d.Msg)
	case DecideStep:
		s += fmt.Sprintf(" invoker%d %s", d.Invoker, d.Arm)
	case DecidePhase:
		s += fmt.Sprintf(" %s/%s", d.Phase, d.Stage)
	case DecideControl:
		s += " " + d.Control.String()
	}
	return s
}
