"""Dense search restricted to a share of the rows (a collection or a metadata filter) against unfiltered search,
on one sealed segment built by the write path's own policy (rag.indexing.ann.build: HNSW above 50k vectors).

    python eval/bench_filtered.py CORPUS [--rows 200000] [--shares 1,0.1,0.01] [--segment FILE [--retune]]

CORPUS is a synth_corpus.py directory (vectors.npy, questions.npy: the eval/seeds questions' real query vectors).
For each share, rows are allowed either scattered at random
(a page, section or author filter) or as one run of the stored order (a date range or a collection: segments
store their rows by collection and date), and each question is searched with k=10 through VectorIndex.search;
recall@10 is against exact search over the allowed rows only. The filter is made once per share, as a
snapshot keeps it (rag.indexing.index): its first search ("first_ms") derives what the segment needs from it.
Prints one line per share and writes eval/reports/filtered-<rows>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

import faiss
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rag.evaluation.evaluate import percentile
from rag.indexing.ann import AnnPolicy, build, tune
from rag.indexing.vectors import Allowed, VectorIndex, VectorInfo


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--rows", type=int, help="only the first N rows (default: all)")
    ap.add_argument("--shares", default="1,0.1,0.01")
    ap.add_argument("--layouts", default="scattered,run", help="how the allowed rows lie in the stored order")
    ap.add_argument("--segment", type=Path, help="a segment file: loaded if it exists, else built and saved there")
    ap.add_argument("--retune", action="store_true", help="tune a loaded segment again with today's policy")
    args = ap.parse_args()
    vectors = np.load(args.corpus / "vectors.npy", mmap_mode="r")
    vectors = np.ascontiguousarray(vectors[: args.rows or len(vectors)], dtype=np.float32)
    queries = np.load(args.corpus / "questions.npy").astype(np.float32)
    n = len(vectors)
    ids = np.arange(1, n + 1, dtype=np.int64)  # row ids start at 1, as in the store
    t = time.perf_counter()
    info = args.segment.with_suffix(".json") if args.segment else None
    if args.segment and args.segment.exists():
        index = VectorIndex.load(args.segment, VectorInfo.from_dict(json.loads(info.read_text())))
        build_s = json.loads(info.read_text())["build_s"]
        if args.retune:
            index = tune(index, vectors)
            index.save(args.segment)  # efSearch lives in the faiss file
            info.write_text(json.dumps({**asdict(index.info), "build_s": build_s}))
    else:
        index = build(ids, vectors, vectors.shape[1], AnnPolicy())
        build_s = time.perf_counter() - t
        if args.segment:
            index.save(args.segment)
            info.write_text(json.dumps({**asdict(index.info), "build_s": round(build_s, 1)}))
    if index.size != n:
        sys.exit(f"the segment holds {index.size} vectors, the corpus {n}")
    ef = index.ef_search if index.info.kind == "hnsw" else 0  # the tuned one (a re-tune leaves the file's)
    print(f"{n} vectors: {index.info.kind} built in {build_s:.0f} s, tuned recall@10 {index.info.recall_at_10}, "
          f"efSearch {ef}, entries {index.info.entries}", flush=True)
    faiss.omp_set_num_threads(1)  # as the service searches: one query at a time, one thread
    rng = np.random.default_rng(0)
    out = []
    cases = [(float(s), layout) for s in args.shares.split(",") for layout in args.layouts.split(",")]
    cases = [(share, layout if share < 1 else "all") for share, layout in cases]
    for share, layout in dict.fromkeys(cases):
        size = max(10, int(share * n))
        if share >= 1:
            rows = np.arange(n)
        elif layout == "run":
            start = int(rng.integers(0, n - size))
            rows = np.arange(start, start + size)
        else:
            rows = np.sort(rng.choice(n, size=size, replace=False))
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors[rows])
        _, truth = exact.search(queries, 10)
        truth_ids = ids[rows][truth]
        index.search(queries[0], 10, Allowed(ids[:10]))  # reads the segment's id list, once for every filter
        # the filter as a snapshot keeps it: the first search derives what the segment needs from its rows
        allowed = Allowed(ids[rows].tolist()) if share < 1 else None
        t = time.perf_counter()
        index.search(queries[-1], 10, allowed)
        first_ms = (time.perf_counter() - t) * 1000
        ms, hit = [], 0
        for q, t_ids in zip(queries, truth_ids):
            t = time.perf_counter()
            got = index.search(q, 10, allowed)
            ms.append((time.perf_counter() - t) * 1000)
            hit += len(set(t_ids.tolist()) & {i for i, _ in got})
            assert allowed is None or set(np.array([i for i, _ in got])) <= set(allowed.ids.tolist())
        row = {"rows": n, "kind": index.info.kind, "share": share, "layout": layout, "allowed": len(rows),
               "first_ms": round(first_ms, 2), "p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
               "recall@10": round(hit / truth_ids.size, 4), "queries": len(queries), "build_s": round(build_s, 1)}
        print(json.dumps(row), flush=True)
        out.append(row)
    report = REPO / "eval" / "reports" / f"filtered-{n}.json"
    report.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
