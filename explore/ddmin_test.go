package explore

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// ddmin finds a subset that still fails and is 1-minimal, for failures
// that need some set of units together.
func TestDdminIsOneMinimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 60).Draw(t, "n")
		units := make([]int, n)
		for i := range units {
			units[i] = i * 3
		}
		var needed []int
		if n > 0 {
			needed = rapid.SliceOfNDistinct(rapid.SampledFrom(units), 0, 4, rapid.ID[int]).Draw(t, "needed")
		}
		fails := func(keep []int) bool {
			for _, u := range needed {
				if !slices.Contains(keep, u) {
					return false
				}
			}
			return true
		}
		got := ddmin(units, fails, func() bool { return false })
		if !fails(got) {
			t.Fatalf("result %v does not fail", got)
		}
		for i := range got {
			if fails(slices.Delete(slices.Clone(got), i, i+1)) {
				t.Fatalf("result %v is not 1-minimal: %d can go", got, got[i])
			}
		}
		slices.Sort(needed)
		if !slices.Equal(got, needed) {
			t.Fatalf("got %v, want %v", got, needed)
		}
	})
}

// Once stop says so, ddmin returns at once with a set that still fails.
// It went on calling fails (which said no once the budget was spent) for
// time quadratic in the units: `lab shrink --budget 5s` of a run of 100,000
// invocations, or Ctrl-C, did not end within minutes.
func TestDdminStops(t *testing.T) {
	units := make([]int, 2000)
	for i := range units {
		units[i] = i
	}
	calls := 0
	needsAll := func(keep []int) bool { calls++; return len(keep) == len(units) }
	for _, after := range []int{0, 1, 50} {
		calls = 0
		got := ddmin(units, needsAll, func() bool { return calls >= after })
		if calls > after || !needsAll(got) {
			t.Errorf("stop after %d calls: %d calls, and the result (%d units) fails: %v", after, calls, len(got), needsAll(got))
		}
	}
}

// Shards of a seed range are disjoint and together cover it.
func TestShardsPartitionTheSeeds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		first := rapid.Uint64Range(0, 1000).Draw(t, "first")
		seeds := rapid.Uint64Range(1, 300).Draw(t, "seeds")
		count := rapid.IntRange(1, 7).Draw(t, "count")
		seen := map[uint64]int{}
		for i := range count {
			c := Config{FirstSeed: first, Seeds: seeds, Shard: Shard{i, count}}
			for n := uint64(0); ; n++ {
				s, ok := c.shardSeed(n)
				if !ok {
					break
				}
				seen[s]++
			}
		}
		if uint64(len(seen)) != seeds {
			t.Fatalf("%d shards cover %d of %d seeds", count, len(seen), seeds)
		}
		for s, k := range seen {
			if k != 1 || s < first || s >= first+seeds {
				t.Fatalf("seed %d seen %d times", s, k)
			}
		}
	})
}

func TestParseShard(t *testing.T) {
	for _, bad := range []string{"", "1", "1/0", "2/2", "-1/3", "a/b", "1/2/3"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
	if s, err := ParseShard("2/5"); err != nil || s != (Shard{2, 5}) {
		t.Errorf("ParseShard(2/5) = %v, %v", s, err)
	}
}
