#!/usr/bin/env bash
# Sweeps the grouping's similarity and threshold, then the lone-complaint coverage at the default threshold, on
# the tuning set (corpora/clusters_tuning.csv) and prints pairwise precision/recall and B-cubed F1 for each:
# how the defaults in src/cluster/mod.rs were chosen (docs/clusters.md).
# Usage: benches/clusters_tuning.sh [TABLE]   (after `cargo build --release`)
set -euo pipefail
table=${1:-corpora/clusters_tuning.csv}
triage=${TRIAGE:-target/release/triage}
printf '%-8s %5s  %6s %6s  %6s %6s %6s\n' similarity thr pair_P pair_R b3_P b3_R b3_F1
for similarity in cosine overlap jaccard; do
  for threshold in 0.10 0.15 0.20 0.25 0.30 0.35 0.40 0.45 0.50 0.55 0.60; do
    "$triage" clusters --input "$table" --evaluate cluster --json --quiet \
        --similarity "$similarity" --threshold "$threshold" |
      python3 -c "import json,sys; s=json.load(sys.stdin); print('%-10s %5s  %6.3f %6.3f  %6.3f %6.3f %6.3f' % ('$similarity', '$threshold', s['pairwise_precision'], s['pairwise_recall'], s['bcubed_precision'], s['bcubed_recall'], s['bcubed_f1']))"
  done
done
printf '\n%-8s %5s  %6s %6s  %6s %6s %6s\n' coverage thr pair_P pair_R b3_P b3_R b3_F1
for coverage in 0.2 0.3 0.4 0.5 0.6 2; do
  "$triage" clusters --input "$table" --evaluate cluster --json --quiet --lone-coverage "$coverage" |
    python3 -c "import json,sys; s=json.load(sys.stdin); print('%-10s %5s  %6.3f %6.3f  %6.3f %6.3f %6.3f' % ('$coverage', 'dflt', s['pairwise_precision'], s['pairwise_recall'], s['bcubed_precision'], s['bcubed_recall'], s['bcubed_f1']))"
done
