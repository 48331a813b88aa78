"""Query latency at 100k synthetic chunks on both backends: the embedded index and Milvus Lite.

The chunks are the ones `bench_scale.py` makes (seed sentences shuffled into 250-character chunks, real seed
vectors mixed with noise), written to an embedded index, then copied into Milvus Lite with `migrate_from` (the
same vectors, nothing re-embedded). The questions of eval/seeds are embedded for real on both: each figure is
the whole `engine.search` path. Milvus Lite is a pure-Python engine: this measures it, not a Milvus server.

    .venv/bin/python eval/bench_milvus.py [--chunks 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.engine import Engine
from rag.evaluation import datasets
from rag.evaluation.evaluate import percentile
from rag.indexing.backends.milvus import MilvusBackend
from rag.indexing.lexical import writes
from rag.indexing.store import Store, embed_text, text_hash
from rag.ingest.chunking import sentences
from rag.ingest.layout import split_articles
from rag.ingest.loading import Source
from rag.text.mapped import Mapped
from rag.types import Article, Chunk

REPO = Path(__file__).resolve().parents[1]


def build_embedded(engine: Engine, chunks_total: int, per_doc: int) -> None:
    rng, nrng = random.Random(0), np.random.default_rng(0)
    pool = []
    for p in sorted((REPO / "seeds").glob("*.txt")):
        for a in split_articles(p.name, p.read_text(encoding="utf-8")):
            pool += [a.text[s:e] for s, e in sentences(a.text)]
    seed_vecs = engine.embedder.embed_passages(pool[:300])
    with engine.index._write(fresh=True) as (store, lexicon):
        for d in range(chunks_total // per_doc):
            doc_id = f"synthetic-{d:05d}.txt"
            chunks = []
            for c in range(per_doc):
                text = ""
                while len(text) < 250:
                    text += rng.choice(pool)
                chunks.append(Chunk(hashlib.sha256(f"{doc_id}{c}".encode()).hexdigest()[:16], doc_id,
                                    f"{doc_id}#0", "合成文章", text, c * 300, c * 300 + len(text), c))
            mix = seed_vecs[nrng.integers(0, len(seed_vecs), (len(chunks), 3))].sum(axis=1)
            vecs = mix + 0.15 * nrng.normal(size=mix.shape)
            vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
            with store.transaction():
                store.put_vectors(engine.embedder.name, {text_hash(embed_text(ch)): v for ch, v in zip(chunks, vecs)})
                writes.add_document(store, lexicon, Source(doc_id, "x", doc_id, doc_id),
                                     [Article(doc_id, 0, "合成文章", "lead", Mapped("x", (0,)))], chunks)
                store.bump_generation()


def latencies(engine: Engine, questions: list[str]) -> dict[str, list[float]]:
    engine.search("预热")
    out = {}
    for mode in ("hybrid", "dense", "lexical"):
        ms = []
        for q in questions:
            t = time.perf_counter()
            engine.search(q, k=10, config=replace(engine.config, mode=mode))
            ms.append((time.perf_counter() - t) * 1000)
        out[mode] = ms
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--per-doc", type=int, default=200)
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--model-dir", default=str(REPO / "index" / "models"))
    args = ap.parse_args()
    questions = [q.question for q in datasets.load(REPO / "eval" / "seeds").questions][: args.questions]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", model_dir=Path(args.model_dir),
                            milvus_uri=str(Path(tmp) / "milvus.db"))
        embedded = Engine(settings)
        t = time.perf_counter()
        build_embedded(embedded, args.chunks, args.per_doc)
        print(f"embedded build        {args.chunks} chunks in {time.perf_counter() - t:.0f} s", flush=True)
        results = {"embedded": latencies(embedded, questions)}
        report("embedded", results["embedded"])
        embedded.wait()

        backend = MilvusBackend(settings.milvus_uri, embedded.embedder)
        store = Store(embedded.index.store_path, readonly=True)
        t = time.perf_counter()
        backend.migrate_from(store)
        store.close()
        # The first search waits for Lite to build the HNSW graph over the new rows; count it apart.
        milvus = Engine(settings.model_copy(update={"backend": "milvus"}), embedder=embedded.embedder, backend=backend)
        milvus.search("预热")
        print(f"milvus lite load      {args.chunks} rows + index in {time.perf_counter() - t:.0f} s", flush=True)
        results["milvus-lite"] = latencies(milvus, questions)
        report("milvus-lite", results["milvus-lite"])
        backend.close()
    print(f"{len(questions)} questions, k=10, 2 cores shared")


def report(name: str, modes: dict[str, list[float]]) -> None:
    # Printed as soon as one backend is done: a 100k run takes most of an hour.
    for mode, ms in modes.items():
        print(f"{name:12} {mode:8} p50 {percentile(ms, 50):7.1f} ms  p95 {percentile(ms, 95):7.1f} ms", flush=True)


if __name__ == "__main__":
    main()
