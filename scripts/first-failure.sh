#!/bin/sh
# Schedules to the first failure of the buggy invoker, mean over RUNS
# independent explorations (run r explores seeds from r*1000000+1, one
# worker, stopping at the first failure; at most CAP seeds each).
#
#   go build -o lab ./cmd/lab
#   scripts/first-failure.sh ./lab shutdown-race random
#   scripts/first-failure.sh ./lab none pct 2
#
# Prints: plan strategy runs found mean median max.
set -eu
lab=$1 plan=$2 strategy=$3 depth=${4:-3} runs=${RUNS:-100} cap=${CAP:-5000}
r=0
while [ "$r" -lt "$runs" ]; do
	"$lab" explore --variant buggy --plan "$plan" --strategy "$strategy" --depth "$depth" \
		--first-seed $((r * 1000000 + 1)) --seeds "$cap" --stop-on-first --workers 1 \
		--format json --shrink-budget 0 | awk '
		/"schedules":/ { gsub(/[^0-9]/, "", $2); s = $2 }
		/"failed":/ { gsub(/[^0-9]/, "", $2); f = $2 }
		END { print s, f }' || true
	r=$((r + 1))
done | sort -n | awk -v plan="$plan" -v strat="$strategy" -v depth="$depth" '
	{ n++; if ($2 > 0) { found++; sum += $1; v[found] = $1; if ($1 > mx) mx = $1 } }
	END {
		name = strat; if (strat == "pct") name = "pct-d" depth
		printf "%s %s runs=%d found=%d mean=%.2f median=%s max=%s\n", plan, name, n, found,
			(found ? sum / found : 0), (found ? v[int((found + 1) / 2)] : "-"), (found ? mx : "-")
	}'
