package tui

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"lab/invoker"
)

// filter selects timeline events by partition, invoker, invocation and
// kind: terms of one sort widen the selection, sorts narrow it. It matches
// the events' typed fields, never their descriptions.
type filter struct {
	text        string
	partitions  map[invoker.PartitionID]bool
	invokers    map[int]bool
	invocations map[invoker.InvocationID]bool
	kinds       map[invoker.Kind]bool
}

var (
	partitionTerm  = regexp.MustCompile(`^p(\d+)$`)
	invokerTerm    = regexp.MustCompile(`^invoker(\d+)$`)
	invocationTerm = regexp.MustCompile(`^i\d+$`)
)

// parseFilter reads terms like "p3 invoker1 i042 queue.spill pp." (a kind
// term is a prefix of kind names).
func parseFilter(text string) (filter, error) {
	f := filter{text: strings.TrimSpace(text)}
	for _, term := range strings.Fields(text) {
		switch {
		case partitionTerm.MatchString(term):
			n, err := number(term, term[1:])
			if err != nil {
				return filter{}, err
			}
			f.partitions = mark(f.partitions, invoker.PartitionID(n))
		case invokerTerm.MatchString(term):
			n, err := number(term, term[len("invoker"):])
			if err != nil {
				return filter{}, err
			}
			f.invokers = mark(f.invokers, n)
		case invocationTerm.MatchString(term):
			f.invocations = mark(f.invocations, invoker.InvocationID(term))
		default:
			found := false
			for k := invoker.KindNone + 1; k < invoker.NumKinds; k++ {
				if strings.HasPrefix(k.String(), term) {
					f.kinds, found = mark(f.kinds, k), true
				}
			}
			if !found {
				return filter{}, fmt.Errorf("filter %q: not a partition (p3), invoker (invoker1), invocation (i042) or event kind", term)
			}
		}
	}
	return f, nil
}

// number is the digits of a partition or invoker term, refused when too
// large for any run (it would wrap to another number and select that one).
func number(term, digits string) (int, error) {
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, fmt.Errorf("filter %q: no run has that many partitions or invokers", term)
	}
	return n, nil
}

func (f filter) empty() bool { return f.text == "" }

func (f filter) match(e *invoker.Event) bool {
	return (f.partitions == nil || f.partitions[e.Partition]) &&
		(f.invokers == nil || f.invokers[e.Invoker]) &&
		(f.invocations == nil || f.invocations[e.Inv]) &&
		(f.kinds == nil || f.kinds[e.Kind])
}
