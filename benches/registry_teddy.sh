#!/usr/bin/env bash
# Registry measurement on real text (teddy2020c, 6,360 labelled citizen messages, 7 categories). Not run by CI.
#
#   benches/registry_teddy.sh            # from the repository root; about 1–2 minutes on 2 cores
#
# The data is read-only third-party data and is never copied into the repository: it is read from
# ../shared/data/teddy2020c/train.csv (or $TEDDY) and every derived file goes under $WORK (default: a new
# temporary folder). Rows are split by position (the file is already in random order), so the run is
# deterministic:
#   row % 10 == 0      10%  → trains registry version 1
#   row % 10 in 1..=6  60%  → closed cases with their true labels → retrain → expected: promoted
#   row % 10 in 7..=9  30%  → the same cases with every label moved one row down (a random permutation, as
#                             the rows are in random order) → retrain → expected: refused
# The 30% part with its true labels is also a check set neither model learnt from.
# Then `registry rollback` must bring back version 1 byte for byte, and classify exactly as before.
set -euo pipefail
cd "$(dirname "$0")/.."

TEDDY=${TEDDY:-../shared/data/teddy2020c/train.csv}
WORK=${WORK:-$(mktemp -d -t registry_teddy.XXXXXX)}
cargo build --release --quiet
TRIAGE=${CARGO_TARGET_DIR:-target}/release/triage

rm -rf "$WORK"
mkdir -p "$WORK"
header=$(head -n 1 "$TEDDY")
part() { # part NAME AWK-CONDITION-ON-k
    { echo "$header"; awk -v FS=, "NR > 1 { k = (NR - 2) % 10; if ($2) print }" "$TEDDY"; } >"$WORK/$1.csv"
}
part v1 'k == 0'
part closed 'k >= 1 && k <= 6'
part check 'k >= 7'
# Labels are the last field and hold no comma: move each one row down.
awk -v FS=, 'NR == 1 { print; next }
    { text[NR] = substr($0, 1, length($0) - length($NF)); label[NR] = $NF; n = NR }
    END { for (i = 2; i <= n; i++) print text[i] label[i == 2 ? n : i - 1] }' \
    "$WORK/check.csv" >"$WORK/shuffled.csv"
wc -l "$WORK"/*.csv

REGISTRY=$WORK/registry
step() { echo; echo "== $*"; }
step "train version 1 on 10%"
"$TRIAGE" train --input "$WORK/v1.csv" --registry "$REGISTRY"
sha256sum "$REGISTRY/versions/0001/model.triage" | tee "$WORK/v1.sha256"
"$TRIAGE" classify --model "$REGISTRY" --input "$WORK/check.csv" --output "$WORK/v1_decisions.csv"
"$TRIAGE" evaluate --model "$REGISTRY" --input "$WORK/check.csv" --json >"$WORK/v1_check.json"

step "retrain with 60% as closed cases (true labels): expect promoted"
status=0
/usr/bin/time -f "retrain: %e s wall, %M KB max RSS" \
    "$TRIAGE" retrain --registry "$REGISTRY" --closed "$WORK/closed.csv" || status=$?
echo "exit status $status (0 = promoted)"
"$TRIAGE" evaluate --model "$REGISTRY" --input "$WORK/check.csv" --json >"$WORK/v2_check.json"

step "retrain with 30% whose labels were shuffled: expect refused"
status=0
"$TRIAGE" retrain --registry "$REGISTRY" --closed "$WORK/shuffled.csv" || status=$?
echo "exit status $status (4 = refused)"

step "registry list"
"$TRIAGE" registry list "$REGISTRY"

step "rollback to version 1: the same bytes, the same decisions"
"$TRIAGE" registry rollback "$REGISTRY" --to 1
sha256sum --check "$WORK/v1.sha256"
"$TRIAGE" classify --model "$REGISTRY" --input "$WORK/check.csv" --output "$WORK/rolled_back_decisions.csv"
cmp "$WORK/v1_decisions.csv" "$WORK/rolled_back_decisions.csv" && echo "decisions identical to version 1's"

step "on the untouched 30% check set (true labels)"
for v in v1 v2; do
    printf '%s: ' "$v"
    grep -E '"(accuracy|macro_f1)"' "$WORK/${v}_check.json" | head -n 2 | tr -d ' \n'
    echo
done
