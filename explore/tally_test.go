package explore_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"lab/explore"
	"lab/invoker"
)

// reportJSON explores cfg and writes its report as JSON.
func reportJSON(t testing.TB, cfg explore.Config) []byte {
	t.Helper()
	r, err := explore.Explore(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var js bytes.Buffer
	if err := r.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	return js.Bytes()
}

// exploreJSON explores cfg and reads its JSON report back, as merge does.
func exploreJSON(t *testing.T, cfg explore.Config) *explore.Report {
	t.Helper()
	back, err := explore.ReadReport("r.json", bytes.NewReader(reportJSON(t, cfg)))
	if err != nil {
		t.Fatalf("the report does not read back: %v", err)
	}
	return back
}

// firstOfEachWay are the first n failures by seed of each invariant and
// check, as failures lists them.
func firstOfEachWay(failures []explore.Failure, n int) []explore.Failure {
	var out []explore.Failure
	seen := map[[2]string]int{}
	for _, f := range failures {
		key := [2]string{f.Invariant, f.Check}
		if seen[key] < n {
			out = append(out, f)
		}
		seen[key]++
	}
	return out
}

// An exploration that lists the first few failures of each way of failing
// counts every failure as one that lists them all, lists the first by
// seed, says what it left out, and reads back; its shards, run apart,
// merge to the same report.
func TestListPerWay(t *testing.T) {
	cfg := config(t, invoker.Buggy, "shutdown-race", 120)
	cfg.Against = &[]explore.Against{explore.AgainstVariant(invoker.Fixed)}[0]
	all := exploreJSON(t, cfg)
	cfg.ListPerWay = 3
	few := exploreJSON(t, cfg)
	if few.Failed != all.Failed || !reflect.DeepEqual(few.ByInvariant, all.ByInvariant) {
		t.Errorf("listing 3 of each way counted %d failures %+v; listing all, %d %+v", few.Failed, few.ByInvariant, all.Failed, all.ByInvariant)
	}
	want := firstOfEachWay(all.Failures, 3)
	if len(all.ByInvariant) < 2 || len(want) >= len(all.Failures) || !reflect.DeepEqual(few.Failures, want) {
		t.Fatalf("listed %d failures of %d, want the first 3 of each way, %d", len(few.Failures), all.Failed, len(want))
	}
	var text bytes.Buffer
	if err := few.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if line := "listed       6 of "; !strings.Contains(text.String(), line) {
		t.Errorf("no %q in:\n%s", line, text.String())
	}
	text.Reset()
	if err := all.WriteText(&text); err != nil || strings.Contains(text.String(), "listed ") {
		t.Errorf("a report that lists every failure says otherwise (%v):\n%s", err, text.String())
	}

	var shards []*explore.Report
	for i := range 3 {
		c := cfg
		c.Shard = explore.Shard{Index: i, Count: 3}
		c.ListPerWay = 3 + i // shards listing more merge to the fewest
		shards = append(shards, exploreJSON(t, c))
	}
	m, err := explore.Merge(shards)
	if err != nil {
		t.Fatal(err)
	}
	if m.ListPerWay != 3 || m.Failed != few.Failed || !reflect.DeepEqual(m.ByInvariant, few.ByInvariant) || !reflect.DeepEqual(m.Failures, few.Failures) {
		t.Errorf("merged shards list %d of each way, %d failures %+v; unsharded %d %+v", m.ListPerWay, m.Failed, m.ByInvariant, few.Failed, few.ByInvariant)
	}
}

// A report whose reruns do not add up is refused: merge sums them as
// they are.
func TestReadReportRefusesRerunsThatDoNotAddUp(t *testing.T) {
	cfg := config(t, invoker.Buggy, "shutdown-race", 40)
	cfg.Against = &[]explore.Against{explore.AgainstVariant(invoker.Fixed)}[0]
	cfg.ListPerWay = 2
	r := exploreJSON(t, cfg)
	a := r.ByInvariant["no-panic"].Against
	if a == nil || a.Held < 3 {
		t.Fatalf("no-panic's reruns: %+v", a)
	}
	for _, edit := range []func(*explore.AgainstStats){
		func(a *explore.AgainstStats) { a.Ran++ },
		func(a *explore.AgainstStats) { a.Held-- },
		func(a *explore.AgainstStats) {
			a.Held--
			a.Other = explore.FailureStats{Failures: 1, FirstSeed: 1 << 40}
		},
		func(a *explore.AgainstStats) { a.Broke = map[string]uint64{"no-panic": a.Held + 1} },
		func(a *explore.AgainstStats) { a.Broke = map[string]uint64{"bogus": 1} },
	} {
		c := *a
		edit(&c)
		s := r.ByInvariant["no-panic"]
		s.Against = &c
		edited := *r
		edited.ByInvariant = map[string]explore.InvariantStats{"no-panic": s}
		for inv, s := range r.ByInvariant {
			if inv != "no-panic" {
				edited.ByInvariant[inv] = s
			}
		}
		var js bytes.Buffer
		if err := edited.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		if _, err := explore.ReadReport("r.json", &js); err == nil {
			t.Errorf("reruns %+v, edited from %+v: read", c, *a)
		}
	}
}
