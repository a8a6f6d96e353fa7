package explore_test

import (
	"context"
	"maps"
	"testing"

	"lab/explore"
	"lab/invoker"
)

// Every pair and shutdown order the report reached names the first seed
// that reached it, as exploring each seed alone finds; the last of them
// is where the search stopped finding new behaviour.
func TestCoverageNamesTheFirstSeeds(t *testing.T) {
	cfg := config(t, invoker.Buggy, "chaos", 40)
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	pairs, orders := map[string]uint64{}, map[string]uint64{}
	var last uint64
	for seed := cfg.FirstSeed; seed < cfg.FirstSeed+cfg.Seeds; seed++ {
		one := cfg
		one.FirstSeed, one.Seeds = seed, 1
		alone, err := explore.Explore(context.Background(), one)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ reached, first map[string]uint64 }{
			{alone.Coverage.ISMPairs, pairs}, {alone.Coverage.ShutdownOrders, orders}} {
			for key := range c.reached {
				if _, seen := c.first[key]; !seen {
					c.first[key], last = seed, seed
				}
			}
		}
	}
	if !maps.Equal(r.Coverage.PairSeeds, pairs) || !maps.Equal(r.Coverage.OrderSeeds, orders) {
		t.Errorf("first seeds of pairs %v and orders %v; each seed alone: %v and %v", r.Coverage.PairSeeds, r.Coverage.OrderSeeds, pairs, orders)
	}
	if r.Coverage.LastNew() != last || last < 2 {
		t.Errorf("last new at seed %d, each seed alone: %d", r.Coverage.LastNew(), last)
	}
}
