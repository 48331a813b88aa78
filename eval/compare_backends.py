"""Retrieval on eval/seeds, the embedded backend next to the Milvus backend, leg by leg, and the embedded
backend restricted to what Milvus can do (jieba BM25 only, RRF fusion) to show where the difference comes from.

Both backends hold the same chunks and vectors (`rag migrate --to milvus` of the embedded index):

    rag index seeds && rag migrate --to milvus      # with RAG_MILVUS_URI set
    .venv/bin/python eval/compare_backends.py [--only "rrf,milvus"]    # only the runs whose name has one of these
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from rag.config import Settings
from rag.engine import Engine
from rag.evaluation import datasets, evaluate

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="comma-separated parts of run names to keep")
    args = ap.parse_args()
    data = datasets.load(REPO / "eval" / "seeds")
    settings = Settings()
    embedded = Engine(settings.model_copy(update={"backend": "embedded"}))
    milvus = Engine(settings.model_copy(update={"backend": "milvus"}), embedder=embedded.embedder)
    base = embedded.config
    runs = {
        "embedded default (bigram+jieba, blend)": (embedded, base),
        "embedded jieba, blend": (embedded, replace(base, analyzer="jieba")),
        "embedded bigram+jieba, rrf": (embedded, replace(base, fusion="rrf")),
        "embedded jieba, rrf (what Milvus does)": (embedded, replace(base, analyzer="jieba", fusion="rrf")),
        "milvus hybrid (jieba BM25, RRFRanker)": (milvus, base),
        "embedded dense": (embedded, replace(base, mode="dense")),
        "milvus dense (HNSW)": (milvus, replace(base, mode="dense")),
        "embedded lexical jieba": (embedded, replace(base, mode="lexical", analyzer="jieba")),
        "embedded lexical bigram": (embedded, replace(base, mode="lexical", analyzer="bigram")),
        "milvus lexical (jieba BM25)": (milvus, replace(base, mode="lexical")),
    }
    keep = [part for part in args.only.split(",") if part]
    reports = [evaluate.evaluate_retrieval(data, evaluate.local_searcher(engine), config, name)
               for name, (engine, config) in runs.items() if not keep or any(part in name for part in keep)]
    print(evaluate.table(reports))


if __name__ == "__main__":
    main()
