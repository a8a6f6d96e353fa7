#!/bin/sh
# A/B of the simulator's benchmarks between two commits, on a shared and
# noisy machine: both test binaries are built first, then run in alternating
# rounds (A, B, A, B, ...), so that a change of load hits both alike. Prints
# each benchmark's median over the rounds of schedules per CPU second (or
# CPU-ns per pick), and the ratio B/A.
#
#   scripts/ab-bench.sh cdb25b9 HEAD
#   ROUNDS=7 BENCH='Hunting/none/buggy$' scripts/ab-bench.sh main my-branch
#
# BENCH is a -test.bench pattern of ./faults; N the runs per round.
set -eu
a=$1 b=$2
rounds=${ROUNDS:-5} n=${N:-300}
bench=${BENCH:-'Schedules/(none|shutdown-race)/fixed$|Hunting/(none|shutdown-race)/(buggy|fixed)$|PickTime'}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for rev in "$a" "$b"; do
	git worktree add -q --detach "$dir/src" "$rev"
	(cd "$dir/src" && go test -c -o "$dir/$(echo "$rev" | tr / _).test" ./faults/)
	git worktree remove --force "$dir/src"
done
ta="$dir/$(echo "$a" | tr / _).test" tb="$dir/$(echo "$b" | tr / _).test"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
r=0
while [ "$r" -lt "$rounds" ]; do
	for side in A B; do
		t=$ta
		[ "$side" = B ] && t=$tb
		"$t" -test.run X -test.bench "$bench" -test.benchtime "${n}x" -test.cpu 1 |
			awk -v side="$side" '/^Benchmark/ {
				for (i = 1; i < NF; i++) if ($(i+1) == "schedules/cpu-s" || $(i+1) == "cpu-ns/pick") print side, $1, $i, $(i+1)
			}'
	done
	r=$((r + 1))
done | sort -k2,2 -k1,1 -k3,3g | awk '
	{ key = $2 " " $4; v[key, $1, ++c[key, $1]] = $3; keys[key] = 1 }
	END {
		for (k in keys) {
			na = c[k, "A"]; nb = c[k, "B"]
			ma = v[k, "A", int((na + 1) / 2)]; mb = v[k, "B", int((nb + 1) / 2)]
			printf "%-50s A %10.1f  B %10.1f  B/A %.2f  (%d rounds)\n", k, ma, mb, (ma ? mb / ma : 0), na
		}
	}' | sort
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
