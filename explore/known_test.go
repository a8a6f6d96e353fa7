package explore_test

import (
	"context"
	"flag"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"lab/explore"
	"lab/invoker"
)

var regenerateKnown = flag.Bool("regenerate-known", false,
	"rewrite known_coverage.txt from 100,000 swarm seeds of each variant (minutes)")

// knownSeeds is how many swarm seeds of each variant known_coverage.txt
// comes from.
const knownSeeds = 100_000

var variants = invoker.Variants()

func swarm(t *testing.T, v invoker.Variant, first, seeds uint64) *explore.Report {
	t.Helper()
	cfg := config(t, v, "none", seeds)
	cfg.Swarm, cfg.Plan, cfg.FirstSeed, cfg.Workers = true, nil, first, explore.DefaultWorkers()
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The known coverage holds what swarm seeds the file was not written from
// reach: a pair or order they reach that it lacks means the model changed
// (or the file is short of seeds), and the file is to be written again.
func TestKnownCoverage(t *testing.T) {
	if *regenerateKnown {
		byVariant := map[string]explore.Coverage{}
		for _, v := range variants {
			byVariant[v.String()] = swarm(t, v, 1, knownSeeds).Coverage
		}
		if err := os.WriteFile("known_coverage.txt", []byte(explore.WriteKnownCoverage(knownSeeds, byVariant)), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skip("known_coverage.txt written; this binary embeds the old one, so run the test again to check the new")
	}
	for _, v := range variants {
		r := swarm(t, v, 1_000_001, 500)
		g := r.CoverageGaps
		if g == nil {
			t.Fatalf("%s: no known coverage", v)
		}
		if len(g.Pairs.New) > 0 || len(g.Orders.New) > 0 {
			t.Errorf("%s: reached what known_coverage.txt lacks (pairs %q, orders %q); if the model changed, rerun with -regenerate-known",
				v, g.Pairs.New, g.Orders.New)
		}
		if g.Pairs.Reached+len(g.Pairs.Unreached) != g.Pairs.Known || g.Pairs.Reached+len(g.Pairs.New) != len(r.Coverage.ISMPairs) {
			t.Errorf("%s: pairs %+v do not add up to the %d reached", v, g.Pairs, len(r.Coverage.ISMPairs))
		}
	}
}

func TestKnownCoverageRoundTrips(t *testing.T) {
	byVariant := map[string]explore.Coverage{
		"buggy": {ISMPairs: map[string]uint64{"none invoker.panic": 2, "in-flight task.end": 1},
			ShutdownOrders: map[string]uint64{"abort-all>panic": 1}},
		"fixed": {ISMPairs: map[string]uint64{"in-flight task.end": 5}, ShutdownOrders: map[string]uint64{}},
	}
	text := explore.WriteKnownCoverage(7, byVariant)
	for _, want := range []string{"seeds 7\n", "pair buggy,fixed in-flight task.end\n", "pair buggy none invoker.panic\n", "order buggy abort-all>panic\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in\n%s", want, text)
		}
	}
	k, err := explore.ParseKnownCoverage(text)
	if err != nil {
		t.Fatal(err)
	}
	if again := explore.WriteKnownCoverage(k.Seeds, k.Coverages()); again != text {
		t.Errorf("written again:\n%s\nfirst:\n%s", again, text)
	}
}

func TestKnownCoverageRefusesBadLines(t *testing.T) {
	for _, text := range []string{
		"",                                   // no seeds
		"seeds x\n",                          // not a number
		"seeds 5\npair buggy none\n",         // no event
		"seeds 5\norder buggy a b\n",         // an order has no spaces
		"seeds 5\ncover buggy none x\n",      // unknown line
		"seeds 5\npair buggy none a b c\n",   // too many fields
		"seeds 5\nseeds -1\n",                // negative
		"seeds 99999999999999999999999999\n", // overflow
		"seeds 5\npair ,buggy none x\n",      // an empty variant
	} {
		if _, err := explore.ParseKnownCoverage(text); err == nil {
			t.Errorf("%q: no error", text)
		}
	}
}

// A report lists what it missed of the known coverage and what it reached
// that is not known; a merge of shards lists the same as the whole.
func TestReportListsCoverageGaps(t *testing.T) {
	cfg := config(t, invoker.Fixed, "none", 40)
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := r.CoverageGaps
	// No plan: no faults, so no fault events about an invocation.
	if g == nil || !slices.Contains(g.Pairs.Unreached, "in-flight fault.drop") || g.Pairs.Reached == 0 {
		t.Fatalf("gaps: %+v", g)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"known to be reachable*\n", "  * by lab explore --swarm --variant fixed, seeds 1..", "not reached: ", "in-flight fault.drop,"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if strings.HasPrefix(line, "    ") && len(line) > 100 {
			t.Errorf("line of %d columns: %q", len(line), line)
		}
	}
	var shards []*explore.Report
	for i := range 2 {
		c := cfg
		c.Shard = explore.Shard{Index: i, Count: 2}
		s, err := explore.Explore(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		shards = append(shards, s)
	}
	m, err := explore.Merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.CoverageGaps, r.CoverageGaps) {
		t.Errorf("merged gaps %+v, whole %+v", m.CoverageGaps, r.CoverageGaps)
	}
	shards[0].Coverage.ISMPairs["in-flight lab.unheard-of"] = 1
	shards[0].Coverage.PairSeeds["in-flight lab.unheard-of"] = 7
	shards[1].Coverage.ShutdownOrders["joined>cancel"] = 1
	shards[1].Coverage.OrderSeeds["joined>cancel"] = 8
	if m, err = explore.Merge(shards); err != nil {
		t.Fatal(err)
	}
	if g := m.CoverageGaps; !reflect.DeepEqual(g.Pairs.New, []string{"in-flight lab.unheard-of"}) ||
		!reflect.DeepEqual(g.Orders.New, []string{"joined>cancel"}) {
		t.Errorf("new: %+v", g)
	}
	text.Reset()
	if err := m.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "reached, never by the swarm: in-flight lab.unheard-of (seed 7)\n") {
		t.Errorf("text lacks the new pair:\n%s", text.String())
	}
}
