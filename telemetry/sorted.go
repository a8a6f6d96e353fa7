package telemetry

import (
	"cmp"
	"slices"

	"lab/invoker"
)

// Spans closed together are closed in a sorted order, never in map order,
// so that the same run gives the same spans.

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func sortedIDs[K cmp.Ordered, V any](m map[K]V) []K { return sortedKeys(m) }

func sortedTasks[V any](m map[invoker.TaskID]V) []invoker.TaskID { return sortedKeys(m) }

func sortedInvocations[V any](m map[invoker.InvocationID]V) []invoker.InvocationID {
	return sortedKeys(m)
}

func sortedPLEs[V any](m map[invoker.PLE]V) []invoker.PLE {
	return sortedBy(m, func(a, b invoker.PLE) int {
		return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Epoch, b.Epoch))
	})
}

func sortedInvokerKeys[V any](m map[invokerKey]V) []invokerKey {
	return sortedBy(m, func(a, b invokerKey) int {
		return cmp.Or(cmp.Compare(a.incarnation, b.incarnation), cmp.Compare(a.id, b.id))
	})
}

func sortedVQKeys[V any](m map[vqKey]V) []vqKey {
	return sortedBy(m, func(a, b vqKey) int {
		return cmp.Or(cmp.Compare(a.partition, b.partition), cmp.Compare(a.inv, b.inv))
	})
}

// sortedBy is m's keys in the order compare gives.
func sortedBy[K comparable, V any](m map[K]V, compare func(a, b K) int) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, compare)
	return ks
}
