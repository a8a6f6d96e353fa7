package faults

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"lab/invoker"
)

// Choice is one thing the simulator could do next: deliver the earliest due
// message (Invoker == Transport), or let an invoker take one ready arm.
type Choice struct {
	Invoker int
	Arm     invoker.Arm
}

// Transport marks the choice of delivering a message.
const Transport = -1

func (c Choice) String() string {
	if c.Invoker == Transport {
		return "deliver"
	}
	return fmt.Sprintf("invoker%d %s", c.Invoker, c.Arm)
}

// Describe says what taking c would do now: which message a delivery
// hands over, or which invoker takes which arm, and what the arm would
// take (invoker.Node.Next). For a strategy that asks a person (on the
// goroutine that steps, as Choose is called).
func (s *Sim) Describe(c Choice) string {
	if c.Invoker != Transport {
		if next := s.node.Next(c.Invoker, c.Arm); next != "" {
			return c.String() + " " + next
		}
		return c.String()
	}
	m, ok := s.net.peek()
	if !ok {
		return c.String()
	}
	return "deliver " + m.String()
}

// Strategy picks among the enabled choices. Choices are listed transport
// first, then by invoker and arm order. Strategies are deterministic given
// their seed; a recorded run writes every pick to its schedule.
type Strategy interface {
	Name() string
	Choose(choices []Choice) int
}

// Strategies lists the strategy names NewStrategy accepts.
var Strategies = []string{"random", "uniform", "priority"}

// NewStrategy builds a strategy by name.
func NewStrategy(name string, seed uint64) (Strategy, error) {
	switch name {
	case "random", "":
		return newRandomStrategy(seed), nil
	case "uniform":
		s := newRandomStrategy(seed)
		s.uniformArms = true
		return s, nil
	case "priority":
		return priorityStrategy{}, nil
	}
	return nil, fmt.Errorf("unknown scheduler %q (want %s)", name, strings.Join(Strategies, ", "))
}

// randomStrategy picks an actor uniformly (the transport or one invoker with
// a ready arm), then one of that invoker's ready arms as tokio's unbiased
// select! does (tokioSelect). With uniformArms it picks the arm uniformly
// instead: the `uniform` scheduler, kept to show how much select!'s bias
// matters.
type randomStrategy struct {
	rng         *rand.Rand
	starts      []int
	uniformArms bool
	// order is the select!'s branches: the node's (SelectAware).
	order []invoker.Arm
}

// SelectAware is a strategy that draws among an invoker's ready arms as
// select! does, and so needs the node's branches
// (invoker.Node.SelectOrder: a memory pool adds one). The simulator tells
// it as a run starts; a strategy that wraps another passes it on
// (PassSelectOrder), or the one wrapped draws as if there were no pool.
type SelectAware interface{ UseSelectOrder(order []invoker.Arm) }

// UseSelectOrder implements SelectAware.
func (s *randomStrategy) UseSelectOrder(order []invoker.Arm) { s.order = order }

// PassSelectOrder tells inner, if it is SelectAware, the node's branches:
// for a strategy that wraps another.
func PassSelectOrder(inner Strategy, order []invoker.Arm) {
	if sa, ok := inner.(SelectAware); ok {
		sa.UseSelectOrder(order)
	}
}

func newRandomStrategy(seed uint64) *randomStrategy {
	return &randomStrategy{rng: newStream(seed, streamSched), order: invoker.SelectOrder}
}

func (s *randomStrategy) Name() string {
	if s.uniformArms {
		return "uniform"
	}
	return "random"
}

func (s *randomStrategy) Choose(cs []Choice) int {
	s.starts = s.starts[:0]
	for i := range cs {
		if i == 0 || cs[i].Invoker != cs[i-1].Invoker {
			s.starts = append(s.starts, i)
		}
	}
	a := s.rng.IntN(len(s.starts))
	start, end := s.starts[a], len(cs)
	if a+1 < len(s.starts) {
		end = s.starts[a+1]
	}
	if s.uniformArms || cs[start].Invoker == Transport {
		return start + s.rng.IntN(end-start)
	}
	var ready invoker.ArmSet
	for _, c := range cs[start:end] {
		ready = ready.With(c.Arm)
	}
	arm := tokioSelect(s.order, s.rng.IntN(len(s.order)), ready)
	for i := start; i < end; i++ {
		if cs[i].Arm == arm {
			return i
		}
	}
	return start
}

// tokioSelect is how tokio's select! without `biased;` picks a branch
// (tokio/src/macros/select.rs): from a random start among all branches in
// declaration order, disabled ones included, it takes the first ready
// branch. An arm wins from its own start and from every start of the
// not-ready branches before it: with input and dequeue ready, dequeue wins
// only from start 2 (1/7); with dequeue and shutdown ready, as in #2543,
// dequeue wins from starts 0, 1 and 2 (3/7), shutdown from 3 to 6 (4/7).
// order is the branches (invoker.Node.SelectOrder).
func tokioSelect(order []invoker.Arm, start int, ready invoker.ArmSet) invoker.Arm {
	n := len(order)
	for i := range n {
		if a := order[(start+i)%n]; a != invoker.ArmNone && ready.Has(a) {
			return a
		}
	}
	return invoker.ArmNone
}

// priorityStrategy always delivers first, then takes the first ready arm of
// the first invoker in the order input, task, timer, memory, dequeue, join, shutdown: the
// schedule a biased select! with no races would give. Scripts settle with it.
type priorityStrategy struct{}

func (priorityStrategy) Name() string { return "priority" }

var armPriority = [...]invoker.Arm{invoker.ArmInput, invoker.ArmTask, invoker.ArmTimer,
	invoker.ArmMemory, invoker.ArmDequeue, invoker.ArmJoin, invoker.ArmShutdown}

func (priorityStrategy) Choose(cs []Choice) int {
	if cs[0].Invoker == Transport {
		return 0
	}
	first := cs[0].Invoker
	for _, a := range armPriority {
		for i, c := range cs {
			if c.Invoker == first && c.Arm == a {
				return i
			}
		}
	}
	return 0
}
