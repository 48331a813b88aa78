"""Query costs of a large index (eval/build_archive.py), leg by leg, in process, with the real model.

    python eval/bench_archive.py INDEX_DIR [--questions eval/seeds] [--out eval/reports/archive.json] [--cold]

Prints and records: the time to open the index (the store, every sealed segment, the lexicon) and the
process's RSS after opening and after the queries; p50/p95 of the dense leg, of each lexical leg and of the
whole hybrid search (`Engine.search`: embedding, legs, sentence leg, fusion, chunk fetch) over the question
set's questions, each asked once to warm up and then timed.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from rag.config import Settings
from rag.engine import Engine
from rag.evaluation import datasets
from rag.evaluation.evaluate import percentile
from rag.text import analyzers

REPO = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def evict(index_dir: Path) -> None:
    """Drop the index's files from the page cache, so that opening reads them from disk as after a reboot."""
    for path in index_dir.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index_dir", type=Path)
    ap.add_argument("--questions", type=Path, default=REPO / "eval" / "seeds")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--cold", action="store_true", help="open with the index's files out of the page cache")
    args = ap.parse_args()
    engine = Engine(Settings(index_dir=args.index_dir, model_dir=REPO / "index" / "models"))
    engine.embedder.embed_query("预热")
    before = rss_mb()
    if args.cold:
        evict(args.index_dir)
    t = time.perf_counter()
    snap = engine.snapshot()
    open_s = time.perf_counter() - t
    opened = rss_mb()
    questions = [q.question for q in datasets.load(args.questions).questions]
    pool = engine.config.candidates
    legs: dict[str, list[float]] = {"dense": [], "bigram": [], "jieba": [], "hybrid": []}
    for q in questions:
        qvec = engine.embedder.embed_query(q)
        terms = {a: analyzers.get(a)(q) for a in ("bigram", "jieba")}
        for record in (False, True):  # once to warm the caches, once timed
            ms = {"dense": timed(lambda: snap.vectors.search(qvec, pool)),
                  **{a: timed(lambda a=a: snap.lexical(terms[a], a, pool)) for a in terms},
                  "hybrid": timed(lambda: engine.search(q, k=args.k))}
            if record:
                for leg, value in ms.items():
                    legs[leg].append(value)
    report = {"index": str(args.index_dir), "chunks": snap.manifest["counts"]["chunks"],
              "vector_index": snap.manifest["vector_index"]["sealed"], "questions": len(questions),
              "open_s": round(open_s, 2), "cold": args.cold, "rss_mb": {"model_only": round(before), "opened": round(opened),
                                                     "after_queries": round(rss_mb())},
              "p50_ms": {leg: round(percentile(v, 50), 2) for leg, v in legs.items()},
              "p95_ms": {leg: round(percentile(v, 95), 2) for leg, v in legs.items()}}
    print(json.dumps(report, ensure_ascii=False, indent=1))
    out = args.out or REPO / "eval" / "reports" / f"archive-{report['chunks']}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
