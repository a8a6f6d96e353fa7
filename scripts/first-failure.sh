#!/bin/sh
# Schedules to the first #2543 panic (the no-panic invariant) of the buggy
# invoker, mean over RUNS independent explorations: run r explores seeds
# from r*1000000+1 in order, in windows of WINDOW seeds, up to CAP seeds;
# the count is how many seeds it took, the panicking one included.
#
#   go build -o lab ./cmd/lab
#   scripts/first-failure.sh ./lab shutdown-race random
#   scripts/first-failure.sh ./lab none pct 2
#
# Prints: plan strategy runs found mean median max.
set -eu
lab=$1 plan=$2 strategy=$3 depth=${4:-3}
depthArg="" # --depth is PCT's alone
[ "$strategy" = pct ] && depthArg="--depth $depth"
runs=${RUNS:-100} cap=${CAP:-5000} window=${WINDOW:-64}
r=0
while [ "$r" -lt "$runs" ]; do
	base=$((r * 1000000 + 1)) first=$base found=0
	while [ "$found" -eq 0 ] && [ $((first - base)) -lt "$cap" ]; do
		seed=$("$lab" explore --variant buggy --plan "$plan" --strategy "$strategy" $depthArg \
			--first-seed "$first" --seeds "$window" --workers 1 --format json --shrink-budget 0 |
			awk '/"no-panic": \{/ { inv = 1 } inv && /"first_seed":/ { gsub(/[^0-9]/, "", $2); print $2; exit }' || true)
		if [ -n "$seed" ]; then
			echo $((seed - base + 1)) 1
			found=1
		fi
		first=$((first + window))
	done
	[ "$found" -eq 1 ] || echo "$cap" 0
	r=$((r + 1))
done | sort -n | awk -v plan="$plan" -v strat="$strategy" -v depth="$depth" '
	{ n++; if ($2 > 0) { found++; sum += $1; v[found] = $1; if ($1 > mx) mx = $1 } }
	END {
		name = strat; if (strat == "pct") name = "pct-d" depth
		printf "%s %s runs=%d found=%d mean=%.2f median=%s max=%s\n", plan, name, n, found,
			(found ? sum / found : 0), (found ? v[int((found + 1) / 2)] : "-"), (found ? mx : "-")
	}'
