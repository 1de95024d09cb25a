#!/usr/bin/env bash
# The desk's long jobs on a real `triage serve` (SQLite store, loopback): a 50,000-row CSV upload, then one-click
# 交办 of its routed cases, each a background job the page polls. While each runs, another user's request (the
# batch list) is timed every 0.2 s, to show that the job does not block others. Then the service is restarted
# and the batches are listed again. Not run by CI.
#
#   benches/desk_batch.sh            # from the repository root; ROWS=50000 by default
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${WORK:-$(mktemp -d -t desk_batch.XXXXXX)}
ROWS=${ROWS:-50000}
PORT=${PORT:-18090}
cargo build --release --quiet
TRIAGE=${CARGO_TARGET_DIR:-target}/release/triage

start() {
  "$TRIAGE" serve --listen "127.0.0.1:$PORT" --store "$WORK/cases.db" 2>>"$WORK/serve.log" &
  echo $! >"$WORK/pid"
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; then return 0; fi
    sleep 0.2
  done
  echo "the service did not start (see $WORK/serve.log)" >&2
  return 1
}
stop() { kill "$(cat "$WORK/pid")"; wait "$(cat "$WORK/pid")" 2>/dev/null || true; }

start
python3 - "$WORK" "$ROWS" "$PORT" <<'PY'
import csv, io, json, sys, threading, time, urllib.request
work, rows, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
base = f"http://127.0.0.1:{port}"
texts = [r["text"] for r in csv.DictReader(open("corpora/complaints.csv", encoding="utf-8"))]
out = io.StringIO()
writer = csv.writer(out)
writer.writerow(["编号", "诉求内容"])
for i in range(rows):
    writer.writerow([f"N{i:06d}", texts[i % len(texts)]])
body = out.getvalue().encode("utf-8")

def call(method, path, data=None, json_body=None):
    headers = {}
    if json_body is not None:
        data = json.dumps(json_body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())

def follow(path, label):
    """Polls a job until it ends; meanwhile times another user's request. Returns (seconds, job, slowest)."""
    started, slowest, last = time.time(), 0.0, None
    while True:
        t = time.time()
        call("GET", "/api/v1/desk/batches")
        slowest = max(slowest, time.time() - t)
        last = call("GET", path)
        if last["state"] != "running":
            return time.time() - started, last, slowest
        time.sleep(0.2)

query = "name=bench.csv&text_column=%E8%AF%89%E6%B1%82%E5%86%85%E5%AE%B9&id_column=%E7%BC%96%E5%8F%B7"
t = time.time()
job = call("POST", f"/api/v1/desk/batches?{query}", data=body)
answered = time.time() - t
seconds, done, slowest = follow(f"/api/v1/desk/batches/{job['job']}", "upload")
s = done["summary"]
print(f"upload of {rows} rows ({len(body) / 1e6:.1f} MB): answered in {answered:.2f} s, done in {seconds:.1f} s "
      f"({rows / seconds:.0f} rows/s); {s['routed']} routed, {s['review']} to review; "
      f"another user's request took at most {slowest * 1000:.0f} ms meanwhile")
t = time.time()
assign = call("POST", f"/api/v1/desk/batches/{job['job']}/assign-routed", json_body={"deadline": "2030-12-31"})
answered = time.time() - t
seconds, done, slowest = follow(f"/api/v1/desk/jobs/{assign['job']}", "assign")
print(f"交办 of {assign['total']} routed cases: answered in {answered:.2f} s, done in {seconds:.1f} s "
      f"({done['assigned'] / max(seconds, 1e-9):.0f} cases/s), {done['assigned']} assigned; "
      f"another user's request took at most {slowest * 1000:.0f} ms meanwhile")
json.dump({"batch": job["job"]}, open(f"{work}/batch.json", "w"))
PY
stop
start
python3 - "$PORT" "$WORK" <<'PY'
import json, sys, urllib.request
port, work = sys.argv[1], sys.argv[2]
batch = json.load(open(f"{work}/batch.json"))["batch"]
listed = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/desk/batches").read())
mine = [b for b in listed["batches"] if b["job"] == batch][0]
print(f"after a restart: batch {batch} is listed as {mine['state']} with {mine['rows']} rows")
PY
stop
