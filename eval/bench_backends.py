"""Embedding backends compared on the seeds: passage throughput, query latency, retrieval quality.

    .venv/bin/python eval/bench_backends.py [--backends torch,onnx-fp32,onnx,onnx-ort,onnx-int8]

`onnx` is the default (fp32 passages, queries through the int8 model; the passages through OpenVINO in bf16
where the CPU has it); `onnx-ort` the same with the passages through ONNX Runtime; `onnx-fp32` the default
with fp32 queries too; `onnx-int8` the int8 model for both.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from rag.config import Settings
from rag.engine import Engine
from rag.evaluation import datasets, evaluate
from rag.evaluation.evaluate import percentile
from rag.ingest import loading
from rag.ingest.chunking import sentences
from rag.ingest.layout import split_articles

REPO = Path(__file__).resolve().parents[1]
# name: (RAG_EMBED_BACKEND, RAG_INT8_QUERIES, RAG_PASSAGE_RUNTIME)
VARIANTS = {"torch": ("torch", None, "auto"), "onnx-fp32": ("onnx", False, "auto"), "onnx": ("onnx", None, "auto"),
            "onnx-ort": ("onnx", None, "onnxruntime"), "onnx-int8": ("onnx-int8", None, "auto")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default=",".join(VARIANTS))
    ap.add_argument("--model-dir", default=str(REPO / "index" / "models"))
    args = ap.parse_args()
    data = datasets.load(REPO / "eval" / "seeds")
    texts = [a.text[s:e] for p in sorted((REPO / "seeds").glob("*.txt"))
             for a in split_articles(p.name, p.read_text(encoding="utf-8")) for s, e in sentences(a.text)][:300]
    print("| backend | passages/s | query p50 ms | dense hit@1 | dense mrr@10 | default hit@1 | default mrr@10 |")
    print("|---|---|---|---|---|---|---|")
    for backend in args.backends.split(","):
        kind, int8_queries, runtime = VARIANTS[backend]
        with tempfile.TemporaryDirectory() as tmp:
            engine = Engine(Settings(index_dir=Path(tmp), model_dir=Path(args.model_dir), embed_backend=kind,
                                     int8_queries=int8_queries, passage_runtime=runtime))
            emb = engine.embedder
            emb.embed_passages(texts[:8])
            t = time.perf_counter()
            emb.embed_passages(texts)
            rate = len(texts) / (time.perf_counter() - t)
            qs = [q.question for q in data.questions]
            ms = []
            for q in qs:
                t = time.perf_counter()
                emb.embed_query(q)
                ms.append((time.perf_counter() - t) * 1000)
            engine.add([loading.read(p) for p in sorted((REPO / "seeds").glob("*.txt"))])
            store = engine.snapshot().store
            passages = {c.chunk_id: c.text for c in store.chunks_by_id(store.chunk_rows()).values()}
            search = evaluate.local_searcher(engine)
            dense = evaluate.evaluate_retrieval(data, search, replace(engine.config, mode="dense"), "dense", passages)
            default = evaluate.evaluate_retrieval(data, search, engine.config, "default", passages)
        print(f"| {backend} | {rate:.0f} | {percentile(ms, 50):.1f} | {dense.metrics['hit_rate@1']:.3f} | "
              f"{dense.metrics['mrr@10']:.3f} | {default.metrics['hit_rate@1']:.3f} | {default.metrics['mrr@10']:.3f} |")


if __name__ == "__main__":
    main()
