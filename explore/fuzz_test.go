package explore_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"lab/explore"
	"lab/invoker"
)

// FuzzMerge feeds lab explore merge's reader two reports of any bytes.
// Reading and merging either refuse with a one-line error or give a
// report whose counts are the inputs' summed and whose failures are the
// inputs' first of each way of failing together, that both writers
// write, and whose JSON reads back.
func FuzzMerge(f *testing.F) {
	var shards [][]byte
	fixed := explore.AgainstVariant(invoker.Fixed)
	for i := range 6 { // two shards, two rerun against fixed, two that list one failure of each way
		cfg := config(f, invoker.Buggy, "shutdown-race", 6+14*uint64(i/4))
		cfg.Shard = explore.Shard{Index: i % 2, Count: 2}
		if i >= 2 && i < 4 {
			cfg.Against = &fixed
		}
		if i >= 4 {
			cfg.ListPerWay = 1
		}
		shards = append(shards, reportJSON(f, cfg))
	}
	f.Add(shards[0], shards[1])
	f.Add(shards[2], shards[3])
	f.Add(shards[0], shards[3])
	f.Add(shards[4], shards[5])
	f.Add(shards[0], shards[5])
	f.Add(shards[0], shards[0])
	f.Add([]byte(`{}`), shards[1])
	f.Fuzz(func(t *testing.T, a, b []byte) {
		// A hang is a defect too; a crash makes the fuzzer save the input.
		defer time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("two reports took more than 10s: %q, %q", a, b)) }).Stop()
		ra, errA := explore.ReadReport("a.json", bytes.NewReader(a))
		rb, errB := explore.ReadReport("b.json", bytes.NewReader(b))
		for _, err := range []error{errA, errB} {
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("an error of more than one line: %q", err)
			}
		}
		if errA != nil || errB != nil {
			return
		}
		m, err := explore.Merge([]*explore.Report{ra, rb})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("an error of more than one line: %q", err)
			}
			return
		}
		mergedFromInputs(t, m, ra, rb)
		if err := m.WriteText(io.Discard); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := m.WriteJSON(&out); err != nil {
			t.Fatal(err)
		}
		if _, err := explore.ReadReport("merged.json", &out); err != nil {
			t.Fatalf("the merged report does not read back: %v", err)
		}
	})
}

// mergedFromInputs checks a merge of a and b against a and b: summed
// counters, the longest time, the first failures of each way of either
// (all of them when both list all) once, failures per invariant and check
// summed from the inputs' counts, coverage summed and its first seeds the
// earlier.
func mergedFromInputs(t *testing.T, m, a, b *explore.Report) {
	t.Helper()
	if m.Schedules != a.Schedules+b.Schedules || m.Picks != a.Picks+b.Picks || m.Choices != a.Choices+b.Choices || m.Workers != a.Workers+b.Workers {
		t.Fatalf("merged %d schedules, %d picks, %d choices, %d workers; inputs %d+%d, %d+%d, %d+%d, %d+%d",
			m.Schedules, m.Picks, m.Choices, m.Workers, a.Schedules, b.Schedules, a.Picks, b.Picks, a.Choices, b.Choices, a.Workers, b.Workers)
	}
	if m.CPUSeconds != a.CPUSeconds+b.CPUSeconds || m.Seconds != max(a.Seconds, b.Seconds) {
		t.Fatalf("merged %g s, %g CPU s; inputs %g and %g s, %g+%g CPU s", m.Seconds, m.CPUSeconds, a.Seconds, b.Seconds, a.CPUSeconds, b.CPUSeconds)
	}
	if want := append(slices.Clone(a.Shards), b.Shards...); !sameElements(m.Shards, want) {
		t.Fatalf("merged shards %v, inputs %v and %v", m.Shards, a.Shards, b.Shards)
	}
	both := append(slices.Clone(a.Failures), b.Failures...)
	slices.SortFunc(both, func(x, y explore.Failure) int { return cmp.Compare(x.Seed, y.Seed) })
	keep := len(both)
	for _, n := range []int{a.ListPerWay, b.ListPerWay} {
		if n > 0 {
			keep = min(keep, n)
		}
	}
	if listed := firstOfEachWay(both, keep); m.Failed != a.Failed+b.Failed || !sameElements(failureKeys(t, m.Failures), failureKeys(t, listed)) {
		t.Fatalf("merged %d failures %+v, inputs %d %+v and %d %+v", m.Failed, m.Failures, a.Failed, a.Failures, b.Failed, b.Failures)
	}
	want := map[string]explore.FailureStats{}
	count := func(key string, s explore.FailureStats) {
		w := want[key]
		if w.Failures == 0 || s.FirstSeed < w.FirstSeed {
			w.FirstSeed = s.FirstSeed
		}
		w.Failures += s.Failures
		want[key] = w
	}
	for _, r := range []*explore.Report{a, b} {
		for inv, s := range r.ByInvariant {
			count(inv, s.FailureStats)
			for check, c := range s.Checks {
				count(inv+"/"+check, c)
			}
		}
	}
	got := map[string]explore.FailureStats{}
	for inv, s := range m.ByInvariant {
		got[inv] = s.FailureStats
		for check, c := range s.Checks {
			got[inv+"/"+check] = c
		}
	}
	if !maps.Equal(got, want) {
		t.Fatalf("merged failures by invariant %v, summed from the inputs %v", got, want)
	}
	for _, c := range []struct {
		name    string
		m, a, b map[string]uint64
		merged  func(a, b map[string]uint64) map[string]uint64
	}{{"ISM pairs", m.Coverage.ISMPairs, a.Coverage.ISMPairs, b.Coverage.ISMPairs, summed},
		{"shutdown orders", m.Coverage.ShutdownOrders, a.Coverage.ShutdownOrders, b.Coverage.ShutdownOrders, summed},
		{"pairs' first seeds", m.Coverage.PairSeeds, a.Coverage.PairSeeds, b.Coverage.PairSeeds, earliest},
		{"orders' first seeds", m.Coverage.OrderSeeds, a.Coverage.OrderSeeds, b.Coverage.OrderSeeds, earliest}} {
		if !maps.Equal(c.m, c.merged(c.a, c.b)) {
			t.Fatalf("merged %s %v, inputs %v and %v", c.name, c.m, c.a, c.b)
		}
	}
	reached := func(r map[string]explore.Reached) map[string]uint64 {
		n := map[string]uint64{}
		for k, v := range r {
			n[k] = v.Schedules
		}
		return n
	}
	if got, want := reached(m.Coverage.Sometimes), summed(reached(a.Coverage.Sometimes), reached(b.Coverage.Sometimes)); !maps.Equal(got, want) {
		t.Fatalf("merged situations reached %v, inputs summed %v", got, want)
	}
}

// earliest is the smaller of a's and b's seed, key by key.
func earliest(a, b map[string]uint64) map[string]uint64 {
	e := maps.Clone(a)
	if e == nil {
		e = map[string]uint64{}
	}
	for k, seed := range b {
		if first, ok := e[k]; !ok || seed < first {
			e[k] = seed
		}
	}
	return e
}

// summed is a and b added key by key.
func summed(a, b map[string]uint64) map[string]uint64 {
	s := maps.Clone(a)
	if s == nil {
		s = map[string]uint64{}
	}
	for k, n := range b {
		s[k] += n
	}
	return s
}

// failureKeys are failures as comparable strings.
func failureKeys(t *testing.T, fs []explore.Failure) []string {
	keys := make([]string, len(fs))
	for i, f := range fs {
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = string(b)
	}
	return keys
}

// sameElements: a and b hold the same strings, as many times each.
func sameElements(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
