package faults_test

import (
	"context"
	"testing"

	"lab/faults"
	"lab/invoker"
)

// A run's log, and so its hash and digest, do not depend on where segments are
// spilled: lab explore keeps them in memory, lab run and lab replay in
// files, and a schedule saved by one must replay to its hash in the other.
// A shared tmp-dir makes segments go missing, whose errors go into the log,
// and so does removing it (spill directories removed) while others write.
func TestHashDoesNotDependOnTheStore(t *testing.T) {
	base := t.TempDir()
	runs := 0
	for seed := uint64(1); seed <= 20; seed++ {
		for _, v := range invoker.Variants() {
			for _, plan := range []string{"none", "shutdown-race", "chaos"} {
				p, err := faults.LoadPlan(plan)
				if err != nil {
					t.Fatal(err)
				}
				var hashes, digests [2]string
				for i, store := range []invoker.StoreFactory{invoker.MemStores(), invoker.FileStores(base)} {
					cfg := invoker.DefaultConfig()
					cfg.Variant, cfg.QueueLimit, cfg.Store = v, 2, store
					cfg.SharedTmpDir = seed%2 == 0
					if seed/2%2 == 0 {
						cfg.SpillDirs = invoker.SpillDirsRemoved
					}
					r, err := faults.Run(context.Background(), faults.Options{Seed: seed, Node: cfg, Plan: p,
						Workload: faults.DefaultWorkload(), Digest: true})
					if err != nil {
						t.Fatal(err)
					}
					hashes[i], digests[i] = r.Hash, r.Digest
					runs++
				}
				if hashes[0] != hashes[1] || digests[0] != digests[1] {
					t.Errorf("seed %d, %v, %s, shared tmp-dir %t, spill-dirs removed %t: memory %.12s (digest %s), files %.12s (digest %s)",
						seed, v, plan, seed%2 == 0, seed/2%2 == 0, hashes[0], digests[0], hashes[1], digests[1])
				}
			}
		}
	}
	t.Logf("%d runs", runs)
}
