package explore_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"lab/explore"
	"lab/invoker"
)

// FuzzMerge feeds lab explore merge's reader two reports of any bytes.
// Reading and merging either refuse with a one-line error or give a
// report whose counts agree with its failures, that both writers write,
// and whose JSON reads back.
func FuzzMerge(f *testing.F) {
	var shards [][]byte
	for i := range 2 {
		cfg := config(f, invoker.Buggy, "shutdown-race", 6)
		cfg.Shard = explore.Shard{Index: i, Count: 2}
		r, err := explore.Explore(context.Background(), cfg)
		if err != nil {
			f.Fatal(err)
		}
		var b bytes.Buffer
		if err := r.WriteJSON(&b); err != nil {
			f.Fatal(err)
		}
		shards = append(shards, b.Bytes())
	}
	f.Add(shards[0], shards[1])
	f.Add(shards[0], shards[0])
	f.Add([]byte(`{}`), shards[1])
	f.Fuzz(func(t *testing.T, a, b []byte) {
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
		if m.Failed != uint64(len(m.Failures)) {
			t.Fatalf("merged: %d failed, %d failures", m.Failed, len(m.Failures))
		}
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
