package explore

import (
	"bytes"
	"context"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// onPartitions keeps exactly the entries of the partitions kept (and
// those of none), renumbered in order.
func TestOnPartitionsKeepsAndRenumbers(t *testing.T) {
	var buf bytes.Buffer
	p, _ := faults.LoadPlan("shutdown-race")
	_, err := faults.Run(context.Background(), faults.Options{Seed: 3, Node: invoker.DefaultConfig(), Plan: p,
		Workload: faults.DefaultWorkload(), Record: &buf})
	if err != nil {
		t.Fatal(err)
	}
	s, err := faults.ParseSchedule("x", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	renumber := map[invoker.PartitionID]invoker.PartitionID{1: 0, 3: 1}
	var want []invoker.PartitionID // what the kept entries mention, renumbered
	for _, e := range s.Entries {
		ps := mentioned(s, e)
		keep := true
		for _, p := range ps {
			if _, ok := renumber[p]; !ok {
				keep = false
			}
		}
		if keep {
			for _, p := range ps {
				want = append(want, renumber[p])
			}
		}
	}
	out := onPartitions(s, []int{1, 3})
	if out.Header.Node.Partitions != 2 {
		t.Fatalf("%d partitions, want 2", out.Header.Node.Partitions)
	}
	var got []invoker.PartitionID
	for _, e := range out.Entries {
		got = append(got, mentioned(out, e)...)
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("the kept entries mention %d partitions, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("mention %d is p%d, want p%d", i, got[i], want[i])
		}
	}
	if len(out.Entries) >= len(s.Entries) {
		t.Errorf("%d entries of %d kept: nothing removed", len(out.Entries), len(s.Entries))
	}
}
