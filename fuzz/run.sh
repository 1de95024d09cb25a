#!/usr/bin/env bash
# Runs every fuzz target (or those named after SECONDS) for SECONDS (default 600) or 10^6 executions, whichever comes first, two at a time and
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
    # The workbook reader's thread outlives a run by a moment; LeakSanitizer takes its thread-local data at exit
    # for a leak.
    local leaks=1
    [ "$target" = xlsx_reader ] && leaks=0
    nice -n 19 cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- -detect_leaks=$leaks \
        -max_total_time="$seconds" -runs=1000000 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"logs/$target.log" 2>&1
    echo "$target: exit $? — $(grep -E '^Done|stat::number_of_executed_units' "logs/$target.log" | tr '\n' ' ')"
}
export -f run
export seconds
# Two at a time: a target that reaches 10^6 executions early frees its slot for the next.
targets=("${@:2}")
[ ${#targets[@]} -eq 0 ] && targets=(csv_reader registry_index model_file jsonl_reader xlsx_reader)
printf '%s\n' "${targets[@]}" |
    xargs -P 2 -I{} bash -c 'run {}'
