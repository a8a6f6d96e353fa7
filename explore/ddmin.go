package explore

// ddmin is Zeller and Hildebrandt's delta debugging minimisation: it
// returns a subset of units for which fails still holds and from which no
// single unit can be removed without it failing to (1-minimal), provided
// fails holds for all of units and is deterministic. fails(nil) is tried
// first: often a kind of decision is not needed at all. Once stop says so
// (the budget is spent, or Ctrl-C) it returns what it has: a set that still
// fails. Checking fails alone was not enough: when it only answers "no",
// the search still takes time quadratic in the units, hours for 100,000.
func ddmin(units []int, fails func(keep []int) bool, stop func() bool) []int {
	if len(units) == 0 {
		return nil
	}
	if stop() {
		return units
	}
	if fails(nil) {
		return nil
	}
	c, n := units, 2
	for len(c) >= 2 {
		chunks := split(c, n)
		reduced := false
		for _, ch := range chunks {
			if stop() {
				return c
			}
			if len(ch) < len(c) && fails(ch) {
				c, n, reduced = ch, 2, true
				break
			}
		}
		if !reduced && n > 2 {
			for i := range chunks {
				if stop() {
					return c
				}
				if comp := without(c, chunks, i); fails(comp) {
					c, n, reduced = comp, max(n-1, 2), true
					break
				}
			}
		}
		if !reduced {
			if n >= len(c) {
				break
			}
			n = min(2*n, len(c))
		}
	}
	return c
}

// split cuts c into n chunks of nearly equal length, in order.
func split(c []int, n int) [][]int {
	n = min(n, len(c))
	chunks := make([][]int, 0, n)
	for i := range n {
		chunks = append(chunks, c[i*len(c)/n:(i+1)*len(c)/n])
	}
	return chunks
}

// without is c minus its i-th chunk.
func without(c []int, chunks [][]int, i int) []int {
	out := make([]int, 0, len(c)-len(chunks[i]))
	for j, ch := range chunks {
		if j != i {
			out = append(out, ch...)
		}
	}
	return out
}
