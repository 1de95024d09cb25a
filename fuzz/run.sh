#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) or 10^6 executions, whichever comes first, two at a time and
# at the lowest priority. Corpora grow in fuzz/corpus/TARGET (seeded from fuzz/seeds/TARGET), logs go to
# fuzz/logs/TARGET.log, and a crashing input to fuzz/artifacts/TARGET/. Needs `cargo install cargo-fuzz` and a
# nightly toolchain.
set -uo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
mkdir -p logs
run() {
    local target=$1
    mkdir -p "corpus/$target"
    nice -n 19 cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -runs=1000000 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"logs/$target.log" 2>&1
    echo "$target: exit $? — $(grep -E '^Done|stat::number_of_executed_units' "logs/$target.log" | tr '\n' ' ')"
}
export -f run
export seconds
# Two at a time: a target that reaches 10^6 executions early frees its slot for the next.
printf '%s\n' csv_reader registry_index model_file jsonl_reader xlsx_reader |
    xargs -P 2 -I{} bash -c 'run {}'
