package faults

import "fmt"

// enumName names value i of an enum from its table of names.
func enumName(names []string, i int) string {
	if i >= 0 && i < len(names) && names[i] != "" {
		return names[i]
	}
	return fmt.Sprintf("?%d", i)
}

// parseEnum finds the value a table of names gives s.
func parseEnum[E ~uint8](names []string, s string) (E, bool) {
	for i, n := range names {
		if n != "" && n == s {
			return E(i), true
		}
	}
	return 0, false
}
