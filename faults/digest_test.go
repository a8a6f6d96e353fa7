package faults_test

import (
	"testing"

	"lab/faults"
	"lab/invoker"
)

// The digest tells runs apart exactly as the hash of their logs does: a
// seed run twice gives one digest, with or without the hash, and two runs
// have equal digests if and only if their logs hash alike.
func TestDigestAgreesWithTheHash(t *testing.T) {
	digestOf := map[string]string{} // hash -> digest
	hashOf := map[string]string{}   // digest -> hash
	for _, plan := range faults.BuiltinPlans() {
		for _, v := range invoker.Variants() {
			for seed := uint64(1); seed <= 20; seed++ {
				hashed := run(t, seed, v, plan, func(o *faults.Options) { o.Digest = true })
				hunting := run(t, seed, v, plan, func(o *faults.Options) { o.Digest, o.SkipHash = true, true })
				if hashed.Digest == "" || hunting.Hash != "" {
					t.Fatalf("%s %s seed %d: digest %q, hash when skipped %q", plan, v, seed, hashed.Digest, hunting.Hash)
				}
				if hunting.Digest != hashed.Digest {
					t.Errorf("%s %s seed %d: digest %s, and %s without the hash", plan, v, seed, hashed.Digest, hunting.Digest)
				}
				for _, pair := range []struct {
					m    map[string]string
					k, v string
				}{
					{digestOf, hashed.Hash, hashed.Digest}, {hashOf, hashed.Digest, hashed.Hash},
				} {
					if prev, ok := pair.m[pair.k]; ok && prev != pair.v {
						t.Errorf("%s %s seed %d: %.12s goes with both %.12s and %.12s", plan, v, seed, pair.k, prev, pair.v)
					}
					pair.m[pair.k] = pair.v
				}
			}
		}
	}
	if len(digestOf) < 2 || len(digestOf) != len(hashOf) {
		t.Errorf("%d hashes, %d digests", len(digestOf), len(hashOf))
	}
}
