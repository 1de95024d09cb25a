#!/usr/bin/env bash
# Times `triage report` on a batch of N complaints (default 100,000) made from the team's corpus: each row is
# a corpus complaint, or three clauses of different ones, with a date and an enterprise; the batch is triaged
# on the way, grouped and rendered. Usage: benches/report_100k.sh [N]   (after `cargo build --release`)
set -euo pipefail
rows=${1:-100000}
triage=${TRIAGE:-target/release/triage}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$rows" "$work/batch.csv" <<'PY'
import csv, random, re, sys
rows, out = int(sys.argv[1]), sys.argv[2]
random.seed(14)
texts = [r["text"] for r in csv.DictReader(open("corpora/complaints.csv", encoding="utf-8"))]
clauses = [c for t in texts for c in re.split("[，。；！？,]", t) if len(c) >= 6]
with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["id", "text", "date", "enterprise"])
    for i in range(rows):
        text = random.choice(texts) if i % 2 else "，".join(random.sample(clauses, 3)) + "。"
        w.writerow([f"R{i:06d}", text, f"2025-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}",
                    f"企业{random.randint(1, 20000)}"])
PY
for format in html json xlsx; do
  start=$(date +%s.%N)
  "$triage" report --input "$work/batch.csv" --output "$work/report.$format" --quiet
  end=$(date +%s.%N)
  printf '%s rows → report.%s: %.1f s (%s bytes)\n' "$rows" "$format" "$(echo "$end - $start" | bc)" \
    "$(stat -c %s "$work/report.$format")"
done
