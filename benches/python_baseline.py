#!/usr/bin/env python3
"""The classical Python baseline that `triage classify` is compared with (see docs/bulk.md).

Trains the best classical pipeline measured on teddy2020c -- character 1-3-gram TF-IDF (sublinear, min_df=2) +
LinearSVC(C=1), in scikit-learn -- on a labelled CSV, then times what a Python user's batch job does end to end:
read the batch CSV, vectorise, predict, write one decision per row. Training is not timed. Prints one JSON
object with the figures on stdout.

Needs: pip install scikit-learn jieba   (jieba only for --words)
This script installs nothing itself.
"""

import argparse
import csv
import json
import sys
import time

csv.field_size_limit(sys.maxsize)


def read_rows(path, columns):
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        return [tuple(row[c] for c in columns) for row in reader]


def build_pipeline(words):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    if words:
        import jieba

        jieba.setLogLevel(60)
        vectorizer = TfidfVectorizer(
            tokenizer=jieba.lcut, token_pattern=None, lowercase=False,
            ngram_range=(1, 2), sublinear_tf=True, min_df=2,
        )
    else:
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
    return make_pipeline(vectorizer, LinearSVC(C=1.0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True, help="labelled CSV (id,text,label)")
    parser.add_argument("--batch", required=True, help="CSV of complaints to classify (id,text)")
    parser.add_argument("--output", required=True, help="where to write id,label")
    parser.add_argument("--words", action="store_true", help="jieba words 1-2-grams instead of characters")
    args = parser.parse_args()

    train = read_rows(args.train, ("text", "label"))
    pipeline = build_pipeline(args.words)
    started = time.perf_counter()
    pipeline.fit([t for t, _ in train], [l for _, l in train])
    train_seconds = time.perf_counter() - started

    started = time.perf_counter()
    batch = read_rows(args.batch, ("id", "text"))
    labels = pipeline.predict([t for _, t in batch])
    with open(args.output, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "label"])
        writer.writerows(zip((i for i, _ in batch), labels))
    seconds = time.perf_counter() - started

    text_bytes = sum(len(t.encode("utf-8")) for _, t in batch)
    json.dump(
        {
            "pipeline": "jieba words 1-2-gram" if args.words else "char 1-3-gram TF-IDF + LinearSVC",
            "train_seconds": round(train_seconds, 3),
            "docs": len(batch),
            "seconds": round(seconds, 3),
            "docs_per_second": round(len(batch) / seconds, 1),
            "mb_per_second": round(text_bytes / seconds / 1e6, 3),
        },
        sys.stdout,
    )
    print()


if __name__ == "__main__":
    main()
