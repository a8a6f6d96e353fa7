package invoker

// InvokerState is where an invoker's task is in its life.
type InvokerState uint8

const (
	// InvokerNone is no invoker: the zero value of an event field.
	InvokerNone InvokerState = iota
	// InvokerRunning: the main loop steps.
	InvokerRunning
	// InvokerExited: the loop took the shutdown arm; tasks are not joined yet.
	InvokerExited
	// InvokerJoined: every invocation task was aborted and joined.
	InvokerJoined
	// InvokerClosed: the spill directory was removed. Nothing is left.
	InvokerClosed
	// InvokerDead: the invoker panicked. The loop will never step again.
	InvokerDead
)

var invokerStateNames = Names[InvokerState]{InvokerNone: "none", InvokerRunning: "running",
	InvokerExited: "exited", InvokerJoined: "joined", InvokerClosed: "closed", InvokerDead: "dead"}

func (s InvokerState) String() string { return invokerStateNames.Name(s) }

// ParseInvokerState reads an invoker state by name.
func ParseInvokerState(s string) (InvokerState, bool) {
	return invokerStateNames.Parse(s, InvokerRunning)
}

// ISMState is the invocation state machine's AttemptState
// (crates/invoker-impl/src/invocation_state_machine.rs), with two
// pseudo-states for ism.state events: None before creation, Gone after
// removal. New is never seen outside handle_invoke: the first attempt
// starts at once.
type ISMState uint8

const (
	ISMNone ISMState = iota
	ISMNew
	ISMInFlight
	ISMWaitingRetry
	ISMGone
)

var ismNames = Names[ISMState]{ISMNone: "none", ISMNew: "new", ISMInFlight: "in-flight",
	ISMWaitingRetry: "waiting-retry", ISMGone: "gone"}

func (s ISMState) String() string { return ismNames.Name(s) }

// State is the value of an event's From or To: a Status, an ISMState or an
// InvokerState, as KindInfo(e.Kind).States says. Convert it to that type
// to compare it (invoker.Status(e.To).Terminal()).
type State uint8

// StateEnum says which enum an event's From and To hold.
type StateEnum uint8

const (
	NoState StateEnum = iota
	StatusState
	ISMStateEnum
	InvokerStateEnum
)

var stateEnumNames = Names[StateEnum]{NoState: "none", StatusState: "status",
	ISMStateEnum: "ism-state", InvokerStateEnum: "invoker-state"}

func (k StateEnum) String() string { return stateEnumNames.Name(k) }

// Name is s's name in this enum.
func (k StateEnum) Name(s State) string {
	switch k {
	case StatusState:
		return Status(s).String()
	case ISMStateEnum:
		return ISMState(s).String()
	case InvokerStateEnum:
		return InvokerState(s).String()
	}
	return Names[State]{}.Name(s)
}
