package explore

import (
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Which (state, event) pairs and shutdown orders the model can reach is
// not known up front, so the lab keeps what a long swarm exploration of
// each variant reached: known_coverage.txt. A report holds its coverage
// against that, so a search that misses a pair, or reaches one the
// swarm never did, says so. TestKnownCoverage regenerates the file.
//
//go:embed known_coverage.txt
var knownCoverageText string

// knownCoverage is the swarm's coverage of one variant.
type knownCoverage struct {
	pairs, orders []string
}

// KnownCoverage is the parsed file: the swarm's seeds, and the coverage
// of each variant.
type KnownCoverage struct {
	Seeds    uint64
	variants map[string]*knownCoverage
}

var known = mustParseKnown(knownCoverageText)

func mustParseKnown(text string) *KnownCoverage {
	k, err := ParseKnownCoverage(text)
	if err != nil {
		panic("explore: known_coverage.txt: " + err.Error())
	}
	return k
}

// ParseKnownCoverage reads the format WriteKnownCoverage writes: a
// "seeds N" line, then "pair VARIANTS STATE EVENT" and
// "order VARIANTS ORDER" lines, VARIANTS comma-separated; # comments.
func ParseKnownCoverage(text string) (*KnownCoverage, error) {
	k := &KnownCoverage{variants: map[string]*knownCoverage{}}
	for i, line := range strings.Split(text, "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		bad := fmt.Errorf("line %d: want \"seeds N\", \"pair VARIANTS STATE EVENT\" or \"order VARIANTS ORDER\": %q", i+1, line)
		switch {
		case f[0] == "seeds" && len(f) == 2:
			n, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil {
				return nil, bad
			}
			k.Seeds = n
		case f[0] == "pair" && len(f) == 4, f[0] == "order" && len(f) == 3:
			key := strings.Join(f[2:], " ")
			for _, v := range strings.Split(f[1], ",") {
				if v == "" {
					return nil, bad
				}
				c := k.variants[v]
				if c == nil {
					c = &knownCoverage{}
					k.variants[v] = c
				}
				if f[0] == "pair" {
					c.pairs = append(c.pairs, key)
				} else {
					c.orders = append(c.orders, key)
				}
			}
		default:
			return nil, bad
		}
	}
	if k.Seeds == 0 {
		return nil, fmt.Errorf("no \"seeds N\" line")
	}
	return k, nil
}

// WriteKnownCoverage writes the coverage of the swarm's seeds for each
// variant (by name) in the format ParseKnownCoverage reads, sorted, each
// pair and order once with the variants that reached it.
func WriteKnownCoverage(seeds uint64, byVariant map[string]Coverage) string {
	var b strings.Builder
	b.WriteString("# What lab explore --swarm reached for each variant: the (ism state, event)\n")
	b.WriteString("# pairs and the shutdown phase orders of its seeds 1..N. Reports list what\n")
	b.WriteString("# of this an exploration of the variant did not reach, and what it reached\n")
	b.WriteString("# that is not here. Written by\n")
	b.WriteString("#   go test ./explore -run TestKnownCoverage -regenerate-known\n")
	fmt.Fprintf(&b, "seeds %d\n", seeds)
	variants := slices.Sorted(maps.Keys(byVariant))
	write := func(kind string, keys func(Coverage) map[string]uint64) {
		reachedBy := map[string][]string{}
		for _, v := range variants {
			for key := range keys(byVariant[v]) {
				reachedBy[key] = append(reachedBy[key], v)
			}
		}
		for _, key := range slices.Sorted(maps.Keys(reachedBy)) {
			fmt.Fprintf(&b, "%s %s %s\n", kind, strings.Join(reachedBy[key], ","), key)
		}
	}
	write("pair", func(c Coverage) map[string]uint64 { return c.ISMPairs })
	write("order", func(c Coverage) map[string]uint64 { return c.ShutdownOrders })
	return b.String()
}

// Coverages are the known coverage of each variant, each pair and order
// counted once.
func (k *KnownCoverage) Coverages() map[string]Coverage {
	out := map[string]Coverage{}
	for v, c := range k.variants {
		cov := newCoverage()
		for _, p := range c.pairs {
			cov.ISMPairs[p] = 1
		}
		for _, o := range c.orders {
			cov.ShutdownOrders[o] = 1
		}
		out[v] = cov
	}
	return out
}

// CoverageGaps hold a report's coverage against the swarm's for its
// variant.
type CoverageGaps struct {
	// KnownFrom says what the known coverage came from.
	KnownFrom string `json:"known_from"`
	Pairs     Gaps   `json:"pairs"`
	Orders    Gaps   `json:"shutdown_orders"`
}

// Gaps are how much of the known coverage a report reached, what of it
// it did not, and what it reached that is not known.
type Gaps struct {
	Known     int      `json:"known"`
	Reached   int      `json:"reached"`
	Unreached []string `json:"unreached"`
	New       []string `json:"new"`
}

// gapsOf holds cov against the known coverage of variant (nil when none
// is known for it).
func (k *KnownCoverage) gapsOf(variant string, cov Coverage) *CoverageGaps {
	c := k.variants[variant]
	if c == nil {
		return nil
	}
	return &CoverageGaps{
		KnownFrom: fmt.Sprintf("lab explore --swarm --variant %s, seeds 1..%d", variant, k.Seeds),
		Pairs:     gaps(c.pairs, cov.ISMPairs),
		Orders:    gaps(c.orders, cov.ShutdownOrders),
	}
}

func gaps(known []string, reached map[string]uint64) Gaps {
	g := Gaps{Known: len(known), Unreached: []string{}, New: []string{}}
	for _, key := range known {
		if reached[key] > 0 {
			g.Reached++
		} else {
			g.Unreached = append(g.Unreached, key)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(reached)) {
		if !slices.Contains(known, key) {
			g.New = append(g.New, key)
		}
	}
	return g
}
