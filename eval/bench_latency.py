"""Index build time for the seeds and in-process query latency (`rag search` path and `/ask` path).

    .venv/bin/python eval/bench_latency.py [--questions eval/seeds]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rag.answering.pipeline import QuestionAnswerer
from rag.config import Settings
from rag.engine import Engine
from rag.evaluation import datasets
from rag.evaluation.evaluate import percentile
from rag.ingest import loading

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", default=str(REPO / "eval" / "seeds"))
    ap.add_argument("--model-dir", default=str(REPO / "index" / "models"))
    args = ap.parse_args()
    questions = [q.question for q in datasets.load(Path(args.questions)).questions]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp), model_dir=Path(args.model_dir))
        t = time.perf_counter()
        engine = Engine(settings)
        load_s = time.perf_counter() - t
        sources = [loading.read(p) for p in sorted((REPO / "seeds").glob("*.txt"))]
        t = time.perf_counter()
        engine.add(sources)
        build_s = time.perf_counter() - t
        counts = engine.snapshot().manifest["counts"]
        engine.search("预热")  # first call pays lazy initialisation (jieba dictionary)
        search_ms, ask_ms = [], []
        for q in questions:
            t = time.perf_counter()
            engine.search(q, k=10)
            search_ms.append((time.perf_counter() - t) * 1000)
        qa = QuestionAnswerer(engine)
        for q in questions:
            t = time.perf_counter()
            qa.ask(q)
            ask_ms.append((time.perf_counter() - t) * 1000)
    print(f"model load            {load_s:.1f} s")
    print(f"index build (seeds)   {build_s:.1f} s  ({counts['documents']} documents, {counts['articles']} articles, "
          f"{counts['chunks']} chunks)")
    print(f"search in-process     p50 {percentile(search_ms, 50):.1f} ms  p95 {percentile(search_ms, 95):.1f} ms  "
          f"({len(search_ms)} queries)")
    print(f"ask in-process        p50 {percentile(ask_ms, 50):.1f} ms  p95 {percentile(ask_ms, 95):.1f} ms")


if __name__ == "__main__":
    main()
