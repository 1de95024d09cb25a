#!/usr/bin/env python3
"""The Python service `triage serve` is measured against (see docs/serve.md): FastAPI + uvicorn serving the
scikit-learn baseline of benches/python_baseline.py (character 1-3-gram TF-IDF + LinearSVC) behind the same
`POST /api/v1/triage` request and response shape, label and department per complaint.

Trains on the labelled CSV at start-up (not timed), then serves until killed.

Needs: pip install fastapi uvicorn scikit-learn   (benches/serve_load.sh installs them in a virtualenv)
"""

import argparse
import csv
import os
import sys

csv.field_size_limit(sys.maxsize)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from python_baseline import build_pipeline, read_rows  # noqa: E402


def make_app(train_csv, routing_csv):
    from fastapi import FastAPI
    from pydantic import BaseModel

    train = read_rows(train_csv, ("text", "label"))
    pipeline = build_pipeline(False)
    pipeline.fit([t for t, _ in train], [l for _, l in train])
    with open(routing_csv, encoding="utf-8", newline="") as f:
        routing = {row["category"]: (row["department_id"], row["department_name"]) for row in csv.DictReader(f)}

    class Complaint(BaseModel):
        id: str | int | None = None
        text: str

    class TriageRequest(BaseModel):
        complaints: list[Complaint]
        explain: bool = False

    app = FastAPI()

    @app.post("/api/v1/triage")
    def triage(request: TriageRequest):
        labels = pipeline.predict([c.text for c in request.complaints])
        decisions = []
        for i, (complaint, label) in enumerate(zip(request.complaints, labels)):
            department_id, department = routing.get(label, (label, label))
            decisions.append({
                "id": str(complaint.id) if complaint.id is not None else str(i + 1),
                "label": label,
                "department": department,
                "department_id": department_id,
            })
        return {"decisions": decisions, "model": {"version": "sklearn-baseline"}}

    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--routing", required=True)
    parser.add_argument("--port", type=int, default=18081)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    import uvicorn

    os.environ["TRIAGE_TRAIN"] = args.train
    os.environ["TRIAGE_ROUTING"] = args.routing
    if args.workers > 1:
        uvicorn.run("python_service:app_from_environment", factory=True, host="127.0.0.1", port=args.port,
                    workers=args.workers, log_level="warning", app_dir=os.path.dirname(os.path.abspath(__file__)))
    else:
        uvicorn.run(make_app(args.train, args.routing), host="127.0.0.1", port=args.port, log_level="warning")


def app_from_environment():
    return make_app(os.environ["TRIAGE_TRAIN"], os.environ["TRIAGE_ROUTING"])


if __name__ == "__main__":
    main()
