#!/usr/bin/env bash
# Load on `triage serve`, and on a Python service doing the same job (FastAPI + uvicorn + the scikit-learn
# baseline, benches/python_service.py) in the same run, on the same machine. Not run by CI.
#
#   benches/serve_load.sh            # from the repository root; about 3 minutes on 2 cores
#
# wrk (apt-get install wrk) generates the load on the same cores as the service, so the figures include it.
# Measured, each for $DURATION with $CONNECTIONS connections:
#   triage one     POST /api/v1/triage, one complaint per request
#   triage batch   POST /api/v1/triage, 100 complaints per request
#   intake one     POST /api/v1/cases, one case per request, into a new SQLite store
#   intake batch   POST /api/v1/cases, 100 cases per request
# and the first two against the Python service (2 uvicorn workers, one per core). Request bodies rotate over the
# texts of corpora/holdout.csv. Python packages go into a virtualenv under $WORK (pip, from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${WORK:-$(mktemp -d -t serve_load.XXXXXX)}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18080}
PY_PORT=${PY_PORT:-18081}
VENV=${VENV:-$WORK/venv}
mkdir -p "$WORK"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q fastapi uvicorn scikit-learn
fi
cargo build --release --quiet
TRIAGE=${CARGO_TARGET_DIR:-target}/release/triage

# wrk scripts that rotate over request bodies made from the hold-out texts.
python3 - "$WORK" <<'PY'
import csv, json, sys
work = sys.argv[1]
texts = [row["text"] for row in csv.DictReader(open("corpora/holdout.csv", encoding="utf-8"))]
def script(name, bodies):
    with open(f"{work}/{name}.lua", "w", encoding="utf-8") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal bodies = {\n')
        for body in bodies:
            f.write("[==[" + json.dumps(body, ensure_ascii=False) + "]==],\n")
        f.write("}\nlocal i = 0\nrequest = function()\n  i = i % #bodies + 1\n"
                "  return wrk.format(nil, nil, nil, bodies[i])\nend\n")
batches = [[texts[(start + k) % len(texts)] for k in range(100)] for start in range(0, len(texts), 7)]
script("triage_one", [{"complaints": [{"id": i, "text": t}]} for i, t in enumerate(texts)])
script("triage_batch", [{"complaints": [{"id": k, "text": t} for k, t in enumerate(b)]} for b in batches])
script("intake_one", [{"cases": [{"text": t, "source": "load"}]} for t in texts])
script("intake_batch", [{"cases": [{"text": t, "source": "load"} for t in b]} for b in batches])
PY

wait_for() { # wait_for URL
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.2
  done
  echo "no answer from $1" >&2
  return 1
}

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
measure() { # measure NAME URL SCRIPT ITEMS_PER_REQUEST
  local out="$WORK/$1.txt"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/$3.lua" "$2" >"$out"
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50.000%" || $1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99.000%" || $1 == "99%" {print $2}' "$out")
  errors=$(awk '/Non-2xx or 3xx responses:/ {print $5}' "$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$rps" "$(awk -v r="$rps" -v n="$4" 'BEGIN {printf "%.0f", r * n}')" \
    "$p50" "$p99" "${errors:-0}" >>"$RESULTS"
}

"$TRIAGE" serve --listen "127.0.0.1:$PORT" --store "$WORK/cases.db" 2>"$WORK/serve.log" &
SERVE=$!
trap 'kill $SERVE 2>/dev/null || true; kill $PYTHON 2>/dev/null || true' EXIT
wait_for "http://127.0.0.1:$PORT/healthz"
URL="http://127.0.0.1:$PORT"
measure "triage one (Rust)" "$URL/api/v1/triage" triage_one 1
measure "triage batch of 100 (Rust)" "$URL/api/v1/triage" triage_batch 100
measure "intake one, SQLite (Rust)" "$URL/api/v1/cases" intake_one 1
measure "intake batch of 100, SQLite (Rust)" "$URL/api/v1/cases" intake_batch 100
kill -TERM $SERVE
wait $SERVE || true

(cd benches && "$VENV/bin/python" python_service.py --train ../corpora/complaints.csv \
  --routing ../models/routing.csv --port "$PY_PORT" --workers 2) 2>"$WORK/python.log" &
PYTHON=$!
wait_for "http://127.0.0.1:$PY_PORT/docs"
PY_URL="http://127.0.0.1:$PY_PORT"
measure "triage one (Python FastAPI + sklearn)" "$PY_URL/api/v1/triage" triage_one 1
measure "triage batch of 100 (Python FastAPI + sklearn)" "$PY_URL/api/v1/triage" triage_batch 100
kill $PYTHON

echo
echo "| run | requests/s | complaints/s | p50 | p99 | non-2xx |"
echo "|---|---:|---:|---:|---:|---:|"
awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6}' "$RESULTS"
echo
echo "($CONNECTIONS connections, $DURATION each, wrk -t2 on the same machine; raw output in $WORK)"
