package invoker

import (
	"fmt"
	"strings"
)

// Names is an enum's name table, indexed by value. Every enum of the lab
// names and parses its values through one, so no enum hand-writes a lookup.
type Names[T ~uint8] []string

// Name is v's name, or "?N" for a value the table does not know.
func (ns Names[T]) Name(v T) string {
	if int(v) < len(ns) && ns[v] != "" {
		return ns[v]
	}
	return fmt.Sprintf("?%d", v)
}

// Parse finds the value named s among first and the values after it, so
// that a placeholder such as "none" before first cannot be chosen by name.
func (ns Names[T]) Parse(s string, first T) (T, bool) {
	for v := int(first); v < len(ns); v++ {
		if ns[v] == s && s != "" {
			return T(v), true
		}
	}
	var zero T
	return zero, false
}

// List is every named value from first on, in order.
func (ns Names[T]) List(first T) []T {
	vs := make([]T, 0, len(ns))
	for v := int(first); v < len(ns); v++ {
		if ns[v] != "" {
			vs = append(vs, T(v))
		}
	}
	return vs
}

// ParseSetting finds the value named s, as Parse does, or says which names
// the setting takes: unknown on-panic "x" (want abort, watch or unwind).
func (ns Names[T]) ParseSetting(setting, s string, first T) (T, error) {
	if v, ok := ns.Parse(s, first); ok {
		return v, nil
	}
	var names []string
	for _, v := range ns.List(first) {
		names = append(names, ns[v])
	}
	want := names[len(names)-1]
	if len(names) > 1 {
		want = strings.Join(names[:len(names)-1], ", ") + " or " + want
	}
	var zero T
	return zero, fmt.Errorf("unknown %s %q (want %s)", setting, s, want)
}
